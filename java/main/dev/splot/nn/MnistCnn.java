package dev.splot.nn;

import dev.splot.backend.Backend;

/** The classic Keras MNIST CNN of the seed run (1,199,882 parameters), for 1x28x28 inputs and 10 classes. */
public final class MnistCnn {
    private MnistCnn() {}

    /**
     * @param backend where the parameters live and the model runs
     * @param seed keys the weight initialisation and the dropout masks
     * @return the model, built; the caller closes it
     */
    public static Sequential build(Backend backend, long seed) {
        return layers().build(backend, seed);
    }

    /**
     * As {@link #build(Backend, long)}, with the backend's fused ops on or off ({@link Sequential.Builder#fusion}).
     *
     * @param backend where the parameters live and the model runs
     * @param seed keys the weight initialisation and the dropout masks
     * @param fusion whether the model calls the fused ops
     * @return the model, built; the caller closes it
     */
    public static Sequential build(Backend backend, long seed, boolean fusion) {
        return layers().fusion(fusion).build(backend, seed);
    }

    private static Sequential.Builder layers() {
        return Sequential.builder(1, 28, 28)
                .add(new Conv2D(32, 3)).add(new ReLU())
                .add(new Conv2D(64, 3)).add(new ReLU())
                .add(new MaxPool2D(2))
                .add(new Dropout(0.25))
                .add(new Flatten())
                .add(new Dense(128)).add(new ReLU())
                .add(new Dropout(0.5))
                .add(new Dense(10));
    }
}
