package dev.splot.backend.opencl;

import dev.splot.backend.LossResult;
import dev.splot.testing.SeedModelStep;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * Trains the seed model ({@link SeedModelStep}: conv32-conv64-pool-dropout-dense128-dropout-dense10, AdaDelta lr 1.0
 * rho 0.95 eps 1e-7, Glorot-uniform weights, batch 128) on MNIST with the OpenCL backend for a number of epochs, built
 * from backend operations only, and prints seconds per epoch and test accuracy. A check of the backend end to end, not the
 * project's trainer. Args: data directory (the four IDX files), epochs (default 1), device selector (optional).
 * Run: {@code mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.splot.backend.opencl.OpenClMnistEpoch -Dexec.args="/path/to/mnist 1"}
 */
public final class OpenClMnistEpoch {
    static final int BATCH = 128;

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "data/mnist");
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        float[] trainX = images(dir, "train-images-idx3-ubyte"), testX = images(dir, "t10k-images-idx3-ubyte");
        int[] trainY = labels(dir, "train-labels-idx1-ubyte"), testY = labels(dir, "t10k-labels-idx1-ubyte");
        try (OpenClBackend be = OpenClBackend.create(args.length > 2 ? args[2] : null)) {
            System.out.println("device: " + be.description());
            SeedModelStep m = new SeedModelStep(be, SeedModelStep.Shape.SEED_MODEL, 20261128L);
            SplittableRandom shuffle = new SplittableRandom(7);
            int n = trainY.length;
            long step = 0;
            for (int epoch = 1; epoch <= epochs; epoch++) {
                int[] order = new int[n];
                for (int i = 0; i < n; i++) order[i] = i;
                for (int i = n - 1; i > 0; i--) {
                    int j = shuffle.nextInt(i + 1), t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                long t0 = System.nanoTime();
                double lossSum = 0;
                int correct = 0, batches = 0;
                for (int start = 0; start < n; start += BATCH) {
                    int b = Math.min(BATCH, n - start);
                    float[] x = new float[b * 784];
                    int[] y = new int[b];
                    for (int r = 0; r < b; r++) {
                        System.arraycopy(trainX, order[start + r] * 784, x, r * 784, 784);
                        y[r] = trainY[order[start + r]];
                    }
                    LossResult lr = m.step(new SeedModelStep.Batch(x, y), 42, step++);
                    lossSum += lr.meanLoss();
                    correct += lr.correct();
                    batches++;
                }
                be.synchronize();
                double secs = (System.nanoTime() - t0) / 1e9;
                long e0 = System.nanoTime();
                int testCorrect = evaluate(m, testX, testY);
                double evalSecs = (System.nanoTime() - e0) / 1e9;
                System.out.printf(Locale.ROOT, "epoch %d: %.1f s training (%.0f samples/s), loss %.4f, train acc %.4f, "
                                + "test acc %.4f (%.1f s)%n", epoch, secs, n / secs, lossSum / batches, correct / (double) n,
                        testCorrect / (double) testY.length, evalSecs);
            }
            m.close();
        }
    }

    /** Test-set correct count, forward only (dropout is the identity at inference). */
    private static int evaluate(SeedModelStep model, float[] xs, int[] ys) {
        int correct = 0;
        for (int start = 0; start < ys.length; start += BATCH) {
            int b = Math.min(BATCH, ys.length - start);
            float[] x = new float[b * 784];
            System.arraycopy(xs, start * 784, x, 0, b * 784);
            int[] y = new int[b];
            System.arraycopy(ys, start, y, 0, b);
            correct += model.evaluate(new SeedModelStep.Batch(x, y)).correct();
        }
        return correct;
    }

    private static InputStream open(Path dir, String name) throws IOException {
        Path plain = dir.resolve(name), gz = dir.resolve(name + ".gz");
        if (Files.exists(plain)) return Files.newInputStream(plain);
        if (Files.exists(gz)) return new GZIPInputStream(Files.newInputStream(gz));
        throw new IOException("missing " + plain + " (or .gz)");
    }

    static float[] images(Path dir, String name) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(open(dir, name)))) {
            if (in.readInt() != 2051) throw new IOException(name + ": bad magic");
            int n = in.readInt(), rows = in.readInt(), cols = in.readInt();
            byte[] raw = new byte[n * rows * cols];
            in.readFully(raw);
            float[] out = new float[raw.length];
            for (int i = 0; i < raw.length; i++) out[i] = (raw[i] & 0xFF) / 255f;
            return out;
        }
    }

    static int[] labels(Path dir, String name) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(open(dir, name)))) {
            if (in.readInt() != 2049) throw new IOException(name + ": bad magic");
            int n = in.readInt();
            int[] out = new int[n];
            for (int i = 0; i < n; i++) out[i] = in.readUnsignedByte();
            return out;
        }
    }
}
