package dev.splot.optim;

import dev.splot.backend.Op;
import dev.splot.backend.Tensor;
import dev.splot.nn.Parameter;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Adam as PyTorch's {@code torch.optim.Adam} (Kingma and Ba 2014, no amsgrad): bias-corrected
 * moments, eps added outside the square root, weight decay as an L2 penalty added to the
 * gradient; PyTorch's defaults lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0. {@link AdamW}
 * decouples the weight decay instead. One fused backend operation ({@link Op#ADAM_UPDATE}) per tensor.
 */
public class Adam extends PerParameterOptimizer {
    /** The type name in checkpoints. */
    public static final String TYPE = "adam";

    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final boolean decoupled;
    private long steps;

    /** Adam with PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0. */
    public Adam() {
        this(1e-3f, 0.9f, 0.999f, 1e-8f, 0f);
    }

    /**
     * Adam with the given settings.
     *
     * @param lr learning rate, finite and {@code > 0}
     * @param beta1 decay of the first moment, {@code 0 <= beta1 < 1}
     * @param beta2 decay of the second moment, {@code 0 <= beta2 < 1}
     * @param eps added to the denominator, finite and {@code > 0}
     * @param weightDecay L2 penalty added to the gradient, finite and {@code >= 0}
     * @throws IllegalArgumentException naming the settings if one is out of range
     */
    public Adam(float lr, float beta1, float beta2, float eps, float weightDecay) {
        this(lr, beta1, beta2, eps, weightDecay, false, 0);
    }

    /** For this class and {@link AdamW}: {@code decoupled} chooses AdamW's weight decay. */
    Adam(float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled, long steps) {
        super(lr, "adam_exp_avg", "adam_exp_avg_sq");
        if (!(lr > 0 && Float.isFinite(lr)) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)
                || !(eps > 0 && Float.isFinite(eps)) || !(weightDecay >= 0 && Float.isFinite(weightDecay)) || steps < 0) {
            throw new IllegalArgumentException(name(decoupled) + " needs lr > 0, 0 <= beta1 < 1, 0 <= beta2 < 1, eps > 0, weight "
                    + "decay >= 0, all finite, steps >= 0; got lr=" + lr + " beta1=" + beta1 + " beta2=" + beta2 + " eps=" + eps
                    + " weight_decay=" + weightDecay + " steps=" + steps);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        this.steps = steps;
    }

    private static String name(boolean decoupled) {
        return decoupled ? "AdamW" : "Adam";
    }

    /** From settings as {@link #config} writes them; {@code decoupled} for AdamW. */
    static Adam fromConfig(Map<String, String> config, boolean decoupled) {
        String type = decoupled ? AdamW.TYPE : TYPE;
        float lr = Optimizers.floatSetting(type, config, "lr"), beta1 = Optimizers.floatSetting(type, config, "beta1"),
                beta2 = Optimizers.floatSetting(type, config, "beta2"), eps = Optimizers.floatSetting(type, config, "eps"),
                weightDecay = Optimizers.floatSetting(type, config, "weight_decay");
        long steps = Optimizers.longSetting(type, config, "steps");
        return decoupled ? new AdamW(lr, beta1, beta2, eps, weightDecay, steps) : new Adam(lr, beta1, beta2, eps, weightDecay, false, steps);
    }

    @Override
    public final String type() {
        return decoupled ? AdamW.TYPE : TYPE;
    }

    /**
     * lr, beta1, beta2, eps, weight_decay (exact Java float decimals) and steps: the steps done,
     * which the bias corrections of the next step need.
     */
    @Override
    public final Map<String, String> config() {
        return settings("lr", baseLr(), "beta1", beta1, "beta2", beta2, "eps", eps, "weight_decay", weightDecay, "steps", steps);
    }

    @Override
    public final Set<Op> ops() {
        return Set.of(Op.ADAM_UPDATE);
    }

    /** @return the decay of the first moment */
    public final float beta1() { return beta1; }
    /** @return the decay of the second moment */
    public final float beta2() { return beta2; }
    /** @return the epsilon added to the denominator */
    public final float epsilon() { return eps; }
    /** @return the weight decay (an L2 penalty for Adam, decoupled for AdamW) */
    public final float weightDecay() { return weightDecay; }
    /** @return the steps done so far */
    public final long steps() { return steps; }

    @Override
    public final void step(List<Parameter> parameters) {
        for (Parameter p : parameters) {
            Tensor[] m = stateOf(p);
            p.value().backend().adamUpdate(p.value(), p.grad(), m[0], m[1], lr(), beta1, beta2, eps, weightDecay, decoupled, steps + 1);
        }
        steps++;
    }

    @Override
    public final String toString() {
        return name(decoupled) + "(lr=" + baseLr() + ", betas=(" + beta1 + ", " + beta2 + "), eps=" + eps + ", weight_decay="
                + weightDecay + ")";
    }
}
