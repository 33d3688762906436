package dev.splot.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.bench.Workloads.Unit;
import dev.splot.bench.Workloads.Work;
import java.lang.reflect.Method;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;

/** The work per benchmark agrees with the counts in docs/architecture.md, and every benchmark has its work stated. */
class WorkloadsTest {

    static double amount(String id) {
        return Workloads.of(id).orElseThrow().amount();
    }

    @Test
    void convolutionFlopsMatchDesign() {
        // docs/architecture.md: conv2 forward 21.2 MFLOP per sample; 2 FLOP per multiply-add
        assertEquals(2.0 * 128 * 64 * 24 * 24 * 32 * 3 * 3, amount("conv2Forward"));
        assertEquals(21.23, amount("conv2Forward") / 128 / 1e6, 0.01);
        assertEquals(amount("conv2Forward"), amount("conv2BackwardData"));
        assertEquals(amount("conv2Forward"), amount("conv2BackwardWeights"));
        assertEquals(2.0 * 128 * 32 * 26 * 26 * 1 * 3 * 3, amount("conv1Forward"));
    }

    @Test
    void modelFlopsPerSampleMatchDesign() {
        // docs/architecture.md: forward ~24.0, backward ~47.6 (conv2 dW+dX 42.5, dense1 4.7, conv1 dW 0.4), ~71.6 MFLOP per sample
        assertEquals(24.0, Workloads.FORWARD_FLOPS / 128 / 1e6, 0.05);
        assertEquals(47.6, Workloads.BACKWARD_FLOPS / 128 / 1e6, 0.05);
        assertEquals(71.6, amount("trainStep") / 128 / 1e6, 0.05);
        assertEquals(Workloads.FORWARD_FLOPS, amount("inference"));
        assertEquals(Workloads.FORWARD_FLOPS / 128 * 10_000, amount("evaluateTestSet"), 1e-3, "the per-epoch test pass: 10,000 images");
        assertEquals(Workloads.FORWARD_FLOPS / 128, amount("predictBatch1"), 1e-6);
        assertEquals(Workloads.FORWARD_FLOPS, amount("predictBatch128"));
        assertEquals(1, Workloads.of("predictBatch1").orElseThrow().samples(), "images per call give img/s");
        assertEquals(4.7, amount("dense1Backward") / 128 / 1e6, 0.05);
        // ~4.3 TFLOP per epoch of 60,000
        assertEquals(4.29, Report.epochFlops() / 1e12, 0.01);
    }

    @Test
    void bytesOfElementWiseOperations() {
        assertEquals(1_199_882, SeedModel.PARAMETERS);
        assertEquals(7.0 * 4 * 1_199_882, amount("adadeltaUpdate"));
        assertEquals(2.0 * 4 * 128 * 64 * 24 * 24, amount("reluForward"));
        assertEquals(3.0 * 4 * 128 * 64 * 24 * 24, amount("reluBackward"));
        assertEquals(3.0 * 4 * 128 * 9216, amount("dropoutForward"));
        assertEquals(4.0 * (128 * 64 * 24 * 24 + 2 * 128 * 64 * 12 * 12), amount("maxPoolForward"));
        assertEquals(2.0 * (64 << 20), amount("memcopy"));
        assertEquals(Unit.BYTE, Workloads.of("softmaxCrossEntropy").orElseThrow().unit());
    }

    @Test
    void rateIsWorkOverTime() {
        Work w = Workloads.of("conv2Forward").orElseThrow();
        assertEquals(w.amount() / 0.5, w.rate(0.5));
    }

    @Test
    void everyBenchmarkMethodHasItsWorkAndViceVersa() {
        Set<String> methods = new TreeSet<>();
        for (Class<?> c : new Class<?>[] {ConvBench.class, LayerOpsBench.class, ModelBench.class, PeakBench.class, InferenceBench.class}) {
            for (Method m : c.getDeclaredMethods()) {
                if (m.isAnnotationPresent(Benchmark.class)) methods.add(m.getName());
            }
        }
        Set<String> works = new TreeSet<>();
        for (Work w : Workloads.ALL) works.add(w.id());
        assertEquals(works, methods);
        assertTrue(Workloads.of(Workloads.TRAINING_RUN).isEmpty(), "the end-to-end row is not a JMH benchmark");
    }
}
