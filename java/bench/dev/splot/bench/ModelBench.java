package dev.splot.bench;

import static dev.splot.bench.SeedModel.BATCH;
import static dev.splot.bench.SeedModel.CLASSES;
import static dev.splot.bench.SeedModel.PARAMETERS;

import dev.splot.backend.LossResult;
import dev.splot.backend.Tensor;
import dev.splot.nn.ForwardContext;
import dev.splot.nn.Parameter;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The real model (MnistCnn, as Mnist builds it) on one batch of 128: a whole training step as Trainer runs
 * it, inference, and the AdaDelta update over all 1,199,882 parameters. Optimizer state is
 * allocated at set-up, not in the first measured call.
 */
@State(Scope.Benchmark)
public class ModelBench extends BackendBench {
    static final long SEED = 1;

    Sequential model;
    AdaDelta optimizer;
    List<Parameter> parameters;
    Tensor x, y, dlogits;
    float[] hostX;
    int[] hostY;
    float[] hostLogits;
    long step;

    @Setup(Level.Trial)
    public void setUp() {
        open();
        model = SeedModel.build(be, SEED);
        optimizer = new AdaDelta();
        parameters = model.parameters();
        optimizer.state(parameters); // allocates E[g^2] and E[dx^2] now
        hostX = new float[BATCH * 28 * 28];
        for (int i = 0; i < hostX.length; i++) hostX[i] = (float) random().nextDouble();
        hostY = new int[BATCH];
        for (int i = 0; i < BATCH; i++) hostY[i] = random().nextInt(CLASSES);
        hostLogits = new float[BATCH * CLASSES];
        x = tensor(BATCH, 1, 28, 28);
        y = labels(BATCH, CLASSES);
        dlogits = tensor(BATCH, CLASSES);
        // gradients for the update benchmark (a training step overwrites them with real ones)
        long n = 0;
        for (Parameter p : parameters) {
            float[] g = new float[p.grad().size()];
            for (int i = 0; i < g.length; i++) g[i] = 0.01f * (float) (random().nextDouble() - 0.5);
            be.upload(p.grad(), g);
            n += g.length;
        }
        if (n != PARAMETERS) throw new IllegalStateException("model has " + n + " parameters, expected " + PARAMETERS);
        be.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        optimizer.close();
        model.close();
        closeAll();
    }

    /** Upload of the batch and labels, forward (dropout on), loss read-back, backward, AdaDelta: one Trainer step. */
    @Benchmark
    public double trainStep() {
        be.upload(x, hostX);
        be.upload(y, hostY);
        Tensor out = model.forward(x, new ForwardContext(true, SEED, step++));
        LossResult r = be.softmaxCrossEntropy(out, y, dlogits);
        model.backward(dlogits);
        optimizer.step(parameters);
        be.synchronize();
        return r.meanLoss();
    }

    /** Upload of the batch, forward without dropout, read-back of the logits. */
    @Benchmark
    public float[] inference() {
        be.upload(x, hostX);
        Tensor out = model.forward(x, ForwardContext.inference());
        be.download(out, hostLogits);
        return hostLogits;
    }

    /** One AdaDelta step over every parameter tensor (8 fused updates). */
    @Benchmark
    public void adadeltaUpdate() {
        optimizer.step(parameters);
        be.synchronize();
    }
}
