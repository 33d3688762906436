package dev.splot.backend;

/**
 * The primitive operations of the {@link Backend} interface, one constant per method. A backend may
 * provide only some of them ({@link Backend#supportedOps()}); a model whose layers need an op the
 * backend lacks is refused when it is built, naming the layer, the op and the backend.
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
    BATCH_NORM_BACKWARD("batchNormBackward");

    private final String methodName;

    Op(String methodName) {
        this.methodName = methodName;
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

    @Override
    public String toString() {
        return methodName;
    }
}
