package dev.splot.nn;

import dev.splot.backend.Op;
import dev.splot.backend.Tensor;
import java.util.List;
import java.util.Set;

/** Fully connected layer y = x . W^T + b with W of shape [units, inputs] (PyTorch layout), Glorot-uniform; bias zero. */
public final class Dense extends Layer {
    private final int units;
    private Parameter weight;
    private Parameter bias;

    /**
     * @param units outputs per sample, {@code > 0}; the input size is taken from the previous layer
     * @throws IllegalArgumentException if {@code units <= 0}
     */
    public Dense(int units) {
        if (units <= 0) throw new IllegalArgumentException("Dense: units must be positive");
        this.units = units;
    }

    @Override
    public Set<Op> ops() {
        return Set.of(Op.DENSE_FORWARD, Op.DENSE_BACKWARD);
    }

    @Override
    protected String typeName() {
        return "dense";
    }

    /** @return outputs per sample */
    public int units() { return units; }

    @Override
    public int[] outputShape(int[] in) {
        requireInputRank(in, 1, "(features,) — add a Flatten layer before Dense");
        return new int[] {units};
    }

    @Override
    protected void initialise(long seed) {
        int in = inputShape[0];
        Tensor w = backend.allocate(units, in);
        backend.upload(w, Initializers.glorotUniform(units * in, in, units, seed, index));
        weight = new Parameter(name() + ".weight", w, backend.allocate(units, in));
        bias = new Parameter(name() + ".bias", backend.allocate(units), backend.allocate(units));
    }

    @Override
    public List<Parameter> parameters() {
        return weight == null ? List.of() : List.of(weight, bias);
    }

    @Override
    public Tensor forward(Tensor x, ForwardContext ctx, Workspace ws) {
        Tensor output = ws.tensor(this, "output", x.dim(0), units);
        backend.denseForward(x, weight.value(), bias.value(), output);
        ws.keep(this, "input", x);
        return output;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient, Workspace ws) {
        Tensor input = ws.recall(this, "input");
        Tensor dx = needInputGradient ? ws.tensor(this, "inputGrad", input.shape()) : null;
        backend.denseBackward(dy, input, weight.value(), dx, weight.grad(), bias.grad());
        return dx;
    }

    @Override
    public String toString() {
        return "Dense(" + units + ")";
    }
}
