package dev.splot.nn;

import dev.splot.backend.Backend;
import dev.splot.backend.Op;
import dev.splot.backend.Shapes;
import dev.splot.backend.Tensor;
import java.util.List;
import java.util.Set;

/**
 * One layer of a {@link Sequential} model. Shapes given to and returned by {@link #outputShape}
 * are per sample (without the batch dimension). A layer owns its parameters and the buffers of
 * nothing that changes from batch to batch: activations, input gradients and what backward needs
 * live in a {@link Workspace}, so several callers can run one model with their own workspaces.
 * Every operation goes through the {@link Backend}.
 */
public abstract class Layer implements AutoCloseable {
    private String name;
    /** The backend the layer was built on; null until the model is built. */
    protected Backend backend;
    /** The layer's position in its model, 0 first; keys its initialisation and dropout draws. */
    protected int index;
    /** The per-sample input shape the layer was built for; null until the model is built. */
    protected int[] inputShape;
    private Workspace own; // for forward/backward called on the layer alone

    /**
     * The backend operations this layer's forward and backward passes call; a model is refused at
     * build time on a backend that lacks one of them.
     *
     * @return the operations this layer needs
     */
    public abstract Set<Op> ops();

    /** @return the Keras-style type name used for automatic names ("conv2d", "dense", ...) */
    protected abstract String typeName();

    /**
     * The per-sample output shape for a per-sample input shape.
     *
     * @param inputShape one sample's shape, e.g. (channels, height, width)
     * @return one output sample's shape
     * @throws IllegalArgumentException naming the layer and the shape, when the input does not fit
     */
    public abstract int[] outputShape(int[] inputShape);

    /**
     * Runs forward on a batch, keeping its buffers and what backward needs in {@code ws}; the result
     * belongs to {@code ws} and stays valid until this layer's next forward in it.
     *
     * @param x the input batch, shape (batch, per-sample input shape)
     * @param ctx training or inference, seed and step (for dropout)
     * @param ws the caller's workspace
     * @return the output batch, shape (batch, {@link #outputShape})
     */
    public abstract Tensor forward(Tensor x, ForwardContext ctx, Workspace ws);

    /**
     * Gradient of the loss with respect to this layer's input (null when not needed), filling the
     * parameters' gradients, after a training forward pass in the same {@code ws}.
     *
     * @param dy gradient of the loss with respect to this layer's output, shape of the forward output
     * @param needInputGradient false for the first layer, whose input gradient nobody uses
     * @param ws the workspace of the forward pass
     * @return gradient with respect to the input (belongs to {@code ws}), or null when not needed
     */
    public abstract Tensor backward(Tensor dy, boolean needInputGradient, Workspace ws);

    /**
     * {@link #forward(Tensor, ForwardContext, Workspace)} in this layer's own workspace (tests, one layer alone).
     *
     * @param x the input batch
     * @param ctx training or inference, seed and step
     * @return the output batch, valid until the next forward
     */
    public final Tensor forward(Tensor x, ForwardContext ctx) {
        return forward(x, ctx, ownWorkspace());
    }

    /**
     * {@link #backward(Tensor, boolean, Workspace)} in this layer's own workspace.
     *
     * @param dy gradient with respect to the output
     * @param needInputGradient whether to compute the input gradient
     * @return gradient with respect to the input, or null when not needed
     */
    public final Tensor backward(Tensor dy, boolean needInputGradient) {
        return backward(dy, needInputGradient, ownWorkspace());
    }

    private Workspace ownWorkspace() {
        if (own == null) own = new Workspace();
        return own;
    }

    /** @return the trainable parameters, in a fixed order (empty for layers without any) */
    public List<Parameter> parameters() {
        return List.of();
    }

    /**
     * Non-trainable tensors saved with the model (BatchNorm's running statistics), in a fixed order.
     *
     * @return the layer's buffers (empty for layers without any)
     */
    public List<Buffer> buffers() {
        return List.of();
    }

    /**
     * Non-trainable counts saved with the model (BatchNorm's number of batches seen), in a fixed order.
     *
     * @return the layer's counters (empty for layers without any)
     */
    public List<Counter> counters() {
        return List.of();
    }

    /** Allocates parameters on the backend; initialisation draws come from the model seed and this layer's index. */
    void build(Backend backend, int index, int[] inputShape, String name, long seed) {
        this.backend = backend;
        this.index = index;
        this.inputShape = inputShape.clone();
        this.name = name;
        initialise(seed);
    }

    /**
     * Allocates and initialises parameters; layers without parameters do nothing.
     *
     * @param seed the model seed; draws are keyed by it and {@link #index}
     */
    protected void initialise(long seed) {}

    /** @return the layer's name in its model, e.g. "conv2d_1" (parameter names start with it) */
    public String name() {
        return name == null ? typeName() : name;
    }

    String defaultTypeName() {
        return typeName();
    }

    /** @return the layer's position in its model, 0 first */
    public int index() {
        return index;
    }

    /** @return the number of trainable values */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) n += p.value().size();
        return n;
    }

    /** Releases the parameters and the layer's own workspace (a model's or predictor's workspace is closed by its owner). */
    @Override
    public void close() {
        for (Parameter p : parameters()) {
            p.value().close();
            p.grad().close();
        }
        for (Buffer b : buffers()) b.value().close();
        if (own != null) own.close();
    }

    /**
     * Shape of a batch of per-sample shapes.
     *
     * @param batch the number of samples
     * @param perSample one sample's shape
     * @return (batch, perSample...)
     */
    protected int[] batchShape(int batch, int[] perSample) {
        int[] s = new int[perSample.length + 1];
        s[0] = batch;
        System.arraycopy(perSample, 0, s, 1, perSample.length);
        return s;
    }

    /**
     * Checks the rank of a per-sample input shape.
     *
     * @param in the per-sample input shape
     * @param rank the rank this layer needs
     * @param expected the shape in words for the message, e.g. "(channels, height, width)"
     * @throws IllegalArgumentException naming the layer type, expected and actual shape
     */
    protected void requireInputRank(int[] in, int rank, String expected) {
        if (in.length != rank) {
            throw new IllegalArgumentException(typeName() + " expects input of shape " + expected + " per sample, got "
                    + Shapes.toString(in));
        }
    }

}
