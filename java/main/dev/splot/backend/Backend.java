package dev.splot.backend;

import java.util.Set;

/**
 * The compute backend interface: memory plus the small, fixed set of primitive operations that
 * the layers, the loss and the optimizer need. Layers never touch memory themselves; a new
 * backend is one implementation of this interface (plus its kernels) and passes the same
 * conformance suite as the others.
 *
 * <p>All tensors passed to an operation must belong to this backend. Outputs are overwritten,
 * never accumulated into, unless the method says otherwise. Operations may run asynchronously
 * (OpenCL); reads back to the host ({@link #download}, the loss) wait for them.
 *
 * <p>The semantics of every operation are defined by the Java reference backend.
 *
 * <p><b>Threads.</b> Backends built on {@link AbstractBackend} run one operation at a time under a
 * lock, so a backend may be shared by threads that each own their tensors (a model's weights are
 * read by all; activations belong to each caller's workspace). Operations from several threads are
 * serialised, not run in parallel.
 */
public interface Backend extends AutoCloseable {

    /** Short name: "java", "native" or "opencl". */
    String name();

    /** What runs the work, e.g. the CPU model and instruction set, or the OpenCL device. */
    String description();

    /**
     * The operations this backend provides. A backend may provide a subset; calling an op it lacks
     * throws {@link UnsupportedOperationException} naming the op and the backend, and a model whose
     * layers need such an op is refused when it is built.
     */
    Set<Op> supportedOps();

    default boolean supports(Op op) {
        return supportedOps().contains(op);
    }

    // ---- memory -------------------------------------------------------------------------------

    /** A new zero-filled tensor. */
    Tensor allocate(DType dtype, int... shape);

    default Tensor allocate(int... shape) {
        return allocate(DType.FLOAT32, shape);
    }

    void upload(Tensor dst, float[] src);

    void upload(Tensor dst, int[] src);

    void download(Tensor src, float[] dst);

    void download(Tensor src, int[] dst);

    void fill(Tensor t, float value);

    void copy(Tensor src, Tensor dst);

    /** Waits for all queued work. */
    void synchronize();

    /** Number of owning tensors allocated and not yet closed (for leak checks). */
    long liveTensors();

    /** Bytes of backend memory held by owning tensors not yet closed (nor freed by the cleaner). */
    long liveBytes();

    /** Called by {@link Tensor#close()}; not for direct use. */
    void free(Tensor t);

    // ---- convolution --------------------------------------------------------------------------

    /** y = conv(x, w) + b per output channel. x[g.input], w[g.weight], b[o], y[g.output]. */
    void conv2dForward(Tensor x, Tensor w, Tensor b, Tensor y, ConvGeometry g);

    /** dx = the gradient of the loss with respect to x, given dy. */
    void conv2dBackwardData(Tensor dy, Tensor w, Tensor dx, ConvGeometry g);

    /** dw and db = gradients with respect to w and b given x and dy, summed over the batch (overwritten). */
    void conv2dBackwardWeights(Tensor x, Tensor dy, Tensor dw, Tensor db, ConvGeometry g);

    // ---- pooling ------------------------------------------------------------------------------

    /**
     * y = the maximum of each window; argmax (INT32, shaped like y) = the flat index into x of
     * that maximum. Ties go to the first maximum in row-major window order; NaN propagates.
     */
    void maxPoolForward(Tensor x, Tensor y, Tensor argmax, PoolGeometry g);

    /** dx = zeros except dx[argmax[i]] += dy[i] (overlapping windows add up). */
    void maxPoolBackward(Tensor dy, Tensor argmax, Tensor dx, PoolGeometry g);

    // ---- element-wise -------------------------------------------------------------------------

    /** y = x where x > 0 or x is NaN, else 0 (NaN propagates, as in PyTorch); y may be x. */
    void reluForward(Tensor x, Tensor y);

    /** dx = dy where y > 0, else 0. */
    void reluBackward(Tensor dy, Tensor y, Tensor dx);

    /**
     * Inverted dropout: mask[i] = {@link Philox#dropoutScale}(seed, step, layer, i, rate), that is
     * 1/(1-rate) for kept elements and 0 for dropped ones; y = x * mask. Requires {@code 0 <= rate < 1}.
     */
    void dropoutForward(Tensor x, Tensor y, Tensor mask, float rate, long seed, long step, int layer);

    /** dx = dy * mask. */
    void dropoutBackward(Tensor dy, Tensor mask, Tensor dx);

    // ---- dense --------------------------------------------------------------------------------

    /** y[n, out] = x[n, in] . w[out, in]^T + b[out]. */
    void denseForward(Tensor x, Tensor w, Tensor b, Tensor y);

    /** dx = dy . w (skipped when dx is null), dw = dy^T . x, db = column sums of dy (all overwritten). */
    void denseBackward(Tensor dy, Tensor x, Tensor w, Tensor dx, Tensor dw, Tensor db);

    // ---- loss ---------------------------------------------------------------------------------

    /**
     * Softmax cross-entropy of logits[n, k] against INT32 labels[n] in [0, k): returns the mean loss
     * (computed stably, subtracting each row's maximum) and the number of rows whose first maximal
     * logit is the label. When dlogits is not null it receives (softmax - onehot) / n.
     */
    LossResult softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor dlogits);

    /** probs = softmax(logits) row by row. */
    void softmax(Tensor logits, Tensor probs);

    // ---- optimizer ----------------------------------------------------------------------------

    /**
     * One AdaDelta step, element by element, all in place (Zeiler 2012, as Keras 2):
     * accGrad = rho accGrad + (1-rho) g^2; delta = g sqrt(accDelta + eps) / sqrt(accGrad + eps);
     * param -= lr delta; accDelta = rho accDelta + (1-rho) delta^2.
     */
    void adadeltaUpdate(Tensor param, Tensor grad, Tensor accGrad, Tensor accDelta, float lr, float rho, float eps);

    /**
     * Frees everything this backend still holds. Operations afterwards fail with a message saying
     * the backend was closed; closing its tensors afterwards does nothing.
     */
    @Override
    void close();

    // ---- average pooling and batch normalisation ---------------------------------------------

    /**
     * y = the mean of each window: its values summed in float32 in row-major window order, then
     * divided by poolH x poolW. A window over the whole plane is global average pooling.
     *
     * @param x input, shape g.inputShape()
     * @param y output, shape g.outputShape()
     * @param g the windows
     */
    void avgPoolForward(Tensor x, Tensor y, PoolGeometry g);

    /**
     * dx = for every element, the sum over the windows containing it, in row-major window order, of
     * dy[window] / (poolH x poolW); zero where no window reaches.
     *
     * @param dy gradient with respect to y, shape g.outputShape()
     * @param dx gradient with respect to x, shape g.inputShape() (overwritten)
     * @param g the windows
     */
    void avgPoolBackward(Tensor dy, Tensor dx, PoolGeometry g);

    /**
     * Batch normalisation in training, per channel c of x[n, c, h, w] over its m = n h w values (as
     * PyTorch's {@code BatchNorm2d}): mean = sum / m and var = sum of (x - mean)^2 / m (biased), both
     * accumulated in double and rounded to float; invStd = 1 / sqrt(var + eps); y = (x - mean) invStd
     * gamma + beta. Saves mean and invStd for the backward pass and updates, in place,
     * runningMean = (1 - momentum) runningMean + momentum mean and runningVar = (1 - momentum)
     * runningVar + momentum var_unbiased, where var_unbiased = sum of (x - mean)^2 / (m - 1).
     * Requires m > 1.
     *
     * @param x input, shape [n, c, h, w]
     * @param gamma scale, shape [c]
     * @param beta shift, shape [c]
     * @param y output, shape of x
     * @param mean the batch mean per channel, shape [c] (overwritten)
     * @param invStd the batch's 1 / sqrt(var + eps) per channel, shape [c] (overwritten)
     * @param runningMean updated in place, shape [c]
     * @param runningVar updated in place, shape [c]
     * @param momentum weight of this batch in the running statistics, in [0, 1]
     * @param eps added to the variance, {@code > 0}
     */
    void batchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor mean, Tensor invStd,
            Tensor runningMean, Tensor runningVar, float momentum, float eps);

    /**
     * Batch normalisation for inference, with the running statistics: invStd = 1 / sqrt(runningVar +
     * eps) (in double, rounded to float), y = (x - runningMean) invStd gamma + beta.
     *
     * @param x input, shape [n, c, h, w]
     * @param gamma scale, shape [c]
     * @param beta shift, shape [c]
     * @param runningMean shape [c]
     * @param runningVar shape [c]
     * @param y output, shape of x
     * @param eps added to the variance, {@code > 0}
     */
    void batchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, Tensor y, float eps);

    /**
     * Gradients of training-mode batch normalisation, per channel with xhat = (x - mean) invStd:
     * dbeta = sum of dy and dgamma = sum of dy xhat (accumulated in double, rounded to float);
     * dx = gamma invStd (dy - dbeta / m - xhat dgamma / m).
     *
     * @param dy gradient with respect to y, shape [n, c, h, w]
     * @param x the forward input, shape of dy
     * @param gamma scale, shape [c]
     * @param mean the forward pass's batch mean, shape [c]
     * @param invStd the forward pass's 1 / sqrt(var + eps), shape [c]
     * @param dx gradient with respect to x, shape of dy (overwritten)
     * @param dgamma gradient with respect to gamma, shape [c] (overwritten)
     * @param dbeta gradient with respect to beta, shape [c] (overwritten)
     */
    void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor invStd, Tensor dx, Tensor dgamma, Tensor dbeta);
}
