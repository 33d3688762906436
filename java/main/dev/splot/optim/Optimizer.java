package dev.splot.optim;

import dev.splot.backend.Tensor;
import dev.splot.nn.Parameter;
import java.util.List;
import java.util.Map;

/** Updates parameters from their gradients; its state lives on the parameters' backend. */
public interface Optimizer extends AutoCloseable {
    void step(List<Parameter> parameters);

    /** The optimizer's state tensors by name (for checkpoints), allocated on first use. */
    Map<String, Tensor> state(List<Parameter> parameters);

    @Override
    void close();
}
