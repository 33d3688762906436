package dev.splot.nn;

import dev.splot.backend.Backend;
import dev.splot.backend.Op;
import dev.splot.backend.Tensor;
import java.util.List;

/**
 * Runs a {@link Sequential}'s layers, forward and backward, calling the backend's fused ops for the
 * layer runs that have one (the planner of the model's passes):
 * <ul>
 *   <li>forward: Conv2D, ReLU and MaxPool2D ({@link Backend#conv2dReluMaxPoolForward}), in training only
 *       where a Dropout follows and the backward below takes the four in one op, since the ReLU's output is
 *       not written (its values at the argmax are the pooled ones, all that op reads); else Conv2D then ReLU
 *       ({@link Backend#conv2dReluForward}); in training, MaxPool2D then Dropout
 *       ({@link Backend#maxPoolDropoutForward});
 *   <li>backward: Conv2D, ReLU, MaxPool2D, Dropout, with the ReLU before the Conv2D where there is one
 *       whose input gradient is needed ({@link Backend#dropoutMaxPoolReluConv2dBackward}); else ReLU,
 *       MaxPool2D, Dropout ({@link Backend#dropoutMaxPoolReluBackward}); a Conv2D after a ReLU
 *       ({@link Backend#conv2dBackwardDataRelu}), where the ReLU's input gradient is needed.
 * </ul>
 * A fused run reads and writes the same workspace slots as its layers would one by one, except the
 * ReLU's output in the first run above, which the workspace then refuses to hand out; so the kinds of
 * pass mix freely otherwise (a fused forward may be followed by an unfused backward) and every layer's
 * own forward and backward behave as before. The fused ops give the bits of the layers one by one;
 * with fusion off (or on a backend lacking an op) each layer runs alone.
 */
final class FusedPasses {
    private final List<Layer> layers;
    private final boolean convReluPool;
    private final boolean convRelu;
    private final boolean poolDropout;
    private final boolean dropoutPoolReluBackward;
    private final boolean convReluBackward;
    private final boolean dropoutPoolReluConvBackward;

    /**
     * @param layers the model's layers, built
     * @param backend where they run: a fused op is used only where it {@link Backend#supports} it
     * @param enabled false: every layer runs alone
     */
    FusedPasses(List<Layer> layers, Backend backend, boolean enabled) {
        this.layers = layers;
        this.convReluPool = enabled && backend.supports(Op.CONV2D_RELU_MAX_POOL_FORWARD);
        this.convRelu = enabled && backend.supports(Op.CONV2D_RELU_FORWARD);
        this.poolDropout = enabled && backend.supports(Op.MAX_POOL_DROPOUT_FORWARD);
        this.dropoutPoolReluBackward = enabled && backend.supports(Op.DROPOUT_MAX_POOL_RELU_BACKWARD);
        this.convReluBackward = enabled && backend.supports(Op.CONV2D_BACKWARD_DATA_RELU);
        this.dropoutPoolReluConvBackward = enabled && backend.supports(Op.DROPOUT_MAX_POOL_RELU_CONV2D_BACKWARD);
    }

    /** The layers' forward pass from x, in ws. */
    Tensor forward(Tensor x, ForwardContext ctx, Workspace ws) {
        Tensor t = x;
        int i = 0;
        while (i < layers.size()) {
            Layer layer = layers.get(i);
            Layer next = i + 1 < layers.size() ? layers.get(i + 1) : null;
            if (convReluPool && layer instanceof Conv2D conv && next instanceof ReLU relu && layerAt(i + 2) instanceof MaxPool2D pool
                    && (!ctx.training() || dropoutPoolReluConvBackward && layerAt(i + 3) instanceof Dropout)) {
                t = conv.forwardWithReluAndPool(t, relu, pool, ws);
                i += 3;
            } else if (convRelu && layer instanceof Conv2D conv && next instanceof ReLU relu) {
                t = conv.forwardWithRelu(t, relu, ws);
                i += 2;
            } else if (poolDropout && ctx.training() && layer instanceof MaxPool2D pool && next instanceof Dropout dropout) {
                t = pool.forwardWithDropout(t, dropout, ctx, ws);
                i += 2;
            } else {
                t = layer.forward(t, ctx, ws);
                i += 1;
            }
        }
        return t;
    }

    private Layer layerAt(int i) {
        return i < layers.size() ? layers.get(i) : null;
    }

    /** The layers' backward pass from the gradient of the logits, after a training forward in ws. */
    void backward(Tensor dlogits, Workspace ws) {
        Tensor g = dlogits;
        int i = layers.size() - 1;
        while (i >= 0) {
            Layer layer = layers.get(i);
            if (dropoutPoolReluConvBackward && i >= 3 && layer instanceof Dropout dropout && layers.get(i - 1) instanceof MaxPool2D pool
                    && layers.get(i - 2) instanceof ReLU relu && layers.get(i - 3) instanceof Conv2D conv) {
                // the run takes in the ReLU before the Conv2D where that ReLU's input gradient is used (it is not layer 0)
                ReLU before = i >= 5 && layers.get(i - 4) instanceof ReLU r ? r : null;
                g = conv.backwardFromPool(g, relu, pool, dropout, before, i > 3, ws);
                i -= before != null ? 5 : 4;
                continue;
            }
            // a fused run ends in a ReLU's input gradient: only where someone uses it (the ReLU is not layer 0)
            if (dropoutPoolReluBackward && i >= 3 && layer instanceof Dropout dropout && layers.get(i - 1) instanceof MaxPool2D pool
                    && layers.get(i - 2) instanceof ReLU relu) {
                g = pool.backwardThroughDropoutAndRelu(g, dropout, relu, ws);
                i -= 3;
            } else if (convReluBackward && i >= 2 && layer instanceof Conv2D conv && layers.get(i - 1) instanceof ReLU relu) {
                g = conv.backwardThroughRelu(g, relu, ws);
                i -= 2;
            } else {
                g = layer.backward(g, i > 0, ws);
                i -= 1;
            }
        }
    }
}
