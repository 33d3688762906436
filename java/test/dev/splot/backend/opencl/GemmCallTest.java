package dev.splot.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.opencl.GemmCall.Bias;
import dev.splot.backend.opencl.GemmCall.Operand;
import org.junit.jupiter.api.Test;

/** What a GemmCall says and what gemm.cl cannot do (no device needed: the buffers are never touched). */
class GemmCallTest {
    private static final Operand A = Operand.rowMajor(null, 0, 5), B = Operand.rowMajor(null, 0, 7), C = Operand.rowMajor(null, 0, 7);

    @Test
    void buildersSetWhatTheySay() {
        GemmCall g = GemmCall.of(3, 7, 5, Operand.transposed(null, 2, 3).perBatch(15).perSlice(30), B, C).summingSlices(2, 3, 5);
        assertEquals(new Operand(null, 2, 1, 3, 15, 30), g.a());
        assertEquals(2, g.batches());
        assertEquals(3, g.slices());
        assertEquals(5, g.sliceLimit());
        GemmCall batched = GemmCall.of(3, 7, 5, A, B, C).batched(4);
        assertEquals(4, batched.batches());
        assertEquals(1, batched.slices());
        assertEquals(4, batched.sliceLimit());
        assertEquals(Bias.NONE, batched.biasMode());
    }

    @Test
    void rejectsWhatGemmClCannotRun() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GemmCall.of(3, 7, 5, A, Operand.transposed(null, 0, 5), C));
        assertTrue(e.getMessage().contains("contiguous rows of B and C"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GemmCall.of(3, 7, 5, A, B, C.perSlice(21)));
        e = assertThrows(IllegalArgumentException.class, () -> GemmCall.of(3, 7, 5, A, B, C).withBias(null, Bias.PER_ROW));
        assertTrue(e.getMessage().contains("PER_ROW without a bias buffer"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GemmCall.of(3, 7, 5, A, B, C).batched(0));
    }
}
