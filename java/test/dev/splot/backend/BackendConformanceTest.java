package dev.splot.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.java.JavaBackend;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.opentest4j.TestAbortedException;

/**
 * The conformance suite every backend passes: each operation against the Java reference on
 * random data, over shapes with odd sizes, batch 1, stride 2, 'same' padding and channel counts
 * that are not multiples of any vector width. A backend's test class extends this and says how
 * to start the backend (or aborts the tests with the reason it cannot start).
 *
 * <p>Tolerance: results are compared by the largest absolute difference divided by the largest
 * absolute reference value. Both sides accumulate in float32 but in different orders; for sums of
 * K products of values in [-1, 1] the rounding difference grows like sqrt(K) * 2^-24 relative to
 * the result's scale (about 1e-6 for the largest K here, 9216), so {@value #TOLERANCE} leaves
 * room for unlucky orders while any indexing or semantic error gives differences of order 1.
 * Operations without sums (ReLU, pooling, dropout, copies) must match exactly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendConformanceTest {
    static final double TOLERANCE = 1e-5;

    protected Backend reference;
    protected Backend backend;
    private final SplittableRandom random = new SplittableRandom(20261128);

    /** Starts the backend under test; abort the tests (with the reason) where it cannot start. */
    protected abstract Backend createBackend();

    private String unavailable;

    @BeforeAll
    void start() {
        reference = new JavaBackend();
        try {
            backend = createBackend();
        } catch (TestAbortedException e) {
            unavailable = e.getMessage(); // aborting here would hide the skip: each test aborts instead
        }
    }

    @BeforeEach
    void skipWhereTheBackendCannotStart() {
        Assumptions.assumeTrue(unavailable == null, unavailable);
    }

    @AfterAll
    void stop() {
        if (backend != null) backend.close();
        if (reference != null) reference.close();
    }

    static List<ConvGeometry> convCases() {
        return List.of(
                ConvGeometry.of(1, 1, 5, 5, 1, 3, 3, 1, Padding.VALID),
                ConvGeometry.of(2, 3, 7, 6, 5, 3, 3, 1, Padding.SAME),
                ConvGeometry.of(3, 2, 9, 8, 4, 3, 3, 2, Padding.VALID),
                ConvGeometry.of(2, 3, 8, 9, 3, 3, 3, 2, Padding.SAME),
                ConvGeometry.of(1, 5, 6, 7, 7, 1, 1, 1, Padding.VALID),
                ConvGeometry.of(2, 4, 10, 10, 6, 5, 5, 1, Padding.SAME),
                ConvGeometry.of(1, 3, 11, 13, 9, 2, 4, 3, Padding.SAME),
                ConvGeometry.of(3, 1, 28, 28, 32, 3, 3, 1, Padding.VALID),
                ConvGeometry.of(2, 32, 26, 26, 64, 3, 3, 1, Padding.VALID),
                ConvGeometry.of(1, 17, 12, 11, 33, 3, 3, 1, Padding.VALID),
                // Winograd (auto) edges: odd output sizes with 'same' padding; 210 2x2 tiles, so
                // the 96-tile blocks end in the middle of a row of tiles
                ConvGeometry.of(1, 9, 7, 5, 10, 3, 3, 1, Padding.SAME),
                ConvGeometry.of(2, 8, 30, 27, 8, 3, 3, 1, Padding.SAME));
    }

    static List<PoolGeometry> poolCases() {
        return List.of(
                PoolGeometry.of(1, 1, 2, 2, 2, 2),
                PoolGeometry.of(2, 3, 6, 6, 2, 2),
                PoolGeometry.of(1, 4, 7, 5, 2, 2),
                PoolGeometry.of(2, 2, 9, 9, 3, 2), // overlapping windows
                PoolGeometry.of(3, 64, 24, 24, 2, 2));
    }

    static final int[][] DENSE_CASES = {{1, 9, 7}, {3, 33, 10}, {5, 130, 129}, {2, 1, 1}, {7, 300, 17}, {4, 9216, 128}};

    // ---- convolution --------------------------------------------------------------------------

    @Test
    void conv2dForward() {
        for (ConvGeometry g : convCases()) {
            float[] x = rand(g.inputShape()), w = rand(g.weightShape()), b = rand(g.o());
            float[] expected = run(reference, be -> {
                try (Tensor tx = up(be, x, g.inputShape()); Tensor tw = up(be, w, g.weightShape()); Tensor tb = up(be, b, g.o());
                     Tensor ty = be.allocate(g.outputShape())) {
                    be.conv2dForward(tx, tw, tb, ty, g);
                    return ty.toFloatArray();
                }
            });
            float[] actual = run(backend, be -> {
                try (Tensor tx = up(be, x, g.inputShape()); Tensor tw = up(be, w, g.weightShape()); Tensor tb = up(be, b, g.o());
                     Tensor ty = be.allocate(g.outputShape())) {
                    be.fill(ty, Float.NaN); // the output must be overwritten, not accumulated into
                    be.conv2dForward(tx, tw, tb, ty, g);
                    return ty.toFloatArray();
                }
            });
            assertClose("conv2dForward " + g, expected, actual, TOLERANCE);
        }
    }

    @Test
    void conv2dBackwardData() {
        for (ConvGeometry g : convCases()) {
            float[] dy = rand(g.outputShape()), w = rand(g.weightShape());
            Op op = be -> {
                try (Tensor tdy = up(be, dy, g.outputShape()); Tensor tw = up(be, w, g.weightShape());
                     Tensor tdx = be.allocate(g.inputShape())) {
                    be.fill(tdx, Float.NaN);
                    be.conv2dBackwardData(tdy, tw, tdx, g);
                    return tdx.toFloatArray();
                }
            };
            assertClose("conv2dBackwardData " + g, run(reference, op), run(backend, op), TOLERANCE);
        }
    }

    @Test
    void conv2dBackwardWeights() {
        for (ConvGeometry g : convCases()) {
            float[] x = rand(g.inputShape()), dy = rand(g.outputShape());
            Op dwOp = be -> {
                try (Tensor tx = up(be, x, g.inputShape()); Tensor tdy = up(be, dy, g.outputShape());
                     Tensor tdw = be.allocate(g.weightShape()); Tensor tdb = be.allocate(g.o())) {
                    be.fill(tdw, Float.NaN);
                    be.fill(tdb, Float.NaN);
                    be.conv2dBackwardWeights(tx, tdy, tdw, tdb, g);
                    return concat(tdw.toFloatArray(), tdb.toFloatArray());
                }
            };
            assertClose("conv2dBackwardWeights " + g, run(reference, dwOp), run(backend, dwOp), TOLERANCE);
        }
    }

    // ---- pooling ------------------------------------------------------------------------------

    @Test
    void maxPoolForwardAndBackward() {
        for (PoolGeometry g : poolCases()) {
            float[] x = rand(g.inputShape());
            x[0] = x[1]; // a tie: the first maximum must win on every backend
            float[] dy = rand(g.outputShape());
            Op op = be -> {
                try (Tensor tx = up(be, x, g.inputShape()); Tensor ty = be.allocate(g.outputShape());
                     Tensor ta = be.allocate(DType.INT32, g.outputShape()); Tensor tdy = up(be, dy, g.outputShape());
                     Tensor tdx = be.allocate(g.inputShape())) {
                    be.fill(tdx, Float.NaN);
                    be.maxPoolForward(tx, ty, ta, g);
                    be.maxPoolBackward(tdy, ta, tdx, g);
                    int[] arg = ta.toIntArray();
                    float[] argAsFloat = new float[arg.length];
                    for (int k = 0; k < arg.length; k++) argAsFloat[k] = arg[k];
                    return concat(ty.toFloatArray(), argAsFloat, tdx.toFloatArray());
                }
            };
            // overlapping windows add gradients in a backend-specific order, hence the tolerance
            assertClose("maxPool " + g, run(reference, op), run(backend, op), TOLERANCE);
        }
    }

    // ---- element-wise -------------------------------------------------------------------------

    @Test
    void reluForwardAndBackward() {
        for (int size : new int[] {1, 7, 1000, 4097}) {
            float[] x = rand(size), dy = rand(size);
            x[0] = 0f;
            if (size > 1) x[1] = Float.NaN; // NaN must propagate forward (and give a zero gradient)
            Op op = be -> {
                try (Tensor tx = up(be, x, size); Tensor ty = be.allocate(size); Tensor tdy = up(be, dy, size);
                     Tensor tdx = be.allocate(size)) {
                    be.reluForward(tx, ty);
                    be.reluBackward(tdy, ty, tdx);
                    return concat(ty.toFloatArray(), tdx.toFloatArray());
                }
            };
            assertArrayEquals(run(reference, op), run(backend, op), "relu size " + size);
        }
    }

    @Test
    void dropoutMasksAreIdenticalToTheReference() {
        for (int size : new int[] {1, 5, 1000, 9216 * 3 + 1}) {
            for (float rate : new float[] {0f, 0.25f, 0.5f}) {
                float[] x = rand(size), dy = rand(size);
                Op op = be -> {
                    try (Tensor tx = up(be, x, size); Tensor ty = be.allocate(size); Tensor tm = be.allocate(size);
                         Tensor tdy = up(be, dy, size); Tensor tdx = be.allocate(size)) {
                        be.dropoutForward(tx, ty, tm, rate, 0x5eed_1234_5678L, (1L << 33) + 7, 3);
                        be.dropoutBackward(tdy, tm, tdx);
                        return concat(tm.toFloatArray(), ty.toFloatArray(), tdx.toFloatArray());
                    }
                };
                assertArrayEquals(run(reference, op), run(backend, op), "dropout size " + size + " rate " + rate);
            }
        }
    }

    // ---- dense --------------------------------------------------------------------------------

    @Test
    void denseForwardAndBackward() {
        for (int[] c : DENSE_CASES) {
            int n = c[0], in = c[1], out = c[2];
            float[] x = rand(n * in), w = rand(out * in), b = rand(out), dy = rand(n * out);
            Op op = be -> {
                try (Tensor tx = up(be, x, n, in); Tensor tw = up(be, w, out, in); Tensor tb = up(be, b, out);
                     Tensor ty = be.allocate(n, out); Tensor tdy = up(be, dy, n, out); Tensor tdx = be.allocate(n, in);
                     Tensor tdw = be.allocate(out, in); Tensor tdb = be.allocate(out)) {
                    be.fill(ty, Float.NaN);
                    be.fill(tdx, Float.NaN);
                    be.fill(tdw, Float.NaN);
                    be.denseForward(tx, tw, tb, ty);
                    be.denseBackward(tdy, tx, tw, tdx, tdw, tdb);
                    float[] withDx = concat(ty.toFloatArray(), tdx.toFloatArray(), tdw.toFloatArray(), tdb.toFloatArray());
                    be.denseBackward(tdy, tx, tw, null, tdw, tdb); // dx is optional
                    return concat(withDx, tdw.toFloatArray());
                }
            };
            assertClose("dense n=" + n + " in=" + in + " out=" + out, run(reference, op), run(backend, op), TOLERANCE);
        }
    }

    // ---- loss ---------------------------------------------------------------------------------

    @Test
    void softmaxCrossEntropyAndSoftmax() {
        for (int[] c : new int[][] {{1, 10}, {7, 3}, {128, 10}, {3, 1000}}) {
            int n = c[0], k = c[1];
            float[] logits = rand(n * k);
            for (int j = 0; j < logits.length; j++) logits[j] *= 20f; // large logits test the max subtraction
            int[] labels = new int[n];
            for (int r = 0; r < n; r++) labels[r] = random.nextInt(k);
            double[] losses = new double[2];
            int[] correct = new int[2];
            float[][] grads = new float[2][];
            Backend[] both = {reference, backend};
            for (int s = 0; s < 2; s++) {
                Backend be = both[s];
                try (Tensor tl = up(be, logits, n, k); Tensor tlab = be.allocate(DType.INT32, n);
                     Tensor td = be.allocate(n, k); Tensor tp = be.allocate(n, k)) {
                    be.upload(tlab, labels);
                    LossResult r = be.softmaxCrossEntropy(tl, tlab, td);
                    be.softmax(tl, tp);
                    losses[s] = r.meanLoss();
                    correct[s] = r.correct();
                    grads[s] = concat(td.toFloatArray(), tp.toFloatArray());
                    assertEquals(n, r.count());
                }
            }
            assertEquals(losses[0], losses[1], TOLERANCE * Math.max(1, Math.abs(losses[0])), "loss n=" + n + " k=" + k);
            assertEquals(correct[0], correct[1], "correct n=" + n + " k=" + k);
            assertClose("softmax n=" + n + " k=" + k, grads[0], grads[1], TOLERANCE);
        }
    }

    // ---- optimizer ----------------------------------------------------------------------------

    @Test
    void adadeltaUpdate() {
        for (int size : new int[] {1, 9, 4099}) {
            float[] p = rand(size), g = rand(size), ag = abs(rand(size)), ad = abs(rand(size));
            Op op = be -> {
                try (Tensor tp = up(be, p, size); Tensor tg = up(be, g, size); Tensor tag = up(be, ag, size);
                     Tensor tad = up(be, ad, size)) {
                    for (int step = 0; step < 3; step++) be.adadeltaUpdate(tp, tg, tag, tad, 1.0f, 0.95f, 1e-7f);
                    return concat(tp.toFloatArray(), tag.toFloatArray(), tad.toFloatArray());
                }
            };
            // element-wise float math; a fused multiply-add may round differently in the last bit
            assertClose("adadelta size " + size, run(reference, op), run(backend, op), 1e-6);
        }
    }

    // ---- memory -------------------------------------------------------------------------------

    @Test
    void memoryRoundTripsAndIsReleased() {
        long before = backend.liveTensors();
        float[] data = rand(1001);
        int[] ints = {3, -1, 7, Integer.MAX_VALUE};
        try (Tensor a = up(backend, data, 7, 11, 13); Tensor b = backend.allocate(1001); Tensor c = backend.allocate(DType.INT32, 4)) {
            assertEquals(before + 3, backend.liveTensors());
            assertArrayEquals(new float[1001], b.toFloatArray(), "allocate must zero-fill");
            backend.copy(a, b);
            assertArrayEquals(data, b.toFloatArray());
            assertArrayEquals(data, a.reshape(1001).toFloatArray());
            backend.fill(b, 2.5f);
            assertEquals(2.5f, b.toFloatArray()[1000]);
            backend.upload(c, ints);
            assertArrayEquals(ints, c.toIntArray());
        }
        assertEquals(before, backend.liveTensors(), "closed tensors must be released");
    }

    // ---- helpers ------------------------------------------------------------------------------

    protected interface Op {
        float[] apply(Backend be);
    }

    protected static float[] run(Backend be, Op op) {
        return op.apply(be);
    }

    protected static Tensor up(Backend be, float[] data, int... shape) {
        Tensor t = be.allocate(shape);
        be.upload(t, data);
        return t;
    }

    protected float[] rand(int... shape) {
        float[] a = new float[(int) Shapes.size(shape)];
        for (int k = 0; k < a.length; k++) a[k] = (float) (random.nextDouble() * 2 - 1);
        return a;
    }

    private static float[] abs(float[] a) {
        for (int k = 0; k < a.length; k++) a[k] = Math.abs(a[k]);
        return a;
    }

    protected static float[] concat(float[]... parts) {
        int len = 0;
        for (float[] p : parts) len += p.length;
        float[] out = new float[len];
        int off = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }

    /** Largest absolute difference over largest absolute reference value; NaN anywhere fails. */
    protected static void assertClose(String what, float[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length, what + ": lengths");
        double maxRef = 0, maxDiff = 0;
        int worst = -1, nonZero = 0;
        for (int k = 0; k < expected.length; k++) {
            if (Float.isNaN(actual[k]) != Float.isNaN(expected[k])) {
                throw new AssertionError(what + ": NaN mismatch at " + k + ": expected " + expected[k] + ", got " + actual[k]);
            }
            maxRef = Math.max(maxRef, Math.abs(expected[k]));
            if (expected[k] != 0f) nonZero++;
            double d = Math.abs((double) expected[k] - actual[k]);
            if (d > maxDiff) {
                maxDiff = d;
                worst = k;
            }
        }
        assertTrue(nonZero > 0, what + ": the reference is all zeros, which proves little");
        double rel = maxDiff / maxRef;
        assertTrue(rel <= tolerance, String.format("%s: normalised max error %.3g > %.1g (at %d: expected %s, got %s)",
                what, rel, tolerance, worst, worst < 0 ? "" : expected[worst], worst < 0 ? "" : actual[worst]));
    }
}
