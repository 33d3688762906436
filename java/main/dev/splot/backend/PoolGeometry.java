package dev.splot.backend;

/** Max-pooling sizes, 'valid' windows only (as the Keras default): x[n, c, h, w] -> y[n, c, outH, outW]. */
public record PoolGeometry(int n, int c, int h, int w, int poolH, int poolW, int strideH, int strideW, int outH, int outW) {

    public PoolGeometry {
        if (n <= 0 || c <= 0 || poolH <= 0 || poolW <= 0 || strideH <= 0 || strideW <= 0 || outH <= 0 || outW <= 0
                || (outH - 1) * strideH + poolH > h || (outW - 1) * strideW + poolW > w) {
            throw new IllegalArgumentException("invalid pooling geometry: " + this);
        }
    }

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

    public PoolGeometry withBatch(int batch) {
        return new PoolGeometry(batch, c, h, w, poolH, poolW, strideH, strideW, outH, outW);
    }

    public int[] inputShape() { return new int[] {n, c, h, w}; }
    public int[] outputShape() { return new int[] {n, c, outH, outW}; }
}
