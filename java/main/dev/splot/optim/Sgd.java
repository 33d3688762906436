package dev.splot.optim;

import dev.splot.backend.Op;
import dev.splot.backend.Tensor;
import dev.splot.nn.Parameter;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stochastic gradient descent as PyTorch's {@code torch.optim.SGD}: optional momentum (the buffer
 * starts as the first step's gradient), dampening, Nesterov momentum and L2 weight decay added to
 * the gradient, with PyTorch's defaults (lr 1e-3, everything else 0 / off). One fused backend
 * operation ({@link Op#SGD_UPDATE}) per tensor.
 */
public final class Sgd extends PerParameterOptimizer {
    /** The type name in checkpoints. */
    public static final String TYPE = "sgd";

    private final float momentum;
    private final float dampening;
    private final float weightDecay;
    private final boolean nesterov;
    private long steps;

    /** SGD with PyTorch's defaults: lr 1e-3, no momentum, dampening or weight decay. */
    public Sgd() {
        this(1e-3f, 0f);
    }

    /**
     * SGD with the given settings.
     *
     * @param lr learning rate, finite and {@code > 0}
     * @param momentum momentum factor, {@code 0 <= momentum < 1} (0: plain SGD, no buffer)
     * @param dampening dampening of the gradient in the momentum buffer, {@code 0 <= dampening <= 1}
     * @param weightDecay L2 penalty added to the gradient, finite and {@code >= 0}
     * @param nesterov Nesterov momentum (needs momentum {@code > 0} and dampening 0, as PyTorch)
     * @throws IllegalArgumentException naming the settings if one is out of range
     */
    public Sgd(float lr, float momentum, float dampening, float weightDecay, boolean nesterov) {
        this(lr, momentum, dampening, weightDecay, nesterov, 0);
    }

    /**
     * Plain SGD or SGD with momentum, without dampening or weight decay.
     *
     * @param lr learning rate, finite and {@code > 0}
     * @param momentum momentum factor, {@code 0 <= momentum < 1}
     * @throws IllegalArgumentException naming the settings if one is out of range
     */
    public Sgd(float lr, float momentum) {
        this(lr, momentum, 0f, 0f, false);
    }

    private Sgd(float lr, float momentum, float dampening, float weightDecay, boolean nesterov, long steps) {
        super(lr, momentum == 0f ? new String[0] : new String[] {"sgd_momentum_buffer"});
        if (!(lr > 0 && Float.isFinite(lr)) || !(momentum >= 0 && momentum < 1) || !(dampening >= 0 && dampening <= 1)
                || !(weightDecay >= 0 && Float.isFinite(weightDecay)) || steps < 0) {
            throw new IllegalArgumentException("SGD needs lr > 0, 0 <= momentum < 1, 0 <= dampening <= 1, weight decay >= 0, all "
                    + "finite, steps >= 0; got lr=" + lr + " momentum=" + momentum + " dampening=" + dampening + " weight_decay="
                    + weightDecay + " steps=" + steps);
        }
        if (nesterov && (momentum == 0f || dampening != 0f)) {
            throw new IllegalArgumentException("SGD with Nesterov momentum needs momentum > 0 and dampening 0; got momentum="
                    + momentum + " dampening=" + dampening);
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        this.steps = steps;
    }

    /** From settings as {@link #config} writes them. */
    static Sgd fromConfig(Map<String, String> config) {
        return new Sgd(Optimizers.floatSetting(TYPE, config, "lr"), Optimizers.floatSetting(TYPE, config, "momentum"),
                Optimizers.floatSetting(TYPE, config, "dampening"), Optimizers.floatSetting(TYPE, config, "weight_decay"),
                Optimizers.booleanSetting(TYPE, config, "nesterov"), Optimizers.longSetting(TYPE, config, "steps"));
    }

    @Override
    public String type() {
        return TYPE;
    }

    /**
     * lr, momentum, dampening, weight_decay (exact Java float decimals), nesterov, and steps: the
     * steps done, which decides whether the momentum buffer starts (step 1) or averages.
     */
    @Override
    public Map<String, String> config() {
        return settings("lr", baseLr(), "momentum", momentum, "dampening", dampening, "weight_decay", weightDecay, "nesterov",
                nesterov, "steps", steps);
    }

    @Override
    public Set<Op> ops() {
        return Set.of(Op.SGD_UPDATE);
    }

    /** @return the momentum factor */
    public float momentum() { return momentum; }
    /** @return the dampening of the momentum buffer */
    public float dampening() { return dampening; }
    /** @return the L2 penalty added to the gradient */
    public float weightDecay() { return weightDecay; }
    /** @return whether the momentum is Nesterov's */
    public boolean nesterov() { return nesterov; }
    /** @return the steps done so far */
    public long steps() { return steps; }

    @Override
    public void step(List<Parameter> parameters) {
        for (Parameter p : parameters) {
            Tensor buffer = momentum == 0f ? null : stateOf(p)[0];
            p.value().backend().sgdUpdate(p.value(), p.grad(), buffer, lr(), momentum, dampening, weightDecay, nesterov, steps == 0);
        }
        steps++;
    }

    @Override
    public String toString() {
        return "SGD(lr=" + baseLr() + ", momentum=" + momentum + ", dampening=" + dampening + ", weight_decay=" + weightDecay
                + ", nesterov=" + nesterov + ")";
    }
}
