package dev.splot.backend.java;

import dev.splot.backend.AbstractBackend;
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
 * means. Other backends are tested against it. Work is split over the batch (or over output
 * channels for weight gradients) with parallel streams; each output element is always summed in
 * the same order, so results do not depend on the thread count.
 */
public final class JavaBackend extends AbstractBackend {

    @Override
    public String name() {
        return "java";
    }

    @Override
    public String description() {
        return "Java reference loops on " + Runtime.getRuntime().availableProcessors() + " threads";
    }

    private static float[] f(Tensor t) {
        return (float[]) t.handle();
    }

    private static int[] i(Tensor t) {
        return (int[]) t.handle();
    }

    // ---- memory -------------------------------------------------------------------------------

    @Override
    protected Object allocateMemory(DType dtype, long elements) {
        return dtype == DType.FLOAT32 ? new float[(int) elements] : new int[(int) elements];
    }

    @Override
    protected void freeMemory(Object handle) {
        // garbage collected
    }

    @Override
    protected void uploadImpl(Tensor dst, float[] src) {
        System.arraycopy(src, 0, f(dst), 0, src.length);
    }

    @Override
    protected void uploadImpl(Tensor dst, int[] src) {
        System.arraycopy(src, 0, i(dst), 0, src.length);
    }

    @Override
    protected void downloadImpl(Tensor src, float[] dst) {
        System.arraycopy(f(src), 0, dst, 0, dst.length);
    }

    @Override
    protected void downloadImpl(Tensor src, int[] dst) {
        System.arraycopy(i(src), 0, dst, 0, dst.length);
    }

    @Override
    protected void fillImpl(Tensor t, float value) {
        Arrays.fill(f(t), value);
    }

    @Override
    protected void copyImpl(Tensor src, Tensor dst) {
        System.arraycopy(f(src), 0, f(dst), 0, src.size());
    }

    @Override
    public void synchronize() {}

    @Override
    public void close() {}

    // ---- convolution --------------------------------------------------------------------------

    @Override
    protected void conv2dForwardImpl(Tensor xt, Tensor wt, Tensor bt, Tensor yt, ConvGeometry g) {
        float[] x = f(xt), w = f(wt), b = f(bt), y = f(yt);
        int planeOut = g.outH() * g.outW();
        parallel(g.n() * g.o(), no -> {
            int n = no / g.o(), o = no % g.o();
            int yBase = no * planeOut;
            Arrays.fill(y, yBase, yBase + planeOut, b[o]);
            for (int c = 0; c < g.c(); c++) {
                int xPlane = (n * g.c() + c) * g.h() * g.w();
                for (int kh = 0; kh < g.kh(); kh++) {
                    for (int kw = 0; kw < g.kw(); kw++) {
                        float wv = w[((o * g.c() + c) * g.kh() + kh) * g.kw() + kw];
                        for (int oh = 0; oh < g.outH(); oh++) {
                            int ih = oh * g.strideH() + kh - g.padTop();
                            if (ih < 0 || ih >= g.h()) continue;
                            int xRow = xPlane + ih * g.w();
                            int yRow = yBase + oh * g.outW();
                            for (int ow = firstOw(g, kw); ow < endOw(g, kw); ow++) {
                                y[yRow + ow] += wv * x[xRow + ow * g.strideW() + kw - g.padLeft()];
                            }
                        }
                    }
                }
            }
        });
    }

    @Override
    protected void conv2dBackwardDataImpl(Tensor dyt, Tensor wt, Tensor dxt, ConvGeometry g) {
        float[] dy = f(dyt), w = f(wt), dx = f(dxt);
        int planeIn = g.h() * g.w(), planeOut = g.outH() * g.outW();
        parallel(g.n() * g.c(), nc -> {
            int n = nc / g.c(), c = nc % g.c();
            int xPlane = nc * planeIn;
            Arrays.fill(dx, xPlane, xPlane + planeIn, 0f);
            for (int o = 0; o < g.o(); o++) {
                int yPlane = (n * g.o() + o) * planeOut;
                for (int kh = 0; kh < g.kh(); kh++) {
                    for (int kw = 0; kw < g.kw(); kw++) {
                        float wv = w[((o * g.c() + c) * g.kh() + kh) * g.kw() + kw];
                        for (int oh = 0; oh < g.outH(); oh++) {
                            int ih = oh * g.strideH() + kh - g.padTop();
                            if (ih < 0 || ih >= g.h()) continue;
                            int xRow = xPlane + ih * g.w();
                            int yRow = yPlane + oh * g.outW();
                            for (int ow = firstOw(g, kw); ow < endOw(g, kw); ow++) {
                                dx[xRow + ow * g.strideW() + kw - g.padLeft()] += wv * dy[yRow + ow];
                            }
                        }
                    }
                }
            }
        });
    }

    @Override
    protected void conv2dBackwardWeightsImpl(Tensor xt, Tensor dyt, Tensor dwt, Tensor dbt, ConvGeometry g) {
        float[] x = f(xt), dy = f(dyt), dw = f(dwt), db = f(dbt);
        int planeIn = g.h() * g.w(), planeOut = g.outH() * g.outW();
        parallel(g.o(), o -> {
            float bias = 0f;
            for (int n = 0; n < g.n(); n++) {
                bias += sum(dy, (n * g.o() + o) * planeOut, planeOut);
            }
            db[o] = bias;
            for (int c = 0; c < g.c(); c++) {
                for (int kh = 0; kh < g.kh(); kh++) {
                    for (int kw = 0; kw < g.kw(); kw++) {
                        int lo = firstOw(g, kw), hi = endOw(g, kw);
                        float acc = 0f;
                        for (int n = 0; n < g.n(); n++) {
                            int xPlane = (n * g.c() + c) * planeIn;
                            int yPlane = (n * g.o() + o) * planeOut;
                            for (int oh = 0; oh < g.outH(); oh++) {
                                int ih = oh * g.strideH() + kh - g.padTop();
                                if (ih < 0 || ih >= g.h() || lo >= hi) continue;
                                acc += dot(dy, yPlane + oh * g.outW() + lo, 1,
                                        x, xPlane + ih * g.w() + lo * g.strideW() + kw - g.padLeft(), g.strideW(), hi - lo);
                            }
                        }
                        dw[((o * g.c() + c) * g.kh() + kh) * g.kw() + kw] = acc;
                    }
                }
            }
        });
    }

    /** First output column whose input column (ow * stride + kw - padLeft) is inside the image. */
    private static int firstOw(ConvGeometry g, int kw) {
        int need = g.padLeft() - kw; // ow * stride >= need
        return need <= 0 ? 0 : (need + g.strideW() - 1) / g.strideW();
    }

    /** One past the last output column whose input column is inside the image. */
    private static int endOw(ConvGeometry g, int kw) {
        int limit = g.w() - 1 + g.padLeft() - kw; // ow * stride <= limit
        return limit < 0 ? 0 : Math.min(g.outW(), limit / g.strideW() + 1);
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
            y[k] = x[k] > 0f ? x[k] : 0f;
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
    protected void dropoutForwardImpl(Tensor xt, Tensor yt, Tensor mt, float rate, long seed, long step, int layer) {
        float[] x = f(xt), y = f(yt), mask = f(mt);
        Philox.uniforms(seed, Philox.PURPOSE_DROPOUT, step, layer, mask);
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
        parallel(n, r -> {
            for (int j = 0; j < out; j++) {
                y[r * out + j] = b[j] + dot(x, r * in, 1, w, j * in, 1, in);
            }
        });
    }

    @Override
    protected void denseBackwardImpl(Tensor dyt, Tensor xt, Tensor wt, Tensor dxt, Tensor dwt, Tensor dbt, int n, int in, int out) {
        float[] dy = f(dyt), x = f(xt), w = f(wt), dw = f(dwt), db = f(dbt);
        parallel(out, j -> {
            float bias = 0f;
            for (int r = 0; r < n; r++) bias += dy[r * out + j];
            db[j] = bias;
            int row = j * in;
            Arrays.fill(dw, row, row + in, 0f);
            for (int r = 0; r < n; r++) {
                float g = dy[r * out + j];
                for (int k = 0; k < in; k++) dw[row + k] += g * x[r * in + k];
            }
        });
        if (dxt != null) {
            float[] dx = f(dxt);
            parallel(n, r -> {
                int row = r * in;
                Arrays.fill(dx, row, row + in, 0f);
                for (int j = 0; j < out; j++) {
                    float g = dy[r * out + j];
                    for (int k = 0; k < in; k++) dx[row + k] += g * w[j * in + k];
                }
            });
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

    // ---- helpers ------------------------------------------------------------------------------

    /**
     * Dot product summed in four interleaved partial sums (lanes k mod 4), then ((s0+s1)+(s2+s3)):
     * a fixed order that keeps four additions in flight.
     */
    static float dot(float[] a, int aOff, int aStride, float[] b, int bOff, int bStride, int len) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int k = 0;
        for (; k + 3 < len; k += 4) {
            s0 += a[aOff + k * aStride] * b[bOff + k * bStride];
            s1 += a[aOff + (k + 1) * aStride] * b[bOff + (k + 1) * bStride];
            s2 += a[aOff + (k + 2) * aStride] * b[bOff + (k + 2) * bStride];
            s3 += a[aOff + (k + 3) * aStride] * b[bOff + (k + 3) * bStride];
        }
        for (; k < len; k++) s0 += a[aOff + k * aStride] * b[bOff + k * bStride];
        return (s0 + s1) + (s2 + s3);
    }

    private static float sum(float[] a, int off, int len) {
        float s = 0f;
        for (int k = 0; k < len; k++) s += a[off + k];
        return s;
    }

    private static void parallel(int count, java.util.function.IntConsumer body) {
        IntStream.range(0, count).parallel().forEach(body);
    }
}
