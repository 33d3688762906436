package dev.splot.testing;

import dev.splot.backend.Backend;
import dev.splot.backend.Padding;
import dev.splot.data.Dataset;
import dev.splot.nn.AvgPool2D;
import dev.splot.nn.BatchNorm2D;
import dev.splot.nn.Buffer;
import dev.splot.nn.Conv2D;
import dev.splot.nn.Counter;
import dev.splot.nn.Dense;
import dev.splot.nn.Dropout;
import dev.splot.nn.Flatten;
import dev.splot.nn.GlobalAvgPool2D;
import dev.splot.nn.MaxPool2D;
import dev.splot.nn.Parameter;
import dev.splot.nn.ReLU;
import dev.splot.nn.Sequential;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** A model and a dataset small enough that the Java reference trains them in milliseconds, for tests of the machinery around training. */
public final class Tiny {
    private Tiny() {}

    /** Every layer type (dropout included, so the step-keyed masks matter) on 1x8x8 inputs, 3 classes; dense.weight is (5, 27). */
    public static Sequential model(Backend backend, long seed) {
        return Sequential.builder(1, 8, 8)
                .add(new Conv2D(4, 3)).add(new ReLU())
                .add(new Conv2D(3, 3, 2, 1, Padding.SAME)).add(new ReLU())
                .add(new MaxPool2D(2))
                .add(new Dropout(0.25))
                .add(new Flatten())
                .add(new Dense(5)).add(new ReLU())
                .add(new Dropout(0.5))
                .add(new Dense(3))
                .build(backend, seed);
    }

    /** Random 1x8x8 images whose class is which third of the rows is brightest, so training moves the weights. */
    public static Dataset data(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 64];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(3);
            for (int p = 0; p < 64; p++) x[i * 64 + p] = r.nextFloat() * 0.5f + ((p / 8) * 3 / 8 == y[i] ? 0.5f : 0f);
        }
        return new Dataset("tiny", x, y, n, new int[] {1, 8, 8}, 3);
    }

    /** Conv-BatchNorm-ReLU-AvgPool-Conv-BatchNorm-ReLU-GlobalAvgPool-Dense on the same 1x8x8 inputs, 3 classes. */
    public static Sequential batchNormModel(Backend backend, long seed) {
        return Sequential.builder(1, 8, 8)
                .add(new Conv2D(4, 3)).add(new BatchNorm2D()).add(new ReLU())
                .add(new AvgPool2D(2))
                .add(new Conv2D(6, 2)).add(new BatchNorm2D(0.2, 1e-3)).add(new ReLU())
                .add(new GlobalAvgPool2D())
                .add(new Dense(3))
                .build(backend, seed);
    }

    /** A host copy of everything a checkpoint saves of the model: parameters, buffers (running statistics) and counts. */
    public static Map<String, float[]> savedState(Sequential m) {
        Map<String, float[]> s = weights(m);
        for (Buffer b : m.buffers()) s.put(b.name(), b.value().toFloatArray());
        for (Counter c : m.counters()) s.put(c.name(), new float[] {c.value()});
        return s;
    }

    /** A host copy of every parameter, by name. */
    public static Map<String, float[]> weights(Sequential m) {
        Map<String, float[]> w = new LinkedHashMap<>();
        for (Parameter p : m.parameters()) w.put(p.name(), p.value().toFloatArray());
        return w;
    }
}
