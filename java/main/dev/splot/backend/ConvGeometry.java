package dev.splot.backend;

/**
 * Every size a 2-D convolution needs: input x[n, c, h, w], weights w[o, c, kh, kw], output
 * y[n, o, outH, outW]. Input positions outside the image (the padding) read as zero; padTop and
 * padLeft place the first window, and the bottom/right padding follows from outH and outW.
 * The operation is cross-correlation (no kernel flip), as in Keras and PyTorch.
 */
public record ConvGeometry(int n, int c, int h, int w, int o, int kh, int kw,
                           int strideH, int strideW, int padTop, int padLeft, int outH, int outW) {

    public ConvGeometry {
        if (n <= 0 || c <= 0 || h <= 0 || w <= 0 || o <= 0 || kh <= 0 || kw <= 0 || strideH <= 0 || strideW <= 0
                || padTop < 0 || padLeft < 0 || outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException("invalid convolution geometry: " + this);
        }
    }

    public static ConvGeometry of(int n, int c, int h, int w, int o, int kh, int kw, int stride, Padding padding) {
        int outH, outW, padTop, padLeft;
        if (padding == Padding.VALID) {
            if (h < kh || w < kw) {
                throw new IllegalArgumentException("input " + h + "x" + w + " is smaller than the kernel " + kh + "x" + kw
                        + " with 'valid' padding");
            }
            outH = (h - kh) / stride + 1;
            outW = (w - kw) / stride + 1;
            padTop = 0;
            padLeft = 0;
        } else {
            outH = (h + stride - 1) / stride;
            outW = (w + stride - 1) / stride;
            padTop = Math.max((outH - 1) * stride + kh - h, 0) / 2;
            padLeft = Math.max((outW - 1) * stride + kw - w, 0) / 2;
        }
        return new ConvGeometry(n, c, h, w, o, kh, kw, stride, stride, padTop, padLeft, outH, outW);
    }

    public ConvGeometry withBatch(int batch) {
        return new ConvGeometry(batch, c, h, w, o, kh, kw, strideH, strideW, padTop, padLeft, outH, outW);
    }

    public int[] inputShape() { return new int[] {n, c, h, w}; }
    public int[] weightShape() { return new int[] {o, c, kh, kw}; }
    public int[] outputShape() { return new int[] {n, o, outH, outW}; }

    /** Multiply-adds x 2 of the forward pass (also of backward-data and of backward-weights each). */
    public long flops() {
        return 2L * n * o * outH * outW * c * kh * kw;
    }
}
