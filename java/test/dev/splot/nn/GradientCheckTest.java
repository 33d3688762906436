package dev.splot.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.ConvGeometry;
import dev.splot.backend.DType;
import dev.splot.backend.LossResult;
import dev.splot.backend.Padding;
import dev.splot.backend.Philox;
import dev.splot.backend.Tensor;
import dev.splot.testing.BackendSuite;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Every layer's backward pass against central finite differences of an independent
 * double-precision forward implementation (written here, not taken from any backend).
 *
 * <p>For a layer y = f(x, params) and a fixed random upstream gradient r, the scalar
 * L = sum(r * y) has dL/dx = backward(r); its finite difference (L(x + h) - L(x - h)) / 2h in
 * double precision with h = 1e-3 is exact to ~1e-7 for these piecewise-linear or smooth
 * functions (inputs are kept away from ReLU's kink and max-pool ties by more than h). The
 * backend computes in float32, so its gradients carry relative rounding of ~1e-6 of their
 * scale; the check allows {@value #TOLERANCE} of the largest gradient, while a wrong index,
 * sign or missing term gives errors of order 1.
 */
public abstract class GradientCheckTest extends BackendSuite {
    static final double TOLERANCE = 1e-4;
    static final double H = 1e-3;

    private final SplittableRandom random = new SplittableRandom(7);

    // ---- per-layer checks ---------------------------------------------------------------------

    @Test
    void conv2d() {
        int[][] cases = {{1, 1, 5, 5, 2, 3, 1, 0}, {2, 3, 7, 6, 4, 3, 1, 1}, {2, 2, 9, 8, 3, 3, 2, 0}, {1, 3, 8, 7, 2, 3, 2, 1},
                         {3, 2, 6, 5, 3, 1, 1, 0}};
        for (int[] c : cases) {
            Padding pad = c[7] == 1 ? Padding.SAME : Padding.VALID;
            Conv2D layer = new Conv2D(c[4], c[5], c[5], c[6], pad);
            int[] in = {c[1], c[2], c[3]};
            ConvGeometry g = ConvGeometry.of(c[0], c[1], c[2], c[3], c[4], c[5], c[5], c[6], pad);
            checkLayer("conv2d " + g, layer, c[0], in, (x, params) -> Oracle.conv(x, params.get(0), params.get(1), g), false);
        }
    }

    @Test
    void dense() {
        for (int[] c : new int[][] {{1, 5, 3}, {3, 17, 7}, {4, 33, 10}}) {
            int n = c[0], in = c[1], out = c[2];
            checkLayer("dense " + in + "->" + out + " batch " + n, new Dense(out), n, new int[] {in},
                    (x, params) -> Oracle.dense(x, params.get(0), params.get(1), n, in, out), false);
        }
    }

    @Test
    void maxPool() {
        for (int[] c : new int[][] {{1, 1, 4, 4, 2, 2}, {2, 3, 7, 5, 2, 2}, {2, 2, 7, 7, 3, 2}}) {
            int n = c[0], ch = c[1], h = c[2], w = c[3], pool = c[4], stride = c[5];
            checkLayer("maxpool " + ch + "x" + h + "x" + w + " pool " + pool + " stride " + stride, new MaxPool2D(pool, stride), n,
                    new int[] {ch, h, w}, (x, params) -> Oracle.maxPool(x, n, ch, h, w, pool, stride), true);
        }
    }

    @Test
    void relu() {
        checkLayer("relu", new ReLU(), 3, new int[] {2, 5, 3}, (x, params) -> Oracle.relu(x), false);
    }

    @Test
    void dropout() {
        float rate = 0.4f;
        long seed = 99, step = 5;
        int index = 0; // the layer's index when built alone
        checkLayer("dropout", new Dropout(rate), 2, new int[] {3, 7}, (x, params) -> {
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) y[i] = x[i] * Philox.dropoutScale(seed, step, index, i, rate);
            return y;
        }, false, new ForwardContext(true, seed, step));
    }

    @Test
    void flatten() {
        checkLayer("flatten", new Flatten(), 2, new int[] {2, 3, 2}, (x, params) -> x.clone(), false);
    }

    @Test
    void avgPool() {
        for (int[] c : new int[][] {{1, 1, 4, 4, 2, 2}, {2, 3, 7, 5, 2, 2}, {2, 2, 7, 7, 3, 2}}) {
            int n = c[0], ch = c[1], h = c[2], w = c[3], pool = c[4], stride = c[5];
            checkLayer("avgpool " + ch + "x" + h + "x" + w + " pool " + pool + " stride " + stride, new AvgPool2D(pool, stride), n,
                    new int[] {ch, h, w}, (x, params) -> Oracle.avgPool(x, n, ch, h, w, pool, pool, stride, stride), false);
        }
    }

    @Test
    void globalAvgPool() {
        for (int[] c : new int[][] {{1, 1, 4, 4}, {2, 3, 7, 5}, {3, 2, 1, 1}}) {
            int n = c[0], ch = c[1], h = c[2], w = c[3];
            checkLayer("global avgpool " + ch + "x" + h + "x" + w, new GlobalAvgPool2D(), n, new int[] {ch, h, w},
                    (x, params) -> Oracle.avgPool(x, n, ch, h, w, h, w, h, w), false);
        }
    }

    /** Training mode (batch statistics); batch 1 with a plane, and a 1x1 plane with a batch, are both valid for training. */
    @Test
    void batchNorm() {
        for (int[] c : new int[][] {{1, 3, 5, 7}, {4, 2, 3, 3}, {5, 3, 1, 1}}) {
            int n = c[0], ch = c[1], h = c[2], w = c[3];
            checkLayer("batchnorm " + n + "x" + ch + "x" + h + "x" + w, new BatchNorm2D(), n, new int[] {ch, h, w},
                    (x, params) -> Oracle.batchNorm(x, params.get(0), params.get(1), n, ch, h * w, BatchNorm2D.DEFAULT_EPS), false);
        }
    }

    // ---- the loss and a whole model -------------------------------------------------------------

    @Test
    void softmaxCrossEntropy() {
        int n = 4, k = 5;
        double[] logits = randoms(n * k, 3.0);
        int[] labels = {0, 3, 4, 3};
        try (Tensor tl = upload(logits, n, k); Tensor tlab = backend.allocate(DType.INT32, n); Tensor td = backend.allocate(n, k)) {
            backend.upload(tlab, labels);
            backend.softmaxCrossEntropy(tl, tlab, td);
            double[] fd = numericGradient(logits, l -> Oracle.crossEntropy(l, labels, n, k));
            assertGradient("softmax cross-entropy dlogits", fd, td.toFloatArray());
        }
    }

    /** A small model through conv (same, stride 2), ReLU, pooling, flatten and dense, with the loss: all parameter gradients. */
    @Test
    void wholeModel() {
        int n = 2;
        Sequential model = Sequential.builder(2, 9, 9)
                .add(new Conv2D(3, 3, 3, 2, Padding.SAME)).add(new ReLU())
                .add(new Conv2D(4, 2, 2, 1, Padding.VALID))
                .add(new MaxPool2D(2)).add(new Flatten()).add(new Dense(5)).build(backend, 3);
        double[] x = randoms(n * 2 * 9 * 9, 1.0);
        int[] labels = {1, 4};
        try (model; Tensor tx = upload(x, n, 2, 9, 9); Tensor tlab = backend.allocate(DType.INT32, n); Tensor td = backend.allocate(n, 5)) {
            backend.upload(tlab, labels);
            Tensor logits = model.forward(tx, ForwardContext.inference());
            backend.softmaxCrossEntropy(logits, tlab, td);
            model.backward(td);
            for (Parameter p : model.parameters()) {
                float[] analytic = p.grad().toFloatArray();
                float[] original = p.value().toFloatArray();
                double[] fd = new double[original.length];
                for (int i = 0; i < original.length; i++) {
                    fd[i] = (modelLoss(model, p, original, i, +H, tx, tlab) - modelLoss(model, p, original, i, -H, tx, tlab)) / (2 * H);
                }
                backend.upload(p.value(), original);
                // the model's forward is float32 here, so the difference quotient carries ~1e-7/1e-3 = 1e-4 absolute noise
                assertGradient("whole model " + p.name(), fd, analytic, 2e-3);
            }
        }
    }

    private double modelLoss(Sequential model, Parameter p, float[] original, int i, double delta, Tensor x, Tensor labels) {
        float[] changed = original.clone();
        changed[i] = (float) (original[i] + delta);
        backend.upload(p.value(), changed);
        LossResult r = backend.softmaxCrossEntropy(model.forward(x, ForwardContext.inference()), labels, null);
        return r.meanLoss();
    }

    // ---- machinery ----------------------------------------------------------------------------

    interface Forward {
        double[] apply(double[] x, List<double[]> params);
    }

    private void checkLayer(String what, Layer layer, int n, int[] in, Forward oracle, boolean distinctInputs) {
        checkLayer(what, layer, n, in, oracle, distinctInputs, new ForwardContext(true, 1, 0));
    }

    private void checkLayer(String what, Layer layer, int n, int[] in, Forward oracle, boolean distinctInputs, ForwardContext ctx) {
        layer.build(backend, 0, in, layer.defaultTypeName(), 11);
        int[] shape = batch(n, in);
        int size = 1;
        for (int d : shape) size *= d;
        double[] x = distinctInputs ? distinct(size) : awayFromZero(randoms(size, 1.0));
        List<Parameter> ps = layer.parameters();
        for (Parameter p : ps) { // biases start at zero: random values make their gradients non-trivial
            backend.upload(p.value(), toFloat(randoms(p.value().size(), 0.5)));
        }
        List<double[]> paramValues = ps.stream().map(p -> toDouble(p.value().toFloatArray())).toList();
        try (layer; Tensor tx = upload(x, shape)) {
            Tensor y = layer.forward(tx, ctx);
            double[] r = randoms(y.size(), 1.0);
            double[] expectedY = oracle.apply(x, paramValues);
            assertGradient(what + " forward", expectedY, y.toFloatArray());
            try (Tensor tr = upload(r, y.shape())) {
                Tensor dx = layer.backward(tr, true);
                double[] fdx = numericGradient(x, xs -> dotted(r, oracle.apply(xs, paramValues)));
                assertGradient(what + " dx", fdx, dx.toFloatArray());
                for (int k = 0; k < ps.size(); k++) {
                    int which = k;
                    double[] fdp = numericGradient(paramValues.get(k), v -> {
                        List<double[]> changed = new java.util.ArrayList<>(paramValues);
                        changed.set(which, v);
                        return dotted(r, oracle.apply(x, changed));
                    });
                    assertGradient(what + " d" + ps.get(k).name(), fdp, ps.get(k).grad().toFloatArray());
                }
            }
        }
    }

    private static double[] numericGradient(double[] at, Function<double[], Double> f) {
        double[] g = new double[at.length];
        for (int i = 0; i < at.length; i++) {
            double[] plus = at.clone(), minus = at.clone();
            plus[i] += H;
            minus[i] -= H;
            g[i] = (f.apply(plus) - f.apply(minus)) / (2 * H);
        }
        return g;
    }

    private static void assertGradient(String what, double[] expected, float[] actual) {
        assertGradient(what, expected, actual, TOLERANCE);
    }

    private static void assertGradient(String what, double[] expected, float[] actual, double tolerance) {
        double maxRef = 0, maxDiff = 0;
        int worst = 0;
        for (int i = 0; i < expected.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
            double d = Math.abs(expected[i] - actual[i]);
            if (!(d <= maxDiff)) {
                maxDiff = d;
                worst = i;
            }
        }
        assertTrue(maxRef > 0, what + ": the expected gradient is all zeros, which proves nothing");
        double rel = maxDiff / maxRef;
        assertTrue(rel <= tolerance, String.format("%s: normalised max error %.3g > %.1g at %d (expected %.6g, got %.6g)",
                what, rel, tolerance, worst, expected[worst], actual[worst]));
    }

    private static double dotted(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private Tensor upload(double[] v, int... shape) {
        Tensor t = backend.allocate(shape);
        backend.upload(t, toFloat(v));
        return t;
    }

    private static int[] batch(int n, int[] in) {
        int[] s = new int[in.length + 1];
        s[0] = n;
        System.arraycopy(in, 0, s, 1, in.length);
        return s;
    }

    /** Values exactly representable in float, so the oracle sees the same numbers as the backend. */
    private double[] randoms(int size, double scale) {
        double[] v = new double[size];
        for (int i = 0; i < size; i++) v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        return v;
    }

    private static double[] awayFromZero(double[] v) {
        for (int i = 0; i < v.length; i++) v[i] = (float) (v[i] + Math.signum(v[i]) * 0.05);
        return v;
    }

    /** A shuffled set of distinct values 0.01 apart: no ties within H of each other, so max-pool is differentiable. */
    private double[] distinct(int size) {
        double[] v = new double[size];
        for (int i = 0; i < size; i++) v[i] = (float) ((i - size / 2) * 0.01);
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            double t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return v;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    private static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }

    /** Double-precision forward passes written from the definitions, independent of every backend. */
    static final class Oracle {
        static double[] conv(double[] x, double[] w, double[] b, ConvGeometry g) {
            double[] y = new double[g.n() * g.o() * g.outH() * g.outW()];
            for (int n = 0; n < g.n(); n++)
                for (int o = 0; o < g.o(); o++)
                    for (int oh = 0; oh < g.outH(); oh++)
                        for (int ow = 0; ow < g.outW(); ow++) {
                            double s = b[o];
                            for (int c = 0; c < g.c(); c++)
                                for (int kh = 0; kh < g.kh(); kh++)
                                    for (int kw = 0; kw < g.kw(); kw++) {
                                        int ih = oh * g.strideH() + kh - g.padTop(), iw = ow * g.strideW() + kw - g.padLeft();
                                        if (ih < 0 || ih >= g.h() || iw < 0 || iw >= g.w()) continue;
                                        s += w[((o * g.c() + c) * g.kh() + kh) * g.kw() + kw] * x[((n * g.c() + c) * g.h() + ih) * g.w() + iw];
                                    }
                            y[((n * g.o() + o) * g.outH() + oh) * g.outW() + ow] = s;
                        }
            return y;
        }

        static double[] dense(double[] x, double[] w, double[] b, int n, int in, int out) {
            double[] y = new double[n * out];
            for (int r = 0; r < n; r++)
                for (int j = 0; j < out; j++) {
                    double s = b[j];
                    for (int i = 0; i < in; i++) s += x[r * in + i] * w[j * in + i];
                    y[r * out + j] = s;
                }
            return y;
        }

        static double[] maxPool(double[] x, int n, int c, int h, int w, int pool, int stride) {
            int oh = (h - pool) / stride + 1, ow = (w - pool) / stride + 1;
            double[] y = new double[n * c * oh * ow];
            for (int p = 0; p < n * c; p++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++) {
                        double m = Double.NEGATIVE_INFINITY;
                        for (int a = 0; a < pool; a++)
                            for (int b = 0; b < pool; b++) m = Math.max(m, x[(p * h + i * stride + a) * w + j * stride + b]);
                        y[(p * oh + i) * ow + j] = m;
                    }
            return y;
        }

        static double[] avgPool(double[] x, int n, int c, int h, int w, int ph, int pw, int sh, int sw) {
            int oh = (h - ph) / sh + 1, ow = (w - pw) / sw + 1;
            double[] y = new double[n * c * oh * ow];
            for (int p = 0; p < n * c; p++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++) {
                        double s = 0;
                        for (int a = 0; a < ph; a++)
                            for (int b = 0; b < pw; b++) s += x[(p * h + i * sh + a) * w + j * sw + b];
                        y[(p * oh + i) * ow + j] = s / (ph * pw);
                    }
            return y;
        }

        /** Training-mode batch normalisation: each channel's batch mean and biased variance. */
        static double[] batchNorm(double[] x, double[] gamma, double[] beta, int n, int c, int plane, double eps) {
            double[] y = new double[x.length];
            int m = n * plane;
            for (int ch = 0; ch < c; ch++) {
                double s = 0, q = 0;
                for (int i = 0; i < n; i++) for (int k = 0; k < plane; k++) s += x[(i * c + ch) * plane + k];
                double mean = s / m;
                for (int i = 0; i < n; i++) for (int k = 0; k < plane; k++) q += Math.pow(x[(i * c + ch) * plane + k] - mean, 2);
                double inv = 1 / Math.sqrt(q / m + eps);
                for (int i = 0; i < n; i++)
                    for (int k = 0; k < plane; k++) {
                        int at = (i * c + ch) * plane + k;
                        y[at] = (x[at] - mean) * inv * gamma[ch] + beta[ch];
                    }
            }
            return y;
        }

        static double[] relu(double[] x) {
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) y[i] = Math.max(0, x[i]);
            return y;
        }

        static double crossEntropy(double[] logits, int[] labels, int n, int k) {
            double loss = 0;
            for (int r = 0; r < n; r++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) max = Math.max(max, logits[r * k + j]);
                double sum = 0;
                for (int j = 0; j < k; j++) sum += Math.exp(logits[r * k + j] - max);
                loss -= logits[r * k + labels[r]] - max - Math.log(sum);
            }
            return loss / n;
        }
    }
}
