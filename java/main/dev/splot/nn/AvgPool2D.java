package dev.splot.nn;

import dev.splot.backend.Op;
import dev.splot.backend.PoolGeometry;
import dev.splot.backend.Tensor;
import java.util.Set;

/** Average pooling over square windows ('valid'): (C, H, W) -> (C, (H-pool)/stride+1, (W-pool)/stride+1). */
public final class AvgPool2D extends Layer {
    private final int pool;
    private final int stride;
    private PoolGeometry geometry;

    /**
     * Non-overlapping windows: stride = pool.
     *
     * @param pool window height and width, {@code > 0}
     * @throws IllegalArgumentException if {@code pool <= 0}
     */
    public AvgPool2D(int pool) {
        this(pool, pool);
    }

    /**
     * @param pool window height and width, {@code > 0}
     * @param stride step in both directions, {@code > 0}
     * @throws IllegalArgumentException if a size is not positive
     */
    public AvgPool2D(int pool, int stride) {
        if (pool <= 0 || stride <= 0) {
            throw new IllegalArgumentException("AvgPool2D: pool size and stride must be positive");
        }
        this.pool = pool;
        this.stride = stride;
    }

    @Override
    public Set<Op> ops() {
        return Set.of(Op.AVG_POOL_FORWARD, Op.AVG_POOL_BACKWARD);
    }

    @Override
    protected String typeName() {
        return "average_pooling2d";
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

    @Override
    public Tensor forward(Tensor x, ForwardContext ctx, Workspace ws) {
        PoolGeometry g = geometry.withBatch(x.dim(0));
        Tensor output = ws.tensor(this, "output", g.outputShape());
        backend.avgPoolForward(x, output, g);
        return output;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient, Workspace ws) {
        if (!needInputGradient) return null;
        PoolGeometry g = geometry.withBatch(dy.dim(0));
        Tensor inputGrad = ws.tensor(this, "inputGrad", g.inputShape());
        backend.avgPoolBackward(dy, inputGrad, g);
        return inputGrad;
    }

    @Override
    public String toString() {
        return "AvgPool2D(" + pool + ", stride " + stride + ")";
    }
}
