package dev.splot.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Tensor;
import dev.splot.backend.opencl.GemmCall.Bias;
import dev.splot.backend.opencl.GemmCall.Operand;
import dev.splot.testing.RequiredBackends;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The GEMM tile table: which device gets which entry, that every entry is a consistent build, and that each runs right on PoCL. */
class GemmTilesTest {

    @Test
    void deviceClassComesFromTypeAndVendor() {
        assertEquals(DeviceClass.CPU, DeviceClass.of(true, false, "AuthenticAMD"), "PoCL on an AMD CPU");
        assertEquals(DeviceClass.CPU, DeviceClass.of(true, false, "GenuineIntel"));
        assertEquals(DeviceClass.NVIDIA_GPU, DeviceClass.of(false, true, "NVIDIA Corporation"));
        assertEquals(DeviceClass.AMD_GPU, DeviceClass.of(false, true, "Advanced Micro Devices, Inc."));
        assertEquals(DeviceClass.AMD_GPU, DeviceClass.of(false, true, "AMD"), "Mesa's drivers say AMD");
        assertEquals(DeviceClass.INTEL_GPU, DeviceClass.of(false, true, "Intel(R) Corporation"));
        assertEquals(DeviceClass.GENERIC, DeviceClass.of(false, true, "Apple"), "a GPU of another vendor");
        assertEquals(DeviceClass.GENERIC, DeviceClass.of(false, true, "ARM"));
        assertEquals(DeviceClass.GENERIC, DeviceClass.of(false, false, "Xilinx"), "an accelerator");
    }

    @Test
    void cpuAndGenericEntriesAreTheMeasuredAndTheEarlierDefaults() {
        assertEquals(new GemmTile(8, 1, 8, 128), GemmTiles.TABLE.get(DeviceClass.CPU));
        assertEquals(new GemmTile(4, 1, 16, 64), GemmTiles.TABLE.get(DeviceClass.GENERIC));
        assertEquals("-DTM=8 -DNV=1 -DWGM=0", GemmTiles.TABLE.get(DeviceClass.CPU).defines(false));
        assertEquals("-DTM=8 -DNV=1 -DWGM=8 -DKB=128", GemmTiles.TABLE.get(DeviceClass.CPU).defines(true));
    }

    @Test
    void cpuTilesKeepEightAccumulatorRegistersAtTheDevicesVectorWidth() {
        assertEquals(new GemmTile(8, 1, 8, 128), GemmTiles.entry(DeviceClass.CPU, 16), "AVX-512: the table's entry");
        assertEquals(new GemmTile(4, 1, 8, 128), GemmTiles.entry(DeviceClass.CPU, 8), "AVX2: 4 rows of 2 ymm each");
        assertEquals(new GemmTile(2, 1, 8, 128), GemmTiles.entry(DeviceClass.CPU, 4), "SSE or NEON: 2 rows of 4 registers");
        assertEquals(new GemmTile(1, 1, 8, 128), GemmTiles.entry(DeviceClass.CPU, 1), "scalar: at least one row");
        assertEquals(new GemmTile(1, 1, 8, 128), GemmTiles.entry(DeviceClass.CPU, 0), "a driver reporting 0: one row");
        assertEquals(GemmTiles.TABLE.get(DeviceClass.NVIDIA_GPU), GemmTiles.entry(DeviceClass.NVIDIA_GPU, 1),
                "GPUs: the table's entry whatever their vector width");
    }

    @Test
    void everyEntryIsAConsistentBuild() {
        for (DeviceClass dc : DeviceClass.values()) {
            GemmTile t = GemmTiles.TABLE.get(dc);
            assertTrue(t != null, dc + " has an entry");
            String what = dc + " " + t;
            assertTrue(t.hasPanel(), what + ": every class has a local-memory variant (GPUs use only that one)");
            assertEquals(0, t.panelRows() % t.panelItems(), what + ": KB a multiple of WGM, so every work-item copies as many rows");
            assertTrue(t.panelBytes() <= 32 << 10, what + ": local memory within the 32 KiB OpenCL 1.2 guarantees");
            assertTrue(t.panelItems() <= 256, what + ": work-group within 256, the smallest maximum of the GPUs in the table");
            assertEquals(0, t.panelItems() % dc.lanes, what + ": whole warps / wavefronts / sub-groups");
            if (dc != DeviceClass.CPU) {
                assertTrue(t.panelItems() * t.rows() <= 64, what + ": work-group tile at most 64 rows (this project's M is 32-288)");
                assertTrue(t.rows() * t.columns() <= 64, what + ": at most 64 accumulators per work-item (register budget)");
            }
            assertEquals("-DTM=" + t.rows() + " -DNV=" + t.vectors() + " -DWGM=0", t.defines(false));
            assertEquals("-DTM=" + t.rows() + " -DNV=" + t.vectors() + " -DWGM=" + t.panelItems() + " -DKB=" + t.panelRows(),
                    t.defines(true));
        }
    }

    @Test
    void overridesReplaceWhatTheyNameAndRejectTheRest() {
        GemmTile cpu = GemmTiles.TABLE.get(DeviceClass.CPU);
        assertEquals(new GemmTile(8, 2, 8, 128), GemmTile.override("8x2", cpu));
        assertEquals(new GemmTile(5, 1, 3, 128), GemmTile.override("5x1/3", cpu));
        assertEquals(new GemmTile(5, 1, 3, 16), GemmTile.override("5x1/3/16", cpu));
        assertEquals(new GemmTile(4, 1, 0, 128), GemmTile.override("4x1/0", cpu), "WGM 0: no local-memory variant");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GemmTile.override("8x3", cpu));
        assertTrue(e.getMessage().contains(OpenClBackend.GEMM_PROPERTY), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GemmTile.override("17x1", cpu));
        assertTrue(e.getMessage().contains("bad values in '17x1'") && e.getMessage().contains("TM"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GemmTile.override("8x1/8/0", cpu));
    }

    /**
     * Every entry compiles on PoCL and computes two GEMMs right: a split-K one with transposed A and a row bias on the
     * direct kernel, and a batched one with a column bias on the local-memory kernel (rows of B 4,100 floats apart and
     * 520 of them, a column strip longer than L1: {@link Gemm} picks the panel kernel there on CPUs; GPUs use it for
     * both). Each element is summed in the same order whatever the tile,
     * so all entries must give the CPU entry's bits.
     */
    @Test
    void everyEntryBuildsAndComputesTheSameBitsOnPocl() {
        RequiredBackends.open("opencl", OpenClBackend::listDevices);
        Map<DeviceClass, List<float[]>> results = new EnumMap<>(DeviceClass.class);
        for (DeviceClass dc : DeviceClass.values()) {
            try (OpenClBackend be = OpenClBackend.create(null, ProgramCache.fromEnvironment(), GemmTiles.TABLE.get(dc),
                    Gemm.PanelUse.AUTO)) {
                results.put(dc, List.of(run(be, 37, 50, 45, false), run(be, 37, 4100, 520, true)));
            }
        }
        for (DeviceClass dc : DeviceClass.values()) {
            for (int c = 0; c < 2; c++) {
                assertArrayEquals(results.get(DeviceClass.CPU).get(c), results.get(dc).get(c), dc + " case " + c + " bits");
            }
        }
    }

    /** Runs one GEMM on the device, checks it against a double-precision reference and returns C. */
    private static float[] run(OpenClBackend be, int m, int n, int k, boolean batchedWithColumnBias) {
        SplittableRandom r = new SplittableRandom(m * 31L + n);
        List<Tensor> live = new ArrayList<>();
        try {
            int batches = 2, perBatch = batchedWithColumnBias ? 1 : 2, total = batchedWithColumnBias ? 2 : 3;
            float[] a = random(r, batchedWithColumnBias ? m * k : total * k * m), b = random(r, total * k * n);
            float[] bias = random(r, batchedWithColumnBias ? n : m), c = new float[batches * m * n];
            Tensor ta = put(be, live, a), tb = put(be, live, b), tbias = put(be, live, bias), tc = put(be, live, c);
            GemmCall call;
            if (batchedWithColumnBias) { // A shared, one B and C per batch
                call = GemmCall.of(m, n, k, Operand.rowMajor(OpenClBackend.mem(ta), 0, k),
                        Operand.rowMajor(OpenClBackend.mem(tb), 0, n).perBatch((long) k * n),
                        Operand.rowMajor(OpenClBackend.mem(tc), 0, n).perBatch((long) m * n))
                        .batched(batches).withBias(OpenClBackend.mem(tbias), Bias.PER_COLUMN);
            } else { // slices 0, 1 into batch 0 and slice 2 into batch 1; A stored transposed (k x m)
                call = GemmCall.of(m, n, k, Operand.transposed(OpenClBackend.mem(ta), 0, m).perBatch(2L * k * m).perSlice((long) k * m),
                        Operand.rowMajor(OpenClBackend.mem(tb), 0, n).perBatch(2L * k * n).perSlice((long) k * n),
                        Operand.rowMajor(OpenClBackend.mem(tc), 0, n).perBatch((long) m * n))
                        .summingSlices(batches, perBatch, total).withBias(OpenClBackend.mem(tbias), Bias.PER_ROW);
            }
            be.gemm().run(call);
            be.download(tc, c);
            check(call, a, b, bias, c);
            return c;
        } finally {
            live.forEach(Tensor::close);
        }
    }

    /**
     * gemm.cl's definition in doubles. Tolerance: a float sum of s*k products (fma, in order) is within
     * (s*k + 1) * 2^-24 * (sum of |products| + |bias|) of the exact value; twice that is allowed.
     */
    private static void check(GemmCall g, float[] a, float[] b, float[] bias, float[] c) {
        Operand oa = g.a(), ob = g.b(), oc = g.c();
        for (int z = 0; z < g.batches(); z++) {
            int slices = Math.min(g.slices(), g.sliceLimit() - z * g.slices());
            for (int i = 0; i < g.m(); i++) {
                for (int j = 0; j < g.n(); j++) {
                    double sum = 0, abs = 0;
                    for (int s = 0; s < slices; s++) {
                        for (int kk = 0; kk < g.k(); kk++) {
                            double p = (double) a[(int) (oa.offset() + z * oa.batchStride() + s * oa.sliceStride() + (long) i * oa.rowStride()
                                    + (long) kk * oa.colStride())]
                                    * b[(int) (ob.offset() + z * ob.batchStride() + s * ob.sliceStride() + (long) kk * ob.rowStride() + j)];
                            sum += p;
                            abs += Math.abs(p);
                        }
                    }
                    double bv = g.biasMode() == Bias.PER_ROW ? bias[i] : g.biasMode() == Bias.PER_COLUMN ? bias[j] : 0;
                    double bound = 2 * (slices * g.k() + 1) * 0x1p-24 * (abs + Math.abs(bv));
                    float got = c[(int) (oc.offset() + z * oc.batchStride() + (long) i * oc.rowStride() + j)];
                    assertTrue(Math.abs(got - (sum + bv)) <= bound, "C[" + z + "][" + i + "][" + j + "] = " + got
                            + ", expected " + (sum + bv) + " within " + bound);
                }
            }
        }
    }

    /** Values uniform in [-1, 1) (also the inputs of {@link GemmTileSweep}). */
    static float[] random(SplittableRandom r, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }

    /** A device copy of {@code data}, added to {@code live} to be freed (also used by {@link GemmTileSweep}). */
    static Tensor put(OpenClBackend be, List<Tensor> live, float[] data) {
        Tensor t = be.allocate(data.length);
        live.add(t);
        be.upload(t, data);
        return t;
    }
}
