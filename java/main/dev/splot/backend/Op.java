package dev.splot.backend;

/**
 * The primitive operations of the {@link Backend} interface, one constant per method. A backend may
 * provide only some of them ({@link Backend#supportedOps()}); a model whose layers need an op the
 * backend lacks is refused when it is built, naming the layer, the op and the backend.
 */
public enum Op {
    CONV2D_FORWARD("conv2dForward"),
    CONV2D_BACKWARD_DATA("conv2dBackwardData"),
    CONV2D_BACKWARD_WEIGHTS("conv2dBackwardWeights"),
    MAX_POOL_FORWARD("maxPoolForward"),
    MAX_POOL_BACKWARD("maxPoolBackward"),
    RELU_FORWARD("reluForward"),
    RELU_BACKWARD("reluBackward"),
    DROPOUT_FORWARD("dropoutForward"),
    DROPOUT_BACKWARD("dropoutBackward"),
    DENSE_FORWARD("denseForward"),
    DENSE_BACKWARD("denseBackward"),
    SOFTMAX_CROSS_ENTROPY("softmaxCrossEntropy"),
    SOFTMAX("softmax"),
    ADADELTA_UPDATE("adadeltaUpdate"),
    AVG_POOL_FORWARD("avgPoolForward"),
    AVG_POOL_BACKWARD("avgPoolBackward"),
    BATCH_NORM_FORWARD_TRAINING("batchNormForwardTraining"),
    BATCH_NORM_FORWARD_INFERENCE("batchNormForwardInference"),
    BATCH_NORM_BACKWARD("batchNormBackward");

    private final String methodName;

    Op(String methodName) {
        this.methodName = methodName;
    }

    /** The name of the {@link Backend} method that runs this op, as used in messages. */
    public String methodName() {
        return methodName;
    }

    @Override
    public String toString() {
        return methodName;
    }
}
