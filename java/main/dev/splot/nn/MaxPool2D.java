package dev.splot.nn;

import dev.splot.backend.DType;
import dev.splot.backend.Op;
import dev.splot.backend.PoolGeometry;
import dev.splot.backend.Tensor;
import java.util.Set;

/** Max pooling over square windows ('valid'): (C, H, W) -> (C, (H-pool)/stride+1, (W-pool)/stride+1). */
public final class MaxPool2D extends Pool2D {
    /**
     * Non-overlapping windows: stride = pool.
     *
     * @param pool window height and width, {@code > 0}
     * @throws IllegalArgumentException if {@code pool <= 0}
     */
    public MaxPool2D(int pool) {
        this(pool, pool);
    }

    /**
     * @param pool window height and width, {@code > 0}
     * @param stride step in both directions, {@code > 0}
     * @throws IllegalArgumentException if a size is not positive
     */
    public MaxPool2D(int pool, int stride) {
        super("MaxPool2D", pool, stride);
    }

    @Override
    public Set<Op> ops() {
        return Set.of(Op.MAX_POOL_FORWARD, Op.MAX_POOL_BACKWARD);
    }

    @Override
    protected String typeName() {
        return "max_pooling2d";
    }

    @Override
    public Tensor forward(Tensor x, ForwardContext ctx, Workspace ws) {
        PoolGeometry g = geometry.withBatch(x.dim(0));
        Tensor output = outputBuffer(g, ws);
        backend.maxPoolForward(x, output, argmaxBuffer(g, ws), g);
        return output;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient, Workspace ws) {
        if (!needInputGradient) return null;
        PoolGeometry g = geometry.withBatch(dy.dim(0));
        Tensor inputGrad = ws.tensor(this, "inputGrad", g.inputShape());
        backend.maxPoolBackward(dy, ws.recall(this, "argmax"), inputGrad, g);
        return inputGrad;
    }

    /** This layer's geometry at a batch size (for a fused op that runs this layer's backward). */
    PoolGeometry batchGeometry(int batch) {
        return geometry.withBatch(batch);
    }

    /** The argmax indices of the last training forward pass in ws. */
    Tensor savedArgmax(Workspace ws) {
        return ws.recall(this, "argmax");
    }

    /** The output (pooled values) of the last training forward pass in ws: the fused backward passes read it. */
    Tensor savedOutput(Workspace ws) {
        return ws.recall(this, "output");
    }

    /** This layer's output buffer in ws (also a fused op's, which writes it in this layer's stead). */
    Tensor outputBuffer(PoolGeometry g, Workspace ws) {
        return ws.tensor(this, "output", g.outputShape());
    }

    /** This layer's argmax buffer in ws (also a fused op's). */
    Tensor argmaxBuffer(PoolGeometry g, Workspace ws) {
        return ws.tensor(this, "argmax", DType.INT32, g.outputShape());
    }

    /**
     * Training forward of this layer and the dropout after it in one backend op: this layer's output
     * and argmax, and the dropout's output and mask, are written where the two layers keep them.
     */
    Tensor forwardWithDropout(Tensor x, Dropout dropout, ForwardContext ctx, Workspace ws) {
        PoolGeometry g = geometry.withBatch(x.dim(0));
        int[] shape = g.outputShape();
        Tensor output = dropout.outputBuffer(shape, ws);
        backend.maxPoolDropoutForward(x, outputBuffer(g, ws), argmaxBuffer(g, ws), output, dropout.maskBuffer(shape, ws), g,
                dropout.rate(), ctx.seed(), ctx.step(), dropout.index(), Dropout.firstIndex(ctx, shape));
        return output;
    }

    /**
     * Backward of the dropout after this layer, this layer and the ReLU before it in one backend op.
     *
     * @return the gradient with respect to the ReLU's input, in the ReLU's buffer
     */
    Tensor backwardThroughDropoutAndRelu(Tensor dy, Dropout dropout, ReLU relu, Workspace ws) {
        PoolGeometry g = geometry.withBatch(dy.dim(0));
        Tensor inputGrad = relu.inputGradBuffer(g.inputShape(), ws);
        backend.dropoutMaxPoolReluBackward(dy, dropout.savedMask(ws), savedArgmax(ws), savedOutput(ws), inputGrad, g);
        return inputGrad;
    }

    @Override
    public String toString() {
        return "MaxPool2D(" + pool() + ", stride " + stride() + ")";
    }
}
