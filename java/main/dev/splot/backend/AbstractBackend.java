package dev.splot.backend;

import java.lang.reflect.Method;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Checks every argument of every operation once, for all backends ({@link ArgumentChecks}), then calls the backend's
 * implementation. A shape mismatch therefore gives the same message whatever the backend, and
 * implementations may assume consistent shapes.
 *
 * <p>An implementation must provide memory (the abstract methods) and may provide any subset of the
 * operations by overriding their {@code *Impl} methods: the ops it overrides are its
 * {@link #supportedOps()}, so what a backend claims and what it implements cannot disagree. An op
 * it does not override fails with a message naming the op and the backend; models refuse such a
 * backend when they are built.
 *
 * <p>Every operation and every allocation or free runs under the backend's lock, so one backend
 * may be shared by several threads (each with its own buffers: see {@code Predictor}); the
 * implementations never see two calls at once.
 */
public abstract class AbstractBackend implements Backend {
    private final TensorLedger ledger = new TensorLedger(this);
    private volatile boolean closed;
    private final Set<Op> supported = Collections.unmodifiableSet(overriddenOps(getClass()));
    private final ArgumentChecks checks = new ArgumentChecks(this);

    @Override
    public final Set<Op> supportedOps() {
        return supported;
    }

    /**
     * The ops whose {@code *Impl} method {@code type} (or a superclass below this one) overrides, plus
     * the fused ops whose primitives all are among them (they run by the default composition).
     */
    private static EnumSet<Op> overriddenOps(Class<?> type) {
        EnumSet<Op> ops = EnumSet.noneOf(Op.class);
        for (Class<?> c = type; c != AbstractBackend.class; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                for (Op op : Op.values()) {
                    if (m.getName().equals(op.methodName() + "Impl") && !m.isSynthetic()) ops.add(op);
                }
            }
        }
        for (Op op : Op.values()) {
            if (op.isFused() && ops.containsAll(op.composedOf())) ops.add(op);
        }
        return ops;
    }

    /**
     * What an op that this backend does not override throws.
     *
     * @param op the operation that was called
     * @return an exception naming the op, this backend and the ops it does provide (to be thrown)
     */
    protected final UnsupportedOperationException unsupported(Op op) {
        return new UnsupportedOperationException("the " + name() + " backend does not provide the operation " + op.methodName()
                + " (it provides " + supported + ")");
    }

    // ---- what an implementation provides: memory (all required), then the operations (any subset) ----

    /**
     * Allocates zero-filled memory for a new tensor. Called under the backend's lock, after the size
     * was checked against {@link Shapes#MAX_TENSOR_VALUES}.
     *
     * @param dtype the element type (both types are 4 bytes an element)
     * @param elements the number of elements, {@code 1 ..} {@link Shapes#MAX_TENSOR_VALUES}
     * @return the handle that {@link Tensor#handle()} will return and {@link #freeMemory} will receive
     */
    protected abstract Object allocateMemory(DType dtype, long elements);

    /**
     * Frees memory from {@link #allocateMemory}, at most once per handle and under the backend's lock:
     * when its tensor is closed or, for a tensor never closed, on the cleaner thread (so it must not
     * assume the allocating thread). Never called once the backend is closed: {@link #closeImpl}
     * releases what is left.
     *
     * @param handle the handle {@link #allocateMemory} returned
     */
    protected abstract void freeMemory(Object handle);

    /**
     * Copies {@code src} into {@code dst}. Called under the lock once {@link #upload(Tensor, float[])}
     * has checked that dst is an open FLOAT32 tensor of this backend with {@code src.length} elements.
     *
     * @param dst the destination tensor
     * @param src the values, row-major
     */
    protected abstract void uploadImpl(Tensor dst, float[] src);

    /**
     * Copies {@code src} into the INT32 tensor {@code dst}; the checks are those of
     * {@link #uploadImpl(Tensor, float[])}.
     *
     * @param dst the destination tensor
     * @param src the values, row-major
     */
    protected abstract void uploadImpl(Tensor dst, int[] src);

    /**
     * Copies {@code src} to the host once its pending writes are done. Called under the lock once
     * {@link #download(Tensor, float[])} has checked that src is an open FLOAT32 tensor of this backend
     * with {@code dst.length} elements.
     *
     * @param src the tensor to read
     * @param dst receives the values, row-major
     */
    protected abstract void downloadImpl(Tensor src, float[] dst);

    /**
     * Copies the INT32 tensor {@code src} to the host; as {@link #downloadImpl(Tensor, float[])}.
     *
     * @param src the tensor to read
     * @param dst receives the values, row-major
     */
    protected abstract void downloadImpl(Tensor src, int[] dst);

    /**
     * Sets every element of the open FLOAT32 tensor {@code t} to {@code value}.
     *
     * @param t the tensor
     * @param value the value
     */
    protected abstract void fillImpl(Tensor t, float value);

    /**
     * Copies all elements of {@code src} to {@code dst}: two open FLOAT32 tensors of this backend of
     * the same size (shapes may differ).
     *
     * @param src the source
     * @param dst the destination, overwritten
     */
    protected abstract void copyImpl(Tensor src, Tensor dst);

    /**
     * Runs {@link #conv2dForward}. Called under the backend's lock once {@link AbstractBackend} has checked every argument (types, shapes against {@code g}); throws
     * {@link #unsupported} unless overridden.
     *
     * @param x input {@code [n, c, h, w]}
     * @param w weights {@code [o, c, kh, kw]}
     * @param b bias {@code [o]}
     * @param y output {@code [n, o, outH, outW]}, to overwrite
     * @param g the geometry
     */
    protected void conv2dForwardImpl(Tensor x, Tensor w, Tensor b, Tensor y, ConvGeometry g) {
        throw unsupported(Op.CONV2D_FORWARD);
    }

    /**
     * Runs {@link #conv2dBackwardData}. Called under the backend's lock once {@link AbstractBackend} has checked every argument; throws
     * {@link #unsupported} unless overridden.
     *
     * @param dy output gradient {@code [n, o, outH, outW]}
     * @param w weights {@code [o, c, kh, kw]}
     * @param dx input gradient {@code [n, c, h, w]}, to overwrite
     * @param g the geometry
     */
    protected void conv2dBackwardDataImpl(Tensor dy, Tensor w, Tensor dx, ConvGeometry g) {
        throw unsupported(Op.CONV2D_BACKWARD_DATA);
    }

    /**
     * Runs {@link #conv2dBackwardWeights}. Called under the backend's lock once {@link AbstractBackend} has checked every argument; throws
     * {@link #unsupported} unless overridden.
     *
     * @param x input {@code [n, c, h, w]}
     * @param dy output gradient {@code [n, o, outH, outW]}
     * @param dw weight gradient {@code [o, c, kh, kw]}, to overwrite
     * @param db bias gradient {@code [o]}, to overwrite
     * @param g the geometry
     */
    protected void conv2dBackwardWeightsImpl(Tensor x, Tensor dy, Tensor dw, Tensor db, ConvGeometry g) {
        throw unsupported(Op.CONV2D_BACKWARD_WEIGHTS);
    }

    /**
     * Runs {@link #maxPoolForward}. Called under the backend's lock once {@link AbstractBackend} has checked every argument; throws
     * {@link #unsupported} unless overridden.
     *
     * @param x input {@code [n, c, h, w]}
     * @param y output {@code [n, c, outH, outW]}, to overwrite
     * @param argmax INT32 {@code [n, c, outH, outW]}, to overwrite with flat indices into x
     * @param g the geometry
     */
    protected void maxPoolForwardImpl(Tensor x, Tensor y, Tensor argmax, PoolGeometry g) {
        throw unsupported(Op.MAX_POOL_FORWARD);
    }

    /**
     * Runs {@link #maxPoolBackward}. Called under the backend's lock once {@link AbstractBackend} has checked every argument; throws
     * {@link #unsupported} unless overridden.
     *
     * @param dy output gradient {@code [n, c, outH, outW]}
     * @param argmax INT32 indices from the forward pass
     * @param dx input gradient {@code [n, c, h, w]}, to overwrite
     * @param g the geometry
     */
    protected void maxPoolBackwardImpl(Tensor dy, Tensor argmax, Tensor dx, PoolGeometry g) {
        throw unsupported(Op.MAX_POOL_BACKWARD);
    }

    /**
     * Runs {@link #reluForward}. Called under the backend's lock once {@link AbstractBackend} has checked every argument (same sizes; x and y may be the same
     * tensor); throws {@link #unsupported} unless overridden.
     *
     * @param x input
     * @param y output, to overwrite
     */
    protected void reluForwardImpl(Tensor x, Tensor y) {
        throw unsupported(Op.RELU_FORWARD);
    }

    /**
     * Runs {@link #reluBackward}. Called under the backend's lock once {@link AbstractBackend} has checked every argument; throws
     * {@link #unsupported} unless overridden.
     *
     * @param dy output gradient
     * @param y forward output
     * @param dx input gradient, to overwrite
     */
    protected void reluBackwardImpl(Tensor dy, Tensor y, Tensor dx) {
        throw unsupported(Op.RELU_BACKWARD);
    }

    /**
     * Runs {@link #dropoutForward}. Called under the backend's lock once {@link AbstractBackend} has checked every argument (same sizes, {@code 0 <= rate < 1});
     * throws {@link #unsupported} unless overridden.
     *
     * @param x input
     * @param y output, to overwrite
     * @param mask the factors, to overwrite
     * @param rate the fraction dropped
     * @param seed the run's seed
     * @param step the training step
     * @param layer the layer's index
     * @param firstIndex the mask-stream index of element 0 (a data-parallel worker's offset in the whole batch)
     */
    protected void dropoutForwardImpl(Tensor x, Tensor y, Tensor mask, float rate, long seed, long step, int layer, long firstIndex) {
        throw unsupported(Op.DROPOUT_FORWARD);
    }

    /**
     * Runs {@link #dropoutBackward}. Called under the backend's lock once {@link AbstractBackend} has checked every argument; throws
     * {@link #unsupported} unless overridden.
     *
     * @param dy output gradient
     * @param mask the factors from the forward pass
     * @param dx input gradient, to overwrite
     */
    protected void dropoutBackwardImpl(Tensor dy, Tensor mask, Tensor dx) {
        throw unsupported(Op.DROPOUT_BACKWARD);
    }

    /**
     * Runs {@link #denseForward}. Called under the backend's lock once {@link AbstractBackend} has checked every argument; throws
     * {@link #unsupported} unless overridden.
     *
     * @param x input {@code [n, in]}
     * @param w weights {@code [out, in]}
     * @param b bias {@code [out]}
     * @param y output {@code [n, out]}, to overwrite
     * @param n batch size
     * @param in input features
     * @param out output features
     */
    protected void denseForwardImpl(Tensor x, Tensor w, Tensor b, Tensor y, int n, int in, int out) {
        throw unsupported(Op.DENSE_FORWARD);
    }

    /**
     * Runs {@link #denseBackward}. Called under the backend's lock once {@link AbstractBackend} has checked every argument; throws
     * {@link #unsupported} unless overridden.
     *
     * @param dy output gradient {@code [n, out]}
     * @param x input {@code [n, in]}
     * @param w weights {@code [out, in]}
     * @param dx input gradient {@code [n, in]} to overwrite, or null: not wanted
     * @param dw weight gradient {@code [out, in]}, to overwrite
     * @param db bias gradient {@code [out]}, to overwrite
     * @param n batch size
     * @param in input features
     * @param out output features
     */
    protected void denseBackwardImpl(Tensor dy, Tensor x, Tensor w, Tensor dx, Tensor dw, Tensor db, int n, int in, int out) {
        throw unsupported(Op.DENSE_BACKWARD);
    }

    /**
     * Runs {@link #softmaxCrossEntropy}. Called under the backend's lock once {@link AbstractBackend} has checked every argument; throws
     * {@link #unsupported} unless overridden. The labels' range is the implementation's to check:
     * a label outside [0, k) must be an {@link IllegalArgumentException} naming the row.
     *
     * @param logits {@code [n, k]}
     * @param labels INT32 {@code [n]}
     * @param dlogits {@code [n, k]} to overwrite with the gradient, or null
     * @param n rows
     * @param k classes
     * @return the mean loss, the number of correct rows and n
     */
    protected LossResult softmaxCrossEntropyImpl(Tensor logits, Tensor labels, Tensor dlogits, int n, int k) {
        throw unsupported(Op.SOFTMAX_CROSS_ENTROPY);
    }

    /**
     * Runs {@link #softmax}. Called under the backend's lock once {@link AbstractBackend} has checked every argument; throws
     * {@link #unsupported} unless overridden.
     *
     * @param logits {@code [n, k]}
     * @param probs {@code [n, k]}, to overwrite
     * @param n rows
     * @param k classes
     */
    protected void softmaxImpl(Tensor logits, Tensor probs, int n, int k) {
        throw unsupported(Op.SOFTMAX);
    }

    /**
     * Runs {@link #adadeltaUpdate}. Called under the backend's lock once {@link AbstractBackend} has checked every argument (four FLOAT32 tensors of one size);
     * throws {@link #unsupported} unless overridden.
     *
     * @param param the parameter, updated in place
     * @param grad its gradient
     * @param accGrad running average of squared gradients, updated in place
     * @param accDelta running average of squared updates, updated in place
     * @param lr learning rate
     * @param rho decay
     * @param eps added inside the square roots
     */
    protected void adadeltaUpdateImpl(Tensor param, Tensor grad, Tensor accGrad, Tensor accDelta, float lr, float rho, float eps) {
        throw unsupported(Op.ADADELTA_UPDATE);
    }

    /**
     * SGD as {@link Backend#sgdUpdate}, arguments checked.
     *
     * @param param the parameter, updated in place
     * @param grad its gradient
     * @param momentumBuffer the momentum buffer (updated), null exactly when momentum is 0
     * @param lr the learning rate
     * @param momentum the momentum factor
     * @param dampening the dampening of the gradient in the buffer
     * @param weightDecay the L2 penalty added to the gradient
     * @param nesterov Nesterov momentum
     * @param firstStep whether the buffer is set to the gradient rather than averaged
     */
    protected void sgdUpdateImpl(Tensor param, Tensor grad, Tensor momentumBuffer, float lr, float momentum, float dampening,
            float weightDecay, boolean nesterov, boolean firstStep) {
        throw unsupported(Op.SGD_UPDATE);
    }

    /**
     * Adam as {@link Backend#adamUpdate}, with the scalars computed once here for every backend:
     * d = g + l2 p when l2 is not 0 (Adam's weight decay; 0 for AdamW), p = p decay first (AdamW's
     * 1 - lr weightDecay; 1 for Adam), and the update p = p - stepSize (expAvg / (sqrt(expAvgSq) /
     * bias2Sqrt + eps)) with stepSize = lr / (1 - beta1^step), bias2Sqrt = sqrt(1 - beta2^step).
     *
     * @param param the parameter, updated in place
     * @param grad its gradient
     * @param expAvg the first moment (updated)
     * @param expAvgSq the second moment (updated)
     * @param beta1 decay of the first moment
     * @param beta2 decay of the second moment
     * @param eps added to the denominator, outside the square root
     * @param l2 Adam's L2 penalty added to the gradient (0 for AdamW)
     * @param decay AdamW's factor 1 - lr weightDecay on the parameter (1 for Adam)
     * @param stepSize lr / (1 - beta1^step)
     * @param bias2Sqrt sqrt(1 - beta2^step)
     */
    protected void adamUpdateImpl(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, float beta1, float beta2, float eps,
            float l2, float decay, float stepSize, float bias2Sqrt) {
        throw unsupported(Op.ADAM_UPDATE);
    }

    /**
     * Average pooling as {@link Backend#avgPoolForward}, arguments checked.
     *
     * @param x input [n, c, h, w]
     * @param y output [n, c, outH, outW], overwritten with each window's mean
     * @param g the pooling geometry
     */
    protected void avgPoolForwardImpl(Tensor x, Tensor y, PoolGeometry g) {
        throw unsupported(Op.AVG_POOL_FORWARD);
    }

    /**
     * Average pooling's backward pass as {@link Backend#avgPoolBackward}, arguments checked.
     *
     * @param dy output gradient [n, c, outH, outW]
     * @param dx input gradient [n, c, h, w], overwritten: each window's share of dy summed
     * @param g the pooling geometry
     */
    protected void avgPoolBackwardImpl(Tensor dy, Tensor dx, PoolGeometry g) {
        throw unsupported(Op.AVG_POOL_BACKWARD);
    }

    /**
     * Batch normalisation with the batch's statistics as {@link Backend#batchNormForwardTraining},
     * arguments checked.
     *
     * @param x input [n, c, h, w]
     * @param gamma scale per channel
     * @param beta shift per channel
     * @param y output, x's shape, overwritten
     * @param mean the batch mean per channel, overwritten (kept for the backward pass)
     * @param invStd 1 / sqrt(biased batch variance + eps) per channel, overwritten
     * @param runningMean running mean, updated with momentum
     * @param runningVar running variance, updated with momentum and the unbiased batch variance
     * @param momentum weight of the batch statistics in the running ones (PyTorch's momentum)
     * @param eps added to the variance
     */
    protected void batchNormForwardTrainingImpl(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor mean, Tensor invStd,
            Tensor runningMean, Tensor runningVar, float momentum, float eps) {
        throw unsupported(Op.BATCH_NORM_FORWARD_TRAINING);
    }

    /**
     * Batch normalisation with the running statistics as {@link Backend#batchNormForwardInference},
     * arguments checked.
     *
     * @param x input [n, c, h, w]
     * @param gamma scale per channel
     * @param beta shift per channel
     * @param runningMean running mean per channel
     * @param runningVar running variance per channel
     * @param y output, x's shape, overwritten
     * @param eps added to the variance
     */
    protected void batchNormForwardInferenceImpl(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
            Tensor y, float eps) {
        throw unsupported(Op.BATCH_NORM_FORWARD_INFERENCE);
    }

    /**
     * Batch normalisation's backward pass (training statistics) as {@link Backend#batchNormBackward},
     * arguments checked.
     *
     * @param dy output gradient [n, c, h, w]
     * @param x the forward pass's input
     * @param gamma scale per channel
     * @param mean the forward pass's batch mean
     * @param invStd the forward pass's 1 / sqrt(variance + eps)
     * @param dx input gradient, overwritten
     * @param dgamma gradient of gamma, overwritten
     * @param dbeta gradient of beta, overwritten
     */
    protected void batchNormBackwardImpl(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor invStd, Tensor dx,
            Tensor dgamma, Tensor dbeta) {
        throw unsupported(Op.BATCH_NORM_BACKWARD);
    }

    /**
     * Runs {@link #conv2dReluForward}, arguments checked. The default is the reference composition:
     * {@link #conv2dForwardImpl}, then {@link #reluForwardImpl} of y in place; a backend overrides it
     * with a kernel that clamps where the convolution stores its output, giving the same bits.
     *
     * @param x input {@code [n, c, h, w]}
     * @param w weights {@code [o, c, kh, kw]}
     * @param b bias {@code [o]}
     * @param y output {@code [n, o, outH, outW]}, to overwrite
     * @param g the geometry
     */
    protected void conv2dReluForwardImpl(Tensor x, Tensor w, Tensor b, Tensor y, ConvGeometry g) {
        conv2dForwardImpl(x, w, b, y, g);
        reluForwardImpl(y, y);
    }

    /**
     * Runs {@link #conv2dBackwardDataRelu}, arguments checked. The default is the reference
     * composition: {@link #conv2dBackwardDataImpl} into dx, then {@link #reluBackwardImpl} of dx in place.
     *
     * @param dy output gradient {@code [n, o, outH, outW]}
     * @param w weights {@code [o, c, kh, kw]}
     * @param reluOutput the ReLU's output, {@code [n, c, h, w]}
     * @param dx input gradient {@code [n, c, h, w]}, to overwrite
     * @param g the geometry
     */
    protected void conv2dBackwardDataReluImpl(Tensor dy, Tensor w, Tensor reluOutput, Tensor dx, ConvGeometry g) {
        conv2dBackwardDataImpl(dy, w, dx, g);
        reluBackwardImpl(dx, reluOutput, dx);
    }

    /**
     * Runs {@link #conv2dReluMaxPoolForward}, arguments checked. The default is the reference composition:
     * {@link #conv2dReluForwardImpl} into scratch (or, when it is null, a temporary of the convolution's
     * output shape, freed before returning), then {@link #maxPoolForwardImpl} of it; a backend overrides it
     * with a kernel that pools where the convolution stores its output, giving the same bits.
     *
     * @param x input {@code [n, c, h, w]}
     * @param w weights {@code [o, c, kh, kw]}
     * @param b bias {@code [o]}
     * @param pooled output {@code [n, o, poolH, poolW]}, to overwrite
     * @param argmax INT32 {@code [n, o, poolH, poolW]}, to overwrite
     * @param scratch {@code [n, o, outH, outW]} for the ReLU's output, or null
     * @param conv the convolution's geometry
     * @param pool the pooling geometry
     */
    protected void conv2dReluMaxPoolForwardImpl(Tensor x, Tensor w, Tensor b, Tensor pooled, Tensor argmax, Tensor scratch,
            ConvGeometry conv, PoolGeometry pool) {
        if (scratch != null) {
            conv2dReluForwardImpl(x, w, b, scratch, conv);
            maxPoolForwardImpl(scratch, pooled, argmax, pool);
            return;
        }
        try (Tensor reluOutput = allocate(conv.outputShape())) {
            conv2dReluForwardImpl(x, w, b, reluOutput, conv);
            maxPoolForwardImpl(reluOutput, pooled, argmax, pool);
        }
    }

    /**
     * Runs {@link #maxPoolDropoutForward}, arguments checked. The default is the reference
     * composition: {@link #maxPoolForwardImpl} into pooled, then {@link #dropoutForwardImpl} of pooled into y.
     *
     * @param x input {@code [n, c, h, w]}
     * @param pooled the max-pool's output {@code [n, c, outH, outW]}, to overwrite
     * @param argmax INT32 {@code [n, c, outH, outW]}, to overwrite
     * @param y output {@code [n, c, outH, outW]}, to overwrite
     * @param mask the dropout factors {@code [n, c, outH, outW]}, to overwrite
     * @param g the pooling geometry
     * @param rate the fraction dropped
     * @param seed the run's seed
     * @param step the training step
     * @param layer the dropout layer's index
     * @param firstIndex the mask-stream index of element 0
     */
    protected void maxPoolDropoutForwardImpl(Tensor x, Tensor pooled, Tensor argmax, Tensor y, Tensor mask, PoolGeometry g,
            float rate, long seed, long step, int layer, long firstIndex) {
        maxPoolForwardImpl(x, pooled, argmax, g);
        dropoutForwardImpl(pooled, y, mask, rate, seed, step, layer, firstIndex);
    }

    /**
     * Runs {@link #dropoutMaxPoolReluBackward}, arguments checked. The default is the reference
     * composition, with the ReLU's backward moved before the max-pool's (the ReLU's output at each
     * argmax is the pooled value there, so the same bits): {@link #dropoutBackwardImpl} into a temporary
     * of the pooled shape (freed before returning), {@link #reluBackwardImpl} of it against pooled in
     * place, then {@link #maxPoolBackwardImpl} of it into dx.
     *
     * @param dy gradient of the dropout's output {@code [n, c, outH, outW]}
     * @param mask the dropout factors {@code [n, c, outH, outW]}
     * @param argmax INT32 max-pool indices {@code [n, c, outH, outW]}
     * @param pooled the max-pool's output {@code [n, c, outH, outW]}
     * @param dx gradient of the ReLU's input {@code [n, c, h, w]}, to overwrite
     * @param g the pooling geometry
     */
    protected void dropoutMaxPoolReluBackwardImpl(Tensor dy, Tensor mask, Tensor argmax, Tensor pooled, Tensor dx, PoolGeometry g) {
        try (Tensor pooledGrad = allocate(g.outputShape())) {
            dropoutBackwardImpl(dy, mask, pooledGrad);
            reluBackwardImpl(pooledGrad, pooled, pooledGrad);
            maxPoolBackwardImpl(pooledGrad, argmax, dx, g);
        }
    }

    /**
     * Runs {@link #dropoutMaxPoolReluConv2dBackward}, arguments checked. The default is the reference
     * composition: {@link #dropoutMaxPoolReluBackwardImpl} into a temporary of the convolution's output
     * shape (freed before returning), {@link #conv2dBackwardWeightsImpl} from it, then (with dx)
     * {@link #conv2dBackwardDataImpl}, or with inputReluOutput {@link #conv2dBackwardDataReluImpl} (by default
     * itself backward-data, then {@link #reluBackwardImpl} of dx in place), so that a backend's fused pieces serve.
     *
     * @param dy gradient of the dropout's output {@code [n, o, poolH, poolW]}
     * @param mask the dropout factors
     * @param argmax INT32 max-pool indices
     * @param pooled the max-pool's output {@code [n, o, poolH, poolW]}
     * @param pool the pooling geometry
     * @param x the convolution's input {@code [n, c, h, w]}
     * @param w weights {@code [o, c, kh, kw]}
     * @param dw weight gradient, to overwrite
     * @param db bias gradient, to overwrite
     * @param inputReluOutput the ReLU before the convolution's output, or null
     * @param dx the convolution's input gradient, to overwrite, or null
     * @param conv the convolution's geometry
     */
    protected void dropoutMaxPoolReluConv2dBackwardImpl(Tensor dy, Tensor mask, Tensor argmax, Tensor pooled, PoolGeometry pool,
            Tensor x, Tensor w, Tensor dw, Tensor db, Tensor inputReluOutput, Tensor dx, ConvGeometry conv) {
        try (Tensor outputGrad = allocate(conv.outputShape())) {
            dropoutMaxPoolReluBackwardImpl(dy, mask, argmax, pooled, outputGrad, pool);
            conv2dBackwardWeightsImpl(x, outputGrad, dw, db, conv);
            if (dx != null && inputReluOutput != null) conv2dBackwardDataReluImpl(outputGrad, w, inputReluOutput, dx, conv);
            else if (dx != null) conv2dBackwardDataImpl(outputGrad, w, dx, conv);
        }
    }

    // ---- memory -------------------------------------------------------------------------------

    @Override
    public final synchronized Tensor allocate(DType dtype, int... shape) {
        requireOpen("allocate");
        long elements = Shapes.size(shape);
        if (elements > Shapes.MAX_TENSOR_VALUES) {
            throw new IllegalArgumentException(name() + ": tensor " + Shapes.toString(shape) + " would hold " + elements
                    + " values, more than the limit of " + Shapes.MAX_TENSOR_VALUES + " per tensor (1 GiB of float32)");
        }
        Object handle = allocateMemory(dtype, elements);
        return ledger.track(new Tensor(this, dtype, shape, handle), handle, elements * 4); // FLOAT32 and INT32 alike
    }

    @Override
    public final synchronized void free(Tensor t) {
        checks.own("free", t);
        t.release();
    }

    /** Releases what the backend holds; called once, by {@link #close}, under the backend's lock. */
    protected abstract void closeImpl();

    /**
     * Frees everything this backend still holds. Later operations on it fail with a message saying
     * it was closed; closing its tensors afterwards is harmless.
     */
    @Override
    public final synchronized void close() {
        if (closed) return;
        closed = true;
        closeImpl();
    }

    /**
     * Whether {@link #close} has run.
     *
     * @return true once the backend was closed: every operation then fails
     */
    public final boolean isClosed() {
        return closed;
    }

    private void requireOpen(String op) {
        if (closed) {
            throw new IllegalStateException("the " + name() + " backend was closed, so " + op + " cannot run: open a new backend "
                    + "and build or load the model on it");
        }
    }

    @Override
    public final long liveTensors() {
        return ledger.tensors();
    }

    @Override
    public final long liveBytes() {
        return ledger.bytes();
    }

    @Override
    public final synchronized void upload(Tensor dst, float[] src) {
        requireOpen("upload");
        checks.transfer("upload", dst, DType.FLOAT32, src.length);
        uploadImpl(dst, src);
    }

    @Override
    public final synchronized void upload(Tensor dst, int[] src) {
        requireOpen("upload");
        checks.transfer("upload", dst, DType.INT32, src.length);
        uploadImpl(dst, src);
    }

    @Override
    public final synchronized void download(Tensor src, float[] dst) {
        requireOpen("download");
        checks.transfer("download", src, DType.FLOAT32, dst.length);
        downloadImpl(src, dst);
    }

    @Override
    public final synchronized void download(Tensor src, int[] dst) {
        requireOpen("download");
        checks.transfer("download", src, DType.INT32, dst.length);
        downloadImpl(src, dst);
    }

    @Override
    public final synchronized void fill(Tensor t, float value) {
        requireOpen("fill");
        checks.floats("fill", t);
        fillImpl(t, value);
    }

    @Override
    public final synchronized void copy(Tensor src, Tensor dst) {
        requireOpen("copy");
        checks.floats("copy", src, dst);
        Shapes.requireSameSize("copy", src, dst);
        copyImpl(src, dst);
    }

    // ---- operations: requireOpen, the checks (ArgumentChecks), then the Impl -----------------

    @Override
    public final synchronized void conv2dForward(Tensor x, Tensor w, Tensor b, Tensor y, ConvGeometry g) {
        requireOpen("conv2dForward");
        checks.conv2dForward("conv2dForward", x, w, b, y, g);
        conv2dForwardImpl(x, w, b, y, g);
    }

    @Override
    public final synchronized void conv2dBackwardData(Tensor dy, Tensor w, Tensor dx, ConvGeometry g) {
        requireOpen("conv2dBackwardData");
        checks.conv2dBackwardData("conv2dBackwardData", dy, w, dx, g);
        conv2dBackwardDataImpl(dy, w, dx, g);
    }

    @Override
    public final synchronized void conv2dBackwardWeights(Tensor x, Tensor dy, Tensor dw, Tensor db, ConvGeometry g) {
        requireOpen("conv2dBackwardWeights");
        checks.conv2dBackwardWeights("conv2dBackwardWeights", x, dy, dw, db, g);
        conv2dBackwardWeightsImpl(x, dy, dw, db, g);
    }

    @Override
    public final synchronized void maxPoolForward(Tensor x, Tensor y, Tensor argmax, PoolGeometry g) {
        requireOpen("maxPoolForward");
        checks.maxPoolForward("maxPoolForward", x, y, argmax, g);
        maxPoolForwardImpl(x, y, argmax, g);
    }

    @Override
    public final synchronized void maxPoolBackward(Tensor dy, Tensor argmax, Tensor dx, PoolGeometry g) {
        requireOpen("maxPoolBackward");
        checks.maxPoolBackward("maxPoolBackward", dy, argmax, dx, g);
        maxPoolBackwardImpl(dy, argmax, dx, g);
    }

    @Override
    public final synchronized void reluForward(Tensor x, Tensor y) {
        requireOpen("reluForward");
        checks.reluForward("reluForward", x, y);
        reluForwardImpl(x, y);
    }

    @Override
    public final synchronized void reluBackward(Tensor dy, Tensor y, Tensor dx) {
        requireOpen("reluBackward");
        checks.reluBackward("reluBackward", dy, y, dx);
        reluBackwardImpl(dy, y, dx);
    }

    @Override
    public final void dropoutForward(Tensor x, Tensor y, Tensor mask, float rate, long seed, long step, int layer) {
        dropoutForward(x, y, mask, rate, seed, step, layer, 0);
    }

    @Override
    public final synchronized void dropoutForward(Tensor x, Tensor y, Tensor mask, float rate, long seed, long step, int layer,
            long firstIndex) {
        requireOpen("dropoutForward");
        checks.dropoutForward("dropoutForward", x, y, mask, rate, firstIndex);
        dropoutForwardImpl(x, y, mask, rate, seed, step, layer, firstIndex);
    }

    @Override
    public final synchronized void dropoutBackward(Tensor dy, Tensor mask, Tensor dx) {
        requireOpen("dropoutBackward");
        checks.dropoutBackward("dropoutBackward", dy, mask, dx);
        dropoutBackwardImpl(dy, mask, dx);
    }

    @Override
    public final synchronized void denseForward(Tensor x, Tensor w, Tensor b, Tensor y) {
        requireOpen("denseForward");
        checks.denseForward("denseForward", x, w, b, y);
        denseForwardImpl(x, w, b, y, x.dim(0), x.dim(1), w.dim(0));
    }

    @Override
    public final synchronized void denseBackward(Tensor dy, Tensor x, Tensor w, Tensor dx, Tensor dw, Tensor db) {
        requireOpen("denseBackward");
        checks.denseBackward("denseBackward", dy, x, w, dx, dw, db);
        denseBackwardImpl(dy, x, w, dx, dw, db, x.dim(0), x.dim(1), w.dim(0));
    }

    @Override
    public final synchronized LossResult softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor dlogits) {
        requireOpen("softmaxCrossEntropy");
        checks.softmaxCrossEntropy("softmaxCrossEntropy", logits, labels, dlogits);
        return softmaxCrossEntropyImpl(logits, labels, dlogits, logits.dim(0), logits.dim(1));
    }

    @Override
    public final synchronized void softmax(Tensor logits, Tensor probs) {
        requireOpen("softmax");
        checks.softmax("softmax", logits, probs);
        softmaxImpl(logits, probs, logits.dim(0), logits.dim(1));
    }

    @Override
    public final synchronized void adadeltaUpdate(Tensor param, Tensor grad, Tensor accGrad, Tensor accDelta, float lr, float rho, float eps) {
        requireOpen("adadeltaUpdate");
        checks.optimizerState("adadeltaUpdate", param, grad, accGrad, accDelta);
        adadeltaUpdateImpl(param, grad, accGrad, accDelta, lr, rho, eps);
    }

    @Override
    public final synchronized void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuffer, float lr, float momentum,
            float dampening, float weightDecay, boolean nesterov, boolean firstStep) {
        requireOpen("sgdUpdate");
        checks.sgd("sgdUpdate", param, grad, momentumBuffer, momentum, nesterov);
        sgdUpdateImpl(param, grad, momentumBuffer, lr, momentum, dampening, weightDecay, nesterov, firstStep);
    }

    @Override
    public final synchronized void adamUpdate(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, float lr, float beta1,
            float beta2, float eps, float weightDecay, boolean decoupledWeightDecay, long step) {
        requireOpen("adamUpdate");
        checks.adam("adamUpdate", param, grad, expAvg, expAvgSq, step);
        // in double, as PyTorch computes them in Python floats, then rounded once for the float kernels
        float stepSize = (float) (lr / (1 - Math.pow(beta1, step)));
        float bias2Sqrt = (float) Math.sqrt(1 - Math.pow(beta2, step));
        float l2 = decoupledWeightDecay ? 0f : weightDecay;
        float decay = decoupledWeightDecay ? (float) (1 - (double) lr * weightDecay) : 1f;
        adamUpdateImpl(param, grad, expAvg, expAvgSq, beta1, beta2, eps, l2, decay, stepSize, bias2Sqrt);
    }

    @Override
    public final synchronized void avgPoolForward(Tensor x, Tensor y, PoolGeometry g) {
        requireOpen("avgPoolForward");
        checks.avgPoolForward("avgPoolForward", x, y, g);
        avgPoolForwardImpl(x, y, g);
    }

    @Override
    public final synchronized void avgPoolBackward(Tensor dy, Tensor dx, PoolGeometry g) {
        requireOpen("avgPoolBackward");
        checks.avgPoolBackward("avgPoolBackward", dy, dx, g);
        avgPoolBackwardImpl(dy, dx, g);
    }

    @Override
    public final synchronized void batchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor mean,
            Tensor invStd, Tensor runningMean, Tensor runningVar, float momentum, float eps) {
        requireOpen("batchNormForwardTraining");
        checks.batchNormForwardTraining("batchNormForwardTraining", x, gamma, beta, y, mean, invStd, runningMean, runningVar,
                momentum, eps);
        batchNormForwardTrainingImpl(x, gamma, beta, y, mean, invStd, runningMean, runningVar, momentum, eps);
    }

    @Override
    public final synchronized void batchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
            Tensor runningVar, Tensor y, float eps) {
        requireOpen("batchNormForwardInference");
        checks.batchNormForwardInference("batchNormForwardInference", x, gamma, beta, runningMean, runningVar, y, eps);
        batchNormForwardInferenceImpl(x, gamma, beta, runningMean, runningVar, y, eps);
    }

    @Override
    public final synchronized void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor invStd, Tensor dx,
            Tensor dgamma, Tensor dbeta) {
        requireOpen("batchNormBackward");
        checks.batchNormBackward("batchNormBackward", dy, x, gamma, mean, invStd, dx, dgamma, dbeta);
        batchNormBackwardImpl(dy, x, gamma, mean, invStd, dx, dgamma, dbeta);
    }

    // ---- fused ops: the primitives' checks under the fused op's name, then one Impl call ----------

    @Override
    public final synchronized void conv2dReluForward(Tensor x, Tensor w, Tensor b, Tensor y, ConvGeometry g) {
        String op = Op.CONV2D_RELU_FORWARD.methodName();
        requireOpen(op);
        requireSupported(Op.CONV2D_RELU_FORWARD);
        checks.conv2dForward(op, x, w, b, y, g);
        conv2dReluForwardImpl(x, w, b, y, g);
    }

    @Override
    public final synchronized void conv2dBackwardDataRelu(Tensor dy, Tensor w, Tensor reluOutput, Tensor dx, ConvGeometry g) {
        String op = Op.CONV2D_BACKWARD_DATA_RELU.methodName();
        requireOpen(op);
        requireSupported(Op.CONV2D_BACKWARD_DATA_RELU);
        checks.conv2dBackwardData(op, dy, w, dx, g);
        checks.reluBackward(op, dx, reluOutput, dx);
        conv2dBackwardDataReluImpl(dy, w, reluOutput, dx, g);
    }

    @Override
    public final synchronized void conv2dReluMaxPoolForward(Tensor x, Tensor w, Tensor b, Tensor pooled, Tensor argmax, Tensor scratch,
            ConvGeometry conv, PoolGeometry pool) {
        String op = Op.CONV2D_RELU_MAX_POOL_FORWARD.methodName();
        requireOpen(op);
        requireSupported(Op.CONV2D_RELU_MAX_POOL_FORWARD);
        checks.conv2dReluMaxPoolForward(op, x, w, b, pooled, argmax, scratch, conv, pool);
        conv2dReluMaxPoolForwardImpl(x, w, b, pooled, argmax, scratch, conv, pool);
    }

    @Override
    public final synchronized void maxPoolDropoutForward(Tensor x, Tensor pooled, Tensor argmax, Tensor y, Tensor mask, PoolGeometry g,
            float rate, long seed, long step, int layer, long firstIndex) {
        String op = Op.MAX_POOL_DROPOUT_FORWARD.methodName();
        requireOpen(op);
        requireSupported(Op.MAX_POOL_DROPOUT_FORWARD);
        checks.maxPoolForward(op, x, pooled, argmax, g);
        checks.dropoutForward(op, pooled, y, mask, rate, firstIndex);
        maxPoolDropoutForwardImpl(x, pooled, argmax, y, mask, g, rate, seed, step, layer, firstIndex);
    }

    @Override
    public final synchronized void dropoutMaxPoolReluBackward(Tensor dy, Tensor mask, Tensor argmax, Tensor pooled, Tensor dx,
            PoolGeometry g) {
        String op = Op.DROPOUT_MAX_POOL_RELU_BACKWARD.methodName();
        requireOpen(op);
        requireSupported(Op.DROPOUT_MAX_POOL_RELU_BACKWARD);
        checks.dropoutMaxPoolReluBackward(op, dy, mask, argmax, pooled, dx, g);
        dropoutMaxPoolReluBackwardImpl(dy, mask, argmax, pooled, dx, g);
    }

    @Override
    public final synchronized void dropoutMaxPoolReluConv2dBackward(Tensor dy, Tensor mask, Tensor argmax, Tensor pooled,
            PoolGeometry pool, Tensor x, Tensor w, Tensor dw, Tensor db, Tensor inputReluOutput, Tensor dx, ConvGeometry conv) {
        String op = Op.DROPOUT_MAX_POOL_RELU_CONV2D_BACKWARD.methodName();
        requireOpen(op);
        requireSupported(Op.DROPOUT_MAX_POOL_RELU_CONV2D_BACKWARD);
        checks.dropoutMaxPoolReluConv2dBackward(op, dy, mask, argmax, pooled, pool, x, w, dw, db, inputReluOutput, dx, conv);
        dropoutMaxPoolReluConv2dBackwardImpl(dy, mask, argmax, pooled, pool, x, w, dw, db, inputReluOutput, dx, conv);
    }

    /**
     * A fused op whose primitives this backend lacks fails before any of them runs, naming the fused op
     * (not whichever primitive the composition would have reached first).
     */
    private void requireSupported(Op op) {
        if (!supported.contains(op)) throw unsupported(op);
    }
}
