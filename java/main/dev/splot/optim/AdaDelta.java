package dev.splot.optim;

import dev.splot.backend.Op;
import dev.splot.backend.Tensor;
import dev.splot.nn.Parameter;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * AdaDelta (Zeiler 2012) with the classic Keras 2 defaults: lr 1.0, rho 0.95, eps 1e-7. Later
 * tf.keras changed lr to 0.001 and PyTorch uses rho 0.9, eps 1e-6; the defaults here reproduce
 * the published Keras MNIST run. The update itself is one fused backend operation per tensor.
 */
public final class AdaDelta extends PerParameterOptimizer {
    /** The type name in checkpoints. */
    public static final String TYPE = "adadelta";

    private final float rho;
    private final float eps;

    /** AdaDelta with the classic Keras defaults: lr 1.0, rho 0.95, eps 1e-7. */
    public AdaDelta() {
        this(1.0f, 0.95f, 1e-7f);
    }

    /**
     * AdaDelta with the given settings.
     *
     * @param lr learning rate, finite and {@code > 0}
     * @param rho decay of the running averages, {@code 0 <= rho < 1}
     * @param eps added inside the square roots, finite and {@code > 0}
     * @throws IllegalArgumentException naming the settings if one is out of range
     */
    public AdaDelta(float lr, float rho, float eps) {
        super(lr, "adadelta_accumulated_grad", "adadelta_accumulated_delta");
        if (!(lr > 0 && Float.isFinite(lr)) || !(rho >= 0 && rho < 1) || !(eps > 0 && Float.isFinite(eps))) {
            throw new IllegalArgumentException("AdaDelta needs lr > 0, 0 <= rho < 1, eps > 0, all finite; got lr=" + lr + " rho=" + rho
                    + " eps=" + eps);
        }
        this.rho = rho;
        this.eps = eps;
    }

    /** From settings as {@link #config} writes them: "lr", "rho", "eps". */
    static AdaDelta fromConfig(Map<String, String> config) {
        return new AdaDelta(Optimizers.floatSetting(TYPE, config, "lr"), Optimizers.floatSetting(TYPE, config, "rho"),
                Optimizers.floatSetting(TYPE, config, "eps"));
    }

    @Override
    public String type() {
        return TYPE;
    }

    /** lr, rho, eps as Java float decimals (exact: they parse back to the same floats). */
    @Override
    public Map<String, String> config() {
        return settings("lr", baseLr(), "rho", rho, "eps", eps);
    }

    @Override
    public Set<Op> ops() {
        return Set.of(Op.ADADELTA_UPDATE);
    }

    /** @return the decay of the running averages */
    public float rho() { return rho; }
    /** @return the epsilon added inside the square roots */
    public float epsilon() { return eps; }

    @Override
    public void step(List<Parameter> parameters) {
        for (Parameter p : parameters) {
            Tensor[] acc = stateOf(p);
            p.value().backend().adadeltaUpdate(p.value(), p.grad(), acc[0], acc[1], lr(), rho, eps);
        }
    }

    @Override
    public String toString() {
        return "AdaDelta(lr=" + baseLr() + ", rho=" + rho + ", eps=" + eps + ")";
    }
}
