package dev.splot.backend;

/**
 * Max-pooling sizes, 'valid' windows only (as the Keras default): x[n, c, h, w] -> y[n, c, outH, outW].
 *
 * @param n batch size
 * @param c channels
 * @param h input height
 * @param w input width
 * @param poolH window height
 * @param poolW window width
 * @param strideH vertical stride
 * @param strideW horizontal stride
 * @param outH output height
 * @param outW output width
 */
public record PoolGeometry(int n, int c, int h, int w, int poolH, int poolW, int strideH, int strideW, int outH, int outW) {

    /**
     * Checks the sizes, including that the last window lies inside the input.
     *
     * @param n batch size
     * @param c channels
     * @param h input height
     * @param w input width
     * @param poolH window height
     * @param poolW window width
     * @param strideH vertical stride
     * @param strideW horizontal stride
     * @param outH output height
     * @param outW output width
     * @throws IllegalArgumentException naming the geometry when a size or stride is not positive or a
     *     window would reach past the input
     */
    public PoolGeometry {
        if (n <= 0 || c <= 0 || poolH <= 0 || poolW <= 0 || strideH <= 0 || strideW <= 0 || outH <= 0 || outW <= 0
                || (outH - 1) * strideH + poolH > h || (outW - 1) * strideW + poolW > w) {
            throw new IllegalArgumentException("invalid pooling geometry: " + this);
        }
    }

    /**
     * The geometry of a Keras {@code MaxPooling2D} with square windows and 'valid' padding:
     * {@code out = (in - pool) / stride + 1}; rows and columns past the last whole window are ignored.
     *
     * @param n batch size
     * @param c channels
     * @param h input height
     * @param w input width
     * @param pool window height and width
     * @param stride the stride along both axes (Keras's default is the pool size)
     * @return the geometry
     * @throws IllegalArgumentException when the input is smaller than the window or a size is not positive
     */
    public static PoolGeometry of(int n, int c, int h, int w, int pool, int stride) {
        if (h < pool || w < pool) {
            throw new IllegalArgumentException("input " + h + "x" + w + " is smaller than the pool " + pool + "x" + pool);
        }
        return new PoolGeometry(n, c, h, w, pool, pool, stride, stride, (h - pool) / stride + 1, (w - pool) / stride + 1);
    }

    /**
     * One window over each whole plane, as global average pooling: x[n, c, h, w] -> y[n, c, 1, 1].
     *
     * @param n batch
     * @param c channels
     * @param h plane height
     * @param w plane width
     * @return the geometry
     */
    public static PoolGeometry global(int n, int c, int h, int w) {
        return new PoolGeometry(n, c, h, w, h, w, h, w, 1, 1);
    }

    /**
     * The same pooling for another batch size.
     *
     * @param batch the new n, {@code > 0}
     * @return a geometry equal to this one except for n
     */
    public PoolGeometry withBatch(int batch) {
        return new PoolGeometry(batch, c, h, w, poolH, poolW, strideH, strideW, outH, outW);
    }

    /** {@return x's shape, NCHW {@code [n, c, h, w]}, a new array} */
    public int[] inputShape() { return new int[] {n, c, h, w}; }
    /** {@return the shape of y and of the argmax, {@code [n, c, outH, outW]}, a new array} */
    public int[] outputShape() { return new int[] {n, c, outH, outW}; }
    /** {@return whether the windows are 2x2 at stride 2, the case backends give kernels of their own} */
    public boolean isTwoByTwoStrideTwo() { return poolH == 2 && poolW == 2 && strideH == 2 && strideW == 2; }

    /**
     * Checks a max-pool argmax before a backward pass scatters through it: entry k (image i, channel ch) must index x
     * inside plane (i, ch), that is lie in {@code [(i*c + ch)*h*w, (i*c + ch + 1)*h*w)}, as every argmax that
     * maxPoolForward writes does. A backend that scatters through an index from elsewhere would write outside its
     * plane, or outside dx; this names the first such entry instead.
     *
     * @param op     the operation, for the message
     * @param argmax the argmax, {@code n*c*outH*outW} entries
     * @throws IllegalArgumentException naming op, the first entry outside its plane, its value and the plane's range
     */
    public void checkArgmax(String op, int[] argmax) {
        long planeIn = (long) h * w, planeOut = (long) outH * outW;
        for (int k = 0; k < argmax.length; k++) {
            long plane = k / planeOut, lo = plane * planeIn;
            if (argmax[k] < lo || argmax[k] >= lo + planeIn) {
                throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                        "%s: argmax[%d] = %d lies outside its plane (image %d, channel %d: indices %d..%d of x %s); the argmax must be"
                                + " maxPoolForward's for this geometry", op, k, argmax[k], plane / c, plane % c, lo, lo + planeIn - 1,
                        java.util.Arrays.toString(inputShape())));
            }
        }
    }
}
