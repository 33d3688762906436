package dev.splot.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.Diagnostics;
import dev.splot.backend.java.JavaBackend;
import dev.splot.nn.Conv2D;
import dev.splot.nn.Dense;
import dev.splot.nn.Flatten;
import dev.splot.nn.ReLU;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.partial.PartialBackend;
import dev.splot.testing.partial.PartialBackends;
import dev.splot.train.Trainer;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Backends are found through ServiceLoader, ranked by their probes, and may provide a subset of the ops. */
class BackendProvidersTest {

    @Test
    void theBuiltInProvidersAreFoundByName() {
        List<String> names = Backends.providers().stream().map(BackendProvider::name).toList();
        assertTrue(names.containsAll(List.of("java", "native", "opencl")), names.toString());
        assertEquals("auto", Backends.names().get(0));
        assertFalse(names.contains(PartialBackend.NAME), "the test-scope provider is registered only where a test adds it");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.open("cuda", null, null));
        assertTrue(e.getMessage().contains("unknown backend 'cuda'") && e.getMessage().contains("opencl"), e.getMessage());
    }

    @Test
    void everyBuiltInBackendProvidesEveryOp() {
        try (Backend java = Backends.open("java", null, null)) {
            assertEquals(EnumSet.allOf(Op.class), java.supportedOps());
        }
    }

    @Test
    void aProviderInAnotherJarIsFoundListedAndNeverChosenOverARealBackend() throws Exception {
        PartialBackends.discoverable(() -> {
            assertTrue(Backends.names().contains(PartialBackend.NAME), Backends.names().toString());
            String report = Diagnostics.report();
            assertTrue(report.contains("partial: a test-scope backend with ReLU only"), report);
            assertTrue(report.matches("(?s).*partial\\s+PASS.*"), report);
            try (Backend auto = Backends.open("auto", null, null)) {
                assertNotEquals(PartialBackend.NAME, auto.name(), "rank 0 is below every real backend");
            }
            return null;
        });
    }

    @Test
    void aPartialBackendSaysWhatItProvidesAndRefusesTheRest() throws Exception {
        PartialBackends.discoverable(() -> {
            try (Backend partial = Backends.open(PartialBackend.NAME, null, null)) {
                assertEquals(EnumSet.of(Op.RELU_FORWARD, Op.RELU_BACKWARD), partial.supportedOps(),
                        "derived from the *Impl methods it overrides");
                try (Tensor x = partial.allocate(2, 3); Tensor y = partial.allocate(2, 3)) {
                    partial.upload(x, new float[] {-1, 2, Float.NaN, 0, 5, -3});
                    partial.reluForward(x, y);
                    assertEquals(List.of(0f, 2f, Float.NaN, 0f, 5f, 0f), boxed(y.toFloatArray()));
                    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> partial.softmax(x, y));
                    assertTrue(e.getMessage().contains("the partial backend does not provide the operation softmax"), e.getMessage());
                }
            }
            return null;
        });
    }

    @Test
    void aModelNeedingAMissingOpIsRefusedAtBuildTimeNamingLayerOpAndBackend() {
        try (Backend partial = new PartialBackend()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sequential.builder(1, 8, 8)
                    .add(new Conv2D(4, 3)).add(new ReLU()).add(new Flatten()).add(new Dense(3)).build(partial, 1));
            assertTrue(e.getMessage().contains("layer 0 'conv2d'") && e.getMessage().contains("conv2dForward")
                    && e.getMessage().contains("the partial backend does not provide"), e.getMessage());
            assertEquals(0, partial.liveTensors(), "nothing is allocated for a refused model");
        }
    }

    @Test
    void aTrainerRefusesABackendWithoutTheLossOrTheOptimizersOp() {
        try (Backend partial = new PartialBackend(); Sequential m = Sequential.builder(6).add(new ReLU()).build(partial, 1);
             AdaDelta opt = new AdaDelta()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trainer(m, opt, 2, 1));
            assertTrue(e.getMessage().contains("the loss needs the operation softmaxCrossEntropy"), e.getMessage());
        }
        try (Backend java = new JavaBackend(); Sequential m = Sequential.builder(6).add(new ReLU()).build(java, 1);
             AdaDelta opt = new AdaDelta()) {
            new Trainer(m, opt, 2, 1); // every op there
        }
    }

    private static List<Float> boxed(float[] a) {
        List<Float> l = new java.util.ArrayList<>();
        for (float f : a) l.add(f);
        return l;
    }
}
