package dev.splot.backend;

import java.util.List;

/**
 * The operations of the {@link Backend} interface, one constant per method. A backend may
 * provide only some of them ({@link Backend#supportedOps()}); a model whose layers need an op the
 * backend lacks is refused when it is built, naming the layer, the op and the backend. The last
 * constants are optional fused ops ({@link #isFused()}): each stands for a fixed sequence of
 * primitives, which is its reference semantics, and a backend may run it in one pass.
 */
public enum Op {
    /** Convolution, forward: {@link Backend#conv2dForward}. */
    CONV2D_FORWARD("conv2dForward"),
    /** Convolution, gradient with respect to the input: {@link Backend#conv2dBackwardData}. */
    CONV2D_BACKWARD_DATA("conv2dBackwardData"),
    /** Convolution, gradients of weights and bias: {@link Backend#conv2dBackwardWeights}. */
    CONV2D_BACKWARD_WEIGHTS("conv2dBackwardWeights"),
    /** Max pooling with argmax, forward: {@link Backend#maxPoolForward}. */
    MAX_POOL_FORWARD("maxPoolForward"),
    /** Max pooling, gradient scattered through the argmax: {@link Backend#maxPoolBackward}. */
    MAX_POOL_BACKWARD("maxPoolBackward"),
    /** ReLU, forward: {@link Backend#reluForward}. */
    RELU_FORWARD("reluForward"),
    /** ReLU, backward: {@link Backend#reluBackward}. */
    RELU_BACKWARD("reluBackward"),
    /** Inverted dropout with a Philox mask, forward: {@link Backend#dropoutForward}. */
    DROPOUT_FORWARD("dropoutForward"),
    /** Dropout, backward: {@link Backend#dropoutBackward}. */
    DROPOUT_BACKWARD("dropoutBackward"),
    /** Fully connected layer, forward: {@link Backend#denseForward}. */
    DENSE_FORWARD("denseForward"),
    /** Fully connected layer, all three gradients: {@link Backend#denseBackward}. */
    DENSE_BACKWARD("denseBackward"),
    /** Softmax cross-entropy loss, accuracy count and gradient: {@link Backend#softmaxCrossEntropy}. */
    SOFTMAX_CROSS_ENTROPY("softmaxCrossEntropy"),
    /** Softmax of each row (prediction): {@link Backend#softmax}. */
    SOFTMAX("softmax"),
    /** One fused AdaDelta step: {@link Backend#adadeltaUpdate}. */
    ADADELTA_UPDATE("adadeltaUpdate"),
    /** One fused SGD step (momentum, dampening, Nesterov, L2 weight decay): {@link Backend#sgdUpdate}. */
    SGD_UPDATE("sgdUpdate"),
    /** One fused Adam or AdamW step: {@link Backend#adamUpdate}. */
    ADAM_UPDATE("adamUpdate"),
    /** Average pooling, forward (also global average pooling): {@link Backend#avgPoolForward}. */
    AVG_POOL_FORWARD("avgPoolForward"),
    /** Average pooling, backward: {@link Backend#avgPoolBackward}. */
    AVG_POOL_BACKWARD("avgPoolBackward"),
    /** Batch normalisation with batch statistics, updating the running ones: {@link Backend#batchNormForwardTraining}. */
    BATCH_NORM_FORWARD_TRAINING("batchNormForwardTraining"),
    /** Batch normalisation with the running statistics: {@link Backend#batchNormForwardInference}. */
    BATCH_NORM_FORWARD_INFERENCE("batchNormForwardInference"),
    /** Batch normalisation, gradients of input, gamma and beta: {@link Backend#batchNormBackward}. */
    BATCH_NORM_BACKWARD("batchNormBackward"),
    /**
     * Convolution, bias and ReLU in one op: {@link Backend#conv2dReluForward}; composed of
     * {@link #CONV2D_FORWARD} and {@link #RELU_FORWARD} where a backend has no fused kernel.
     */
    CONV2D_RELU_FORWARD("conv2dReluForward", CONV2D_FORWARD, RELU_FORWARD),
    /**
     * Convolution, bias, ReLU and max pooling in one op: {@link Backend#conv2dReluMaxPoolForward}; composed of
     * {@link #CONV2D_FORWARD}, {@link #RELU_FORWARD} and {@link #MAX_POOL_FORWARD} where a backend has no fused kernel.
     */
    CONV2D_RELU_MAX_POOL_FORWARD("conv2dReluMaxPoolForward", CONV2D_FORWARD, RELU_FORWARD, MAX_POOL_FORWARD),
    /**
     * Convolution's input gradient masked by the ReLU before it: {@link Backend#conv2dBackwardDataRelu};
     * composed of {@link #CONV2D_BACKWARD_DATA} and {@link #RELU_BACKWARD} where a backend has no fused kernel.
     */
    CONV2D_BACKWARD_DATA_RELU("conv2dBackwardDataRelu", CONV2D_BACKWARD_DATA, RELU_BACKWARD),
    /**
     * Max pooling then dropout in one op: {@link Backend#maxPoolDropoutForward}; composed of
     * {@link #MAX_POOL_FORWARD} and {@link #DROPOUT_FORWARD} where a backend has no fused kernel.
     */
    MAX_POOL_DROPOUT_FORWARD("maxPoolDropoutForward", MAX_POOL_FORWARD, DROPOUT_FORWARD),
    /**
     * Dropout, max-pool and ReLU backward in one op: {@link Backend#dropoutMaxPoolReluBackward}; composed of
     * {@link #DROPOUT_BACKWARD}, {@link #MAX_POOL_BACKWARD} and {@link #RELU_BACKWARD} where a backend has no fused kernel.
     */
    DROPOUT_MAX_POOL_RELU_BACKWARD("dropoutMaxPoolReluBackward", DROPOUT_BACKWARD, MAX_POOL_BACKWARD, RELU_BACKWARD),
    /**
     * A convolution's backward passes from the gradient of the ReLU, max-pool and dropout after it:
     * {@link Backend#dropoutMaxPoolReluConv2dBackward}; composed of {@link #DROPOUT_BACKWARD},
     * {@link #MAX_POOL_BACKWARD}, {@link #RELU_BACKWARD}, {@link #CONV2D_BACKWARD_WEIGHTS} and
     * {@link #CONV2D_BACKWARD_DATA} where a backend has no fused kernel.
     */
    DROPOUT_MAX_POOL_RELU_CONV2D_BACKWARD("dropoutMaxPoolReluConv2dBackward", DROPOUT_BACKWARD, MAX_POOL_BACKWARD, RELU_BACKWARD,
            CONV2D_BACKWARD_WEIGHTS, CONV2D_BACKWARD_DATA);

    private final String methodName;
    private final List<Op> composedOf;

    Op(String methodName, Op... composedOf) {
        this.methodName = methodName;
        this.composedOf = List.of(composedOf);
    }

    /**
     * The name of the {@link Backend} method that runs this op, as used in messages;
     * {@link AbstractBackend} finds a backend's implementation under this name plus {@code Impl}.
     *
     * @return e.g. "conv2dForward" for {@link #CONV2D_FORWARD}
     */
    public String methodName() {
        return methodName;
    }

    /**
     * The primitive ops a fused op stands for, in the order its reference composition runs them; a
     * backend that provides all of them provides the fused op too (by that composition, unless it
     * has a kernel of its own). Empty for a primitive op.
     *
     * @return the primitives, unmodifiable; empty for primitives
     */
    public List<Op> composedOf() {
        return composedOf;
    }

    /**
     * Whether this op is a fusion of primitive ops ({@link #composedOf()} not empty).
     *
     * @return true for the fused ops
     */
    public boolean isFused() {
        return !composedOf.isEmpty();
    }

    @Override
    public String toString() {
        return methodName;
    }
}
