package dev.splot.testing.partial;

import dev.splot.backend.AbstractBackend;
import dev.splot.backend.DType;
import dev.splot.backend.Tensor;
import java.util.Arrays;

/**
 * A deliberately partial backend for tests of the backend SPI: memory on the Java heap and ReLU
 * forward and backward only. It stands for a backend in another jar that implements a few ops
 * first; everything else must be refused clearly, never run wrongly.
 */
public final class PartialBackend extends AbstractBackend {
    public static final String NAME = "partial";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "test-scope partial backend: memory and ReLU only";
    }

    private static float[] f(Tensor t) {
        return (float[]) t.handle();
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
        System.arraycopy(src, 0, (int[]) dst.handle(), 0, src.length);
    }

    @Override
    protected void downloadImpl(Tensor src, float[] dst) {
        System.arraycopy(f(src), 0, dst, 0, dst.length);
    }

    @Override
    protected void downloadImpl(Tensor src, int[] dst) {
        System.arraycopy((int[]) src.handle(), 0, dst, 0, dst.length);
    }

    @Override
    protected void fillImpl(Tensor t, float value) {
        Arrays.fill(f(t), value);
    }

    @Override
    protected void copyImpl(Tensor src, Tensor dst) {
        System.arraycopy(f(src), 0, f(dst), 0, src.size());
    }

    @Override
    protected void reluForwardImpl(Tensor x, Tensor y) {
        float[] a = f(x), b = f(y);
        for (int i = 0; i < a.length; i++) b[i] = a[i] > 0 || Float.isNaN(a[i]) ? a[i] : 0f;
    }

    @Override
    protected void reluBackwardImpl(Tensor dy, Tensor y, Tensor dx) {
        float[] g = f(dy), out = f(y), d = f(dx);
        for (int i = 0; i < g.length; i++) d[i] = out[i] > 0 ? g[i] : 0f;
    }

    @Override
    public void synchronize() {}

    @Override
    protected void closeImpl() {
        // the arrays are garbage collected
    }
}
