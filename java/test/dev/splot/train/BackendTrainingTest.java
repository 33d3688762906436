package dev.splot.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.DType;
import dev.splot.backend.LossResult;
import dev.splot.backend.Tensor;
import dev.splot.data.Dataset;
import dev.splot.io.Checkpoint;
import dev.splot.nn.ForwardContext;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.BackendSuite;
import dev.splot.testing.Outputs;
import dev.splot.testing.SeedModelStep;
import dev.splot.testing.Tiny;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training suite every backend passes, beside the per-operation conformance suite: whole
 * training steps of the seed model's layer sequence ({@link SeedModelStep}, scaled down) against
 * the Java reference and against themselves, and a leak check of the training machinery. A
 * backend's test class extends this and says how to start the backend ({@link BackendSuite}).
 */
public abstract class BackendTrainingTest extends BackendSuite {
    /**
     * Three steps: after each, every parameter, gradient and AdaDelta accumulator against the reference, each on its
     * own scale (normalised max error), and the loss relative to max(1, |loss|): the conformance suite's tolerance,
     * as each step is a chain of its operations on the same data. Measured on native and PoCL: parameters up to 9e-8,
     * gradients up to 9e-7, E[g^2] up to 8e-7 (summation order only); a wrong mask, index or gradient gives errors of
     * order 1. Dropout masks must be identical.
     */
    static final double TOLERANCE = 1e-5;
    /**
     * The float32 rounding a gradient carries relative to its own largest value: sqrt(K) * 2^-24 for sums of K terms
     * (the conformance suite's argument; about 1e-6 for the longest sums here). Measured: up to 9e-7.
     */
    static final double GRADIENT_ROUNDING = 1e-6;

    /**
     * {@link #TOLERANCE}, except for E[dx^2], AdaDelta's average of squared updates. The update dx = g * sqrt(eps) /
     * sqrt((1 - rho) g^2 + eps) (first step) follows g's relative error where |g| is below c = sqrt(eps / (1 - rho))
     * (1.4e-3) and stops growing above it, so an element with |g| near c, far below the tensor's largest gradient G,
     * has an E[dx^2] near the tensor's largest but carries g's rounding (GRADIENT_ROUNDING * G) relative to c: its error
     * on E[dx^2]'s own scale is up to GRADIENT_ROUNDING * G / c. G / c is 50 to 400 here (measured up to 1.3e-5 of
     * error); a wrong gradient still gives errors of order 1.
     */
    private static double tolerance(String output, Outputs reference) {
        if (!output.startsWith(SeedModelStep.UPDATE_AVERAGE)) return TOLERANCE;
        float[] gradient = reference.floats(SeedModelStep.GRADIENT + output.substring(SeedModelStep.UPDATE_AVERAGE.length()));
        double largest = 0;
        for (float g : gradient) largest = Math.max(largest, Math.abs(g));
        double c = Math.sqrt(SeedModelStep.EPSILON / (1 - SeedModelStep.RHO));
        return Math.max(TOLERANCE, GRADIENT_ROUNDING * largest / c);
    }

    /** Six 1x14x14 images, 4 and 8 channels, 16 hidden units, 10 classes: every operation of the seed model, small. */
    static final SeedModelStep.Shape SHAPE = new SeedModelStep.Shape(14, 4, 8, 16, 10);
    static final int BATCH = 6, STEPS = 3;

    /** One run of {@link #STEPS} steps from the same start: each step's loss and the state and dropout masks after it. */
    private record Run(List<LossResult> losses, List<Outputs> states, List<Outputs> masks) {}

    private static Run train(Backend be) {
        long live = be.liveTensors();
        Run run = new Run(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        try (SeedModelStep model = new SeedModelStep(be, SHAPE, 99)) {
            for (int s = 0; s < STEPS; s++) {
                run.losses.add(model.step(SeedModelStep.randomBatch(SHAPE, BATCH, 5 + s), 0x5eedL, s));
                run.states.add(model.state());
                run.masks.add(model.dropoutMasks(BATCH));
            }
        }
        assertEquals(live, be.liveTensors(), "live tensors after closing the model on " + be.name());
        return run;
    }

    @Test
    void threeStepsMatchTheJavaReference() {
        Run expected = train(reference), actual = train(backend);
        for (int s = 0; s < STEPS; s++) {
            double loss = expected.losses.get(s).meanLoss();
            assertTrue(loss > 0 && Double.isFinite(loss), "reference loss " + loss);
            assertEquals(loss, actual.losses.get(s).meanLoss(), TOLERANCE * Math.max(1, Math.abs(loss)), "loss of step " + s);
            assertEquals(expected.losses.get(s).correct(), actual.losses.get(s).correct(), "correct count of step " + s);
            expected.masks.get(s).assertSameBitsAs(actual.masks.get(s), "dropout masks of step " + s);
            Outputs reference = expected.states.get(s);
            reference.assertMatchedBy(actual.states.get(s), name -> tolerance(name, reference), "state after step " + s);
        }
    }

    @Test
    void threeStepsTwiceGiveIdenticalBits() {
        Run first = train(backend), second = train(backend);
        for (int s = 0; s < STEPS; s++) {
            assertEquals(Double.doubleToRawLongBits(first.losses.get(s).meanLoss()), Double.doubleToRawLongBits(second.losses.get(s).meanLoss()),
                    "loss bits of step " + s);
            first.states.get(s).assertSameBitsAs(second.states.get(s), "state after step " + s);
        }
    }

    /**
     * Many training steps must leave the number of live tensors ({@link Backend#liveTensors}) flat from step to step
     * and from epoch to epoch, and closing the model and optimizer (and a checkpoint loaded from disk) must bring it
     * back to where it started.
     */
    @Test
    void liveTensorsStayFlatAndReturnToWhereTheyStarted(@TempDir Path scratch) throws IOException {
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
            Trainer trainer = new Trainer(model, opt, 7, 3);
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
            Trainer t = new Trainer(c.model(), c.optimizer(), 7, 3);
            t.resumeAt(c.position());
            t.fit(data, null, 5, null);
        }
        assertEquals(start, backend.liveTensors(), "live tensors after closing a loaded checkpoint");
    }

    /**
     * Batch normalisation and average pooling on this backend: two epochs in one run, and one epoch, a checkpoint, a
     * fresh backend-side model from it and the second epoch, end with the same bits in every parameter, running
     * statistic and count (the ops are deterministic on every backend, and the checkpoint restores all state).
     */
    @Test
    void batchNormModelResumesBitIdentically(@TempDir Path scratch) throws IOException {
        Dataset data = Tiny.data(40, 6);
        java.util.Map<String, float[]> uninterrupted;
        try (Sequential m = Tiny.batchNormModel(backend, 3); AdaDelta opt = new AdaDelta()) {
            new Trainer(m, opt, 16, 3).fit(data, null, 2, null);
            uninterrupted = Tiny.savedState(m);
        }
        Path file = scratch.resolve("bn.safetensors");
        try (Sequential m = Tiny.batchNormModel(backend, 3); AdaDelta opt = new AdaDelta()) {
            Trainer t = new Trainer(m, opt, 16, 3);
            t.fit(data, null, 1, null);
            Checkpoint.save(file, m, opt, t.position());
        }
        try (Checkpoint c = Checkpoint.load(file, backend)) {
            Trainer t = new Trainer(c.model(), c.optimizer(), 16, 3);
            t.resumeAt(c.position());
            t.fit(data, null, 2, null);
            java.util.Map<String, float[]> resumed = Tiny.savedState(c.model());
            assertEquals(uninterrupted.keySet(), resumed.keySet());
            for (String k : uninterrupted.keySet()) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(uninterrupted.get(k), resumed.get(k), k + " on " + backend.name());
            }
        }
    }
}
