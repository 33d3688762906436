package dev.splot.bench;

import dev.splot.data.Dataset;
import dev.splot.nn.Predictor;
import dev.splot.nn.Sequential;
import dev.splot.train.Evaluation;
import dev.splot.train.Trainer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Evaluation and serving on the real model (MnistCnn, as Mnist builds it): the per-epoch test pass over 10,000
 * images exactly as {@code Trainer.fit} runs it ({@link Trainer#evaluate}, batch 128: uploads, forward without
 * dropout, loss and predictions read back), and {@link Predictor#predict} at batch 1 (the latency a user serving one
 * request at a time sees) and at batch 128. The predictor is made once, as a server would keep it. Images are
 * synthetic (pixel values do not change the work).
 */
@State(Scope.Benchmark)
public class InferenceBench extends BackendBench {
    /** Images of the test pass: MNIST's test set. */
    public static final int TEST_IMAGES = 10_000;

    /**
     * Images of the test pass; {@link BenchmarkReport}'s smoke run sets fewer (it only checks that the pass runs), and
     * the report then states the work for the images that ran ({@link Workloads#testPass}).
     */
    @Param({"10000"})
    public int testImages;

    Sequential model;
    Predictor predictor;
    Dataset testSet;
    float[] oneImage, batchImages;

    /** Opens the backend, builds the model and a predictor, and makes the test set and the request images. */
    @Setup(Level.Trial)
    public void setUp() {
        open();
        model = SeedModel.build(be, ModelBench.SEED);
        predictor = model.newPredictor();
        testSet = EndToEnd.synthetic(testImages, "synthetic test set");
        batchImages = new float[SeedModel.BATCH * 28 * 28];
        for (int i = 0; i < batchImages.length; i++) batchImages[i] = (float) random().nextDouble();
        oneImage = java.util.Arrays.copyOf(batchImages, 28 * 28);
    }

    /** Frees the predictor, the model and the backend. */
    @TearDown(Level.Trial)
    public void tearDown() {
        predictor.close();
        model.close();
        closeAll();
    }

    /**
     * The per-epoch test pass: Trainer.evaluate over 10,000 images (testImages) in batches of 128.
     *
     * @return the evaluation (returned so that JMH keeps the work)
     */
    @Benchmark
    public Evaluation evaluateTestSet() {
        return Trainer.evaluate(model, testSet, SeedModel.BATCH);
    }

    /**
     * One image through a kept predictor: upload, forward, softmax, read-back.
     *
     * @return the class probabilities
     */
    @Benchmark
    public float[] predictBatch1() {
        return predictor.predict(oneImage, 1, 1);
    }

    /**
     * 128 images through a kept predictor in one forward pass.
     *
     * @return the class probabilities, 128 x 10
     */
    @Benchmark
    public float[] predictBatch128() {
        return predictor.predict(batchImages, SeedModel.BATCH, SeedModel.BATCH);
    }
}
