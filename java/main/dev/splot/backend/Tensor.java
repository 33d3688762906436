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

    /** For backends: wraps freshly allocated memory. */
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

    public Backend backend() {
        return backend;
    }

    public DType dtype() {
        return dtype;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        return shape[i];
    }

    /** Number of elements. */
    public int size() {
        return Math.toIntExact(size);
    }

    /** The backend-specific memory object; throws if this tensor (or its owner) was closed. */
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

    public boolean isClosed() {
        return closed || (owner != null && owner.isClosed());
    }

    /** A view of the same memory with another shape of the same size (e.g. Flatten). */
    public Tensor reshape(int... newShape) {
        if (Shapes.size(newShape) != size) {
            throw new IllegalArgumentException(
                    "cannot reshape " + Shapes.toString(shape) + " to " + Shapes.toString(newShape) + ": sizes differ");
        }
        return new Tensor(backend, dtype, newShape, handle(), owner == null ? this : owner);
    }

    /** Copies the contents to a new Java array (a device read-back). */
    public float[] toFloatArray() {
        float[] out = new float[size()];
        backend.download(this, out);
        return out;
    }

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
