package dev.splot.optim;

import dev.splot.backend.Op;
import dev.splot.backend.Tensor;
import dev.splot.nn.Parameter;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * AdaDelta (Zeiler 2012) with the classic Keras 2 defaults: lr 1.0, rho 0.95, eps 1e-7. Later
 * tf.keras changed lr to 0.001 and PyTorch uses rho 0.9, eps 1e-6; the defaults here reproduce
 * the published Keras MNIST run. The update itself is one fused backend operation per tensor.
 */
public final class AdaDelta implements Optimizer {
    /** The type name in checkpoints. */
    public static final String TYPE = "adadelta";

    private final float lr;
    private final float rho;
    private final float eps;
    private final Map<Parameter, Tensor[]> accumulators = new IdentityHashMap<>();

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
        if (!(lr > 0 && Float.isFinite(lr)) || !(rho >= 0 && rho < 1) || !(eps > 0 && Float.isFinite(eps))) {
            throw new IllegalArgumentException("AdaDelta needs lr > 0, 0 <= rho < 1, eps > 0, all finite; got lr=" + lr + " rho=" + rho
                    + " eps=" + eps);
        }
        this.lr = lr;
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
        Map<String, String> c = new LinkedHashMap<>();
        c.put("lr", Float.toString(lr));
        c.put("rho", Float.toString(rho));
        c.put("eps", Float.toString(eps));
        return c;
    }

    @Override
    public Set<Op> ops() {
        return Set.of(Op.ADADELTA_UPDATE);
    }

    /** @return the learning rate */
    @Override
    public double learningRate() { return lr; }
    /** @return the decay of the running averages */
    public float rho() { return rho; }
    /** @return the epsilon added inside the square roots */
    public float epsilon() { return eps; }

    @Override
    public void step(List<Parameter> parameters) {
        for (Parameter p : parameters) {
            Tensor[] acc = accumulatorsOf(p);
            p.value().backend().adadeltaUpdate(p.value(), p.grad(), acc[0], acc[1], lr, rho, eps);
        }
    }

    private Tensor[] accumulatorsOf(Parameter p) {
        return accumulators.computeIfAbsent(p, q -> new Tensor[] {
            q.value().backend().allocate(q.value().shape()), q.value().backend().allocate(q.value().shape())});
    }

    /** "NAME.adadelta_accumulated_grad" (E[g^2]) and "NAME.adadelta_accumulated_delta" (E[dx^2]) per parameter. */
    @Override
    public Map<String, Tensor> state(List<Parameter> parameters) {
        Map<String, Tensor> s = new LinkedHashMap<>();
        for (Parameter p : parameters) {
            Tensor[] acc = accumulatorsOf(p);
            s.put(p.name() + ".adadelta_accumulated_grad", acc[0]);
            s.put(p.name() + ".adadelta_accumulated_delta", acc[1]);
        }
        return s;
    }

    @Override
    public void close() {
        for (Tensor[] acc : accumulators.values()) {
            acc[0].close();
            acc[1].close();
        }
        accumulators.clear();
    }

    @Override
    public String toString() {
        return "AdaDelta(lr=" + lr + ", rho=" + rho + ", eps=" + eps + ")";
    }
}
