package dev.splot.backend;

import java.lang.reflect.Method;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Checks every argument of every operation once, for all backends, then calls the backend's
 * implementation. A shape mismatch therefore gives the same message whatever the backend, and
 * implementations may assume consistent shapes.
 *
 * <p>An implementation must provide memory (the abstract methods) and may provide any subset of the
 * operations by overriding their {@code *Impl} methods: the ops it overrides are its
 * {@link #supportedOps()}, so what a backend claims and what it implements cannot disagree. An op
 * it does not override fails with a message naming the op and the backend; models refuse such a
 * backend when they are built.
 *
 * <p>Every operation and every allocation or free runs under the backend's lock, so one backend
 * may be shared by several threads (each with its own buffers: see {@code Predictor}); the
 * implementations never see two calls at once.
 */
public abstract class AbstractBackend implements Backend {
    private final TensorLedger ledger = new TensorLedger(this);
    private volatile boolean closed;
    private final Set<Op> supported = Collections.unmodifiableSet(overriddenOps(getClass()));

    @Override
    public final Set<Op> supportedOps() {
        return supported;
    }

    /** The ops whose {@code *Impl} method {@code type} (or a superclass below this one) overrides. */
    private static EnumSet<Op> overriddenOps(Class<?> type) {
        EnumSet<Op> ops = EnumSet.noneOf(Op.class);
        for (Class<?> c = type; c != AbstractBackend.class; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                for (Op op : Op.values()) {
                    if (m.getName().equals(op.methodName() + "Impl") && !m.isSynthetic()) ops.add(op);
                }
            }
        }
        return ops;
    }

    /** What an op that this backend does not override throws. */
    protected final UnsupportedOperationException unsupported(Op op) {
        return new UnsupportedOperationException("the " + name() + " backend does not provide the operation " + op.methodName()
                + " (it provides " + supported + ")");
    }

    // ---- what an implementation provides: memory (all required), then the operations (any subset) ----

    protected abstract Object allocateMemory(DType dtype, long elements);

    protected abstract void freeMemory(Object handle);

    protected abstract void uploadImpl(Tensor dst, float[] src);

    protected abstract void uploadImpl(Tensor dst, int[] src);

    protected abstract void downloadImpl(Tensor src, float[] dst);

    protected abstract void downloadImpl(Tensor src, int[] dst);

    protected abstract void fillImpl(Tensor t, float value);

    protected abstract void copyImpl(Tensor src, Tensor dst);

    protected void conv2dForwardImpl(Tensor x, Tensor w, Tensor b, Tensor y, ConvGeometry g) {
        throw unsupported(Op.CONV2D_FORWARD);
    }

    protected void conv2dBackwardDataImpl(Tensor dy, Tensor w, Tensor dx, ConvGeometry g) {
        throw unsupported(Op.CONV2D_BACKWARD_DATA);
    }

    protected void conv2dBackwardWeightsImpl(Tensor x, Tensor dy, Tensor dw, Tensor db, ConvGeometry g) {
        throw unsupported(Op.CONV2D_BACKWARD_WEIGHTS);
    }

    protected void maxPoolForwardImpl(Tensor x, Tensor y, Tensor argmax, PoolGeometry g) {
        throw unsupported(Op.MAX_POOL_FORWARD);
    }

    protected void maxPoolBackwardImpl(Tensor dy, Tensor argmax, Tensor dx, PoolGeometry g) {
        throw unsupported(Op.MAX_POOL_BACKWARD);
    }

    protected void reluForwardImpl(Tensor x, Tensor y) {
        throw unsupported(Op.RELU_FORWARD);
    }

    protected void reluBackwardImpl(Tensor dy, Tensor y, Tensor dx) {
        throw unsupported(Op.RELU_BACKWARD);
    }

    protected void dropoutForwardImpl(Tensor x, Tensor y, Tensor mask, float rate, long seed, long step, int layer, long firstIndex) {
        throw unsupported(Op.DROPOUT_FORWARD);
    }

    protected void dropoutBackwardImpl(Tensor dy, Tensor mask, Tensor dx) {
        throw unsupported(Op.DROPOUT_BACKWARD);
    }

    protected void denseForwardImpl(Tensor x, Tensor w, Tensor b, Tensor y, int n, int in, int out) {
        throw unsupported(Op.DENSE_FORWARD);
    }

    protected void denseBackwardImpl(Tensor dy, Tensor x, Tensor w, Tensor dx, Tensor dw, Tensor db, int n, int in, int out) {
        throw unsupported(Op.DENSE_BACKWARD);
    }

    protected LossResult softmaxCrossEntropyImpl(Tensor logits, Tensor labels, Tensor dlogits, int n, int k) {
        throw unsupported(Op.SOFTMAX_CROSS_ENTROPY);
    }

    protected void softmaxImpl(Tensor logits, Tensor probs, int n, int k) {
        throw unsupported(Op.SOFTMAX);
    }

    protected void adadeltaUpdateImpl(Tensor param, Tensor grad, Tensor accGrad, Tensor accDelta, float lr, float rho, float eps) {
        throw unsupported(Op.ADADELTA_UPDATE);
    }

    // ---- memory -------------------------------------------------------------------------------

    @Override
    public final synchronized Tensor allocate(DType dtype, int... shape) {
        requireOpen("allocate");
        long elements = Shapes.size(shape);
        if (elements > Shapes.MAX_TENSOR_VALUES) {
            throw new IllegalArgumentException(name() + ": tensor " + Shapes.toString(shape) + " would hold " + elements
                    + " values, more than the limit of " + Shapes.MAX_TENSOR_VALUES + " per tensor (1 GiB of float32)");
        }
        Object handle = allocateMemory(dtype, elements);
        return ledger.track(new Tensor(this, dtype, shape, handle), handle, elements * 4); // FLOAT32 and INT32 alike
    }

    @Override
    public final synchronized void free(Tensor t) {
        own("free", t);
        t.release();
    }

    /** Releases what the backend holds; called once, by {@link #close}, under the backend's lock. */
    protected abstract void closeImpl();

    /**
     * Frees everything this backend still holds. Later operations on it fail with a message saying
     * it was closed; closing its tensors afterwards is harmless.
     */
    @Override
    public final synchronized void close() {
        if (closed) return;
        closed = true;
        closeImpl();
    }

    public final boolean isClosed() {
        return closed;
    }

    private void requireOpen(String op) {
        if (closed) {
            throw new IllegalStateException("the " + name() + " backend was closed, so " + op + " cannot run: open a new backend "
                    + "and build or load the model on it");
        }
    }

    @Override
    public final long liveTensors() {
        return ledger.tensors();
    }

    @Override
    public final long liveBytes() {
        return ledger.bytes();
    }

    @Override
    public final synchronized void upload(Tensor dst, float[] src) {
        requireOpen("upload");
        requireTransfer("upload", dst, DType.FLOAT32, src.length);
        uploadImpl(dst, src);
    }

    @Override
    public final synchronized void upload(Tensor dst, int[] src) {
        requireOpen("upload");
        requireTransfer("upload", dst, DType.INT32, src.length);
        uploadImpl(dst, src);
    }

    @Override
    public final synchronized void download(Tensor src, float[] dst) {
        requireOpen("download");
        requireTransfer("download", src, DType.FLOAT32, dst.length);
        downloadImpl(src, dst);
    }

    @Override
    public final synchronized void download(Tensor src, int[] dst) {
        requireOpen("download");
        requireTransfer("download", src, DType.INT32, dst.length);
        downloadImpl(src, dst);
    }

    @Override
    public final synchronized void fill(Tensor t, float value) {
        requireOpen("fill");
        floats("fill", t);
        fillImpl(t, value);
    }

    @Override
    public final synchronized void copy(Tensor src, Tensor dst) {
        requireOpen("copy");
        floats("copy", src, dst);
        Shapes.requireSameSize("copy", src, dst);
        copyImpl(src, dst);
    }

    // ---- operations ---------------------------------------------------------------------------

    @Override
    public final synchronized void conv2dForward(Tensor x, Tensor w, Tensor b, Tensor y, ConvGeometry g) {
        requireOpen("conv2dForward");
        String op = "conv2dForward";
        floats(op, x, w, b, y);
        Shapes.require(op, "x", x, g.inputShape());
        Shapes.require(op, "w", w, g.weightShape());
        Shapes.require(op, "b", b, g.o());
        Shapes.require(op, "y", y, g.outputShape());
        conv2dForwardImpl(x, w, b, y, g);
    }

    @Override
    public final synchronized void conv2dBackwardData(Tensor dy, Tensor w, Tensor dx, ConvGeometry g) {
        requireOpen("conv2dBackwardData");
        String op = "conv2dBackwardData";
        floats(op, dy, w, dx);
        Shapes.require(op, "dy", dy, g.outputShape());
        Shapes.require(op, "w", w, g.weightShape());
        Shapes.require(op, "dx", dx, g.inputShape());
        conv2dBackwardDataImpl(dy, w, dx, g);
    }

    @Override
    public final synchronized void conv2dBackwardWeights(Tensor x, Tensor dy, Tensor dw, Tensor db, ConvGeometry g) {
        requireOpen("conv2dBackwardWeights");
        String op = "conv2dBackwardWeights";
        floats(op, x, dy, dw, db);
        Shapes.require(op, "x", x, g.inputShape());
        Shapes.require(op, "dy", dy, g.outputShape());
        Shapes.require(op, "dw", dw, g.weightShape());
        Shapes.require(op, "db", db, g.o());
        conv2dBackwardWeightsImpl(x, dy, dw, db, g);
    }

    @Override
    public final synchronized void maxPoolForward(Tensor x, Tensor y, Tensor argmax, PoolGeometry g) {
        requireOpen("maxPoolForward");
        String op = "maxPoolForward";
        floats(op, x, y);
        ints(op, argmax);
        Shapes.require(op, "x", x, g.inputShape());
        Shapes.require(op, "y", y, g.outputShape());
        Shapes.require(op, "argmax", argmax, g.outputShape());
        maxPoolForwardImpl(x, y, argmax, g);
    }

    @Override
    public final synchronized void maxPoolBackward(Tensor dy, Tensor argmax, Tensor dx, PoolGeometry g) {
        requireOpen("maxPoolBackward");
        String op = "maxPoolBackward";
        floats(op, dy, dx);
        ints(op, argmax);
        Shapes.require(op, "dy", dy, g.outputShape());
        Shapes.require(op, "argmax", argmax, g.outputShape());
        Shapes.require(op, "dx", dx, g.inputShape());
        maxPoolBackwardImpl(dy, argmax, dx, g);
    }

    @Override
    public final synchronized void reluForward(Tensor x, Tensor y) {
        requireOpen("reluForward");
        floats("reluForward", x, y);
        Shapes.requireSameSize("reluForward", x, y);
        reluForwardImpl(x, y);
    }

    @Override
    public final synchronized void reluBackward(Tensor dy, Tensor y, Tensor dx) {
        requireOpen("reluBackward");
        floats("reluBackward", dy, y, dx);
        Shapes.requireSameSize("reluBackward", dy, y);
        Shapes.requireSameSize("reluBackward", dy, dx);
        reluBackwardImpl(dy, y, dx);
    }

    @Override
    public final void dropoutForward(Tensor x, Tensor y, Tensor mask, float rate, long seed, long step, int layer) {
        dropoutForward(x, y, mask, rate, seed, step, layer, 0);
    }

    @Override
    public final synchronized void dropoutForward(Tensor x, Tensor y, Tensor mask, float rate, long seed, long step, int layer,
            long firstIndex) {
        requireOpen("dropoutForward");
        floats("dropoutForward", x, y, mask);
        Shapes.requireSameSize("dropoutForward", x, y);
        Shapes.requireSameSize("dropoutForward", x, mask);
        if (!(rate >= 0f && rate < 1f)) {
            throw new IllegalArgumentException("dropoutForward: rate must be in [0, 1), got " + rate);
        }
        if (firstIndex < 0) {
            throw new IllegalArgumentException("dropoutForward: the first element's stream index must be >= 0, got " + firstIndex);
        }
        dropoutForwardImpl(x, y, mask, rate, seed, step, layer, firstIndex);
    }

    @Override
    public final synchronized void dropoutBackward(Tensor dy, Tensor mask, Tensor dx) {
        requireOpen("dropoutBackward");
        floats("dropoutBackward", dy, mask, dx);
        Shapes.requireSameSize("dropoutBackward", dy, mask);
        Shapes.requireSameSize("dropoutBackward", dy, dx);
        dropoutBackwardImpl(dy, mask, dx);
    }

    @Override
    public final synchronized void denseForward(Tensor x, Tensor w, Tensor b, Tensor y) {
        requireOpen("denseForward");
        String op = "denseForward";
        floats(op, x, w, b, y);
        requireRank(op, "x", x, 2);
        requireRank(op, "w", w, 2);
        int n = x.dim(0), in = x.dim(1), out = w.dim(0);
        Shapes.require(op, "w", w, out, in);
        Shapes.require(op, "b", b, out);
        Shapes.require(op, "y", y, n, out);
        denseForwardImpl(x, w, b, y, n, in, out);
    }

    @Override
    public final synchronized void denseBackward(Tensor dy, Tensor x, Tensor w, Tensor dx, Tensor dw, Tensor db) {
        requireOpen("denseBackward");
        String op = "denseBackward";
        floats(op, dy, x, w, dw, db);
        requireRank(op, "x", x, 2);
        requireRank(op, "w", w, 2);
        int n = x.dim(0), in = x.dim(1), out = w.dim(0);
        Shapes.require(op, "w", w, out, in);
        Shapes.require(op, "dy", dy, n, out);
        Shapes.require(op, "dw", dw, out, in);
        Shapes.require(op, "db", db, out);
        if (dx != null) {
            floats(op, dx);
            Shapes.require(op, "dx", dx, n, in);
        }
        denseBackwardImpl(dy, x, w, dx, dw, db, n, in, out);
    }

    @Override
    public final synchronized LossResult softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor dlogits) {
        requireOpen("softmaxCrossEntropy");
        String op = "softmaxCrossEntropy";
        floats(op, logits);
        ints(op, labels);
        requireRank(op, "logits", logits, 2);
        int n = logits.dim(0), k = logits.dim(1);
        Shapes.require(op, "labels", labels, n);
        if (dlogits != null) {
            floats(op, dlogits);
            Shapes.require(op, "dlogits", dlogits, n, k);
        }
        return softmaxCrossEntropyImpl(logits, labels, dlogits, n, k);
    }

    @Override
    public final synchronized void softmax(Tensor logits, Tensor probs) {
        requireOpen("softmax");
        floats("softmax", logits, probs);
        requireRank("softmax", "logits", logits, 2);
        Shapes.require("softmax", "probs", probs, logits.shape());
        softmaxImpl(logits, probs, logits.dim(0), logits.dim(1));
    }

    @Override
    public final synchronized void adadeltaUpdate(Tensor param, Tensor grad, Tensor accGrad, Tensor accDelta, float lr, float rho, float eps) {
        requireOpen("adadeltaUpdate");
        String op = "adadeltaUpdate";
        floats(op, param, grad, accGrad, accDelta);
        Shapes.requireSameSize(op, param, grad);
        Shapes.requireSameSize(op, param, accGrad);
        Shapes.requireSameSize(op, param, accDelta);
        adadeltaUpdateImpl(param, grad, accGrad, accDelta, lr, rho, eps);
    }

    // ---- checks -------------------------------------------------------------------------------

    private void own(String op, Tensor t) {
        if (t.backend() != this) {
            throw new IllegalArgumentException(op + ": " + t + " belongs to another backend than " + name());
        }
    }

    private void floats(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t == null) {
                throw new NullPointerException(op + ": a required tensor is null");
            }
            own(op, t);
            if (t.dtype() != DType.FLOAT32) {
                throw new IllegalArgumentException(op + ": " + t + " must be FLOAT32");
            }
            t.handle(); // fails on a closed tensor
        }
    }

    private void ints(String op, Tensor t) {
        if (t == null) {
            throw new NullPointerException(op + ": a required tensor is null");
        }
        own(op, t);
        if (t.dtype() != DType.INT32) {
            throw new IllegalArgumentException(op + ": " + t + " must be INT32");
        }
        t.handle();
    }

    private void requireTransfer(String op, Tensor t, DType dtype, int length) {
        own(op, t);
        if (t.dtype() != dtype) {
            throw new IllegalArgumentException(op + ": " + t + " is " + t.dtype() + ", the array is " + dtype);
        }
        if (t.size() != length) {
            throw new IllegalArgumentException(op + ": " + t + " has " + t.size() + " elements, the array " + length);
        }
        t.handle();
    }

    private static void requireRank(String op, String arg, Tensor t, int rank) {
        if (t.rank() != rank) {
            throw new IllegalArgumentException(op + ": " + arg + " has shape " + Shapes.toString(t.shape())
                    + ", expected rank " + rank);
        }
    }
}
