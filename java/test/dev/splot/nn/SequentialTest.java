package dev.splot.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.java.JavaBackend;
import org.junit.jupiter.api.Test;

class SequentialTest {
    @Test
    void seedModelHasTheKerasParameterCountAndSummary() {
        JavaBackend be = new JavaBackend();
        try (Sequential m = MnistCnn.build(be, 1)) {
            assertEquals(1_199_882, m.parameterCount());
            String s = m.summary();
            assertTrue(s.contains("conv2d_1 (Conv2D)"), s);
            assertTrue(s.contains("(None, 64, 12, 12)"), s);
            assertTrue(s.contains("Total params: 1,199,882"), s);
            assertEquals(10, m.classes());
        }
        assertEquals(0, be.liveTensors(), "closing the model frees every tensor");
    }

    @Test
    void trainEvaluateAndPredict() {
        JavaBackend be = new JavaBackend();
        dev.splot.data.Dataset data = dev.splot.testing.Tiny.data(96, 3);
        try (Sequential m = dev.splot.testing.Tiny.model(be, 2); dev.splot.optim.AdaDelta opt = new dev.splot.optim.AdaDelta()) {
            double before = dev.splot.train.Trainer.evaluate(m, data, 32).loss();
            assertEquals(3, new dev.splot.train.Trainer(m, opt, 16, m.seed()).fit(data, data, 3, null).size());
            dev.splot.train.Evaluation after = dev.splot.train.Trainer.evaluate(m, data, 32);
            assertTrue(after.loss() < before, "training must lower the loss: " + before + " -> " + after.loss());
            float[] p = m.predict(java.util.Arrays.copyOf(data.images(), 5 * 64), 5);
            assertEquals(15, p.length);
            double rowSum = p[0] + p[1] + p[2];
            assertEquals(1.0, rowSum, 1e-5, "probabilities of a row sum to 1");
        }
    }

    @Test
    void shapeMismatchNamesTheLayerAndShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sequential.builder(1, 28, 28)
                .add(new Conv2D(8, 3)).add(new Dense(10)).build(new JavaBackend(), 1));
        assertTrue(e.getMessage().contains("layer 1 'dense'") && e.getMessage().contains("(8, 26, 26)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Sequential.builder(1, 4, 4)
                .add(new Conv2D(8, 5)).add(new Flatten()).add(new Dense(2)).build(new JavaBackend(), 1));
        assertTrue(e.getMessage().contains("smaller than the kernel"), e.getMessage());
    }

    @Test
    void glorotInitialisationStaysWithinItsLimit() {
        JavaBackend be = new JavaBackend();
        try (Sequential m = Sequential.builder(9).add(new Dense(7)).build(be, 5)) {
            float[] w = m.parameters().get(0).value().toFloatArray();
            double limit = Math.sqrt(6.0 / (9 + 7)), max = 0;
            for (float v : w) max = Math.max(max, Math.abs(v));
            assertTrue(max <= limit && max > 0.8 * limit, "max |w| " + max + " vs limit " + limit);
            for (float v : m.parameters().get(1).value().toFloatArray()) assertEquals(0f, v, "biases start at zero");
        }
    }
}
