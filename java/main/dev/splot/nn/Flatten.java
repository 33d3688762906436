package dev.splot.nn;

import dev.splot.backend.Op;
import dev.splot.backend.Tensor;
import java.util.Set;

/** Flattens each sample to one dimension (a view: no copy). */
public final class Flatten extends Layer {

    @Override
    public Set<Op> ops() {
        return Set.of(); // a view: no backend work
    }

    @Override
    protected String typeName() {
        return "flatten";
    }

    @Override
    public int[] outputShape(int[] in) {
        int n = 1;
        for (int d : in) n *= d;
        return new int[] {n};
    }

    @Override
    public Tensor forward(Tensor x, ForwardContext ctx, Workspace ws) {
        ws.keep(this, "input", x);
        return x.reshape(x.dim(0), x.size() / x.dim(0));
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient, Workspace ws) {
        return needInputGradient ? dy.reshape(ws.recall(this, "input").shape()) : null;
    }

    @Override
    public String toString() {
        return "Flatten";
    }
}
