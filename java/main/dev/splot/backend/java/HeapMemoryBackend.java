package dev.splot.backend.java;

import dev.splot.backend.AbstractBackend;
import dev.splot.backend.DType;
import dev.splot.backend.Tensor;
import java.util.Arrays;

/**
 * Backend memory as Java arrays ({@code float[]} and {@code int[]} on the heap), with nothing to
 * wait for and nothing to release: the memory half of the Java reference, for it and for any
 * backend that computes in Java (a partial or experimental one, say) and provides ops by
 * overriding their {@code *Impl} methods.
 */
public abstract class HeapMemoryBackend extends AbstractBackend {

    /**
     * The array of a FLOAT32 tensor.
     *
     * @param t an open FLOAT32 tensor of a heap-memory backend
     * @return its memory itself (not a copy), {@code t.size()} values in row-major order
     */
    protected static float[] f(Tensor t) {
        return (float[]) t.handle();
    }

    /**
     * The array of an INT32 tensor.
     *
     * @param t an open INT32 tensor of a heap-memory backend
     * @return its memory itself (not a copy), {@code t.size()} values in row-major order
     */
    protected static int[] i(Tensor t) {
        return (int[]) t.handle();
    }

    @Override
    protected Object allocateMemory(DType dtype, long elements) {
        return dtype == DType.FLOAT32 ? new float[(int) elements] : new int[(int) elements];
    }

    @Override
    protected void freeMemory(Object handle) {
        // garbage collected
    }

    @Override
    protected void uploadImpl(Tensor dst, float[] src) {
        System.arraycopy(src, 0, f(dst), 0, src.length);
    }

    @Override
    protected void uploadImpl(Tensor dst, int[] src) {
        System.arraycopy(src, 0, i(dst), 0, src.length);
    }

    @Override
    protected void downloadImpl(Tensor src, float[] dst) {
        System.arraycopy(f(src), 0, dst, 0, dst.length);
    }

    @Override
    protected void downloadImpl(Tensor src, int[] dst) {
        System.arraycopy(i(src), 0, dst, 0, dst.length);
    }

    @Override
    protected void fillImpl(Tensor t, float value) {
        Arrays.fill(f(t), value);
    }

    @Override
    protected void copyImpl(Tensor src, Tensor dst) {
        System.arraycopy(f(src), 0, f(dst), 0, src.size());
    }

    /** Every operation has finished when it returns. */
    @Override
    public void synchronize() {}

    @Override
    protected void closeImpl() {
        // the arrays are garbage collected
    }
}
