package dev.splot.example;

import dev.splot.backend.Backend;
import dev.splot.backend.Backends;
import dev.splot.data.Dataset;
import dev.splot.io.Checkpoint;
import dev.splot.nn.Conv2D;
import dev.splot.nn.Dense;
import dev.splot.nn.Flatten;
import dev.splot.nn.MaxPool2D;
import dev.splot.nn.Predictor;
import dev.splot.nn.ReLU;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.train.Evaluation;
import dev.splot.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What a team does with splot: builds its own small CNN, trains it briefly, saves it, loads it
 * back and serves predictions from several threads, each with its own {@link Predictor}.
 * The data is generated (which quarter of a 12x12 picture is brightest), so it runs offline.
 * Usage: {@code ThreadedDigits [backend]} (default auto); exits 1 if anything disagrees.
 */
public final class ThreadedDigits {
    private static final int SIDE = 12, CLASSES = 4, THREADS = 4;

    public static void main(String[] args) throws Exception {
        String backendName = args.length > 0 ? args[0] : "auto";
        Dataset train = quarters("train", 512, 1), test = quarters("test", 128, 2);
        Path saved = Files.createTempFile("threaded-digits", ".safetensors");
        try (Backend backend = Backends.open(backendName, null, System.out::println)) {
            try (Sequential model = Sequential.builder(1, SIDE, SIDE)
                    .add(new Conv2D(8, 3)).add(new ReLU()).add(new MaxPool2D(2))
                    .add(new Flatten()).add(new Dense(CLASSES))
                    .build(backend, 7);
                 AdaDelta optimizer = new AdaDelta()) {
                Trainer trainer = new Trainer(model, optimizer, 32, 7);
                trainer.fit(train, test, 3, e -> System.out.printf("epoch %d: loss %.4f, test accuracy %.3f%n",
                        e.epoch(), e.trainLoss(), e.testAccuracy()));
                Checkpoint.save(saved, model, optimizer, trainer.position());
            }
            try (Checkpoint restored = Checkpoint.load(saved, backend)) {
                Sequential model = restored.model();
                Evaluation eval = Trainer.evaluate(model, test, 64);
                float[] expected = model.predict(test.images(), test.count());
                ExecutorService pool = Executors.newFixedThreadPool(THREADS);
                List<Future<Boolean>> agree = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    agree.add(pool.submit(() -> {
                        try (Predictor predictor = model.newPredictor()) {
                            boolean same = true;
                            for (int round = 0; round < 5; round++) {
                                same &= Arrays.equals(expected, predictor.predict(test.images(), test.count(), 16));
                            }
                            return same;
                        }
                    }));
                }
                boolean allAgree = true;
                for (Future<Boolean> f : agree) allAgree &= f.get();
                pool.shutdown();
                System.out.printf("backend %s: reloaded model, test accuracy %.3f; %d threads x 5 predictions %s%n",
                        backend.name(), eval.accuracy(), THREADS, allAgree ? "equal the single-threaded ones" : "DIFFER");
                if (!allAgree || eval.accuracy() < 0.9) System.exit(1);
            }
        } finally {
            Files.deleteIfExists(saved);
        }
    }

    /** n pictures whose class is the brightest quarter, with noise. */
    static Dataset quarters(String name, int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * SIDE * SIDE];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(CLASSES);
            for (int p = 0; p < SIDE * SIDE; p++) {
                int quarter = (p / SIDE < SIDE / 2 ? 0 : 2) + (p % SIDE < SIDE / 2 ? 0 : 1);
                x[i * SIDE * SIDE + p] = r.nextFloat() * 0.6f + (quarter == y[i] ? 0.4f : 0f);
            }
        }
        return new Dataset(name, x, y, n, new int[] {1, SIDE, SIDE}, CLASSES);
    }
}
