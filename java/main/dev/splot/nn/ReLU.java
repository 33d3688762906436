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
        Tensor output = ws.tensor(this, "output", x.shape());
        backend.reluForward(x, output);
        return output;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient, Workspace ws) {
        if (!needInputGradient) return null;
        Tensor inputGrad = ws.tensor(this, "inputGrad", dy.shape());
        backend.reluBackward(dy, ws.recall(this, "output"), inputGrad);
        return inputGrad;
    }

    @Override
    public String toString() {
        return "ReLU";
    }
}
