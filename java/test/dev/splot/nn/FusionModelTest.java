package dev.splot.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.DType;
import dev.splot.backend.Tensor;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.BackendSuite;
import dev.splot.testing.Outputs;
import dev.splot.testing.RequiredBackends;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A model with fusion on against the same model with fusion off ({@link Sequential.Builder#fusion}),
 * on each backend: forward in training and evaluation, backward, and several AdaDelta steps must
 * give the same bits, as the fused ops give the bits of the layers one by one. The model has every
 * fused run (Conv2D-ReLU, Conv2D-ReLU-MaxPool2D, and backward Conv2D-ReLU-MaxPool2D-Dropout with the
 * ReLU before it; with other pooling windows Conv2D-ReLU twice and MaxPool2D-Dropout) on odd sizes, at
 * batch 1 and 3, and once with overlapping pooling windows. The second convolution has 8 input and 9
 * output channels, so that native takes its F(4x4) Winograd path, where the pooling is fused.
 */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"java", "native", "opencl"})
class FusionModelTest extends BackendSuite {
    private static final int STEPS = 3;

    @Parameter
    String backendName;

    @Override
    protected Backend createBackend() {
        return RequiredBackends.open(backendName);
    }

    /** Conv-ReLU-Conv-ReLU-MaxPool-Dropout-Flatten-Dense on 2 x 13 x 11 inputs. */
    private Sequential model(boolean fusion, int pool, int poolStride) {
        return Sequential.builder(2, 13, 11).fusion(fusion)
                .add(new Conv2D(8, 3)).add(new ReLU())
                .add(new Conv2D(9, 3)).add(new ReLU())
                .add(new MaxPool2D(pool, poolStride))
                .add(new Dropout(0.25))
                .add(new Flatten())
                .add(new Dense(4))
                .build(backend, 77);
    }

    @Test
    void fusedAndUnfusedTrainingGiveTheSameBits() {
        for (int[] p : new int[][] {{2, 2}, {3, 2}}) {
            for (int n : new int[] {1, 3}) {
                Outputs fused = train(() -> model(true, p[0], p[1]), n);
                Outputs unfused = train(() -> model(false, p[0], p[1]), n);
                unfused.assertSameBitsAs(fused, backend.name() + ": fusion on vs off, pool " + p[0] + "/" + p[1] + ", batch " + n);
            }
        }
    }

    /** Every step's logits (training and evaluation), then the final weights and gradients. */
    private Outputs train(Supplier<Sequential> build, int n) {
        SplittableRandom random = new SplittableRandom(5);
        float[] images = new float[n * 2 * 13 * 11];
        int[] labels = new int[n];
        Outputs out = new Outputs();
        try (Sequential m = build.get(); AdaDelta opt = new AdaDelta(); Tensor x = backend.allocate(n, 2, 13, 11);
             Tensor y = backend.allocate(DType.INT32, n); Tensor dlogits = backend.allocate(n, 4)) {
            for (int step = 0; step < STEPS; step++) {
                for (int k = 0; k < images.length; k++) images[k] = (float) random.nextDouble(-1, 1);
                for (int k = 0; k < n; k++) labels[k] = random.nextInt(4);
                backend.upload(x, images);
                backend.upload(y, labels);
                out.add("eval logits " + step, m.forward(x, ForwardContext.inference()).toFloatArray());
                Tensor logits = m.forward(x, new ForwardContext(true, 11, step));
                out.add("training logits " + step, logits.toFloatArray());
                backend.softmaxCrossEntropy(logits, y, dlogits);
                m.backward(dlogits);
                opt.step(m.parameters());
            }
            for (dev.splot.nn.Parameter p : m.parameters()) out.add(p.name(), p.value()).add(p.name() + " grad", p.grad());
        }
        return out;
    }

    /**
     * The fused Conv2D-ReLU-MaxPool2D forward does not write the ReLU's output: the workspace refuses it to the ReLU's
     * own backward (a former batch's values otherwise), naming the layer and what stood for it.
     */
    @Test
    void theReluOutputTheFusedForwardDidNotWriteIsRefused() {
        try (Sequential m = model(true, 2, 2); Workspace ws = new Workspace(); Tensor x = backend.allocate(1, 2, 13, 11);
             Tensor dy = backend.allocate(1, 9, 9, 7)) {
            ReLU relu = (ReLU) m.layers().get(3);
            m.forward(x, new ForwardContext(true, 11, 0), ws);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> relu.backward(dy, true, ws));
            assertTrue(e.getMessage().startsWith("layer '" + relu.name() + "': its output was not written by the last forward pass (fused"),
                    e.getMessage());
        }
        // with fusion off the same call reads the output the ReLU wrote
        try (Sequential m = model(false, 2, 2); Workspace ws = new Workspace(); Tensor x = backend.allocate(1, 2, 13, 11);
             Tensor dy = backend.allocate(1, 9, 9, 7)) {
            m.forward(x, new ForwardContext(true, 11, 0), ws);
            m.layers().get(3).backward(dy, true, ws);
        }
    }

    @Test
    void predictionsAreTheSameWithFusionOnAndOff() {
        float[] images = new float[5 * 2 * 13 * 11];
        SplittableRandom random = new SplittableRandom(9);
        for (int k = 0; k < images.length; k++) images[k] = (float) random.nextDouble(-1, 1);
        try (Sequential on = model(true, 2, 2); Sequential off = model(false, 2, 2)) {
            assertTrue(on.fusion());
            assertFalse(off.fusion());
            new Outputs().add("p", off.predict(images, 5, 2)).assertSameBitsAs(new Outputs().add("p", on.predict(images, 5, 2)),
                    "predict with fusion on vs off");
        }
    }

    @Test
    void theSystemPropertySetsTheDefaultAndRejectsOtherValues() {
        String old = System.getProperty(Sequential.FUSION_PROPERTY);
        try {
            System.setProperty(Sequential.FUSION_PROPERTY, "false");
            try (Sequential m = Sequential.builder(2, 13, 11).add(new Flatten()).add(new Dense(4)).build(backend, 1)) {
                assertFalse(m.fusion());
            }
            System.setProperty(Sequential.FUSION_PROPERTY, "yes");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sequential.builder(1));
            assertEquals("the system property splot.fusion must be true or false, got 'yes'", e.getMessage());
        } finally {
            if (old == null) System.clearProperty(Sequential.FUSION_PROPERTY);
            else System.setProperty(Sequential.FUSION_PROPERTY, old);
        }
    }
}
