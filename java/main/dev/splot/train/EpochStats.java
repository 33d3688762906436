package dev.splot.train;

/**
 * What one training epoch achieved: mean loss and accuracy (fraction in [0, 1]) on the training
 * and test sets, wall-clock seconds and training throughput. Epochs count from 1.
 */
public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double testLoss,
        double testAccuracy, double seconds, double samplesPerSecond) {}
