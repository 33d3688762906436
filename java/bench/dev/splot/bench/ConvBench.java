package dev.splot.bench;

import static dev.splot.bench.SeedModel.CONV1;
import static dev.splot.bench.SeedModel.CONV2;

import dev.splot.backend.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** Both convolutions at batch 128. conv1's backward-data is not benchmarked: training skips it (first layer). */
@State(Scope.Benchmark)
public class ConvBench extends BackendBench {
    Tensor x1, w1, b1, y1, dy1, dw1, db1;
    Tensor x2, w2, b2, y2, dy2, dx2, dw2, db2;

    @Setup(Level.Trial)
    public void setUp() {
        open();
        x1 = uniform(0f, 1f, CONV1.inputShape());
        w1 = uniform(CONV1.weightShape());
        b1 = uniform(CONV1.o());
        y1 = tensor(CONV1.outputShape());
        dy1 = uniform(CONV1.outputShape());
        dw1 = tensor(CONV1.weightShape());
        db1 = tensor(CONV1.o());

        x2 = uniform(CONV2.inputShape());
        w2 = uniform(CONV2.weightShape());
        b2 = uniform(CONV2.o());
        y2 = tensor(CONV2.outputShape());
        dy2 = uniform(CONV2.outputShape());
        dx2 = tensor(CONV2.inputShape());
        dw2 = tensor(CONV2.weightShape());
        db2 = tensor(CONV2.o());
        be.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        closeAll();
    }

    @Benchmark
    public void conv1Forward() {
        be.conv2dForward(x1, w1, b1, y1, CONV1);
        be.synchronize();
    }

    @Benchmark
    public void conv1BackwardWeights() {
        be.conv2dBackwardWeights(x1, dy1, dw1, db1, CONV1);
        be.synchronize();
    }

    @Benchmark
    public void conv2Forward() {
        be.conv2dForward(x2, w2, b2, y2, CONV2);
        be.synchronize();
    }

    @Benchmark
    public void conv2BackwardData() {
        be.conv2dBackwardData(dy2, w2, dx2, CONV2);
        be.synchronize();
    }

    @Benchmark
    public void conv2BackwardWeights() {
        be.conv2dBackwardWeights(x2, dy2, dw2, db2, CONV2);
        be.synchronize();
    }
}
