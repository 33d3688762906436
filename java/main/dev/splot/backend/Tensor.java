package dev.splot.backend;

import java.util.Arrays;

/**
 * A handle to memory owned by one {@link Backend}: a {@code float[]} for the Java backend, off-heap
 * memory for the native one, a {@code cl_mem} for OpenCL. Row-major; shapes follow the PyTorch
 * conventions (activations NCHW, convolution weights OIHW, dense weights [out, in]).
 *
 * <p>A tensor made by {@link Backend#allocate} owns its memory and frees it on {@link #close()};
 * a {@link #reshape} view shares that memory and becomes unusable once its owner is closed. An
 * owning tensor that becomes unreachable without {@code close()} is freed by a cleaner thread
 * (see {@link Leaks}); closing is still the way to free memory at a known moment.
 */
public final class Tensor implements AutoCloseable {
    private final Backend backend;
    private final DType dtype;
    private final int[] shape;
    private final long size;
    private final Object handle;
    private final Tensor owner; // null when this tensor owns its memory
    private volatile boolean closed;
    private Leaks.Registration release; // null for views and for tensors of backends not built on AbstractBackend

    /**
     * For backends: wraps freshly allocated memory in an owning tensor. Applications get tensors from
     * {@link Backend#allocate} instead; backends built on {@link AbstractBackend} never call this
     * themselves either (their {@code allocate} does, and registers the tensor with the cleaner).
     *
     * @param backend the backend that owns the memory and frees it through {@link Backend#free}
     * @param dtype the element type
     * @param shape the dimensions, each {@code > 0}; copied
     * @param handle the backend's memory object, returned by {@link #handle()}
     * @throws IllegalArgumentException when a dimension is not positive
     */
    public Tensor(Backend backend, DType dtype, int[] shape, Object handle) {
        this(backend, dtype, shape, handle, null);
    }

    private Tensor(Backend backend, DType dtype, int[] shape, Object handle, Tensor owner) {
        this.backend = backend;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.size = Shapes.size(shape);
        this.handle = handle;
        this.owner = owner;
    }

    /**
     * The backend whose memory this is; operations accept the tensor only on that backend.
     *
     * @return the owning backend
     */
    public Backend backend() {
        return backend;
    }

    /**
     * The element type.
     *
     * @return FLOAT32 or INT32
     */
    public DType dtype() {
        return dtype;
    }

    /**
     * The dimensions, row-major (activations NCHW).
     *
     * @return a copy of the shape: changing it does not change the tensor
     */
    public int[] shape() {
        return shape.clone();
    }

    /**
     * The number of dimensions.
     *
     * @return the length of {@link #shape()}
     */
    public int rank() {
        return shape.length;
    }

    /**
     * One dimension, without copying the shape.
     *
     * @param i the axis, {@code 0 <= i < rank()}
     * @return the size along axis {@code i}
     * @throws ArrayIndexOutOfBoundsException when {@code i} is not an axis
     */
    public int dim(int i) {
        return shape[i];
    }

    /**
     * The number of elements: the product of the dimensions.
     *
     * @return at most {@link Shapes#MAX_TENSOR_VALUES} for a tensor from {@link Backend#allocate}
     * @throws ArithmeticException for a tensor of more than {@link Integer#MAX_VALUE} elements
     */
    public int size() {
        return Math.toIntExact(size);
    }

    /**
     * The backend-specific memory object, for backend implementations: a Java array, a JavaCPP
     * pointer, a {@code cl_mem}. A view returns its owner's.
     *
     * @return the handle given to the constructor
     * @throws IllegalStateException when this tensor (or the tensor it views) was closed
     */
    public Object handle() {
        if (isClosed()) {
            throw new IllegalStateException("tensor " + Shapes.toString(shape) + " was used after close()");
        }
        return handle;
    }

    /** Set once by the backend that allocated this tensor: frees its memory, exactly once. */
    void onRelease(Leaks.Registration release) {
        this.release = release;
    }

    /** For {@link AbstractBackend#free}: frees the memory now (the cleaner then has nothing left to do). */
    void release() {
        if (release != null) release.runExplicitly();
    }

    /**
     * Whether this tensor can no longer be used.
     *
     * @return true after {@link #close()}, and for a view once its owner was closed
     */
    public boolean isClosed() {
        return closed || (owner != null && owner.isClosed());
    }

    /**
     * A view of the same memory with another shape of the same size (e.g. Flatten): writes through
     * one are seen through the other, the data is not reordered (row-major either way). The view
     * need not be closed; it becomes unusable when its owner is closed.
     *
     * @param newShape the dimensions of the view, each {@code > 0}, with the same product as this shape
     * @return the view
     * @throws IllegalArgumentException when the sizes differ
     * @throws IllegalStateException when this tensor was closed
     */
    public Tensor reshape(int... newShape) {
        if (Shapes.size(newShape) != size) {
            throw new IllegalArgumentException(
                    "cannot reshape " + Shapes.toString(shape) + " to " + Shapes.toString(newShape) + ": sizes differ");
        }
        return new Tensor(backend, dtype, newShape, handle(), owner == null ? this : owner);
    }

    /**
     * Copies the contents to a new Java array (a device read-back, waiting for queued work).
     *
     * @return the values in row-major order, {@link #size()} of them
     * @throws IllegalArgumentException when the tensor is not FLOAT32
     */
    public float[] toFloatArray() {
        float[] out = new float[size()];
        backend.download(this, out);
        return out;
    }

    /**
     * Copies the contents of an INT32 tensor (labels, max-pool argmax) to a new Java array.
     *
     * @return the values in row-major order, {@link #size()} of them
     * @throws IllegalArgumentException when the tensor is not INT32
     */
    public int[] toIntArray() {
        int[] out = new int[size()];
        backend.download(this, out);
        return out;
    }

    /** Frees the memory of an owning tensor; closing a view or closing twice does nothing. */
    @Override
    public void close() {
        if (owner == null && !closed) {
            closed = true;
            backend.free(this);
        }
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + " " + dtype + " on " + backend.name();
    }
}
