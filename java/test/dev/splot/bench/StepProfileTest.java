package dev.splot.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.Backends;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The per-operation step profile: every operation of the step timed behind a synchronisation, the whole step too. */
class StepProfileTest {
    static final List<String> OPS = List.of("upload batch", "conv1 forward", "relu1 forward", "conv2 forward", "relu2 forward",
            "maxpool forward", "dropout1 forward", "dense1 forward", "relu3 forward", "dropout2 forward", "dense2 forward",
            "softmax xent", "dense2 backward", "dropout2 backward", "relu3 backward", "dense1 backward", "dropout1 backward",
            "maxpool backward", "relu2 backward", "conv2 backward-weights", "conv2 backward-data", "relu1 backward",
            "conv1 backward-weights", "adadelta (8 tensors)");

    /** The Java backend with its synchronize() calls counted: a device backend's queued work must be inside each op's time. */
    static Backend counting(Backend be, AtomicInteger syncs) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, m, args) -> {
            if (m.getName().equals("synchronize")) syncs.incrementAndGet();
            try {
                return m.invoke(be, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    @Test
    void timesEveryOperationBehindASynchronisationAndTheWholeStep() {
        AtomicInteger syncs = new AtomicInteger();
        try (Backend be = counting(Backends.open("java", null, s -> { }), syncs)) {
            StepProfile.Result r = StepProfile.measure(be, 3, 2);
            assertEquals(OPS, r.ops().stream().map(StepProfile.Op::name).toList(), "the step's operations, in order");
            int steps = StepProfile.WARM_UP_STEPS + 3;
            assertEquals(steps * (OPS.size() + 1), syncs.get(), "one synchronisation per operation and one per whole step");
            assertEquals("java", r.backend());
            assertEquals(3, r.steps());
            for (StepProfile.Op op : r.ops()) {
                assertTrue(op.medianMs() > 0 && op.bestMs() > 0 && op.bestMs() <= op.medianMs(), op.toString());
            }
            assertTrue(r.ops().get(3).flops() > 0, "conv2 forward counts its FLOPs");
            assertEquals(0, r.ops().get(2).flops(), "ReLU is memory-bound");
            assertTrue(r.medianStepMs() > 0 && r.bestStepMs() <= r.medianStepMs());
            assertEquals(r.ops().stream().mapToDouble(StepProfile.Op::medianMs).sum(), r.opSumMs(), 1e-9);
            assertEquals(r.medianStepMs() - r.opSumMs(), r.gapMs(), 1e-9);
        }
    }

    @Test
    void markdownGivesSharesOfTheStepAndTheGap() {
        StepProfile.Result r = new StepProfile.Result("native", "test", 128, 5, List.of(new StepProfile.Op("conv2 forward", 2.72e9, 10, 9),
                new StepProfile.Op("relu2 forward", 0, 2, 1.5)), 20, 19);
        String md = StepProfile.markdown(r, OptionalDouble.of(200));
        assertTrue(md.contains("| conv2 forward | 10.000 | 9.000 | 50% | 272.0 | 136% |"), md);
        assertTrue(md.contains("| relu2 forward | 2.000 | 1.500 | 10% | | |"), md);
        assertTrue(md.contains("| **sum of the operations** | 12.00 | | 60% | | |"), md);
        assertTrue(md.contains("| 20.00 | 19.00 | 100% |"), md);
        assertTrue(md.contains("| **gap** (whole step − sum) | +8.00 | | 40% | | |"), md);
        assertTrue(StepProfile.markdown(r, OptionalDouble.empty()).contains("| 272.0 | — |"), "no peak, no fraction");
        assertTrue(StepProfile.summary(r).contains("whole step 20.0 ms (best 19.0) -> 9.4 s per 469-step epoch"), StepProfile.summary(r));
    }

    @Test
    void medianOfEvenAndOddCounts() {
        assertEquals(2, StepProfile.median(new double[] {3, 1, 2}));
        assertEquals(2.5, StepProfile.median(new double[] {4, 1, 2, 3}));
        assertThrows(IllegalArgumentException.class, () -> StepProfile.measure(null, 0, 128));
    }
}
