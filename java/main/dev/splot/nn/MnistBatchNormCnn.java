package dev.splot.nn;

import dev.splot.backend.Backend;
import dev.splot.backend.Padding;

/**
 * A small all-convolutional MNIST model with batch normalisation (94,410 parameters), for 1x28x28
 * inputs and 10 classes: three blocks of Conv2D(3x3, 'same') - BatchNorm2D - ReLU with 32, 64 and
 * 128 filters, the first two followed by MaxPool2D(2) (28 -> 14 -> 7), then GlobalAvgPool2D and
 * Dense(10). No dropout: batch normalisation regularises it. About 7.4 million multiply-adds per
 * image forward, 60% of the seed CNN's.
 */
public final class MnistBatchNormCnn {
    private MnistBatchNormCnn() {}

    /**
     * @param backend where the parameters live and the model runs
     * @param seed keys the weight initialisation
     * @return the model, built; the caller closes it
     */
    public static Sequential build(Backend backend, long seed) {
        return Sequential.builder(1, 28, 28)
                .add(new Conv2D(32, 3, 3, 1, Padding.SAME)).add(new BatchNorm2D()).add(new ReLU())
                .add(new MaxPool2D(2))
                .add(new Conv2D(64, 3, 3, 1, Padding.SAME)).add(new BatchNorm2D()).add(new ReLU())
                .add(new MaxPool2D(2))
                .add(new Conv2D(128, 3, 3, 1, Padding.SAME)).add(new BatchNorm2D()).add(new ReLU())
                .add(new GlobalAvgPool2D())
                .add(new Dense(10))
                .build(backend, seed);
    }
}
