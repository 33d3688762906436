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
 * its forward and backward results; buffers are reused from step to step and reallocated only
 * when the batch size changes. Every operation goes through the {@link Backend}.
 */
public abstract class Layer implements AutoCloseable {
    private String name;
    protected Backend backend;
    protected int index;
    protected int[] inputShape;

    /**
     * The backend operations this layer's forward and backward passes call; a model is refused at
     * build time on a backend that lacks one of them.
     */
    public abstract Set<Op> ops();

    /** Keras-style type name used for automatic names ("conv2d", "dense", ...). */
    protected abstract String typeName();

    /** The per-sample output shape for a per-sample input shape; throws with a clear message when the input does not fit. */
    public abstract int[] outputShape(int[] inputShape);

    /** Runs forward on a batch; the result belongs to the layer and stays valid until its next forward. */
    public abstract Tensor forward(Tensor x, ForwardContext ctx);

    /** Gradient of the loss with respect to this layer's input (null when not needed), filling the parameters' gradients. */
    public abstract Tensor backward(Tensor dy, boolean needInputGradient);

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

    /** Releases parameters and buffers. */
    @Override
    public void close() {
        for (Parameter p : parameters()) {
            p.value().close();
            p.grad().close();
        }
        releaseBuffers();
    }

    /** Releases the per-batch buffers. */
    protected void releaseBuffers() {}

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

    /** (Re)allocates {@code current} unless it already has {@code shape}. */
    protected Tensor ensure(Tensor current, int[] shape) {
        if (current != null && java.util.Arrays.equals(current.shape(), shape)) {
            return current;
        }
        if (current != null) {
            current.close();
        }
        return backend.allocate(shape);
    }

    protected static void closeAll(Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null) t.close();
        }
    }
}
