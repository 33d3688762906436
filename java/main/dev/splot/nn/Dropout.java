package dev.splot.nn;

import dev.splot.backend.Op;
import dev.splot.backend.Tensor;
import java.util.Set;

/**
 * Inverted dropout: in training, each element is kept with probability 1 - rate and scaled by
 * 1 / (1 - rate); at inference the layer passes its input through untouched. The mask of a step
 * comes from Philox keyed by (seed, step, layer index) and indexed by the element's position in the
 * whole batch ({@link ForwardContext#firstSample}), so every backend, and every data-parallel
 * worker, drops the same elements.
 */
public final class Dropout extends Layer {
    private final float rate;

    /**
     * @param rate the fraction of elements dropped in training, in [0, 1)
     * @throws IllegalArgumentException if {@code rate} is outside [0, 1)
     */
    public Dropout(double rate) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("Dropout: rate must be in [0, 1), got " + rate);
        }
        this.rate = (float) rate;
    }

    @Override
    public Set<Op> ops() {
        return Set.of(Op.DROPOUT_FORWARD, Op.DROPOUT_BACKWARD);
    }

    @Override
    protected String typeName() {
        return "dropout";
    }

    /** @return the fraction of elements dropped in training */
    public float rate() { return rate; }

    @Override
    public int[] outputShape(int[] in) {
        return in.clone();
    }

    @Override
    public Tensor forward(Tensor x, ForwardContext ctx, Workspace ws) {
        if (!ctx.training()) {
            ws.forget(this, "mask"); // a backward now would use a stale mask: recall refuses instead
            return x;
        }
        Tensor output = ws.tensor(this, "output", x.shape());
        Tensor mask = ws.tensor(this, "maskBuffer", x.shape());
        ws.keep(this, "mask", mask);
        long perSample = x.size() / x.dim(0); // the mask is indexed by element: sample s starts at s * perSample
        backend.dropoutForward(x, output, mask, rate, ctx.seed(), ctx.step(), index, ctx.firstSample() * perSample);
        return output;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient, Workspace ws) {
        if (!needInputGradient) return null;
        Tensor inputGrad = ws.tensor(this, "inputGrad", dy.shape());
        backend.dropoutBackward(dy, ws.recall(this, "mask"), inputGrad);
        return inputGrad;
    }

    @Override
    public String toString() {
        return "Dropout(" + rate + ")";
    }
}
