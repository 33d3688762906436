package dev.splot.nn;

import dev.splot.backend.Op;
import dev.splot.backend.Tensor;
import java.util.Set;

/** Rectified linear unit, max(x, 0). */
public final class ReLU extends Layer {
    private Tensor output;
    private Tensor inputGrad;

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
    public Tensor forward(Tensor x, ForwardContext ctx) {
        output = ensure(output, x.shape());
        backend.reluForward(x, output);
        return output;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient) {
        if (!needInputGradient) return null;
        inputGrad = ensure(inputGrad, dy.shape());
        backend.reluBackward(dy, output, inputGrad);
        return inputGrad;
    }

    @Override
    protected void releaseBuffers() {
        closeAll(output, inputGrad);
        output = inputGrad = null;
    }

    @Override
    public String toString() {
        return "ReLU";
    }
}
