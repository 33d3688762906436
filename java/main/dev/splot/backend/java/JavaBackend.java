package dev.splot.backend.java;

import dev.splot.backend.ConvGeometry;
import dev.splot.backend.DType;
import dev.splot.backend.LossResult;
import dev.splot.backend.Philox;
import dev.splot.backend.PoolGeometry;
import dev.splot.backend.Tensor;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The reference backend: plain loops over {@code float[]} that define what every operation
 * means. Other backends are tested against it. Convolution and dense layers are matrix products
 * ({@link Gemm}); work is split over samples or row blocks with parallel streams, and each output
 * element is always summed in the same order, so results do not depend on the thread count.
 */
public final class JavaBackend extends HeapMemoryBackend {

    @Override
    public String name() {
        return "java";
    }

    @Override
    public String description() {
        return "Java reference loops on " + Runtime.getRuntime().availableProcessors() + " threads";
    }

    // ---- convolution --------------------------------------------------------------------------
    //
    // Convolution as im2col + matrix product, per sample: col[k][p] holds input element
    // x[c, oh*strideH + kh - padTop, ow*strideW + kw - padLeft] (zero outside the image) for
    // k = (c*KH + kh)*KW + kw and p = oh*OW + ow. Then y = W . col, dcol = W^T . dy, and
    // dW = sum over samples of dy . col^T.

    @Override
    protected void conv2dForwardImpl(Tensor xt, Tensor wt, Tensor bt, Tensor yt, ConvGeometry g) {
        float[] x = f(xt), w = f(wt), b = f(bt), y = f(yt);
        int k = g.c() * g.kh() * g.kw(), p = g.outH() * g.outW();
        float[] wT = new float[k * g.o()];
        Gemm.transpose(g.o(), k, w, 0, wT, 0);
        parallel(g.n(), n -> {
            // computed as y^T = col^T . W^T: both operands then stream through cache in row order
            float[] col = scratch(COL, k * p);
            float[] colT = scratch(COL_T, p * k);
            float[] yT = scratch(OUT_T, p * g.o());
            im2col(x, n, g, col);
            Gemm.transpose(k, p, col, 0, colT, 0);
            Gemm.multiply(p, g.o(), k, colT, 0, k, wT, 0, g.o(), yT, 0, g.o());
            int yOff = n * g.o() * p;
            for (int o = 0; o < g.o(); o++) {
                for (int q = 0; q < p; q++) y[yOff + o * p + q] = yT[q * g.o() + o] + b[o];
            }
        });
    }

    @Override
    protected void conv2dBackwardDataImpl(Tensor dyt, Tensor wt, Tensor dxt, ConvGeometry g) {
        float[] dy = f(dyt), w = f(wt), dx = f(dxt);
        int k = g.c() * g.kh() * g.kw(), p = g.outH() * g.outW();
        float[] wT = new float[k * g.o()];
        Gemm.transpose(g.o(), k, w, 0, wT, 0);
        parallel(g.n(), n -> {
            float[] dcol = scratch(COL, k * p);
            Gemm.multiply(k, p, g.o(), wT, 0, g.o(), dy, n * g.o() * p, p, dcol, 0, p);
            col2im(dcol, g, dx, n);
        });
    }

    @Override
    protected void conv2dBackwardWeightsImpl(Tensor xt, Tensor dyt, Tensor dwt, Tensor dbt, ConvGeometry g) {
        float[] x = f(xt), dy = f(dyt), dw = f(dwt), db = f(dbt);
        int k = g.c() * g.kh() * g.kw(), p = g.outH() * g.outW(), o = g.o();
        // one partial gradient per sample, summed afterwards in sample order: deterministic for any thread count
        float[] partial = new float[g.n() * o * (k + 1)];
        parallel(g.n(), n -> {
            float[] col = scratch(COL, k * p);
            float[] colT = scratch(COL_T, p * k);
            im2col(x, n, g, col);
            Gemm.transpose(k, p, col, 0, colT, 0);
            int base = n * o * (k + 1);
            Gemm.multiply(o, k, p, dy, n * o * p, p, colT, 0, k, partial, base, k + 1);
            for (int oc = 0; oc < o; oc++) {
                float s = 0f;
                for (int q = 0; q < p; q++) s += dy[(n * o + oc) * p + q];
                partial[base + oc * (k + 1) + k] = s;
            }
        });
        parallel(o, oc -> {
            for (int e = 0; e <= k; e++) {
                float s = 0f;
                for (int n = 0; n < g.n(); n++) s += partial[n * o * (k + 1) + oc * (k + 1) + e];
                if (e < k) dw[oc * k + e] = s;
                else db[oc] = s;
            }
        });
    }

    private static void im2col(float[] x, int n, ConvGeometry g, float[] col) {
        int p = g.outH() * g.outW();
        for (int c = 0; c < g.c(); c++) {
            int xPlane = (n * g.c() + c) * g.h() * g.w();
            for (int kh = 0; kh < g.kh(); kh++) {
                for (int kw = 0; kw < g.kw(); kw++) {
                    int row = ((c * g.kh() + kh) * g.kw() + kw) * p;
                    for (int oh = 0; oh < g.outH(); oh++) {
                        int ih = oh * g.strideH() + kh - g.padTop();
                        for (int ow = 0; ow < g.outW(); ow++) {
                            int iw = ow * g.strideW() + kw - g.padLeft();
                            boolean inside = ih >= 0 && ih < g.h() && iw >= 0 && iw < g.w();
                            col[row + oh * g.outW() + ow] = inside ? x[xPlane + ih * g.w() + iw] : 0f;
                        }
                    }
                }
            }
        }
    }

    /** dx[n] = the sum of dcol's entries into the input positions they were copied from (rows in k order). */
    private static void col2im(float[] dcol, ConvGeometry g, float[] dx, int n) {
        int p = g.outH() * g.outW();
        int plane = g.h() * g.w();
        java.util.Arrays.fill(dx, n * g.c() * plane, (n + 1) * g.c() * plane, 0f);
        for (int c = 0; c < g.c(); c++) {
            int xPlane = (n * g.c() + c) * plane;
            for (int kh = 0; kh < g.kh(); kh++) {
                for (int kw = 0; kw < g.kw(); kw++) {
                    int row = ((c * g.kh() + kh) * g.kw() + kw) * p;
                    for (int oh = 0; oh < g.outH(); oh++) {
                        int ih = oh * g.strideH() + kh - g.padTop();
                        if (ih < 0 || ih >= g.h()) continue;
                        for (int ow = 0; ow < g.outW(); ow++) {
                            int iw = ow * g.strideW() + kw - g.padLeft();
                            if (iw >= 0 && iw < g.w()) dx[xPlane + ih * g.w() + iw] += dcol[row + oh * g.outW() + ow];
                        }
                    }
                }
            }
        }
    }

    private static final ThreadLocal<float[]> COL = new ThreadLocal<>();
    private static final ThreadLocal<float[]> COL_T = new ThreadLocal<>();
    private static final ThreadLocal<float[]> OUT_T = new ThreadLocal<>();

    /** A per-thread work array of at least {@code size} floats (contents undefined). */
    private static float[] scratch(ThreadLocal<float[]> slot, int size) {
        float[] a = slot.get();
        if (a == null || a.length < size) {
            a = new float[size];
            slot.set(a);
        }
        return a;
    }

    // ---- pooling ------------------------------------------------------------------------------

    @Override
    protected void maxPoolForwardImpl(Tensor xt, Tensor yt, Tensor at, PoolGeometry g) {
        float[] x = f(xt), y = f(yt);
        int[] arg = i(at);
        parallel(g.n() * g.c(), nc -> {
            int xPlane = nc * g.h() * g.w();
            int yPlane = nc * g.outH() * g.outW();
            for (int oh = 0; oh < g.outH(); oh++) {
                for (int ow = 0; ow < g.outW(); ow++) {
                    int best = xPlane + oh * g.strideH() * g.w() + ow * g.strideW();
                    for (int ph = 0; ph < g.poolH(); ph++) {
                        for (int pw = 0; pw < g.poolW(); pw++) {
                            int idx = xPlane + (oh * g.strideH() + ph) * g.w() + ow * g.strideW() + pw;
                            // '>' keeps the first maximum; a NaN wins once and then stays
                            if (x[idx] > x[best] || (Float.isNaN(x[idx]) && !Float.isNaN(x[best]))) best = idx;
                        }
                    }
                    y[yPlane + oh * g.outW() + ow] = x[best];
                    arg[yPlane + oh * g.outW() + ow] = best;
                }
            }
        });
    }

    @Override
    protected void maxPoolBackwardImpl(Tensor dyt, Tensor at, Tensor dxt, PoolGeometry g) {
        float[] dy = f(dyt), dx = f(dxt);
        int[] arg = i(at);
        g.checkArgmax("maxPoolBackward", arg); // planes are scattered in parallel: an index elsewhere would race
        int planeIn = g.h() * g.w(), planeOut = g.outH() * g.outW();
        parallel(g.n() * g.c(), nc -> {
            Arrays.fill(dx, nc * planeIn, (nc + 1) * planeIn, 0f);
            for (int k = nc * planeOut; k < (nc + 1) * planeOut; k++) {
                dx[arg[k]] += dy[k];
            }
        });
    }

    // ---- element-wise -------------------------------------------------------------------------

    @Override
    protected void reluForwardImpl(Tensor xt, Tensor yt) {
        float[] x = f(xt), y = f(yt);
        for (int k = 0; k < x.length; k++) {
            y[k] = x[k] <= 0f ? 0f : x[k]; // NaN passes through, as in PyTorch: a diverging run must show in the loss
        }
    }

    @Override
    protected void reluBackwardImpl(Tensor dyt, Tensor yt, Tensor dxt) {
        float[] dy = f(dyt), y = f(yt), dx = f(dxt);
        for (int k = 0; k < dy.length; k++) {
            dx[k] = y[k] > 0f ? dy[k] : 0f;
        }
    }

    @Override
    protected void dropoutForwardImpl(Tensor xt, Tensor yt, Tensor mt, float rate, long seed, long step, int layer, long firstIndex) {
        float[] x = f(xt), y = f(yt), mask = f(mt);
        Philox.uniforms(seed, Philox.PURPOSE_DROPOUT, step, layer, firstIndex, mask);
        float keep = 1.0f / (1.0f - rate);
        for (int k = 0; k < x.length; k++) {
            mask[k] = mask[k] >= rate ? keep : 0f;
            y[k] = x[k] * mask[k];
        }
    }

    @Override
    protected void dropoutBackwardImpl(Tensor dyt, Tensor mt, Tensor dxt) {
        float[] dy = f(dyt), mask = f(mt), dx = f(dxt);
        for (int k = 0; k < dy.length; k++) {
            dx[k] = dy[k] * mask[k];
        }
    }

    // ---- dense --------------------------------------------------------------------------------

    @Override
    protected void denseForwardImpl(Tensor xt, Tensor wt, Tensor bt, Tensor yt, int n, int in, int out) {
        float[] x = f(xt), w = f(wt), b = f(bt), y = f(yt);
        float[] wT = new float[in * out];
        Gemm.transpose(out, in, w, 0, wT, 0);
        parallelRows(n, (r0, rows) -> Gemm.multiply(rows, out, in, x, r0 * in, in, wT, 0, out, y, r0 * out, out));
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < out; j++) y[r * out + j] += b[j];
        }
    }

    @Override
    protected void denseBackwardImpl(Tensor dyt, Tensor xt, Tensor wt, Tensor dxt, Tensor dwt, Tensor dbt, int n, int in, int out) {
        float[] dy = f(dyt), x = f(xt), w = f(wt), dw = f(dwt), db = f(dbt);
        float[] dyT = new float[out * n];
        Gemm.transpose(n, out, dy, 0, dyT, 0);
        parallelRows(out, (j0, rows) -> Gemm.multiply(rows, in, n, dyT, j0 * n, n, x, 0, in, dw, j0 * in, in));
        for (int j = 0; j < out; j++) {
            float s = 0f;
            for (int r = 0; r < n; r++) s += dy[r * out + j];
            db[j] = s;
        }
        if (dxt != null) {
            float[] dx = f(dxt);
            parallelRows(n, (r0, rows) -> Gemm.multiply(rows, in, out, dy, r0 * out, out, w, 0, in, dx, r0 * in, in));
        }
    }

    // ---- loss ---------------------------------------------------------------------------------

    @Override
    protected LossResult softmaxCrossEntropyImpl(Tensor lt, Tensor labt, Tensor dlt, int n, int k) {
        float[] logits = f(lt);
        int[] labels = i(labt);
        float[] dl = dlt == null ? null : f(dlt);
        double lossSum = 0;
        int correct = 0;
        for (int r = 0; r < n; r++) {
            int label = labels[r];
            if (label < 0 || label >= k) {
                throw new IllegalArgumentException("softmaxCrossEntropy: label " + label + " of row " + r + " is outside [0, " + k + ")");
            }
            int base = r * k;
            int argmax = 0;
            for (int j = 1; j < k; j++) if (logits[base + j] > logits[base + argmax]) argmax = j;
            float max = logits[base + argmax];
            float sum = 0f;
            for (int j = 0; j < k; j++) sum += (float) Math.exp(logits[base + j] - max);
            lossSum += -((logits[base + label] - max) - Math.log(sum));
            if (argmax == label) correct++;
            if (dl != null) {
                for (int j = 0; j < k; j++) {
                    float p = (float) Math.exp(logits[base + j] - max) / sum;
                    dl[base + j] = (p - (j == label ? 1f : 0f)) / n;
                }
            }
        }
        return new LossResult(lossSum / n, correct, n);
    }

    @Override
    protected void softmaxImpl(Tensor lt, Tensor pt, int n, int k) {
        float[] logits = f(lt), probs = f(pt);
        for (int r = 0; r < n; r++) {
            int base = r * k;
            float max = logits[base];
            for (int j = 1; j < k; j++) max = Math.max(max, logits[base + j]);
            float sum = 0f;
            for (int j = 0; j < k; j++) sum += (float) Math.exp(logits[base + j] - max);
            for (int j = 0; j < k; j++) probs[base + j] = (float) Math.exp(logits[base + j] - max) / sum;
        }
    }

    // ---- optimizer ----------------------------------------------------------------------------

    @Override
    protected void adadeltaUpdateImpl(Tensor pt, Tensor gt, Tensor agt, Tensor adt, float lr, float rho, float eps) {
        float[] p = f(pt), g = f(gt), accG = f(agt), accD = f(adt);
        for (int k = 0; k < p.length; k++) {
            accG[k] = rho * accG[k] + (1f - rho) * g[k] * g[k];
            float delta = g[k] * (float) Math.sqrt(accD[k] + eps) / (float) Math.sqrt(accG[k] + eps);
            p[k] -= lr * delta;
            accD[k] = rho * accD[k] + (1f - rho) * delta * delta;
        }
    }

    @Override
    protected void sgdUpdateImpl(Tensor pt, Tensor gt, Tensor bt, float lr, float momentum, float dampening, float weightDecay,
            boolean nesterov, boolean firstStep) {
        float[] p = f(pt), g = f(gt), buf = bt == null ? null : f(bt);
        for (int k = 0; k < p.length; k++) {
            float d = g[k];
            if (weightDecay != 0f) d = d + weightDecay * p[k];
            if (buf != null) {
                float b = firstStep ? d : momentum * buf[k] + (1f - dampening) * d;
                buf[k] = b;
                d = nesterov ? d + momentum * b : b;
            }
            p[k] = p[k] - lr * d;
        }
    }

    // ---- average pooling and batch normalisation ---------------------------------------------

    @Override
    protected void avgPoolForwardImpl(Tensor xt, Tensor yt, PoolGeometry g) {
        float[] x = f(xt), y = f(yt);
        float area = g.poolH() * g.poolW();
        parallel(g.n() * g.c(), nc -> {
            int xPlane = nc * g.h() * g.w(), yPlane = nc * g.outH() * g.outW();
            for (int oh = 0; oh < g.outH(); oh++) {
                for (int ow = 0; ow < g.outW(); ow++) {
                    float s = 0f;
                    for (int ph = 0; ph < g.poolH(); ph++) {
                        int row = xPlane + (oh * g.strideH() + ph) * g.w() + ow * g.strideW();
                        for (int pw = 0; pw < g.poolW(); pw++) s += x[row + pw];
                    }
                    y[yPlane + oh * g.outW() + ow] = s / area;
                }
            }
        });
    }

    @Override
    protected void avgPoolBackwardImpl(Tensor dyt, Tensor dxt, PoolGeometry g) {
        float[] dy = f(dyt), dx = f(dxt);
        float area = g.poolH() * g.poolW();
        parallel(g.n() * g.c(), nc -> {
            int xPlane = nc * g.h() * g.w(), yPlane = nc * g.outH() * g.outW();
            Arrays.fill(dx, xPlane, xPlane + g.h() * g.w(), 0f);
            for (int oh = 0; oh < g.outH(); oh++) {
                for (int ow = 0; ow < g.outW(); ow++) {
                    float share = dy[yPlane + oh * g.outW() + ow] / area;
                    for (int ph = 0; ph < g.poolH(); ph++) {
                        int row = xPlane + (oh * g.strideH() + ph) * g.w() + ow * g.strideW();
                        for (int pw = 0; pw < g.poolW(); pw++) dx[row + pw] += share;
                    }
                }
            }
        });
    }

    @Override
    protected void batchNormForwardTrainingImpl(Tensor xt, Tensor gt, Tensor bt, Tensor yt, Tensor meant, Tensor invt,
            Tensor rmt, Tensor rvt, float momentum, float eps) {
        float[] x = f(xt), gamma = f(gt), beta = f(bt), y = f(yt), mean = f(meant), invStd = f(invt), rm = f(rmt), rv = f(rvt);
        int n = xt.dim(0), channels = xt.dim(1), plane = xt.dim(2) * xt.dim(3);
        long m = (long) n * plane;
        parallel(channels, c -> {
            double sum = 0;
            for (int s = 0; s < n; s++) {
                for (int k = (s * channels + c) * plane, e = k + plane; k < e; k++) sum += x[k];
            }
            float mu = (float) (sum / m);
            double squares = 0;
            for (int s = 0; s < n; s++) {
                for (int k = (s * channels + c) * plane, e = k + plane; k < e; k++) {
                    double d = (double) x[k] - mu;
                    squares += d * d;
                }
            }
            float var = (float) (squares / m);
            float inv = (float) (1.0 / Math.sqrt((double) var + eps));
            mean[c] = mu;
            invStd[c] = inv;
            rm[c] = (1f - momentum) * rm[c] + momentum * mu;
            rv[c] = (1f - momentum) * rv[c] + momentum * (float) (squares / (m - 1));
            normalise(x, y, n, channels, plane, c, mu, inv, gamma[c], beta[c]);
        });
    }

    @Override
    protected void batchNormForwardInferenceImpl(Tensor xt, Tensor gt, Tensor bt, Tensor rmt, Tensor rvt, Tensor yt, float eps) {
        float[] x = f(xt), gamma = f(gt), beta = f(bt), rm = f(rmt), rv = f(rvt), y = f(yt);
        int n = xt.dim(0), channels = xt.dim(1), plane = xt.dim(2) * xt.dim(3);
        parallel(channels, c -> normalise(x, y, n, channels, plane, c, rm[c], (float) (1.0 / Math.sqrt((double) rv[c] + eps)),
                gamma[c], beta[c]));
    }

    /** y = (x - mean) invStd gamma + beta over channel c, in that order of float operations. */
    private static void normalise(float[] x, float[] y, int n, int channels, int plane, int c, float mean, float invStd,
            float gamma, float beta) {
        for (int s = 0; s < n; s++) {
            for (int k = (s * channels + c) * plane, e = k + plane; k < e; k++) y[k] = (x[k] - mean) * invStd * gamma + beta;
        }
    }

    @Override
    protected void adamUpdateImpl(Tensor pt, Tensor gt, Tensor mt, Tensor vt, float beta1, float beta2, float eps, float l2,
            float decay, float stepSize, float bias2Sqrt) {
        float[] p = f(pt), g = f(gt), m = f(mt), v = f(vt);
        for (int k = 0; k < p.length; k++) {
            float x = p[k] * decay;
            float d = g[k];
            if (l2 != 0f) d = d + l2 * x;
            float mk = beta1 * m[k] + (1f - beta1) * d;
            float vk = beta2 * v[k] + (1f - beta2) * d * d;
            m[k] = mk;
            v[k] = vk;
            float denom = (float) Math.sqrt(vk) / bias2Sqrt + eps;
            p[k] = x - stepSize * (mk / denom);
        }
    }

    @Override
    protected void batchNormBackwardImpl(Tensor dyt, Tensor xt, Tensor gt, Tensor meant, Tensor invt, Tensor dxt, Tensor dgt,
            Tensor dbt) {
        float[] dy = f(dyt), x = f(xt), gamma = f(gt), mean = f(meant), invStd = f(invt), dx = f(dxt), dgamma = f(dgt),
                dbeta = f(dbt);
        int n = xt.dim(0), channels = xt.dim(1), plane = xt.dim(2) * xt.dim(3);
        float m = (float) ((long) n * plane);
        parallel(channels, c -> {
            float mu = mean[c], inv = invStd[c];
            double sumDy = 0, sumDyXhat = 0;
            for (int s = 0; s < n; s++) {
                for (int k = (s * channels + c) * plane, e = k + plane; k < e; k++) {
                    sumDy += dy[k];
                    sumDyXhat += (double) dy[k] * ((x[k] - mu) * inv);
                }
            }
            float db = (float) sumDy, dg = (float) sumDyXhat;
            dbeta[c] = db;
            dgamma[c] = dg;
            float scale = gamma[c] * inv, meanDy = db / m, meanDyXhat = dg / m;
            for (int s = 0; s < n; s++) {
                for (int k = (s * channels + c) * plane, e = k + plane; k < e; k++) {
                    dx[k] = scale * (dy[k] - meanDy - (x[k] - mu) * inv * meanDyXhat);
                }
            }
        });
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static void parallel(int count, java.util.function.IntConsumer body) {
        IntStream.range(0, count).parallel().forEach(body);
    }

    /** Splits rows 0..count-1 into blocks of 16 (a multiple of the 4-row register block) run in parallel. */
    private static void parallelRows(int count, RowBlock body) {
        int blocks = (count + 15) / 16;
        parallel(blocks, blk -> body.run(blk * 16, Math.min(16, count - blk * 16)));
    }

    private interface RowBlock {
        void run(int first, int rows);
    }
}
