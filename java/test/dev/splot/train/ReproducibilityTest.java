package dev.splot.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.splot.backend.java.JavaBackend;
import dev.splot.data.Dataset;
import dev.splot.nn.Conv2D;
import dev.splot.nn.Dense;
import dev.splot.nn.Dropout;
import dev.splot.nn.Flatten;
import dev.splot.nn.MaxPool2D;
import dev.splot.nn.Parameter;
import dev.splot.nn.ReLU;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReproducibilityTest {
    static Dataset synthetic(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * 10 * 10];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(3);
            for (int j = 0; j < 100; j++) x[i * 100 + j] = (float) r.nextDouble() * 0.5f + (j % 3 == y[i] ? 0.5f : 0f);
        }
        return new Dataset("synthetic", x, y, n, new int[] {1, 10, 10}, 3);
    }

    static float[] trainAndGetWeights(long seed) {
        try (JavaBackend be = new JavaBackend();
             Sequential model = Sequential.builder(1, 10, 10).add(new Conv2D(4, 3)).add(new ReLU()).add(new MaxPool2D(2))
                     .add(new Dropout(0.25)).add(new Flatten()).add(new Dense(3)).build(be, seed);
             AdaDelta opt = new AdaDelta()) {
            new Trainer(model, opt, 16, seed).fit(synthetic(70, 5), null, 2, null);
            return model.parameters().stream().map(Parameter::value).map(t -> t.toFloatArray())
                    .reduce(new float[0], ReproducibilityTest::concat);
        }
    }

    @Test
    void sameSeedGivesBitIdenticalWeightsAndOtherSeedsDiffer() {
        float[] a = trainAndGetWeights(42), b = trainAndGetWeights(42), c = trainAndGetWeights(43);
        assertArrayEquals(a, b, "two runs with seed 42");
        assertFalse(Arrays.equals(a, c), "seeds 42 and 43 gave the same weights");
    }

    @Test
    void shuffleIsAPermutation() {
        int[] order = Trainer.shuffledOrder(1000, 9, 3);
        int[] sorted = order.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < 1000; i++) if (sorted[i] != i) throw new AssertionError("not a permutation");
        assertFalse(Arrays.equals(order, Trainer.shuffledOrder(1000, 9, 4)), "epochs must shuffle differently");
    }

    static float[] concat(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
