package dev.splot.nn;

import dev.splot.backend.Op;
import dev.splot.backend.Tensor;
import java.util.List;
import java.util.Set;

/**
 * Batch normalisation per channel of (C, H, W) inputs, as PyTorch's {@code nn.BatchNorm2d}. In a
 * training forward pass ({@link ForwardContext#training()}) each channel is normalised with the
 * batch's own mean and biased variance, and the running statistics are updated with the unbiased
 * variance: running = (1 - momentum) running + momentum batch. In inference ({@link Predictor},
 * {@link Sequential#predict}, evaluation) the running statistics are used, so one sample's output
 * does not depend on the rest of its batch. The result is scaled by gamma and shifted by beta
 * (trainable, PyTorch's {@code weight} and {@code bias}, initialised to 1 and 0).
 *
 * <p>Saved with the model: {@code NAME.weight}, {@code NAME.bias} (parameters),
 * {@code NAME.running_mean}, {@code NAME.running_var} ({@link #buffers}, initialised to 0 and 1)
 * and {@code NAME.num_batches_tracked} ({@link #counters}), PyTorch's state_dict keys.
 */
public final class BatchNorm2D extends Layer {
    /** PyTorch's default weight of a batch in the running statistics. */
    public static final float DEFAULT_MOMENTUM = 0.1f;
    /** PyTorch's default term added to the variance. */
    public static final float DEFAULT_EPS = 1e-5f;

    private final float momentum;
    private final float eps;
    private Parameter gamma;
    private Parameter beta;
    private Buffer runningMean;
    private Buffer runningVar;
    private Counter batchesTracked;

    /** PyTorch's defaults: momentum 0.1, eps 1e-5. */
    public BatchNorm2D() {
        this(DEFAULT_MOMENTUM, DEFAULT_EPS);
    }

    /**
     * @param momentum the weight of each batch in the running statistics, in [0, 1]
     * @param eps added to the variance before its square root, {@code > 0}
     * @throws IllegalArgumentException if a value is out of range
     */
    public BatchNorm2D(double momentum, double eps) {
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("BatchNorm2D: momentum must be in [0, 1], got " + momentum);
        }
        if (!(eps > 0 && (float) eps > 0f && Double.isFinite(eps))) {
            throw new IllegalArgumentException("BatchNorm2D: eps must be a positive float, got " + eps);
        }
        this.momentum = (float) momentum;
        this.eps = (float) eps;
    }

    @Override
    public Set<Op> ops() {
        return Set.of(Op.BATCH_NORM_FORWARD_TRAINING, Op.BATCH_NORM_FORWARD_INFERENCE, Op.BATCH_NORM_BACKWARD);
    }

    @Override
    protected String typeName() {
        return "batch_normalization";
    }

    /** @return the weight of each batch in the running statistics */
    public float momentum() { return momentum; }
    /** @return the term added to the variance */
    public float eps() { return eps; }

    @Override
    public int[] outputShape(int[] in) {
        requireInputRank(in, 3, "(channels, height, width)");
        return in.clone();
    }

    @Override
    protected void initialise(long seed) {
        int c = inputShape[0];
        Tensor g = backend.allocate(c);
        backend.fill(g, 1f);
        gamma = new Parameter(name() + ".weight", g, backend.allocate(c));
        beta = new Parameter(name() + ".bias", backend.allocate(c), backend.allocate(c));
        runningMean = new Buffer(name() + ".running_mean", backend.allocate(c));
        Tensor v = backend.allocate(c);
        backend.fill(v, 1f);
        runningVar = new Buffer(name() + ".running_var", v);
        batchesTracked = new Counter(name() + ".num_batches_tracked");
    }

    @Override
    public List<Parameter> parameters() {
        return gamma == null ? List.of() : List.of(gamma, beta);
    }

    @Override
    public List<Buffer> buffers() {
        return runningMean == null ? List.of() : List.of(runningMean, runningVar);
    }

    @Override
    public List<Counter> counters() {
        return batchesTracked == null ? List.of() : List.of(batchesTracked);
    }

    @Override
    public Tensor forward(Tensor x, ForwardContext ctx, Workspace ws) {
        Tensor output = ws.tensor(this, "output", x.shape());
        if (!ctx.training()) {
            ws.forget(this, "input"); // backward needs the batch statistics of a training pass: recall refuses instead
            backend.batchNormForwardInference(x, gamma.value(), beta.value(), runningMean.value(), runningVar.value(), output, eps);
            return output;
        }
        int c = inputShape[0];
        Tensor mean = ws.tensor(this, "mean", c), invStd = ws.tensor(this, "invStd", c);
        backend.batchNormForwardTraining(x, gamma.value(), beta.value(), output, mean, invStd, runningMean.value(),
                runningVar.value(), momentum, eps);
        batchesTracked.increment();
        ws.keep(this, "input", x);
        return output;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGradient, Workspace ws) {
        Tensor x = ws.recall(this, "input");
        // the backend computes dx with the gamma gradients in one pass; the first layer's dx is simply not used
        Tensor inputGrad = ws.tensor(this, "inputGrad", dy.shape());
        backend.batchNormBackward(dy, x, gamma.value(), ws.recall(this, "mean"), ws.recall(this, "invStd"), inputGrad,
                gamma.grad(), beta.grad());
        return needInputGradient ? inputGrad : null;
    }

    @Override
    public String toString() {
        return "BatchNorm2D(momentum " + momentum + ", eps " + eps + ")";
    }
}
