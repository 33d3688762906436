package dev.splot.bench;

import dev.splot.backend.Backend;
import dev.splot.backend.ConvGeometry;
import dev.splot.backend.Padding;
import dev.splot.backend.PoolGeometry;
import dev.splot.nn.Sequential;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The seed model's real shapes at batch 128 (DESIGN.md), and the model itself, built by
 * {@code Mnist.buildModel} so the benchmarks time exactly what {@code Mnist} trains.
 */
public final class SeedModel {
    public static final int BATCH = 128;
    public static final int CLASSES = 10;

    /** conv2d: 1 -> 32 channels, 28x28 -> 26x26, 3x3 'valid'. */
    public static final ConvGeometry CONV1 = ConvGeometry.of(BATCH, 1, 28, 28, 32, 3, 3, 1, Padding.VALID);
    /** conv2d_1: 32 -> 64 channels, 26x26 -> 24x24, 3x3 'valid'. */
    public static final ConvGeometry CONV2 = ConvGeometry.of(BATCH, 32, 26, 26, 64, 3, 3, 1, Padding.VALID);
    /** max_pooling2d: 64x24x24 -> 64x12x12. */
    public static final PoolGeometry POOL = PoolGeometry.of(BATCH, 64, 24, 24, 2, 2);
    public static final int FLAT = 64 * 12 * 12; // 9216
    public static final int HIDDEN = 128;
    public static final float DROPOUT1_RATE = 0.25f;

    /** Elements of conv2's output (the ReLU benchmark's size): 128 x 64 x 24 x 24. */
    public static final int CONV2_OUT = BATCH * 64 * 24 * 24;
    /** Elements of the first dropout's input: 128 x 64 x 12 x 12. */
    public static final int DROPOUT1_SIZE = BATCH * FLAT;

    /** Trainable parameters of the model (DESIGN.md: 320 + 18,496 + 1,179,776 + 1,290). */
    public static final long PARAMETERS = paramsConv(CONV1) + paramsConv(CONV2) + paramsDense(FLAT, HIDDEN) + paramsDense(HIDDEN, CLASSES);

    private SeedModel() {}

    static long paramsConv(ConvGeometry g) {
        return (long) g.o() * g.c() * g.kh() * g.kw() + g.o();
    }

    static long paramsDense(int in, int out) {
        return (long) in * out + out;
    }

    /** {@code Mnist.buildModel(backend, seed)}; Mnist lives in the unnamed package, so it is reached by reflection. */
    public static Sequential build(Backend backend, long seed) {
        try {
            Method m = Class.forName("Mnist").getDeclaredMethod("buildModel", Backend.class, long.class);
            m.setAccessible(true);
            Sequential model = (Sequential) m.invoke(null, backend, seed);
            if (model.parameterCount() != PARAMETERS) {
                model.close();
                throw new IllegalStateException("Mnist.buildModel has " + model.parameterCount() + " parameters, the benchmarks' shapes assume "
                        + PARAMETERS + ": update SeedModel");
            }
            return model;
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException("Mnist.buildModel failed", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach Mnist.buildModel(Backend, long): " + e, e);
        }
    }
}
