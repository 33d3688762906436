package dev.splot.bench;

import dev.splot.backend.Backend;
import dev.splot.backend.Backends;
import dev.splot.data.Dataset;
import dev.splot.data.MnistData;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.train.EpochStats;
import dev.splot.train.Trainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A short real training run per backend through {@link Trainer#fit}: the seed model, batch 128,
 * AdaDelta, on a small slice of MNIST (or synthetic digits when the files are not in the data
 * folder; this never downloads). The slice is trained as repeated short epochs until a time
 * budget is spent, after one warm-up step that is not counted (JIT, kernel compilation).
 */
public final class EndToEnd {
    public static final int EPOCH_IMAGES = 60_000;
    static final int BATCH = SeedModel.BATCH;

    /**
     * What one run measured: {@code seconds} is Trainer's own epoch time, summed; {@code openSeconds}
     * the backend's start (Backends.open, e.g. kernel compilation) and {@code firstStepSeconds} the
     * uncounted warm-up step (NaN when there was none), reported apart from the steady state.
     */
    public record Result(String backend, String data, int images, int steps, double seconds, double openSeconds,
                         double firstStepSeconds) {
        public double samplesPerSecond() {
            return images / seconds;
        }

        public double secondsPerEpoch() {
            return EPOCH_IMAGES / samplesPerSecond();
        }
    }

    private EndToEnd() {}

    /**
     * The first {@code images} training images of MNIST from {@code dataDir/mnist} when all four
     * files are there, else deterministic synthetic 28x28 images (noise plus a bright bar per class).
     */
    public static Dataset data(Path dataDir, int images, PrintStream log) {
        Path dir = dataDir.resolve("mnist");
        boolean present = true;
        for (String f : MnistData.FILES) {
            present &= Files.isRegularFile(dir.resolve(f)) || Files.isRegularFile(dir.resolve(f + ".gz"));
        }
        if (present) {
            try {
                return MnistData.load("mnist", dataDir).train().limit(images);
            } catch (IOException | RuntimeException e) {
                log.println("end-to-end: cannot read MNIST from " + dir + " (" + e.getMessage() + "); using synthetic images");
            }
        }
        return synthetic(images, "synthetic 28x28 (no MNIST files in " + dir + ")");
    }

    static Dataset synthetic(int n, String name) {
        SplittableRandom r = new SplittableRandom(7);
        float[] x = new float[n * 784];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 10;
            for (int p = 0; p < 784; p++) x[i * 784 + p] = 0.2f * (float) r.nextDouble();
            for (int col = 4; col < 24; col++) x[i * 784 + (4 + 2 * y[i]) * 28 + col] = 1f;
        }
        return new Dataset(name, x, y, n, new int[] {1, 28, 28}, 10);
    }

    /**
     * Trains on {@code slice} (a whole number of batches) epoch after epoch until {@code budgetSeconds}
     * of training time are spent (at least one epoch). Throws when the backend does not start.
     */
    public static Result run(String backendName, String device, Dataset slice, double budgetSeconds, boolean warmUp,
                             PrintStream log) {
        long t0 = System.nanoTime();
        try (Backend be = Backends.open(backendName, device, log::println);
             Sequential model = SeedModel.build(be, 1);
             AdaDelta optimizer = new AdaDelta()) {
            double open = (System.nanoTime() - t0) / 1e9;
            Trainer trainer = new Trainer(model, optimizer, BATCH, 1);
            int epochs = 0;
            double first = Double.NaN;
            if (warmUp) {
                first = trainer.fit(slice.limit(BATCH), null, ++epochs, null).get(0).seconds();
            }
            double seconds = 0;
            int images = 0, steps = 0;
            do {
                EpochStats s = trainer.fit(slice, null, ++epochs, null).get(0);
                seconds += s.seconds();
                images += slice.count();
                steps += (slice.count() + BATCH - 1) / BATCH;
            } while (seconds < budgetSeconds);
            return new Result(be.name(), slice.name(), images, steps, seconds, open, first);
        }
    }
}
