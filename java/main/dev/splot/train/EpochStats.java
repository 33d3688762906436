package dev.splot.train;

/**
 * What one training epoch achieved: mean loss and accuracy (fraction in [0, 1]) on the training
 * and test sets, wall-clock seconds, training throughput and the optimizer's learning rate at the
 * end of the epoch. Epochs count from 1. The "test" values are those of the data that
 * {@link Trainer#fit} evaluates after each epoch: a test set, or a validation part
 * ({@link dev.splot.data.ValidationSplit}).
 *
 * @param epoch the epoch, from 1
 * @param trainLoss mean training loss of the epoch
 * @param trainAccuracy training accuracy of the epoch
 * @param testLoss loss on the evaluated data, NaN if none
 * @param testAccuracy accuracy on the evaluated data, NaN if none
 * @param seconds wall-clock seconds of the epoch's training
 * @param samplesPerSecond training throughput
 * @param learningRate the optimizer's learning rate at the end of the epoch, NaN if unknown
 */
public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double testLoss,
        double testAccuracy, double seconds, double samplesPerSecond, double learningRate) {
    /**
     * Stats without a learning rate (NaN).
     *
     * @param epoch the epoch, from 1
     * @param trainLoss mean training loss of the epoch
     * @param trainAccuracy training accuracy of the epoch
     * @param testLoss loss on the evaluated data, NaN if none
     * @param testAccuracy accuracy on the evaluated data, NaN if none
     * @param seconds wall-clock seconds of the epoch's training
     * @param samplesPerSecond training throughput
     */
    public EpochStats(int epoch, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy, double seconds,
            double samplesPerSecond) {
        this(epoch, trainLoss, trainAccuracy, testLoss, testAccuracy, seconds, samplesPerSecond, Double.NaN);
    }
}
