package dev.splot.nn;

import dev.splot.backend.Op;
import dev.splot.backend.Tensor;
import java.util.Set;

/** Flattens each sample to one dimension (a view: no copy). */
public final class Flatten extends Layer {
    private int[] lastInputShape;

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
    public Tensor forward(Tensor x, ForwardContext ctx) {
        lastInputShape = x.shape();
        return x.reshape(x.dim(0), x.size() / x.dim(0));
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient) {
        return needInputGradient ? dy.reshape(lastInputShape) : null;
    }

    @Override
    public String toString() {
        return "Flatten";
    }
}
