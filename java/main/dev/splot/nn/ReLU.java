package dev.splot.nn;

import dev.splot.backend.Op;
import dev.splot.backend.Tensor;
import java.util.Set;

/** Rectified linear unit, max(x, 0). */
public final class ReLU extends Layer {

    @Override
    public Set<Op> ops() {
        return Set.of(Op.RELU_FORWARD, Op.RELU_BACKWARD);
    }

    @Override
    protected String typeName() {
        return "relu";
    }

    @Override
    public int[] outputShape(int[] in) {
        return in.clone();
    }

    @Override
    public Tensor forward(Tensor x, ForwardContext ctx, Workspace ws) {
        Tensor output = outputBuffer(x.shape(), ws);
        backend.reluForward(x, output);
        return output;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient, Workspace ws) {
        if (!needInputGradient) return null;
        Tensor inputGrad = inputGradBuffer(dy.shape(), ws);
        backend.reluBackward(dy, savedOutput(ws), inputGrad);
        return inputGrad;
    }

    // what a fused op of the layer before or after (FusedPasses) reads and writes in this layer's stead

    /** This layer's output buffer in {@code ws}, which its backward pass reads back. */
    Tensor outputBuffer(int[] shape, Workspace ws) {
        return ws.tensor(this, "output", shape);
    }

    /** Records that a fused op stood for this layer in the last forward pass without writing its output. */
    void outputNotWritten(Workspace ws, String by) {
        ws.markUnwritten(this, "output", by);
    }

    /** The output of the last training forward pass in {@code ws}. */
    Tensor savedOutput(Workspace ws) {
        return ws.recall(this, "output");
    }

    /** The buffer of this layer's input gradient in {@code ws}. */
    Tensor inputGradBuffer(int[] shape, Workspace ws) {
        return ws.tensor(this, "inputGrad", shape);
    }

    @Override
    public String toString() {
        return "ReLU";
    }
}
