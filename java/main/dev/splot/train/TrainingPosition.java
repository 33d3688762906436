package dev.splot.train;

/**
 * Where a training run stands between epochs, all that a {@link Trainer} needs besides the model
 * and optimizer to continue exactly: epochs completed, the global step (it keys the dropout
 * masks), the seed (it keys shuffling and dropout) and the batch size (it fixes the steps).
 */
public record TrainingPosition(int epochsDone, long step, long seed, int batchSize) {
    public TrainingPosition {
        if (epochsDone < 0 || step < 0 || batchSize <= 0) {
            throw new IllegalArgumentException("invalid training position: epochs done " + epochsDone + ", step " + step
                    + ", batch size " + batchSize);
        }
    }
}
