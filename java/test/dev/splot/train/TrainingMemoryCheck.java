package dev.splot.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.splot.backend.Backend;
import dev.splot.backend.DType;
import dev.splot.backend.LossResult;
import dev.splot.backend.Tensor;
import dev.splot.data.Dataset;
import dev.splot.io.Checkpoint;
import dev.splot.nn.ForwardContext;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.Tiny;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A leak check to run on every backend: many training steps must leave the number of live
 * tensors ({@link Backend#liveTensors}) flat from step to step and from epoch to epoch, and
 * closing the model and optimizer must bring it back to where it started. Backend test classes
 * call {@link #check} with their own backend.
 */
public final class TrainingMemoryCheck {
    private TrainingMemoryCheck() {}

    /** @param scratch a directory for one checkpoint round trip (loading must not leak either) */
    public static void check(Backend backend, Path scratch) throws IOException {
        long start = backend.liveTensors();
        Dataset data = Tiny.data(100, 11);
        try (Sequential model = Tiny.model(backend, 3); AdaDelta opt = new AdaDelta()) {
            // 1. a hand-written loop: after the first step has allocated the buffers, every step allocates nothing lasting
            float[] xHost = new float[16 * 64];
            int[] yHost = new int[16];
            int[] order = Trainer.shuffledOrder(100, 3, 0);
            List<Long> perStep = new ArrayList<>();
            try (Tensor x = backend.allocate(16, 1, 8, 8); Tensor y = backend.allocate(DType.INT32, 16);
                 Tensor dlogits = backend.allocate(16, 3)) {
                for (int step = 0; step < 50; step++) {
                    data.gather(order, (step * 16) % 80, (step * 16) % 80 + 16, xHost, yHost);
                    backend.upload(x, xHost);
                    backend.upload(y, yHost);
                    LossResult r = backend.softmaxCrossEntropy(model.forward(x, new ForwardContext(true, 3, step)), y, dlogits);
                    model.backward(dlogits);
                    opt.step(model.parameters());
                    perStep.add(backend.liveTensors());
                    if (!Double.isFinite(r.meanLoss())) throw new AssertionError("loss " + r.meanLoss() + " at step " + step);
                }
            }
            for (int s = 1; s < perStep.size(); s++) {
                assertEquals(perStep.get(0), perStep.get(s), "live tensors after step " + (s + 1) + " vs after step 1: " + perStep);
            }
            // 2. the Trainer: batch 7 leaves a last batch of 2, so buffers are reallocated twice per epoch;
            //    evaluation and prediction run between epochs
            Trainer trainer = new Trainer(model, opt, 7, 3, null);
            List<Long> perEpoch = new ArrayList<>();
            trainer.fit(data, Tiny.data(9, 12), 4, s -> {
                model.predict(data.images(), 5, 2);
                perEpoch.add(backend.liveTensors());
            });
            for (int e = 1; e < perEpoch.size(); e++) {
                assertEquals(perEpoch.get(0), perEpoch.get(e), "live tensors after epoch " + (e + 1) + " vs epoch 1: " + perEpoch);
            }
            Checkpoint.save(scratch.resolve("leak-check.safetensors"), model, opt, trainer.position());
        }
        assertEquals(start, backend.liveTensors(), "live tensors after closing the model and optimizer");
        try (Checkpoint c = Checkpoint.load(scratch.resolve("leak-check.safetensors"), backend)) {
            Trainer t = new Trainer(c.model(), c.optimizer(), 7, 3, null);
            t.resumeAt(c.position());
            t.fit(data, null, 5, null);
        }
        assertEquals(start, backend.liveTensors(), "live tensors after closing a loaded checkpoint");
    }
}
