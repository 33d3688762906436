package dev.splot.nn;

import dev.splot.backend.Op;
import dev.splot.backend.PoolGeometry;
import dev.splot.backend.Tensor;
import java.util.Set;

/**
 * The mean of each channel's plane: (C, H, W) -> (C), ready for a Dense layer without Flatten.
 * It is average pooling with one window over the whole plane ({@link PoolGeometry#global}), so it
 * runs on the backends' average-pooling operations.
 */
public final class GlobalAvgPool2D extends Layer {
    private PoolGeometry geometry;

    @Override
    public Set<Op> ops() {
        return Set.of(Op.AVG_POOL_FORWARD, Op.AVG_POOL_BACKWARD);
    }

    @Override
    protected String typeName() {
        return "global_average_pooling2d";
    }

    @Override
    public int[] outputShape(int[] in) {
        requireInputRank(in, 3, "(channels, height, width)");
        return new int[] {in[0]};
    }

    @Override
    protected void initialise(long seed) {
        geometry = PoolGeometry.global(1, inputShape[0], inputShape[1], inputShape[2]);
    }

    @Override
    public Tensor forward(Tensor x, ForwardContext ctx, Workspace ws) {
        PoolGeometry g = geometry.withBatch(x.dim(0));
        Tensor output = ws.tensor(this, "output", g.outputShape());
        backend.avgPoolForward(x, output, g);
        return output.reshape(g.n(), g.c());
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient, Workspace ws) {
        if (!needInputGradient) return null;
        PoolGeometry g = geometry.withBatch(dy.dim(0));
        Tensor inputGrad = ws.tensor(this, "inputGrad", g.inputShape());
        backend.avgPoolBackward(dy.reshape(g.outputShape()), inputGrad, g);
        return inputGrad;
    }

    @Override
    public String toString() {
        return "GlobalAvgPool2D";
    }
}
