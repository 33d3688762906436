package dev.splot.bench;

import dev.splot.backend.Backend;
import dev.splot.backend.ConvGeometry;
import dev.splot.backend.PoolGeometry;
import dev.splot.backend.Shapes;
import dev.splot.nn.MnistCnn;
import dev.splot.nn.Sequential;
import dev.splot.testing.SeedModelStep;

/**
 * The seed model's real shapes at batch 128 (docs/architecture.md; the sizes from {@link SeedModelStep.Shape#SEED_MODEL}),
 * and the model itself, built by {@link MnistCnn} as {@code Mnist} builds it, so the benchmarks time exactly what
 * {@code Mnist} trains.
 */
public final class SeedModel {
    public static final int BATCH = 128;
    public static final int CLASSES = SeedModelStep.Shape.SEED_MODEL.classes();

    /** conv2d: 1 -> 32 channels, 28x28 -> 26x26, 3x3 'valid'. */
    public static final ConvGeometry CONV1 = SeedModelStep.Shape.SEED_MODEL.conv1(BATCH);
    /** conv2d_1: 32 -> 64 channels, 26x26 -> 24x24, 3x3 'valid'. */
    public static final ConvGeometry CONV2 = SeedModelStep.Shape.SEED_MODEL.conv2(BATCH);
    /** max_pooling2d: 64x24x24 -> 64x12x12. */
    public static final PoolGeometry POOL = SeedModelStep.Shape.SEED_MODEL.pool(BATCH);
    public static final int FLAT = SeedModelStep.Shape.SEED_MODEL.flat(); // 64 x 12 x 12 = 9216
    public static final int HIDDEN = SeedModelStep.Shape.SEED_MODEL.hidden();
    public static final float DROPOUT1_RATE = SeedModelStep.DROPOUT1_RATE;

    /** Elements of conv2's output (the ReLU benchmark's size): 128 x 64 x 24 x 24. */
    public static final int CONV2_OUT = (int) Shapes.size(CONV2.outputShape());
    /** Elements of the first dropout's input: 128 x 64 x 12 x 12. */
    public static final int DROPOUT1_SIZE = BATCH * FLAT;

    /** Trainable parameters of the model (docs/architecture.md: 320 + 18,496 + 1,179,776 + 1,290). */
    public static final long PARAMETERS = paramsConv(CONV1) + paramsConv(CONV2) + paramsDense(FLAT, HIDDEN) + paramsDense(HIDDEN, CLASSES);

    private SeedModel() {}

    static long paramsConv(ConvGeometry g) {
        return (long) g.o() * g.c() * g.kh() * g.kw() + g.o();
    }

    static long paramsDense(int in, int out) {
        return (long) in * out + out;
    }

    /** The model {@code Mnist} trains; fails where its size no longer matches the shapes above. */
    public static Sequential build(Backend backend, long seed) {
        Sequential model = MnistCnn.build(backend, seed);
        if (model.parameterCount() != PARAMETERS) {
            model.close();
            throw new IllegalStateException("MnistCnn has " + model.parameterCount() + " parameters, the benchmarks' shapes assume "
                    + PARAMETERS + ": update SeedModel");
        }
        return model;
    }
}
