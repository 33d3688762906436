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

    /**
     * Inverted dropout on elements {@code firstIndex, firstIndex+1, ...} of the mask stream:
     * mask[i] = {@link Philox#dropoutScale}(seed, step, layer, firstIndex + i, rate). A data-parallel
     * worker that runs a slice of a larger batch passes the index its first element has in the whole
     * batch, so that every sample gets the mask it gets on one machine; {@code firstIndex = 0} is
     * {@link #dropoutForward(Tensor, Tensor, Tensor, float, long, long, int)}.
     *
     * @param x the input
     * @param y the output, same size as x (may be x)
     * @param mask receives the scale factors, same size as x
     * @param rate the fraction dropped, {@code 0 <= rate < 1}
     * @param seed keys the mask
     * @param step the global step, keys the mask
     * @param layer the layer index, keys the mask
     * @param firstIndex the stream index of element 0, {@code >= 0}
     */
    void dropoutForward(Tensor x, Tensor y, Tensor mask, float rate, long seed, long step, int layer, long firstIndex);

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
}
