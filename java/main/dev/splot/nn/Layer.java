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
    protected Backend backend;
    protected int index;
    protected int[] inputShape;
    private Workspace own; // for forward/backward called on the layer alone

    /**
     * The backend operations this layer's forward and backward passes call; a model is refused at
     * build time on a backend that lacks one of them.
     */
    public abstract Set<Op> ops();

    /** Keras-style type name used for automatic names ("conv2d", "dense", ...). */
    protected abstract String typeName();

    /** The per-sample output shape for a per-sample input shape; throws with a clear message when the input does not fit. */
    public abstract int[] outputShape(int[] inputShape);

    /**
     * Runs forward on a batch, keeping its buffers and what backward needs in {@code ws}; the result
     * belongs to {@code ws} and stays valid until this layer's next forward in it.
     */
    public abstract Tensor forward(Tensor x, ForwardContext ctx, Workspace ws);

    /**
     * Gradient of the loss with respect to this layer's input (null when not needed), filling the
     * parameters' gradients, after a training forward pass in the same {@code ws}.
     */
    public abstract Tensor backward(Tensor dy, boolean needInputGradient, Workspace ws);

    /** {@link #forward(Tensor, ForwardContext, Workspace)} in this layer's own workspace (tests, one layer alone). */
    public final Tensor forward(Tensor x, ForwardContext ctx) {
        return forward(x, ctx, ownWorkspace());
    }

    /** {@link #backward(Tensor, boolean, Workspace)} in this layer's own workspace. */
    public final Tensor backward(Tensor dy, boolean needInputGradient) {
        return backward(dy, needInputGradient, ownWorkspace());
    }

    private Workspace ownWorkspace() {
        if (own == null) own = new Workspace();
        return own;
    }

    /** Trainable parameters, in a fixed order. */
    public List<Parameter> parameters() {
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

    /** Allocates and initialises parameters; layers without parameters do nothing. */
    protected void initialise(long seed) {}

    public String name() {
        return name == null ? typeName() : name;
    }

    String defaultTypeName() {
        return typeName();
    }

    public int index() {
        return index;
    }

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
        if (own != null) own.close();
    }

    /** Shape of a batch of this layer's inputs. */
    protected int[] batchShape(int batch, int[] perSample) {
        int[] s = new int[perSample.length + 1];
        s[0] = batch;
        System.arraycopy(perSample, 0, s, 1, perSample.length);
        return s;
    }

    protected void requireInputRank(int[] in, int rank, String expected) {
        if (in.length != rank) {
            throw new IllegalArgumentException(typeName() + " expects input of shape " + expected + " per sample, got "
                    + Shapes.toString(in));
        }
    }

}
