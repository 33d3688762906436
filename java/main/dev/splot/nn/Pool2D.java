package dev.splot.nn;

import dev.splot.backend.PoolGeometry;

/**
 * What max and average pooling share: square 'valid' windows of {@link #pool()} with step
 * {@link #stride()}, (C, H, W) -> (C, (H-pool)/stride+1, (W-pool)/stride+1), and the geometry of
 * the built layer.
 */
public abstract sealed class Pool2D extends Layer permits MaxPool2D, AvgPool2D {
    private final int pool;
    private final int stride;
    /** The per-sample geometry (batch 1) of the built layer; scaled to the batch at each call. */
    protected PoolGeometry geometry;

    Pool2D(String type, int pool, int stride) {
        if (pool <= 0 || stride <= 0) {
            throw new IllegalArgumentException(type + ": pool size and stride must be positive");
        }
        this.pool = pool;
        this.stride = stride;
    }

    /** @return window height and width */
    public int pool() { return pool; }
    /** @return step in both directions */
    public int stride() { return stride; }

    private PoolGeometry geometryFor(int[] in) {
        requireInputRank(in, 3, "(channels, height, width)");
        return PoolGeometry.of(1, in[0], in[1], in[2], pool, stride);
    }

    @Override
    public int[] outputShape(int[] in) {
        PoolGeometry g = geometryFor(in);
        return new int[] {in[0], g.outH(), g.outW()};
    }

    @Override
    protected void initialise(long seed) {
        geometry = geometryFor(inputShape);
    }
}
