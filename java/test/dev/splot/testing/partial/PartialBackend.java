package dev.splot.testing.partial;

import dev.splot.backend.Tensor;
import dev.splot.backend.java.HeapMemoryBackend;

/**
 * A deliberately partial backend for tests of the backend SPI: memory on the Java heap
 * ({@link HeapMemoryBackend}) and ReLU forward and backward only. It stands for a backend in
 * another jar that implements a few ops first; everything else must be refused clearly, never run
 * wrongly.
 */
public final class PartialBackend extends HeapMemoryBackend {
    public static final String NAME = "partial";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "test-scope partial backend: memory and ReLU only";
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
}
