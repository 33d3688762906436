package dev.splot.nn;

import dev.splot.backend.ConvGeometry;
import dev.splot.backend.Op;
import dev.splot.backend.Padding;
import dev.splot.backend.PoolGeometry;
import dev.splot.backend.Tensor;
import java.util.List;
import java.util.Set;

/** 2-D convolution (cross-correlation) with bias: input (C, H, W) -> (filters, outH, outW). Weights OIHW, Glorot-uniform; bias zero. */
public final class Conv2D extends Layer {
    private final int filters;
    private final int kernelH;
    private final int kernelW;
    private final int stride;
    private final Padding padding;

    private Parameter weight;
    private Parameter bias;
    private ConvGeometry geometry; // per-sample geometry (batch 1); scaled to the batch at each call

    /**
     * A square kernel, stride 1, no padding ('valid').
     *
     * @param filters output channels, {@code > 0}
     * @param kernelSize kernel height and width, {@code > 0}
     * @throws IllegalArgumentException if a size is not positive
     */
    public Conv2D(int filters, int kernelSize) {
        this(filters, kernelSize, kernelSize, 1, Padding.VALID);
    }

    /**
     * @param filters output channels, {@code > 0}
     * @param kernelH kernel height, {@code > 0}
     * @param kernelW kernel width, {@code > 0}
     * @param stride step in both directions, {@code > 0}
     * @param padding {@link Padding#VALID} (none) or {@link Padding#SAME} (output size ceil(input / stride))
     * @throws IllegalArgumentException if a size is not positive
     */
    public Conv2D(int filters, int kernelH, int kernelW, int stride, Padding padding) {
        if (filters <= 0 || kernelH <= 0 || kernelW <= 0 || stride <= 0) {
            throw new IllegalArgumentException("Conv2D: filters, kernel size and stride must be positive");
        }
        this.filters = filters;
        this.kernelH = kernelH;
        this.kernelW = kernelW;
        this.stride = stride;
        this.padding = padding;
    }

    @Override
    public Set<Op> ops() {
        return Set.of(Op.CONV2D_FORWARD, Op.CONV2D_BACKWARD_DATA, Op.CONV2D_BACKWARD_WEIGHTS);
    }

    @Override
    protected String typeName() {
        return "conv2d";
    }

    /** @return output channels */
    public int filters() { return filters; }
    /** @return kernel height */
    public int kernelH() { return kernelH; }
    /** @return kernel width */
    public int kernelW() { return kernelW; }
    /** @return step in both directions */
    public int stride() { return stride; }
    /** @return how the input is padded */
    public Padding padding() { return padding; }

    private ConvGeometry geometryFor(int[] in) {
        requireInputRank(in, 3, "(channels, height, width)");
        return ConvGeometry.of(1, in[0], in[1], in[2], filters, kernelH, kernelW, stride, padding);
    }

    @Override
    public int[] outputShape(int[] in) {
        ConvGeometry g = geometryFor(in);
        return new int[] {filters, g.outH(), g.outW()};
    }

    @Override
    protected void initialise(long seed) {
        geometry = geometryFor(inputShape);
        int fanIn = inputShape[0] * kernelH * kernelW;
        int fanOut = filters * kernelH * kernelW;
        int[] wShape = geometry.weightShape();
        Tensor w = backend.allocate(wShape);
        backend.upload(w, Initializers.glorotUniform(w.size(), fanIn, fanOut, seed, index));
        weight = new Parameter(name() + ".weight", w, backend.allocate(wShape));
        bias = new Parameter(name() + ".bias", backend.allocate(filters), backend.allocate(filters));
    }

    @Override
    public List<Parameter> parameters() {
        return weight == null ? List.of() : List.of(weight, bias);
    }

    @Override
    public Tensor forward(Tensor x, ForwardContext ctx, Workspace ws) {
        ConvGeometry g = geometry.withBatch(x.dim(0));
        Tensor output = ws.tensor(this, "output", g.outputShape());
        backend.conv2dForward(x, weight.value(), bias.value(), output, g);
        ws.keep(this, "input", x);
        return output;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient, Workspace ws) {
        ConvGeometry g = backwardWeights(dy, ws);
        if (!needInputGradient) {
            return null;
        }
        Tensor inputGrad = ws.tensor(this, "inputGrad", g.inputShape());
        backend.conv2dBackwardData(dy, weight.value(), inputGrad, g);
        return inputGrad;
    }

    /** Fills the parameters' gradients; returns the batch's geometry. */
    private ConvGeometry backwardWeights(Tensor dy, Workspace ws) {
        ConvGeometry g = geometry.withBatch(dy.dim(0));
        backend.conv2dBackwardWeights(ws.recall(this, "input"), dy, weight.grad(), bias.grad(), g);
        return g;
    }

    /**
     * Forward of this layer and the ReLU after it in one backend op: the result is the ReLU's output,
     * in the ReLU's buffer (this layer's own output is not materialised); both keep what their
     * backward passes need.
     */
    Tensor forwardWithRelu(Tensor x, ReLU relu, Workspace ws) {
        ConvGeometry g = geometry.withBatch(x.dim(0));
        Tensor output = relu.outputBuffer(g.outputShape(), ws);
        backend.conv2dReluForward(x, weight.value(), bias.value(), output, g);
        ws.keep(this, "input", x);
        return output;
    }

    /**
     * Forward of this layer, the ReLU after it and the max pooling after that in one backend op: the
     * result is the pooling's output, in its buffer, with its argmax. The ReLU's buffer is the op's
     * scratch: a fused kernel leaves it alone, a composition writes the ReLU's output there instead of
     * allocating a temporary; either way the workspace then refuses it as the ReLU's output (the fused
     * backward passes read the pooled values instead).
     */
    Tensor forwardWithReluAndPool(Tensor x, ReLU relu, MaxPool2D pool, Workspace ws) {
        int batch = x.dim(0);
        ConvGeometry g = geometry.withBatch(batch);
        PoolGeometry p = pool.batchGeometry(batch);
        Tensor pooled = pool.outputBuffer(p, ws);
        backend.conv2dReluMaxPoolForward(x, weight.value(), bias.value(), pooled, pool.argmaxBuffer(p, ws),
                relu.outputBuffer(g.outputShape(), ws), g, p);
        ws.keep(this, "input", x);
        relu.outputNotWritten(ws, "fused into " + name() + "'s conv2dReluMaxPoolForward with " + pool.name());
        return pooled;
    }

    /**
     * Backward of this layer with the ReLU before it: the parameters' gradients, then the input
     * gradient carried through that ReLU in one backend op.
     *
     * @return the gradient with respect to the ReLU's input, in the ReLU's buffer
     */
    Tensor backwardThroughRelu(Tensor dy, ReLU relu, Workspace ws) {
        ConvGeometry g = backwardWeights(dy, ws);
        Tensor inputGrad = relu.inputGradBuffer(g.inputShape(), ws);
        backend.conv2dBackwardDataRelu(dy, weight.value(), relu.savedOutput(ws), inputGrad, g);
        return inputGrad;
    }

    /**
     * Backward of the ReLU, max pooling and dropout after this layer, of this layer and (when given) of
     * the ReLU before it, in one backend op from the gradient of the dropout's output: the parameters'
     * gradients, and the input gradient when needed. This layer's output gradient is not materialised.
     *
     * @param dy gradient with respect to the dropout's output
     * @param relu the ReLU after this layer
     * @param pool the max pooling after it
     * @param dropout the dropout after that
     * @param reluBefore the ReLU before this layer to carry the input gradient through, or null
     * @param needInputGradient whether anyone uses the input gradient
     * @param ws the workspace of the training forward pass
     * @return the input gradient (reluBefore's input gradient when given, in its buffer), or null when not needed
     */
    Tensor backwardFromPool(Tensor dy, ReLU relu, MaxPool2D pool, Dropout dropout, ReLU reluBefore, boolean needInputGradient,
            Workspace ws) {
        int batch = dy.dim(0);
        ConvGeometry g = geometry.withBatch(batch);
        Tensor inputGrad = !needInputGradient ? null
                : reluBefore != null ? reluBefore.inputGradBuffer(g.inputShape(), ws) : ws.tensor(this, "inputGrad", g.inputShape());
        backend.dropoutMaxPoolReluConv2dBackward(dy, dropout.savedMask(ws), pool.savedArgmax(ws), pool.savedOutput(ws),
                pool.batchGeometry(batch), ws.recall(this, "input"), weight.value(), weight.grad(), bias.grad(),
                reluBefore != null && needInputGradient ? reluBefore.savedOutput(ws) : null, inputGrad, g);
        return inputGrad;
    }

    @Override
    public String toString() {
        return "Conv2D(" + filters + ", " + kernelH + "x" + kernelW + ", stride " + stride + ", " + padding.name().toLowerCase() + ")";
    }
}
