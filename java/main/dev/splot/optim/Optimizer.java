package dev.splot.optim;

import dev.splot.backend.Op;
import dev.splot.backend.Tensor;
import dev.splot.nn.Parameter;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Updates parameters from their gradients; its state lives on the parameters' backend. What a
 * checkpoint needs to save and restore an optimizer exactly is its {@link #type}, its
 * {@link #config} and its {@link #state} tensors; {@link Optimizers#create} rebuilds it from the
 * first two, so a checkpoint never names a concrete optimizer class.
 */
public interface Optimizer extends AutoCloseable {
    /**
     * The name under which {@link Optimizers} creates this optimizer.
     *
     * @return the type name, e.g. "adadelta"
     */
    String type();

    /**
     * The settings that, given to {@link Optimizers#create} with {@link #type}, make an identical
     * optimizer: names to exact decimal strings (e.g. {@code Float.toString}), in a fixed order.
     *
     * @return setting name to value, in a fixed iteration order
     */
    Map<String, String> config();

    /**
     * The backend operations {@link #step} calls; a trainer refuses a backend that lacks one.
     *
     * @return the operations this optimizer needs from the parameters' backend
     */
    Set<Op> ops();

    /**
     * Applies one update to every parameter from its current gradient ({@link Parameter#grad}),
     * in place on the parameters' backend; the optimizer state of each parameter advances by one step.
     *
     * @param parameters the parameters to update, with gradients already computed by a backward pass
     */
    void step(List<Parameter> parameters);

    /**
     * The state tensors by name, each "PARAMETER_NAME.SUFFIX" (for checkpoints), allocated on first
     * use; the caller may overwrite them (restoring a checkpoint) before the next step.
     *
     * @param parameters the parameters whose state is wanted, as later given to {@link #step}
     * @return state name to tensor (live tensors of this optimizer, not copies)
     */
    Map<String, Tensor> state(List<Parameter> parameters);

    /**
     * The learning rate the next {@link #step} uses, as configured (reported to training listeners).
     *
     * @return the learning rate
     */
    double learningRate();

    /** Frees the optimizer's state tensors on the backend. */
    @Override
    void close();
}
