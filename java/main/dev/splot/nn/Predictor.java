package dev.splot.nn;

import dev.splot.backend.Backend;
import dev.splot.backend.Shapes;
import dev.splot.backend.Tensor;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Inference on a {@link Sequential} with buffers of its own: the model's weights are shared, the
 * activations are not, so predictors on several threads never mix their numbers (as DJL's
 * Predictor). One predictor serves one thread at a time; a second thread entering while the first
 * is inside gets an {@link IllegalStateException}. Made by {@link Sequential#newPredictor}; close it
 * to free its buffers.
 */
public final class Predictor implements AutoCloseable {
    private final Sequential model;
    private final Workspace workspace = new Workspace();
    private final AtomicReference<Thread> user = new AtomicReference<>();

    Predictor(Sequential model) {
        this.model = model;
    }

    /** @return the model whose weights this predictor uses */
    public Sequential model() {
        return model;
    }

    /**
     * Class probabilities of {@code n} samples laid out one after another (n x classes, row-major), in batches of up to 128.
     *
     * @param images at least {@code n * product(inputShape)} values, sample after sample
     * @param n the number of samples
     * @return {@code n * classes} probabilities, row-major
     * @throws IllegalArgumentException if {@code images} holds fewer than {@code n} samples
     * @throws IllegalStateException if another thread is inside this predictor
     */
    public float[] predict(float[] images, int n) {
        return predict(images, n, 128);
    }

    /**
     * As {@link #predict(float[], int)}, in batches of up to {@code batchSize}.
     *
     * @param images at least {@code n * product(inputShape)} values, sample after sample
     * @param n the number of samples
     * @param batchSize samples per forward pass, {@code > 0}
     * @return {@code n * classes} probabilities, row-major
     * @throws IllegalArgumentException if {@code batchSize <= 0} or {@code images} is too short
     * @throws IllegalStateException if another thread is inside this predictor
     */
    public float[] predict(float[] images, int n, int batchSize) {
        if (batchSize <= 0) throw new IllegalArgumentException("predict: batch size must be positive, got " + batchSize);
        int[] inputShape = model.inputShape();
        int k = model.classes();
        int size = Math.toIntExact(Shapes.size(inputShape));
        if (n < 0 || (long) n * size > images.length) {
            throw new IllegalArgumentException("predict: " + n + " samples of " + size + " values need "
                    + (long) n * size + " values, got " + images.length);
        }
        Thread me = Thread.currentThread();
        Thread other = user.compareAndExchange(null, me);
        if (other != null) {
            throw new IllegalStateException("a Predictor used from two threads at once: thread '" + me.getName()
                    + "' entered while thread '" + other.getName() + "' is inside (make one predictor per thread)");
        }
        try {
            Backend backend = model.backend();
            float[] out = new float[Math.multiplyExact(n, k)];
            for (int from = 0; from < n; from += batchSize) {
                int b = Math.min(batchSize, n - from);
                int[] shape = new int[inputShape.length + 1];
                shape[0] = b;
                System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
                try (Tensor x = backend.allocate(shape); Tensor probs = backend.allocate(b, k)) {
                    backend.upload(x, Arrays.copyOfRange(images, from * size, (from + b) * size));
                    backend.softmax(model.forward(x, ForwardContext.inference(), workspace), probs);
                    float[] p = probs.toFloatArray();
                    System.arraycopy(p, 0, out, from * k, p.length);
                }
            }
            return out;
        } finally {
            user.set(null);
        }
    }

    /** Frees this predictor's buffers (not the model's weights). */
    @Override
    public void close() {
        workspace.close();
    }
}
