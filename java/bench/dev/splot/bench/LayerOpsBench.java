package dev.splot.bench;

import static dev.splot.bench.SeedModel.BATCH;
import static dev.splot.bench.SeedModel.CLASSES;
import static dev.splot.bench.SeedModel.CONV2;
import static dev.splot.bench.SeedModel.DROPOUT1_RATE;
import static dev.splot.bench.SeedModel.DROPOUT1_SIZE;
import static dev.splot.bench.SeedModel.FLAT;
import static dev.splot.bench.SeedModel.HIDDEN;
import static dev.splot.bench.SeedModel.POOL;

import dev.splot.backend.DType;
import dev.splot.backend.LossResult;
import dev.splot.backend.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** Pooling, element-wise, dense and loss operations at the seed model's shapes, batch 128. */
@State(Scope.Benchmark)
public class LayerOpsBench extends BackendBench {
    // max-pool 64x24x24 -> 64x12x12
    Tensor poolX, poolY, poolArgmax, poolDy, poolDx;
    // ReLU at conv2's output size
    Tensor reluX, reluY, reluDy, reluDx;
    // first dropout: 64x12x12, rate 0.25
    Tensor dropX, dropY, dropMask;
    long dropStep;
    // dense1 9216 -> 128, dense2 128 -> 10
    Tensor d1x, d1w, d1b, d1y, d1dy, d1dx, d1dw, d1db;
    Tensor d2x, d2w, d2b, d2y, d2dy, d2dx, d2dw, d2db;
    // softmax cross-entropy 128x10
    Tensor logits, labels, dlogits;

    @Setup(Level.Trial)
    public void setUp() {
        open();
        poolX = uniform(POOL.inputShape());
        poolY = tensor(POOL.outputShape());
        poolArgmax = tensor(DType.INT32, POOL.outputShape());
        poolDy = uniform(POOL.outputShape());
        poolDx = tensor(POOL.inputShape());
        be.maxPoolForward(poolX, poolY, poolArgmax, POOL); // a valid argmax for the backward benchmark

        reluX = uniform(CONV2.outputShape());
        reluY = tensor(CONV2.outputShape());
        reluDy = uniform(CONV2.outputShape());
        reluDx = tensor(CONV2.outputShape());
        be.reluForward(reluX, reluY);

        dropX = uniform(DROPOUT1_SIZE);
        dropY = tensor(DROPOUT1_SIZE);
        dropMask = tensor(DROPOUT1_SIZE);

        d1x = uniform(BATCH, FLAT);
        d1w = uniform(HIDDEN, FLAT);
        d1b = uniform(HIDDEN);
        d1y = tensor(BATCH, HIDDEN);
        d1dy = uniform(BATCH, HIDDEN);
        d1dx = tensor(BATCH, FLAT);
        d1dw = tensor(HIDDEN, FLAT);
        d1db = tensor(HIDDEN);

        d2x = uniform(BATCH, HIDDEN);
        d2w = uniform(CLASSES, HIDDEN);
        d2b = uniform(CLASSES);
        d2y = tensor(BATCH, CLASSES);
        d2dy = uniform(BATCH, CLASSES);
        d2dx = tensor(BATCH, HIDDEN);
        d2dw = tensor(CLASSES, HIDDEN);
        d2db = tensor(CLASSES);

        logits = uniform(-5f, 5f, BATCH, CLASSES);
        labels = labels(BATCH, CLASSES);
        dlogits = tensor(BATCH, CLASSES);
        be.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        closeAll();
    }

    @Benchmark
    public void maxPoolForward() {
        be.maxPoolForward(poolX, poolY, poolArgmax, POOL);
        be.synchronize();
    }

    @Benchmark
    public void maxPoolBackward() {
        be.maxPoolBackward(poolDy, poolArgmax, poolDx, POOL);
        be.synchronize();
    }

    @Benchmark
    public void reluForward() {
        be.reluForward(reluX, reluY);
        be.synchronize();
    }

    @Benchmark
    public void reluBackward() {
        be.reluBackward(reluDy, reluY, reluDx);
        be.synchronize();
    }

    /** A new step each call, so every call draws a new mask as in training. */
    @Benchmark
    public void dropoutForward() {
        be.dropoutForward(dropX, dropY, dropMask, DROPOUT1_RATE, 1L, dropStep++, 5);
        be.synchronize();
    }

    @Benchmark
    public void dense1Forward() {
        be.denseForward(d1x, d1w, d1b, d1y);
        be.synchronize();
    }

    /** dX is computed: dense1 is not the first layer. */
    @Benchmark
    public void dense1Backward() {
        be.denseBackward(d1dy, d1x, d1w, d1dx, d1dw, d1db);
        be.synchronize();
    }

    @Benchmark
    public void dense2Forward() {
        be.denseForward(d2x, d2w, d2b, d2y);
        be.synchronize();
    }

    @Benchmark
    public void dense2Backward() {
        be.denseBackward(d2dy, d2x, d2w, d2dx, d2dw, d2db);
        be.synchronize();
    }

    /** Reads the loss back, as a training step does. */
    @Benchmark
    public double softmaxCrossEntropy() {
        LossResult r = be.softmaxCrossEntropy(logits, labels, dlogits);
        be.synchronize();
        return r.meanLoss();
    }
}
