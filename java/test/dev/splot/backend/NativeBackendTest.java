package dev.splot.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.java.JavaBackend;
import dev.splot.backend.nativecpu.NativeBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Native-specific checks beyond the conformance suite: results independent of the thread count
 * (bit for bit), NaN in max-pooling, clear errors for a bad forced path, and whole training steps
 * (the seed model's layer sequence on small shapes, same seed and dropout masks) against the
 * Java reference, on every path the CPU supports.
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
        NativeBackendConformanceTest.startNative("auto", 0).close(); // skips (or fails) with the reason if unavailable
        ConvGeometry g = ConvGeometry.of(5, 8, 13, 12, 16, 3, 3, 1, Padding.SAME);
        ConvGeometry g2 = ConvGeometry.of(3, 5, 11, 9, 7, 3, 3, 2, Padding.VALID);
        // stride 1, VALID: Winograd under "auto", the explicit-GEMM backward-data path under "gemm"; large enough to run in parallel
        ConvGeometry g3 = ConvGeometry.of(6, 8, 20, 19, 16, 3, 3, 1, Padding.VALID);
        float[] x = rand(5 * 8 * 13 * 12), w = rand(16 * 8 * 9), b = rand(16), dy = rand(5 * 16 * 13 * 12);
        float[] x2 = rand(3 * 5 * 11 * 9), w2 = rand(7 * 5 * 9), dy2 = rand((int) Shapes.size(g2.outputShape()));
        float[] x3 = rand((int) Shapes.size(g3.inputShape())), w3 = rand(16 * 8 * 9), dy3 = rand((int) Shapes.size(g3.outputShape()));
        // dense: 37 x 1500 x 19 multiply-adds, above the native serial threshold (2^20)
        float[] dx = rand(37 * 1500), dw = rand(19 * 1500), ddy = rand(37 * 19);
        for (String isa : paths()) for (String conv : new String[] {"auto", "gemm"}) {
            float[][] results = new float[3][];
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
                        results[t] = BackendConformanceTest.concat(ty.toFloatArray(), tdx.toFloatArray(), tdw.toFloatArray(),
                                tdb.toFloatArray(), sy.toFloatArray(), sdx.toFloatArray(), sdw.toFloatArray(), sb.toFloatArray(),
                                vy.toFloatArray(), vdx.toFloatArray(), vdw.toFloatArray(), vdb.toFloatArray(),
                                dy0.toFloatArray(), gx.toFloatArray(), gw.toFloatArray(), gb.toFloatArray());
                    }
                }
            }
            assertArrayEquals(results[0], results[1], isa + ", conv " + conv + ": 1 vs 2 threads");
            assertArrayEquals(results[0], results[2], isa + ", conv " + conv + ": 1 vs 3 threads");
        }
    }

    @Test
    void maxPoolPropagatesNaNAndKeepsTheFirstMaximum() {
        NativeBackendConformanceTest.startNative("auto", 0).close();
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
        NativeBackendConformanceTest.startNative("auto", 0).close();
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> NativeBackend.create("sse9", 1));
        assertTrue(e.getMessage().contains("sse9") && e.getMessage().contains("--backend java"), e.getMessage());
        try (NativeBackend be = NativeBackend.create("scalar", 1)) {
            assertEquals("native", be.name());
            assertTrue(be.description().contains("scalar"), be.description());
        }
    }

    @Test
    void labelsOutsideTheClassesAreRejected() {
        try (Backend be = NativeBackendConformanceTest.startNative("auto", 0); Tensor l = be.allocate(2, 3);
             Tensor lab = be.allocate(DType.INT32, 2)) {
            be.upload(lab, new int[] {1, 3});
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> be.softmaxCrossEntropy(l, lab, null));
            assertTrue(e.getMessage().contains("label 3 of row 1"), e.getMessage());
        }
    }

    // ---- whole training steps -----------------------------------------------------------------

    @Test
    void threeTrainingStepsMatchTheReference() {
        NativeBackendConformanceTest.startNative("auto", 0).close();
        float[] expected;
        try (Backend ref = new JavaBackend()) {
            expected = train(ref, 3);
        }
        for (String isa : paths()) {
            try (NativeBackend be = NativeBackend.create(isa, 2)) {
                float[] actual = train(be, 3);
                assertEquals(0, be.liveTensors(), "tensors leaked");
                BackendConformanceTest.assertClose("3 training steps on " + isa, expected, actual, 1e-4);
            }
        }
    }

    /**
     * The seed model's sequence (conv-relu-conv-relu-pool-dropout-dense-relu-dropout-dense-softmax
     * cross-entropy, AdaDelta) on 6 images of 1x12x12, 10 classes: the losses of each step and all
     * parameters after the last.
     */
    private static float[] train(Backend be, int steps) {
        SplittableRandom r = new SplittableRandom(99);
        int n = 6;
        ConvGeometry c1 = ConvGeometry.of(n, 1, 12, 12, 4, 3, 3, 1, Padding.VALID);   // -> 4x10x10
        ConvGeometry c2 = ConvGeometry.of(n, 4, 10, 10, 8, 3, 3, 1, Padding.VALID);   // -> 8x8x8
        PoolGeometry p = PoolGeometry.of(n, 8, 8, 8, 2, 2);                           // -> 8x4x4 = 128
        int flat = 128, hidden = 16, classes = 10;
        List<Tensor> all = new ArrayList<>();
        java.util.function.BiFunction<float[], int[], Tensor> mk = (data, shape) -> {
            Tensor t = data == null ? be.allocate(shape) : up(be, data, shape);
            all.add(t);
            return t;
        };
        java.util.function.IntFunction<float[]> init = size -> {
            float[] a = new float[size];
            for (int i = 0; i < size; i++) a[i] = (float) ((r.nextDouble() * 2 - 1) * 0.3);
            return a;
        };
        Tensor w1 = mk.apply(init.apply(4 * 9), c1.weightShape()), b1 = mk.apply(null, new int[] {4});
        Tensor w2 = mk.apply(init.apply(8 * 4 * 9), c2.weightShape()), b2 = mk.apply(null, new int[] {8});
        Tensor w3 = mk.apply(init.apply(hidden * flat), new int[] {hidden, flat}), b3 = mk.apply(null, new int[] {hidden});
        Tensor w4 = mk.apply(init.apply(classes * hidden), new int[] {classes, hidden}), b4 = mk.apply(null, new int[] {classes});
        Tensor[] params = {w1, b1, w2, b2, w3, b3, w4, b4};
        Tensor[] grads = new Tensor[8], accG = new Tensor[8], accD = new Tensor[8];
        for (int i = 0; i < 8; i++) {
            grads[i] = mk.apply(null, params[i].shape());
            accG[i] = mk.apply(null, params[i].shape());
            accD[i] = mk.apply(null, params[i].shape());
        }
        Tensor x = mk.apply(null, c1.inputShape()), labels = be.allocate(DType.INT32, n);
        all.add(labels);
        Tensor a1 = mk.apply(null, c1.outputShape()), a2 = mk.apply(null, c2.outputShape()), pooled = mk.apply(null, p.outputShape());
        Tensor arg = be.allocate(DType.INT32, p.outputShape());
        all.add(arg);
        Tensor d1 = mk.apply(null, p.outputShape()), m1 = mk.apply(null, p.outputShape());
        Tensor h = mk.apply(null, new int[] {n, hidden}), d2 = mk.apply(null, new int[] {n, hidden}), m2 = mk.apply(null, new int[] {n, hidden});
        Tensor logits = mk.apply(null, new int[] {n, classes}), dlogits = mk.apply(null, new int[] {n, classes});
        Tensor gd2 = mk.apply(null, new int[] {n, hidden}), gh = mk.apply(null, new int[] {n, hidden});
        Tensor gd1 = mk.apply(null, new int[] {n, flat}), gpool = mk.apply(null, p.outputShape());
        Tensor ga2 = mk.apply(null, c2.outputShape()), ga1 = mk.apply(null, c1.outputShape());
        float[] losses = new float[steps];
        for (int step = 0; step < steps; step++) {
            float[] xs = new float[n * 144];
            for (int i = 0; i < xs.length; i++) xs[i] = (float) r.nextDouble();
            int[] ls = new int[n];
            for (int i = 0; i < n; i++) ls[i] = r.nextInt(classes);
            be.upload(x, xs);
            be.upload(labels, ls);
            // forward
            be.conv2dForward(x, w1, b1, a1, c1);
            be.reluForward(a1, a1);
            be.conv2dForward(a1, w2, b2, a2, c2);
            be.reluForward(a2, a2);
            be.maxPoolForward(a2, pooled, arg, p);
            be.dropoutForward(pooled, d1, m1, 0.25f, 1234L, step, 3);
            Tensor flatIn = d1.reshape(n, flat);
            be.denseForward(flatIn, w3, b3, h);
            be.reluForward(h, h);
            be.dropoutForward(h, d2, m2, 0.5f, 1234L, step, 6);
            be.denseForward(d2, w4, b4, logits);
            losses[step] = (float) be.softmaxCrossEntropy(logits, labels, dlogits).meanLoss();
            // backward
            be.denseBackward(dlogits, d2, w4, gd2, grads[6], grads[7]);
            be.dropoutBackward(gd2, m2, gh);
            be.reluBackward(gh, h, gh);
            be.denseBackward(gh, flatIn, w3, gd1, grads[4], grads[5]);
            be.dropoutBackward(gd1.reshape(p.outputShape()), m1, gpool);
            be.maxPoolBackward(gpool, arg, ga2, p);
            be.reluBackward(ga2, a2, ga2);
            be.conv2dBackwardWeights(a1, ga2, grads[2], grads[3], c2);
            be.conv2dBackwardData(ga2, w2, ga1, c2);
            be.reluBackward(ga1, a1, ga1);
            be.conv2dBackwardWeights(x, ga1, grads[0], grads[1], c1);
            for (int i = 0; i < 8; i++) be.adadeltaUpdate(params[i], grads[i], accG[i], accD[i], 1.0f, 0.95f, 1e-7f);
        }
        float[][] parts = new float[9][];
        parts[0] = losses;
        for (int i = 0; i < 8; i++) parts[i + 1] = params[i].toFloatArray();
        for (Tensor t : all) t.close();
        return BackendConformanceTest.concat(parts);
    }

    // ---- gradient checks (central differences) through the native backend ----------------------

    /** L = sum(y * r) for the op's output y; the backward ops must give dL/dinputs. */
    @Test
    void convolutionGradientsMatchFiniteDifferences() {
        try (Backend be = NativeBackendConformanceTest.startNative("auto", 0)) {
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
        try (Backend be = NativeBackendConformanceTest.startNative("auto", 0)) {
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
