package dev.splot.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.java.JavaBackend;
import dev.splot.backend.nativecpu.NativeBackend;
import dev.splot.testing.Outputs;
import dev.splot.testing.RequiredBackends;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Native-specific checks beyond the conformance suite: results independent of the thread count
 * (bit for bit), NaN in max-pooling, clear errors for a bad forced path. Whole training steps
 * against the Java reference are in {@code NativeBackendTrainingTest}.
 */
class NativeBackendTest {
    private final SplittableRandom random = new SplittableRandom(7);

    private static List<String> paths() {
        List<String> out = new ArrayList<>();
        for (String isa : new String[] {"scalar", "avx2", "avx512"}) {
            if (NativeBackend.cpuSupports(isa)) out.add(isa);
        }
        return out;
    }

    private float[] rand(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (random.nextDouble() * 2 - 1);
        return a;
    }

    private static Tensor up(Backend be, float[] data, int... shape) {
        Tensor t = be.allocate(shape);
        be.upload(t, data);
        return t;
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        RequiredBackends.nativeBackend().close(); // skips (or fails) with the reason if unavailable
        ConvGeometry g = ConvGeometry.of(5, 8, 13, 12, 16, 3, 3, 1, Padding.SAME);
        ConvGeometry g2 = ConvGeometry.of(3, 5, 11, 9, 7, 3, 3, 2, Padding.VALID);
        // stride 1, VALID: Winograd under "auto" (and F(2x2) / F(4x4) forced), the explicit-GEMM backward-data path under
        // "gemm"; large enough to run in parallel
        ConvGeometry g3 = ConvGeometry.of(6, 8, 20, 19, 16, 3, 3, 1, Padding.VALID);
        float[] x = rand(5 * 8 * 13 * 12), w = rand(16 * 8 * 9), b = rand(16), dy = rand(5 * 16 * 13 * 12);
        float[] x2 = rand(3 * 5 * 11 * 9), w2 = rand(7 * 5 * 9), dy2 = rand((int) Shapes.size(g2.outputShape()));
        float[] x3 = rand((int) Shapes.size(g3.inputShape())), w3 = rand(16 * 8 * 9), dy3 = rand((int) Shapes.size(g3.outputShape()));
        // dense: 37 x 1500 x 19 multiply-adds, above the native serial threshold (2^20)
        float[] dx = rand(37 * 1500), dw = rand(19 * 1500), ddy = rand(37 * 19);
        for (String isa : paths()) for (String conv : new String[] {"auto", "gemm", "winograd2", "winograd4"}) {
            Outputs[] results = new Outputs[3];
            int[] threads = {1, 2, 3};
            for (int t = 0; t < threads.length; t++) {
                try (NativeBackend be = NativeBackend.create(isa, threads[t], conv)) {
                    try (Tensor tx = up(be, x, g.inputShape()); Tensor tw = up(be, w, g.weightShape()); Tensor tb = up(be, b, 16);
                         Tensor ty = be.allocate(g.outputShape()); Tensor tdy = up(be, dy, g.outputShape());
                         Tensor tdx = be.allocate(g.inputShape()); Tensor tdw = be.allocate(g.weightShape()); Tensor tdb = be.allocate(16);
                         Tensor sx = up(be, x2, g2.inputShape()); Tensor sw = up(be, w2, g2.weightShape()); Tensor sb = be.allocate(7);
                         Tensor sy = be.allocate(g2.outputShape()); Tensor sdy = up(be, dy2, g2.outputShape());
                         Tensor sdx = be.allocate(g2.inputShape()); Tensor sdw = be.allocate(g2.weightShape());
                         Tensor vx = up(be, x3, g3.inputShape()); Tensor vw = up(be, w3, g3.weightShape()); Tensor vb = up(be, b, 16);
                         Tensor vy = be.allocate(g3.outputShape()); Tensor vdy = up(be, dy3, g3.outputShape());
                         Tensor vdx = be.allocate(g3.inputShape()); Tensor vdw = be.allocate(g3.weightShape()); Tensor vdb = be.allocate(16);
                         Tensor dxx = up(be, dx, 37, 1500); Tensor dww = up(be, dw, 19, 1500); Tensor db = be.allocate(19);
                         Tensor dyy = up(be, ddy, 37, 19); Tensor dy0 = be.allocate(37, 19); Tensor gx = be.allocate(37, 1500);
                         Tensor gw = be.allocate(19, 1500); Tensor gb = be.allocate(19)) {
                        be.conv2dForward(tx, tw, tb, ty, g);
                        be.conv2dBackwardData(tdy, tw, tdx, g);
                        be.conv2dBackwardWeights(tx, tdy, tdw, tdb, g);
                        be.conv2dForward(sx, sw, sb, sy, g2);
                        be.conv2dBackwardData(sdy, sw, sdx, g2);
                        be.conv2dBackwardWeights(sx, sdy, sdw, sb, g2);
                        be.conv2dForward(vx, vw, vb, vy, g3);
                        be.conv2dBackwardData(vdy, vw, vdx, g3);
                        be.conv2dBackwardWeights(vx, vdy, vdw, vdb, g3);
                        be.denseForward(dxx, dww, db, dy0);
                        be.denseBackward(dyy, dxx, dww, gx, gw, gb);
                        results[t] = new Outputs().add("same y", ty).add("same dx", tdx).add("same dW", tdw).add("same db", tdb)
                                .add("stride-2 y", sy).add("stride-2 dx", sdx).add("stride-2 dW", sdw).add("stride-2 db", sb)
                                .add("valid y", vy).add("valid dx", vdx).add("valid dW", vdw).add("valid db", vdb)
                                .add("dense y", dy0).add("dense dx", gx).add("dense dW", gw).add("dense db", gb);
                    }
                }
            }
            results[0].assertSameBitsAs(results[1], isa + ", conv " + conv + ": 1 vs 2 threads");
            results[0].assertSameBitsAs(results[2], isa + ", conv " + conv + ": 1 vs 3 threads");
        }
    }

    @Test
    void maxPoolPropagatesNaNAndKeepsTheFirstMaximum() {
        RequiredBackends.nativeBackend().close();
        PoolGeometry g = PoolGeometry.of(1, 2, 4, 36, 2, 2);
        float[] x = rand(2 * 4 * 36);
        x[1] = Float.NaN;           // window 0 of plane 0: NaN at its second position wins
        x[36 * 1 + 2] = x[2] + 5f;  // a clear maximum in window 1's second row
        x[4 + 36] = x[4] = 9f;      // a tie in window 2: the first one wins
        x[144 + 37] = Float.NaN;    // plane 1: NaN in the last position
        x[144 + 36] = Float.NaN;    // ... and an earlier one, which must win
        for (String isa : paths()) {
            try (Backend ref = new JavaBackend(); NativeBackend be = NativeBackend.create(isa, 2)) {
                float[][] y = new float[2][];
                int[][] a = new int[2][];
                Backend[] both = {ref, be};
                for (int s = 0; s < 2; s++) {
                    try (Tensor tx = up(both[s], x, g.inputShape()); Tensor ty = both[s].allocate(g.outputShape());
                         Tensor ta = both[s].allocate(DType.INT32, g.outputShape())) {
                        both[s].maxPoolForward(tx, ty, ta, g);
                        y[s] = ty.toFloatArray();
                        a[s] = ta.toIntArray();
                    }
                }
                assertArrayEquals(a[0], a[1], isa + " argmax");
                assertArrayEquals(y[0], y[1], isa + " values");
                assertTrue(Float.isNaN(y[1][0]));
            }
        }
    }

    @Test
    void aForcedPathThatDoesNotExistSaysSo() {
        RequiredBackends.nativeBackend().close();
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> NativeBackend.create("sse9", 1));
        assertTrue(e.getMessage().contains("sse9") && e.getMessage().contains("--backend java"), e.getMessage());
        try (NativeBackend be = NativeBackend.create("scalar", 1)) {
            assertEquals("native", be.name());
            assertTrue(be.description().contains("scalar"), be.description());
        }
    }

    @Test
    void labelsOutsideTheClassesAreRejected() {
        try (Backend be = RequiredBackends.nativeBackend(); Tensor l = be.allocate(2, 3);
             Tensor lab = be.allocate(DType.INT32, 2)) {
            be.upload(lab, new int[] {1, 3});
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> be.softmaxCrossEntropy(l, lab, null));
            assertTrue(e.getMessage().contains("label 3 of row 1"), e.getMessage());
        }
    }

    // ---- gradient checks (central differences) through the native backend ----------------------

    /** L = sum(y * r) for the op's output y; the backward ops must give dL/dinputs. */
    @Test
    void convolutionGradientsMatchFiniteDifferences() {
        try (Backend be = RequiredBackends.nativeBackend()) {
            for (ConvGeometry g : new ConvGeometry[] {ConvGeometry.of(2, 2, 5, 6, 3, 3, 3, 1, Padding.SAME),
                    ConvGeometry.of(1, 3, 7, 7, 2, 3, 3, 2, Padding.VALID)}) {
                float[] x = rand((int) Shapes.size(g.inputShape())), w = rand((int) Shapes.size(g.weightShape()));
                float[] b = rand(g.o()), r = rand((int) Shapes.size(g.outputShape()));
                float[] dx, dw, db;
                try (Tensor tr = up(be, r, g.outputShape()); Tensor tx = up(be, x, g.inputShape()); Tensor tw = up(be, w, g.weightShape());
                     Tensor tdx = be.allocate(g.inputShape()); Tensor tdw = be.allocate(g.weightShape()); Tensor tdb = be.allocate(g.o())) {
                    be.conv2dBackwardData(tr, tw, tdx, g);
                    be.conv2dBackwardWeights(tx, tr, tdw, tdb, g);
                    dx = tdx.toFloatArray();
                    dw = tdw.toFloatArray();
                    db = tdb.toFloatArray();
                }
                java.util.function.Function<float[][], Double> loss = in -> {
                    try (Tensor tx = up(be, in[0], g.inputShape()); Tensor tw = up(be, in[1], g.weightShape()); Tensor tb = up(be, in[2], g.o());
                         Tensor ty = be.allocate(g.outputShape())) {
                        be.conv2dForward(tx, tw, tb, ty, g);
                        float[] y = ty.toFloatArray();
                        double s = 0;
                        for (int i = 0; i < y.length; i++) s += (double) y[i] * r[i];
                        return s;
                    }
                };
                checkGradient("conv dx " + g, new float[][] {x, w, b}, 0, dx, loss);
                checkGradient("conv dw " + g, new float[][] {x, w, b}, 1, dw, loss);
                checkGradient("conv db " + g, new float[][] {x, w, b}, 2, db, loss);
            }
        }
    }

    @Test
    void denseGradientsMatchFiniteDifferences() {
        try (Backend be = RequiredBackends.nativeBackend()) {
            int n = 3, in = 37, out = 5;
            float[] x = rand(n * in), w = rand(out * in), b = rand(out), r = rand(n * out);
            float[] dx, dw, db;
            try (Tensor tr = up(be, r, n, out); Tensor tx = up(be, x, n, in); Tensor tw = up(be, w, out, in); Tensor tdx = be.allocate(n, in);
                 Tensor tdw = be.allocate(out, in); Tensor tdb = be.allocate(out)) {
                be.denseBackward(tr, tx, tw, tdx, tdw, tdb);
                dx = tdx.toFloatArray();
                dw = tdw.toFloatArray();
                db = tdb.toFloatArray();
            }
            java.util.function.Function<float[][], Double> loss = inputs -> {
                try (Tensor tx = up(be, inputs[0], n, in); Tensor tw = up(be, inputs[1], out, in); Tensor tb = up(be, inputs[2], out);
                     Tensor ty = be.allocate(n, out)) {
                    be.denseForward(tx, tw, tb, ty);
                    float[] y = ty.toFloatArray();
                    double s = 0;
                    for (int i = 0; i < y.length; i++) s += (double) y[i] * r[i];
                    return s;
                }
            };
            checkGradient("dense dx", new float[][] {x, w, b}, 0, dx, loss);
            checkGradient("dense dw", new float[][] {x, w, b}, 1, dw, loss);
            checkGradient("dense db", new float[][] {x, w, b}, 2, db, loss);
        }
    }

    /** Central differences with step 1e-2 (the ops are linear in each input, so only rounding differs). */
    private static void checkGradient(String what, float[][] inputs, int which, float[] analytic,
                                      java.util.function.Function<float[][], Double> loss) {
        float[] v = inputs[which];
        double maxGrad = 0, maxErr = 0;
        for (int i = 0; i < v.length; i += Math.max(1, v.length / 40)) {
            float keep = v[i];
            float h = 1e-2f;
            v[i] = keep + h;
            double up = loss.apply(inputs);
            v[i] = keep - h;
            double down = loss.apply(inputs);
            v[i] = keep;
            double fd = (up - down) / (2.0 * h);
            maxGrad = Math.max(maxGrad, Math.abs(analytic[i]));
            maxErr = Math.max(maxErr, Math.abs(fd - analytic[i]));
        }
        assertTrue(maxGrad > 0, what + ": all-zero gradient proves little");
        assertTrue(maxErr <= 1e-3 * Math.max(1, maxGrad), what + ": finite differences differ by " + maxErr + " (max |grad| " + maxGrad + ")");
    }
}
