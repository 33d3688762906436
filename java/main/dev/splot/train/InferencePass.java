package dev.splot.train;

import dev.splot.backend.Backend;
import dev.splot.backend.DType;
import dev.splot.backend.LossResult;
import dev.splot.backend.Tensor;
import dev.splot.data.SampleSource;
import dev.splot.nn.ForwardContext;
import dev.splot.nn.Sequential;

/**
 * A model's forward passes over a range of samples in inference mode (no dropout), batch by batch: the loss and
 * correct-prediction sums, and each sample's predicted class and the rank of its true class. Behind
 * {@link Trainer#evaluate}, the per-epoch test pass and its data-parallel form; the batch tensors' helpers are shared
 * with the training loop.
 */
final class InferencePass {
    private InferencePass() {}

    /**
     * Samples {@code [start, end)} of {@code data} in inference mode: returns {loss summed over the
     * samples, correct predictions} and, unless {@code predicted} is null, writes each sample's
     * predicted class, true class and the rank of its true class (indexed like {@code data}).
     */
    static double[] sums(Sequential model, SampleSource data, int batchSize, int start, int end, int[] predicted,
            int[] labels, int[] trueClassRank) {
        Backend backend = model.backend();
        int n = end - start, k = model.classes();
        int[] order = new int[data.count()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        double lossSum = 0;
        long correct = 0;
        float[] xHost = new float[Math.max(1, Math.min(batchSize, n)) * data.sampleSize()];
        int[] yHost = new int[Math.max(1, Math.min(batchSize, n))];
        float[] logitsHost = new float[Math.max(1, Math.min(batchSize, n)) * k];
        Tensor x = null, y = null;
        try {
            for (int from = start; from < end; from += batchSize) {
                int b = Math.min(batchSize, end - from);
                if (x == null || x.dim(0) != b) {
                    closeAll(x, y);
                    x = backend.allocate(batchShape(b, data.sampleShape()));
                    y = backend.allocate(DType.INT32, b);
                    xHost = new float[b * data.sampleSize()];
                    yHost = new int[b];
                    logitsHost = new float[b * k];
                }
                data.gather(order, from, from + b, xHost, yHost);
                backend.upload(x, xHost);
                backend.upload(y, yHost);
                Tensor logits = model.forward(x, ForwardContext.inference());
                LossResult r = backend.softmaxCrossEntropy(logits, y, null);
                if (predicted != null) {
                    backend.download(logits, logitsHost);
                    for (int i = 0; i < b; i++) {
                        predicted[from + i] = argmax(logitsHost, i * k, k);
                        labels[from + i] = yHost[i];
                        trueClassRank[from + i] = rank(logitsHost, i * k, k, yHost[i]);
                    }
                }
                lossSum += r.meanLoss() * b;
                correct += r.correct();
            }
        } finally {
            closeAll(x, y);
        }
        return new double[] {lossSum, correct};
    }

    /** The index of the largest of a[off .. off + len), the first one on ties. */
    static int argmax(float[] a, int off, int len) {
        int best = 0;
        for (int j = 1; j < len; j++) if (a[off + j] > a[off + best]) best = j;
        return best;
    }

    /**
     * How many classes rank above class {@code c}: those with a higher score, and those with an equal
     * score and a lower index (as {@link #argmax} breaks ties), so rank 0 is exactly argmax == c.
     */
    static int rank(float[] a, int off, int len, int c) {
        int above = 0;
        for (int j = 0; j < len; j++) if (a[off + j] > a[off + c] || (a[off + j] == a[off + c] && j < c)) above++;
        return above;
    }

    /** The shape of a batch of {@code batch} samples of shape {@code sample}. */
    static int[] batchShape(int batch, int[] sample) {
        int[] s = new int[sample.length + 1];
        s[0] = batch;
        System.arraycopy(sample, 0, s, 1, sample.length);
        return s;
    }

    /** Closes the tensors that are not null. */
    static void closeAll(Tensor... ts) {
        for (Tensor t : ts) if (t != null) t.close();
    }
}
