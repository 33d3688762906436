package dev.splot.optim;

import dev.splot.backend.Tensor;
import dev.splot.nn.Parameter;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the built-in optimizers share: a base learning rate that a schedule may replace for the
 * following steps, and per-parameter state tensors (zeros until the first step, or as restored
 * from a checkpoint), saved as "PARAMETER_NAME.SUFFIX" in the order of the suffixes.
 */
abstract class PerParameterOptimizer implements Optimizer {
    private final float baseLr;
    private float lr;
    private final String[] stateSuffixes;
    private final Map<Parameter, Tensor[]> state = new IdentityHashMap<>();

    /**
     * @param lr the base learning rate, already checked by the subclass
     * @param stateSuffixes the names of the state tensors each parameter gets, e.g. "adam_exp_avg"
     */
    PerParameterOptimizer(float lr, String... stateSuffixes) {
        this.baseLr = lr;
        this.lr = lr;
        this.stateSuffixes = stateSuffixes.clone();
    }

    @Override
    public final double learningRate() {
        return lr;
    }

    @Override
    public final double baseLearningRate() {
        return baseLr;
    }

    @Override
    public final void learningRate(double rate) {
        if (!(rate >= 0 && Double.isFinite(rate))) {
            throw new IllegalArgumentException(type() + ": a learning rate must be finite and >= 0, got " + rate);
        }
        lr = (float) rate;
    }

    /** The base learning rate as given (a setting, saved in {@link #config}). */
    final float baseLr() {
        return baseLr;
    }

    /** The learning rate of the next step as the float the backend op takes. */
    final float lr() {
        return lr;
    }

    /**
     * Settings as {@link #config} returns them, from name, value pairs: floats as Java float
     * decimals (exact: they parse back to the same floats), other values by {@code String.valueOf}.
     */
    static Map<String, String> settings(Object... nameValuePairs) {
        Map<String, String> c = new LinkedHashMap<>();
        for (int i = 0; i < nameValuePairs.length; i += 2) c.put((String) nameValuePairs[i], String.valueOf(nameValuePairs[i + 1]));
        return c;
    }

    /** The state tensors of {@code p}, one per suffix, allocated (zeros) on first use. */
    final Tensor[] stateOf(Parameter p) {
        return state.computeIfAbsent(p, q -> {
            Tensor[] t = new Tensor[stateSuffixes.length];
            for (int i = 0; i < t.length; i++) t[i] = q.value().backend().allocate(q.value().shape());
            return t;
        });
    }

    @Override
    public final Map<String, Tensor> state(List<Parameter> parameters) {
        Map<String, Tensor> s = new LinkedHashMap<>();
        for (Parameter p : parameters) {
            Tensor[] t = stateOf(p);
            for (int i = 0; i < t.length; i++) s.put(p.name() + "." + stateSuffixes[i], t[i]);
        }
        return s;
    }

    @Override
    public final void close() {
        for (Tensor[] ts : state.values()) for (Tensor t : ts) t.close();
        state.clear();
    }
}
