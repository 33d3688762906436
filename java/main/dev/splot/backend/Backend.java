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

    /**
     * The backend's short name, as in messages and as {@link Backends#open} takes it.
     *
     * @return "java", "native", "opencl" or the name of a backend added by a {@link BackendProvider}
     */
    String name();

    /**
     * One line for logs and reports.
     *
     * @return what runs the work, e.g. the CPU model and instruction set, or the OpenCL device
     */
    String description();

    /**
     * The operations this backend provides. A backend may provide a subset; calling an op it lacks
     * throws {@link UnsupportedOperationException} naming the op and the backend, and a model whose
     * layers need such an op is refused when it is built.
     *
     * @return the ops this backend runs, unmodifiable; fixed for the backend's life
     */
    Set<Op> supportedOps();

    /**
     * Whether this backend runs {@code op}, that is whether {@link #supportedOps()} contains it.
     *
     * @param op the operation asked about
     * @return true when calling the op's method will not throw {@link UnsupportedOperationException}
     */
    default boolean supports(Op op) {
        return supportedOps().contains(op);
    }

    // ---- memory -------------------------------------------------------------------------------

    /**
     * A new zero-filled tensor of this backend. The caller owns it and frees its memory with
     * {@link Tensor#close()} (an unreachable tensor that was never closed is freed later by the
     * cleaner, see {@link Leaks}).
     *
     * @param dtype the element type
     * @param shape the dimensions, row-major, each {@code > 0}; at most
     *     {@link Shapes#MAX_TENSOR_VALUES} values in all
     * @return the new owning tensor
     * @throws IllegalArgumentException when a dimension is not positive or the tensor would be too large
     * @throws IllegalStateException when the backend was closed
     */
    Tensor allocate(DType dtype, int... shape);

    /**
     * A new zero-filled {@link DType#FLOAT32} tensor, owned by the caller: see {@link #allocate(DType, int...)}.
     *
     * @param shape the dimensions, row-major, each {@code > 0}
     * @return the new owning tensor
     */
    default Tensor allocate(int... shape) {
        return allocate(DType.FLOAT32, shape);
    }

    /**
     * Copies host values into a tensor, element {@code i} of the array to flat (row-major) element
     * {@code i} of the tensor.
     *
     * @param dst a {@link DType#FLOAT32} tensor of this backend
     * @param src exactly {@code dst.size()} values; not kept after the call returns
     * @throws IllegalArgumentException when {@code dst} belongs to another backend, is not FLOAT32
     *     or has another number of elements
     * @throws IllegalStateException when {@code dst} or the backend was closed
     */
    void upload(Tensor dst, float[] src);

    /**
     * Copies host values into an {@link DType#INT32} tensor (labels, say), element by element in
     * row-major order.
     *
     * @param dst an INT32 tensor of this backend
     * @param src exactly {@code dst.size()} values; not kept after the call returns
     * @throws IllegalArgumentException when {@code dst} belongs to another backend, is not INT32
     *     or has another number of elements
     * @throws IllegalStateException when {@code dst} or the backend was closed
     */
    void upload(Tensor dst, int[] src);

    /**
     * Copies a tensor's values to the host, flat (row-major) element {@code i} to array element
     * {@code i}; waits for the queued operations that write {@code src}.
     *
     * @param src a {@link DType#FLOAT32} tensor of this backend
     * @param dst receives exactly {@code src.size()} values
     * @throws IllegalArgumentException when {@code src} belongs to another backend, is not FLOAT32
     *     or has another number of elements
     * @throws IllegalStateException when {@code src} or the backend was closed
     */
    void download(Tensor src, float[] dst);

    /**
     * Copies an {@link DType#INT32} tensor's values (argmax indices, labels) to the host in row-major
     * order; waits for the queued operations that write {@code src}.
     *
     * @param src an INT32 tensor of this backend
     * @param dst receives exactly {@code src.size()} values
     * @throws IllegalArgumentException when {@code src} belongs to another backend, is not INT32
     *     or has another number of elements
     * @throws IllegalStateException when {@code src} or the backend was closed
     */
    void download(Tensor src, int[] dst);

    /**
     * Sets every element of a tensor to one value.
     *
     * @param t a {@link DType#FLOAT32} tensor of this backend
     * @param value the value of every element
     */
    void fill(Tensor t, float value);

    /**
     * Copies all elements of {@code src} to {@code dst} in row-major order; the shapes may differ
     * if the sizes agree.
     *
     * @param src a {@link DType#FLOAT32} tensor of this backend
     * @param dst a FLOAT32 tensor of this backend with as many elements; overwritten
     * @throws IllegalArgumentException when the sizes differ
     */
    void copy(Tensor src, Tensor dst);

    /** Waits for all queued work (OpenCL); returns at once on backends that compute synchronously. */
    void synchronize();

    /**
     * The number of owning tensors allocated and not yet freed, for leak checks; views from
     * {@link Tensor#reshape} do not count.
     *
     * @return tensors allocated minus tensors closed or freed by the cleaner
     */
    long liveTensors();

    /**
     * Backend memory held by owning tensors not yet closed (nor freed by the cleaner).
     *
     * @return bytes, 4 per element of every live tensor
     */
    long liveBytes();

    /**
     * Frees an owning tensor's memory. Called by {@link Tensor#close()}, which calls it once per
     * tensor; not for direct use.
     *
     * @param t an owning tensor of this backend
     * @throws IllegalArgumentException when {@code t} belongs to another backend
     */
    void free(Tensor t);

    // ---- convolution --------------------------------------------------------------------------

    /**
     * y = conv(x, w) + b per output channel (cross-correlation, zero padding as {@code g} says).
     * All tensors FLOAT32; a shape that does not match {@code g} is an {@link IllegalArgumentException}
     * naming the op and the argument.
     *
     * @param x input, NCHW {@code [n, c, h, w]} ({@link ConvGeometry#inputShape()})
     * @param w weights, OIHW {@code [o, c, kh, kw]} ({@link ConvGeometry#weightShape()})
     * @param b bias {@code [o]}
     * @param y output, NCHW {@code [n, o, outH, outW]} ({@link ConvGeometry#outputShape()}); overwritten
     * @param g the sizes, strides and padding
     */
    void conv2dForward(Tensor x, Tensor w, Tensor b, Tensor y, ConvGeometry g);

    /**
     * dx = the gradient of the loss with respect to the input x, given dy (a transposed
     * convolution of dy with w).
     *
     * @param dy gradient with respect to y, {@code [n, o, outH, outW]}
     * @param w weights, OIHW {@code [o, c, kh, kw]}
     * @param dx gradient with respect to x, {@code [n, c, h, w]}; overwritten
     * @param g the geometry of the forward convolution
     */
    void conv2dBackwardData(Tensor dy, Tensor w, Tensor dx, ConvGeometry g);

    /**
     * dw and db = gradients with respect to w and b given x and dy, summed over the batch (overwritten).
     *
     * @param x the forward input, {@code [n, c, h, w]}
     * @param dy gradient with respect to y, {@code [n, o, outH, outW]}
     * @param dw weight gradient, OIHW {@code [o, c, kh, kw]}; overwritten
     * @param db bias gradient {@code [o]}: dy summed over n, outH and outW; overwritten
     * @param g the geometry of the forward convolution
     */
    void conv2dBackwardWeights(Tensor x, Tensor dy, Tensor dw, Tensor db, ConvGeometry g);

    // ---- pooling ------------------------------------------------------------------------------

    /**
     * y = the maximum of each window; argmax (INT32, shaped like y) = the flat index into x of
     * that maximum. Ties go to the first maximum in row-major window order; NaN propagates.
     *
     * @param x input, FLOAT32 NCHW {@code [n, c, h, w]}
     * @param y output, FLOAT32 {@code [n, c, outH, outW]}; overwritten
     * @param argmax INT32 {@code [n, c, outH, outW]}: for each output, the flat row-major index into
     *     the whole of x (not into the window) of its maximum; overwritten
     * @param g the sizes and strides ('valid' windows)
     */
    void maxPoolForward(Tensor x, Tensor y, Tensor argmax, PoolGeometry g);

    /**
     * dx = zeros except dx[argmax[i]] += dy[i] (overlapping windows add up).
     *
     * @param dy gradient with respect to y, FLOAT32 {@code [n, c, outH, outW]}
     * @param argmax the INT32 indices that {@link #maxPoolForward} wrote for the same x
     * @param dx gradient with respect to x, FLOAT32 {@code [n, c, h, w]}; overwritten
     * @param g the geometry of the forward pooling
     */
    void maxPoolBackward(Tensor dy, Tensor argmax, Tensor dx, PoolGeometry g);

    // ---- element-wise -------------------------------------------------------------------------

    /**
     * y = x where x > 0 or x is NaN, else 0 (NaN propagates, as in PyTorch); y may be x.
     *
     * @param x input, FLOAT32, any shape
     * @param y output, FLOAT32 with as many elements as x; overwritten
     */
    void reluForward(Tensor x, Tensor y);

    /**
     * dx = dy where y > 0, else 0.
     *
     * @param dy gradient with respect to y, FLOAT32
     * @param y the forward output (not the input: the two agree on where the gradient flows)
     * @param dx gradient with respect to x, as many elements as dy and y; overwritten
     */
    void reluBackward(Tensor dy, Tensor y, Tensor dx);

    /**
     * Inverted dropout: mask[i] = {@link Philox#dropoutScale}(seed, step, layer, i, rate), that is
     * 1/(1-rate) for kept elements and 0 for dropped ones; y = x * mask. Requires {@code 0 <= rate < 1}.
     * The mask depends only on (seed, step, layer, i), so every backend draws the same one.
     *
     * @param x input, FLOAT32, any shape
     * @param y output, as many elements as x; overwritten
     * @param mask FLOAT32, as many elements as x; overwritten with the factors, for {@link #dropoutBackward}
     * @param rate the fraction of elements dropped, {@code 0 <= rate < 1}
     * @param seed the training run's seed
     * @param step the training step, so that every step draws a new mask
     * @param layer the layer's index, so that layers draw different masks
     * @throws IllegalArgumentException when rate is outside [0, 1) or a size differs
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

    /**
     * dx = dy * mask.
     *
     * @param dy gradient with respect to y, FLOAT32
     * @param mask the factors {@link #dropoutForward} wrote
     * @param dx gradient with respect to x, as many elements as dy; overwritten
     */
    void dropoutBackward(Tensor dy, Tensor mask, Tensor dx);

    // ---- dense --------------------------------------------------------------------------------

    /**
     * y[n, out] = x[n, in] . w[out, in]^T + b[out]. All FLOAT32 and row-major; n, in and out are
     * read from the shapes of x and w.
     *
     * @param x input {@code [n, in]} (rank 2: flatten convolution outputs first)
     * @param w weights {@code [out, in]}, as PyTorch's Linear
     * @param b bias {@code [out]}
     * @param y output {@code [n, out]}; overwritten
     */
    void denseForward(Tensor x, Tensor w, Tensor b, Tensor y);

    /**
     * dx = dy . w (skipped when dx is null), dw = dy^T . x, db = column sums of dy (all overwritten).
     *
     * @param dy gradient with respect to y, {@code [n, out]}
     * @param x the forward input {@code [n, in]}
     * @param w weights {@code [out, in]}
     * @param dx gradient with respect to x {@code [n, in]}, or null when not needed (the first layer)
     * @param dw weight gradient {@code [out, in]}, summed over the batch
     * @param db bias gradient {@code [out]}, summed over the batch
     */
    void denseBackward(Tensor dy, Tensor x, Tensor w, Tensor dx, Tensor dw, Tensor db);

    // ---- loss ---------------------------------------------------------------------------------

    /**
     * Softmax cross-entropy of logits[n, k] against INT32 labels[n] in [0, k): returns the mean loss
     * (computed stably, subtracting each row's maximum) and the number of rows whose first maximal
     * logit is the label. When dlogits is not null it receives (softmax - onehot) / n.
     * Reads the result back to the host, so it waits for the queued work.
     *
     * @param logits FLOAT32 {@code [n, k]}
     * @param labels INT32 {@code [n]}, each in [0, k)
     * @param dlogits FLOAT32 {@code [n, k]}, overwritten with the gradient of the mean loss; or null
     *     (evaluation)
     * @return the mean loss, the number of correct rows and n
     * @throws IllegalArgumentException naming the row when a label is outside [0, k)
     */
    LossResult softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor dlogits);

    /**
     * probs = softmax(logits) row by row (each row's maximum subtracted first, for stability).
     *
     * @param logits FLOAT32 {@code [n, k]}
     * @param probs FLOAT32 {@code [n, k]}; overwritten, each row summing to 1
     */
    void softmax(Tensor logits, Tensor probs);

    // ---- optimizer ----------------------------------------------------------------------------

    /**
     * One AdaDelta step, element by element, all in place (Zeiler 2012, as Keras 2):
     * accGrad = rho accGrad + (1-rho) g^2; delta = g sqrt(accDelta + eps) / sqrt(accGrad + eps);
     * param -= lr delta; accDelta = rho accDelta + (1-rho) delta^2.
     *
     * @param param the parameter, FLOAT32, updated in place
     * @param grad its gradient, as many elements
     * @param accGrad the running average of squared gradients, updated in place (zeros at the start)
     * @param accDelta the running average of squared updates, updated in place (zeros at the start)
     * @param lr learning rate
     * @param rho decay of the running averages
     * @param eps added inside the square roots
     */
    void adadeltaUpdate(Tensor param, Tensor grad, Tensor accGrad, Tensor accDelta, float lr, float rho, float eps);

    /**
     * One step of SGD as PyTorch's {@code torch.optim.SGD}, element by element, all in place:
     * d = g + weightDecay p (when weightDecay is not 0); with momentum not 0, buf = d on the first
     * step, else momentum buf + (1 - dampening) d, and then d = d + momentum buf (Nesterov) or d = buf;
     * finally p = p - lr d.
     *
     * @param param the parameter, updated in place
     * @param grad its gradient, read only
     * @param momentumBuffer the momentum buffer, same size as param (updated), or {@code null} exactly when momentum is 0
     * @param lr the learning rate
     * @param momentum the momentum factor (0: plain SGD)
     * @param dampening the dampening of the gradient in the momentum buffer
     * @param weightDecay the L2 penalty added to the gradient (0: none)
     * @param nesterov Nesterov momentum (needs momentum not 0)
     * @param firstStep whether this is the buffer's first step (it is then set to d, not averaged)
     */
    void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuffer, float lr, float momentum, float dampening, float weightDecay,
            boolean nesterov, boolean firstStep);

    /**
     * One step of Adam or AdamW as PyTorch's {@code torch.optim.Adam} / {@code AdamW} (no amsgrad),
     * element by element, all in place. Adam: d = g + weightDecay p (when weightDecay is not 0);
     * AdamW: p = p (1 - lr weightDecay), d = g. Then expAvg = beta1 expAvg + (1 - beta1) d,
     * expAvgSq = beta2 expAvgSq + (1 - beta2) d^2, and with the bias corrections c1 = 1 - beta1^step,
     * c2 = 1 - beta2^step: p = p - (lr / c1) expAvg / (sqrt(expAvgSq) / sqrt(c2) + eps) (eps outside
     * the square root, as PyTorch).
     *
     * @param param the parameter, updated in place
     * @param grad its gradient, read only
     * @param expAvg the first moment, same size as param (updated)
     * @param expAvgSq the second moment, same size as param (updated)
     * @param lr the learning rate
     * @param beta1 decay of the first moment, {@code 0 <= beta1 < 1}
     * @param beta2 decay of the second moment, {@code 0 <= beta2 < 1}
     * @param eps added to the denominator, outside the square root
     * @param weightDecay L2 penalty (Adam) or decoupled decay (AdamW); 0: none
     * @param decoupledWeightDecay AdamW's decoupled weight decay instead of Adam's L2 penalty
     * @param step the number of this step, counting from 1 (for the bias corrections)
     */
    void adamUpdate(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, float lr, float beta1, float beta2, float eps,
            float weightDecay, boolean decoupledWeightDecay, long step);

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

    // ---- fused ops: optional kernels, defined by the primitives they stand for ----------------
    // A backend provides each where it provides its primitives (Op.composedOf); the reference is the
    // composition, so a fused kernel must give the same bits (ReLU, max-pool and dropout are exact).

    /**
     * y = relu(conv(x, w) + b): {@link #conv2dForward} then {@link #reluForward} on its output,
     * without storing the convolution's output first where the backend fuses them.
     *
     * @param x input, NCHW {@code [n, c, h, w]}
     * @param w weights, OIHW {@code [o, c, kh, kw]}
     * @param b bias {@code [o]}
     * @param y output, NCHW {@code [n, o, outH, outW]}; overwritten with the ReLU of the convolution
     * @param g the sizes, strides and padding
     */
    void conv2dReluForward(Tensor x, Tensor w, Tensor b, Tensor y, ConvGeometry g);

    /**
     * pooled = maxPool(relu(conv(x, w) + b)): {@link #conv2dReluForward} into the ReLU's output, then
     * {@link #maxPoolForward} of it, without storing the ReLU's output where the backend fuses them (its
     * values at the argmax are the pooled values, which is all that {@link #dropoutMaxPoolReluBackward}
     * and {@link #dropoutMaxPoolReluConv2dBackward} read of it).
     *
     * @param x input, NCHW {@code [n, c, h, w]}
     * @param w weights, OIHW {@code [o, c, kh, kw]}
     * @param b bias {@code [o]}
     * @param pooled output {@code [n, o, poolH, poolW]}; overwritten
     * @param argmax INT32 {@code [n, o, poolH, poolW]}: flat indices into the (unstored) ReLU output
     *     {@code [n, o, outH, outW]} of each maximum; overwritten
     * @param scratch a caller's buffer shaped as the convolution's output {@code [n, o, outH, outW]} where a backend
     *     without a fused kernel stores the ReLU's output on the way (its contents afterwards are unspecified: a
     *     fused kernel leaves it alone), as cuDNN takes a workspace; or null, and such a backend allocates a temporary
     *     each call
     * @param conv the convolution's sizes, strides and padding
     * @param pool the pooling geometry, whose input is the convolution's output
     * @throws IllegalArgumentException when a shape differs, or the pooling's input is not the convolution's output
     */
    void conv2dReluMaxPoolForward(Tensor x, Tensor w, Tensor b, Tensor pooled, Tensor argmax, Tensor scratch, ConvGeometry conv,
            PoolGeometry pool);

    /**
     * dx = reluBackward(conv2dBackwardData(dy, w), reluOutput): the input gradient of a convolution
     * whose input is the output of a ReLU, carried through that ReLU (zero where reluOutput is not
     * positive).
     *
     * @param dy gradient with respect to the convolution's output, {@code [n, o, outH, outW]}
     * @param w weights, OIHW {@code [o, c, kh, kw]}
     * @param reluOutput the ReLU's forward output, which is the convolution's input: {@code [n, c, h, w]}
     * @param dx gradient with respect to the ReLU's input, {@code [n, c, h, w]}; overwritten
     * @param g the geometry of the forward convolution
     */
    void conv2dBackwardDataRelu(Tensor dy, Tensor w, Tensor reluOutput, Tensor dx, ConvGeometry g);

    /**
     * Max pooling followed by inverted dropout on its output: {@link #maxPoolForward} into pooled, then
     * {@link #dropoutForward(Tensor, Tensor, Tensor, float, long, long, int, long)} of pooled into y, with
     * the same mask stream (the mask is indexed by the element of the pooled output). Both layers'
     * outputs are written, as the two ops would: the fused backward passes read pooled.
     *
     * @param x input, FLOAT32 {@code [n, c, h, w]}
     * @param pooled the max-pool's output, FLOAT32 {@code [n, c, outH, outW]}; overwritten
     * @param argmax INT32 {@code [n, c, outH, outW]}: flat indices into x of each maximum; overwritten
     * @param y output, FLOAT32 {@code [n, c, outH, outW]}: the pooled values times the mask; overwritten
     * @param mask FLOAT32 {@code [n, c, outH, outW]}: the dropout factors; overwritten
     * @param g the pooling geometry
     * @param rate the fraction of elements dropped, {@code 0 <= rate < 1}
     * @param seed the training run's seed
     * @param step the training step
     * @param layer the dropout layer's index
     * @param firstIndex the mask-stream index of element 0, {@code >= 0}
     * @throws IllegalArgumentException when rate or firstIndex is out of range or a shape differs
     */
    void maxPoolDropoutForward(Tensor x, Tensor pooled, Tensor argmax, Tensor y, Tensor mask, PoolGeometry g, float rate, long seed,
            long step, int layer, long firstIndex);

    /**
     * The backward pass of ReLU, max pooling and dropout in that forward order: dx =
     * reluBackward(maxPoolBackward(dropoutBackward(dy, mask), argmax), reluOutput), computed from the
     * max-pool's output instead of the ReLU's: the ReLU's output at each argmax is the pooled value
     * there, so the gradient passes where pooled is positive. That gives the same bits as the three ops
     * with the ReLU's output, and reads a tensor a quarter its size (2x2 windows) in order, not gathered.
     *
     * @param dy gradient with respect to the dropout's output, FLOAT32 {@code [n, c, outH, outW]}
     * @param mask the dropout factors of the forward pass, {@code [n, c, outH, outW]}
     * @param argmax the INT32 max-pool indices of the forward pass, {@code [n, c, outH, outW]}
     * @param pooled the max-pool's forward output (of the ReLU's output), {@code [n, c, outH, outW]}
     * @param dx gradient with respect to the ReLU's input, {@code [n, c, h, w]}; overwritten
     * @param g the pooling geometry
     */
    void dropoutMaxPoolReluBackward(Tensor dy, Tensor mask, Tensor argmax, Tensor pooled, Tensor dx, PoolGeometry g);

    /**
     * The backward passes of a convolution followed by ReLU, max pooling and dropout, from the
     * gradient of the dropout's output: with d = {@link #dropoutMaxPoolReluBackward}(dy, mask, argmax,
     * pooled), the gradient of the convolution's output (which a fused kernel never stores),
     * {@link #conv2dBackwardWeights}(x, d) into dw and db and, when dx is given,
     * {@link #conv2dBackwardData}(d, w) into dx, carried through the ReLU before the convolution when
     * inputReluOutput is given (as {@link #conv2dBackwardDataRelu}).
     *
     * @param dy gradient with respect to the dropout's output, FLOAT32 {@code [n, o, poolH, poolW]}
     * @param mask the dropout factors of the forward pass, {@code [n, o, poolH, poolW]}
     * @param argmax the INT32 max-pool indices of the forward pass, {@code [n, o, poolH, poolW]}
     * @param pooled the max-pool's forward output (of the ReLU's output), {@code [n, o, poolH, poolW]}
     * @param pool the pooling geometry
     * @param x the convolution's input, {@code [n, c, h, w]}
     * @param w weights, OIHW {@code [o, c, kh, kw]}
     * @param dw weight gradient {@code [o, c, kh, kw]}; overwritten
     * @param db bias gradient {@code [o]}; overwritten
     * @param inputReluOutput the forward output of a ReLU before the convolution (its input), or null when dx is not
     *     carried through one
     * @param dx gradient with respect to the convolution's input (the ReLU's input, with inputReluOutput),
     *     {@code [n, c, h, w]}; overwritten; or null when not needed
     * @param conv the geometry of the forward convolution
     * @throws IllegalArgumentException when a shape differs, or inputReluOutput is given without dx
     */
    void dropoutMaxPoolReluConv2dBackward(Tensor dy, Tensor mask, Tensor argmax, Tensor pooled, PoolGeometry pool, Tensor x,
            Tensor w, Tensor dw, Tensor db, Tensor inputReluOutput, Tensor dx, ConvGeometry conv);
}
