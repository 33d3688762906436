package dev.splot.backend.opencl;

import dev.splot.backend.Backend;
import dev.splot.backend.ConvGeometry;
import dev.splot.backend.DType;
import dev.splot.backend.LossResult;
import dev.splot.backend.Padding;
import dev.splot.backend.PoolGeometry;
import dev.splot.backend.Tensor;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * Trains the seed model (conv32-conv64-pool-dropout-dense128-dropout-dense10, AdaDelta lr 1.0 rho 0.95 eps 1e-7,
 * Glorot-uniform weights, zero biases, batch 128) on MNIST with the OpenCL backend for a number of epochs, built from
 * backend operations only, and prints seconds per epoch and test accuracy. A check of the backend end to end, not the
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
            Model m = new Model(be, 20261128L);
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
                    LossResult lr = m.trainStep(x, y, step++);
                    lossSum += lr.meanLoss();
                    correct += lr.correct();
                    batches++;
                }
                be.synchronize();
                double secs = (System.nanoTime() - t0) / 1e9;
                long e0 = System.nanoTime();
                int testCorrect = m.evaluate(testX, testY);
                double evalSecs = (System.nanoTime() - e0) / 1e9;
                System.out.printf(Locale.ROOT, "epoch %d: %.1f s training (%.0f samples/s), loss %.4f, train acc %.4f, "
                                + "test acc %.4f (%.1f s)%n", epoch, secs, n / secs, lossSum / batches, correct / (double) n,
                        testCorrect / (double) testY.length, evalSecs);
            }
            m.close();
        }
    }

    /** The seed model's parameters and per-batch-size activations on one backend. */
    static final class Model implements AutoCloseable {
        final Backend be;
        final int[][] shapes = {{32, 1, 3, 3}, {32}, {64, 32, 3, 3}, {64}, {128, 9216}, {128}, {10, 128}, {10}};
        final Tensor[] p = new Tensor[8], g = new Tensor[8], ag = new Tensor[8], ad = new Tensor[8];
        final Map<Integer, Acts> acts = new HashMap<>();

        Model(Backend be, long seed) {
            this.be = be;
            SplittableRandom r = new SplittableRandom(seed);
            for (int i = 0; i < 8; i++) {
                p[i] = be.allocate(shapes[i]);
                g[i] = be.allocate(shapes[i]);
                ag[i] = be.allocate(shapes[i]);
                ad[i] = be.allocate(shapes[i]);
                if (shapes[i].length > 1) { // Glorot uniform; biases stay zero
                    int[] s = shapes[i];
                    int receptive = s.length == 4 ? s[2] * s[3] : 1;
                    double limit = Math.sqrt(6.0 / (s[1] * receptive + s[0] * receptive));
                    float[] w = new float[p[i].size()];
                    for (int k = 0; k < w.length; k++) w[k] = (float) ((r.nextDouble() * 2 - 1) * limit);
                    be.upload(p[i], w);
                }
            }
        }

        final class Acts {
            final int n;
            final ConvGeometry g1, g2;
            final PoolGeometry pg;
            final List<Tensor> all = new ArrayList<>();
            final Tensor x, labels, a1, a2, pool, arg, d1, m1, h, d2, m2, logits, dl, dh, dflat, da2, da1;

            Acts(int n) {
                this.n = n;
                g1 = ConvGeometry.of(n, 1, 28, 28, 32, 3, 3, 1, Padding.VALID);
                g2 = ConvGeometry.of(n, 32, 26, 26, 64, 3, 3, 1, Padding.VALID);
                pg = PoolGeometry.of(n, 64, 24, 24, 2, 2);
                x = t(g1.inputShape());
                labels = keep(be.allocate(DType.INT32, n));
                a1 = t(g1.outputShape());
                a2 = t(g2.outputShape());
                pool = t(pg.outputShape());
                arg = keep(be.allocate(DType.INT32, pg.outputShape()));
                d1 = t(n, 9216);
                m1 = t(n, 9216);
                h = t(n, 128);
                d2 = t(n, 128);
                m2 = t(n, 128);
                logits = t(n, 10);
                dl = t(n, 10);
                dh = t(n, 128);
                dflat = t(n, 9216);
                da2 = t(g2.outputShape());
                da1 = t(g1.outputShape());
            }

            private Tensor t(int... shape) {
                return keep(be.allocate(shape));
            }

            private Tensor keep(Tensor t) {
                all.add(t);
                return t;
            }
        }

        LossResult trainStep(float[] xs, int[] ys, long step) {
            Acts a = acts.computeIfAbsent(ys.length, Acts::new);
            int n = a.n;
            be.upload(a.x, xs);
            be.upload(a.labels, ys);
            be.conv2dForward(a.x, p[0], p[1], a.a1, a.g1);
            be.reluForward(a.a1, a.a1);
            be.conv2dForward(a.a1, p[2], p[3], a.a2, a.g2);
            be.reluForward(a.a2, a.a2);
            be.maxPoolForward(a.a2, a.pool, a.arg, a.pg);
            be.dropoutForward(a.pool.reshape(n, 9216), a.d1, a.m1, 0.25f, 42, step, 3);
            be.denseForward(a.d1, p[4], p[5], a.h);
            be.reluForward(a.h, a.h);
            be.dropoutForward(a.h, a.d2, a.m2, 0.5f, 42, step, 6);
            be.denseForward(a.d2, p[6], p[7], a.logits);
            LossResult loss = be.softmaxCrossEntropy(a.logits, a.labels, a.dl);
            be.denseBackward(a.dl, a.d2, p[6], a.dh, g[6], g[7]);
            be.dropoutBackward(a.dh, a.m2, a.dh);
            be.reluBackward(a.dh, a.h, a.dh);
            be.denseBackward(a.dh, a.d1, p[4], a.dflat, g[4], g[5]);
            be.dropoutBackward(a.dflat, a.m1, a.dflat);
            be.maxPoolBackward(a.dflat.reshape(a.pg.outputShape()), a.arg, a.da2, a.pg);
            be.reluBackward(a.da2, a.a2, a.da2);
            be.conv2dBackwardWeights(a.a1, a.da2, g[2], g[3], a.g2);
            be.conv2dBackwardData(a.da2, p[2], a.da1, a.g2);
            be.reluBackward(a.da1, a.a1, a.da1);
            be.conv2dBackwardWeights(a.x, a.da1, g[0], g[1], a.g1);
            for (int i = 0; i < 8; i++) be.adadeltaUpdate(p[i], g[i], ag[i], ad[i], 1.0f, 0.95f, 1e-7f);
            return loss;
        }

        /** Test-set correct count, forward only (dropout is the identity at inference). */
        int evaluate(float[] xs, int[] ys) {
            int correct = 0;
            for (int start = 0; start < ys.length; start += BATCH) {
                int b = Math.min(BATCH, ys.length - start);
                Acts a = acts.computeIfAbsent(b, Acts::new);
                float[] x = new float[b * 784];
                System.arraycopy(xs, start * 784, x, 0, b * 784);
                int[] y = new int[b];
                System.arraycopy(ys, start, y, 0, b);
                be.upload(a.x, x);
                be.upload(a.labels, y);
                be.conv2dForward(a.x, p[0], p[1], a.a1, a.g1);
                be.reluForward(a.a1, a.a1);
                be.conv2dForward(a.a1, p[2], p[3], a.a2, a.g2);
                be.reluForward(a.a2, a.a2);
                be.maxPoolForward(a.a2, a.pool, a.arg, a.pg);
                be.denseForward(a.pool.reshape(b, 9216), p[4], p[5], a.h);
                be.reluForward(a.h, a.h);
                be.denseForward(a.h, p[6], p[7], a.logits);
                correct += be.softmaxCrossEntropy(a.logits, a.labels, null).correct();
            }
            return correct;
        }

        @Override
        public void close() {
            for (Acts a : acts.values()) for (Tensor t : a.all) t.close();
            for (Tensor[] group : new Tensor[][] {p, g, ag, ad}) for (Tensor t : group) t.close();
        }
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
