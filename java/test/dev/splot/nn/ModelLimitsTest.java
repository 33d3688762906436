package dev.splot.nn;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.Padding;
import dev.splot.backend.Shapes;
import dev.splot.backend.java.JavaBackend;
import dev.splot.optim.AdaDelta;
import dev.splot.train.Trainer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The size bounds: at the bound a model passes, one past it is refused with the reason; degenerate windows are refused. */
class ModelLimitsTest {
    static String refusal(int[] input, Layer... layers) {
        return assertThrows(IllegalArgumentException.class, () -> ModelLimits.check(input, List.of(layers))).getMessage();
    }

    static void assertContains(String expected, String actual) {
        assertTrue(actual.contains(expected), () -> "expected \"" + expected + "\" in: " + actual);
    }

    @Test
    void theMnistCnnIsFarInside() {
        ModelLimits.Size s;
        try (Backend b = new JavaBackend(); Sequential m = MnistCnn.build(b, 1)) {
            s = ModelLimits.check(m.inputShape(), m.layers());
        }
        assertEquals(1_199_882, s.parameters());
        assertEquals(194_688 + 10_616_832 + 1_179_648 + 1_280, s.multiplyAdds()); // conv, conv, dense, dense
        assertEquals(64L * 24 * 24, s.largestPerSample()); // conv2d_1's output
        assertEquals(7281, s.maxBatch());
    }

    @Test
    void oneTensorAtTheBoundPassesOnePastIsRefused() {
        assertDoesNotThrow(() -> ModelLimits.check(new int[] {1 << 28}, List.of(new ReLU())));
        assertContains("the model input (268435457,) holds 268435457 values per sample, more than the limit of 268435456",
                refusal(new int[] {(1 << 28) + 1}, new Dense(1)));
        assertDoesNotThrow(() -> ModelLimits.check(new int[] {1 << 20}, List.of(new Dense(255))));
        assertContains("layer 0 'dense' (Dense(257)): its weights (257, 1048576) would hold 269484032 values",
                refusal(new int[] {1 << 20}, new Dense(257)));
    }

    @Test
    void theWholeModelAndItsWorkAreBounded() {
        // 2^28 + 2^14 parameters in two dense layers, each under the per-tensor bound
        assertContains("parameters, more than the limit of 268435456",
                refusal(new int[] {1 << 14}, new Dense(1 << 13), new Dense(1 << 15)));
        assertContains("multiply-adds per sample, more than the limit of 10000000000",
                refusal(new int[] {256, 64, 64}, new Conv2D(4096, 7, 7, 1, Padding.SAME)));
    }

    @Test
    void kernelsThatNeverSeeTheInputAreRefused() {
        // a 3x3 kernel on 2x2 with 'same' padding: every row and column meets the input somewhere
        assertDoesNotThrow(() -> ModelLimits.check(new int[] {1, 2, 2}, List.of(new Conv2D(1, 3, 3, 1, Padding.SAME))));
        assertDoesNotThrow(() -> ModelLimits.check(new int[] {1, 5, 5}, List.of(new Conv2D(1, 5, 5, 2, Padding.SAME))));
        // on 1x1 only its centre ever does
        assertContains("parts of the 3x3 kernel never overlap the input",
                refusal(new int[] {1, 1, 1}, new Conv2D(1, 3, 3, 1, Padding.SAME)));
        assertContains("parts of the 1x3000000 kernel never overlap the input",
                refusal(new int[] {1, 28, 28}, new Conv2D(32, 1, 3_000_000, 1, Padding.SAME)));
        assertContains("smaller than the kernel 3000000x1", refusal(new int[] {1, 28, 28}, new Conv2D(32, 3_000_000, 1, 1, Padding.VALID)));
        assertContains("smaller than the pool 29x29", refusal(new int[] {1, 28, 28}, new MaxPool2D(29, 1)));
    }

    @Test
    void stridesBeyondTheInputAreRefused() {
        assertDoesNotThrow(() -> ModelLimits.check(new int[] {1, 28, 28}, List.of(new Conv2D(1, 1, 1, 28, Padding.VALID))));
        assertContains("stride 29 is larger than its 28x28 input", refusal(new int[] {1, 28, 28}, new Conv2D(1, 1, 1, 29, Padding.VALID)));
        assertContains("stride 2147483647 is larger than its 28x28 input",
                refusal(new int[] {1, 28, 28}, new MaxPool2D(2, Integer.MAX_VALUE)));
    }

    @Test
    void batchSizeBeyondTheTensorBoundIsRefusedBeforeAnyBuffer() {
        try (Backend b = new JavaBackend(); Sequential m = MnistCnn.build(b, 1); AdaDelta opt = new AdaDelta()) {
            int max = ModelLimits.check(m.inputShape(), m.layers()).maxBatch();
            assertDoesNotThrow(() -> ModelLimits.requireBatch(m, max));
            String e = assertThrows(IllegalArgumentException.class, () -> new Trainer(m, opt, 3_000_000, 1)).getMessage();
            assertContains("batch size 3000000 is too large for this model", e);
            assertContains("the largest batch size it allows is " + max, e);
        }
    }

    @Test
    void saturatingProduct() {
        assertEquals(6, Shapes.times(2, 3));
        assertEquals(Long.MAX_VALUE, Shapes.times(1L << 32, 1L << 31));
        assertEquals(Long.MAX_VALUE, Shapes.times(Long.MAX_VALUE, 2));
        assertEquals(Long.MAX_VALUE, Shapes.size(65535, 65535, 65535, 65535, 65535));
    }
}
