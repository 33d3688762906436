package dev.splot.backend;

/**
 * Every size a 2-D convolution needs: input x[n, c, h, w], weights w[o, c, kh, kw], output
 * y[n, o, outH, outW]. Input positions outside the image (the padding) read as zero; padTop and
 * padLeft place the first window, and the bottom/right padding follows from outH and outW.
 * The operation is cross-correlation (no kernel flip), as in Keras and PyTorch.
 *
 * @param n batch size
 * @param c input channels
 * @param h input height
 * @param w input width
 * @param o output channels
 * @param kh kernel height
 * @param kw kernel width
 * @param strideH vertical stride
 * @param strideW horizontal stride
 * @param padTop zero rows above the input
 * @param padLeft zero columns left of the input
 * @param outH output height
 * @param outW output width
 */
public record ConvGeometry(int n, int c, int h, int w, int o, int kh, int kw,
                           int strideH, int strideW, int padTop, int padLeft, int outH, int outW) {

    /**
     * Checks the sizes; it does not check that outH and outW agree with the input, kernel, stride and
     * padding ({@link #of} computes them).
     *
     * @param n batch size
     * @param c input channels
     * @param h input height
     * @param w input width
     * @param o output channels
     * @param kh kernel height
     * @param kw kernel width
     * @param strideH vertical stride
     * @param strideW horizontal stride
     * @param padTop zero rows above the input, {@code >= 0}
     * @param padLeft zero columns left of the input, {@code >= 0}
     * @param outH output height
     * @param outW output width
     * @throws IllegalArgumentException naming the geometry when a size or stride is not positive or a
     *     padding is negative
     */
    public ConvGeometry {
        if (n <= 0 || c <= 0 || h <= 0 || w <= 0 || o <= 0 || kh <= 0 || kw <= 0 || strideH <= 0 || strideW <= 0
                || padTop < 0 || padLeft < 0 || outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException("invalid convolution geometry: " + this);
        }
    }

    /**
     * The geometry of a Keras {@code Conv2D} with a square stride: output size and top/left padding
     * follow from the padding mode as in Keras/TensorFlow.
     *
     * @param n batch size
     * @param c input channels
     * @param h input height
     * @param w input width
     * @param o output channels (filters)
     * @param kh kernel height
     * @param kw kernel width
     * @param stride the stride along both axes
     * @param padding VALID: no padding, {@code out = (in - k) / stride + 1}; SAME: {@code out = ceil(in / stride)},
     *     the odd padding pixel at the bottom/right
     * @return the geometry
     * @throws IllegalArgumentException when the input is smaller than the kernel with VALID padding, or
     *     a size is not positive
     */
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

    /**
     * The same convolution for another batch size (a last, smaller batch; prediction one image at a time).
     *
     * @param batch the new n, {@code > 0}
     * @return a geometry equal to this one except for n
     */
    public ConvGeometry withBatch(int batch) {
        return new ConvGeometry(batch, c, h, w, o, kh, kw, strideH, strideW, padTop, padLeft, outH, outW);
    }

    /** {@return x's shape, NCHW {@code [n, c, h, w]}, a new array} */
    public int[] inputShape() { return new int[] {n, c, h, w}; }
    /** {@return the weights' shape, OIHW {@code [o, c, kh, kw]}, a new array} */
    public int[] weightShape() { return new int[] {o, c, kh, kw}; }
    /** {@return y's shape, NCHW {@code [n, o, outH, outW]}, a new array} */
    public int[] outputShape() { return new int[] {n, o, outH, outW}; }

    /**
     * Multiply-adds x 2 of the forward pass (also of backward-data and of backward-weights each).
     *
     * @return floating-point operations, for throughput reports
     */
    public long flops() {
        return 2L * n * o * outH * outW * c * kh * kw;
    }
}
