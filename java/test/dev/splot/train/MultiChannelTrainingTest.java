package dev.splot.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import dev.splot.data.Dataset;
import dev.splot.data.ValidationSplit;
import dev.splot.nn.Conv2D;
import dev.splot.nn.Dense;
import dev.splot.nn.Flatten;
import dev.splot.nn.MaxPool2D;
import dev.splot.nn.ReLU;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A 3-channel 32x32 model trains on float inputs (not pixels in [0, 1]) through the same API as MNIST. */
class MultiChannelTrainingTest {
    /** Standard-normal noise; the class is the channel whose centre square is shifted up by 1.5. */
    static Dataset colourSquares(int n, long seed) {
        Random r = new Random(seed);
        int plane = 32 * 32;
        float[] x = new float[n * 3 * plane];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(3);
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < plane; p++) {
                    int row = p / 32, col = p % 32;
                    boolean square = c == y[i] && row >= 8 && row < 24 && col >= 8 && col < 24;
                    x[(i * 3 + c) * plane + p] = (float) r.nextGaussian() + (square ? 1.5f : 0f);
                }
            }
        }
        return new Dataset("colour squares", x, y, n, new int[] {3, 32, 32}, 3);
    }

    @Test
    void threeChannelsOf32By32Train() {
        ValidationSplit split = ValidationSplit.of(colourSquares(240, 1), 0.25, 1);
        try (Backend be = new JavaBackend();
             Sequential m = Sequential.builder(3, 32, 32).add(new Conv2D(4, 3)).add(new ReLU()).add(new MaxPool2D(2))
                     .add(new Flatten()).add(new Dense(3)).build(be, 1);
             AdaDelta opt = new AdaDelta()) {
            List<EpochStats> h = new Trainer(m, opt, 16, 1).fit(split.train(), split.validation(), 4, null);
            double accuracy = h.get(h.size() - 1).testAccuracy();
            // chance is 1/3; the shifted square is visible in every sample, so a working 3-channel path learns it
            assertTrue(accuracy > 0.9, "validation accuracy " + accuracy + ": " + h);
        }
    }
}
