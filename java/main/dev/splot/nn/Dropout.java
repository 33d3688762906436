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
        Tensor output = outputBuffer(x.shape(), ws);
        Tensor mask = maskBuffer(x.shape(), ws);
        backend.dropoutForward(x, output, mask, rate, ctx.seed(), ctx.step(), index, firstIndex(ctx, x.shape()));
        return output;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient, Workspace ws) {
        if (!needInputGradient) return null;
        Tensor inputGrad = ws.tensor(this, "inputGrad", dy.shape());
        backend.dropoutBackward(dy, savedMask(ws), inputGrad);
        return inputGrad;
    }

    // what a fused op of the layer before (FusedPasses) reads and writes in this layer's stead

    /** This layer's output buffer in {@code ws} (training). */
    Tensor outputBuffer(int[] shape, Workspace ws) {
        return ws.tensor(this, "output", shape);
    }

    /** The mask buffer in {@code ws}, kept for the backward pass. */
    Tensor maskBuffer(int[] shape, Workspace ws) {
        Tensor mask = ws.tensor(this, "maskBuffer", shape);
        ws.keep(this, "mask", mask);
        return mask;
    }

    /** The mask of the last training forward pass in {@code ws}. */
    Tensor savedMask(Workspace ws) {
        return ws.recall(this, "mask");
    }

    /** The mask-stream index of the batch's first element: the mask is indexed by element, sample s starting at s * perSample. */
    static long firstIndex(ForwardContext ctx, int[] batchShape) {
        long perSample = 1;
        for (int k = 1; k < batchShape.length; k++) perSample *= batchShape[k];
        return ctx.firstSample() * perSample;
    }

    @Override
    public String toString() {
        return "Dropout(" + rate + ")";
    }
}
