package dev.splot.train;

import dev.splot.optim.LearningRateSchedule;

/**
 * Where a training run stands between epochs, all that a {@link Trainer} needs besides the model
 * and optimizer to continue exactly: epochs completed, the global step (it keys the dropout
 * masks), the seed (it keys shuffling and dropout) and the batch size (it fixes the steps), and
 * what the run trained on: the data set's name (which says a limit, e.g. "mnist train (first
 * 500)") and its number of samples, since other data would shuffle and step differently. The
 * data is unknown ({@code null}, 0) before the first epoch and in checkpoints written before it
 * was recorded. The learning-rate schedule is part of the position: its rate at any step follows
 * from the step and the epochs done, so a resumed run continues on the same rates.
 *
 * @param epochsDone epochs completed, {@code >= 0}
 * @param step steps done over all epochs, {@code >= 0}
 * @param seed keys shuffling and dropout
 * @param batchSize samples per step, {@code > 0}
 * @param dataset the training data's name, or {@code null} if unknown
 * @param samples the training data's sample count, 0 exactly when {@code dataset} is {@code null}
 * @param schedule the learning-rate schedule, or {@code null} for a constant rate
 */
public record TrainingPosition(int epochsDone, long step, long seed, int batchSize, String dataset, int samples,
                               LearningRateSchedule schedule) {
    /**
     * Checks the position.
     *
     * @param epochsDone epochs completed
     * @param step steps done over all epochs
     * @param seed keys shuffling and dropout
     * @param batchSize samples per step
     * @param dataset the training data's name, or {@code null}
     * @param samples the training data's sample count
     * @param schedule the learning-rate schedule, or {@code null}
     * @throws IllegalArgumentException naming every value, if one is negative, the batch size is not
     *         positive, or only one of dataset and samples is known
     */
    public TrainingPosition {
        if (epochsDone < 0 || step < 0 || batchSize <= 0 || samples < 0 || (dataset == null) != (samples == 0)) {
            throw new IllegalArgumentException("invalid training position: epochs done " + epochsDone + ", step " + step
                    + ", batch size " + batchSize + ", data " + dataset + " of " + samples + " samples");
        }
    }

    /**
     * A position with a constant learning rate.
     *
     * @param epochsDone epochs completed
     * @param step steps done over all epochs
     * @param seed keys shuffling and dropout
     * @param batchSize samples per step
     * @param dataset the training data's name, or {@code null}
     * @param samples the training data's sample count
     * @throws IllegalArgumentException as the canonical constructor
     */
    public TrainingPosition(int epochsDone, long step, long seed, int batchSize, String dataset, int samples) {
        this(epochsDone, step, seed, batchSize, dataset, samples, null);
    }

    /**
     * A position whose training data is not known.
     *
     * @param epochsDone epochs completed
     * @param step steps done over all epochs
     * @param seed keys shuffling and dropout
     * @param batchSize samples per step
     */
    public TrainingPosition(int epochsDone, long step, long seed, int batchSize) {
        this(epochsDone, step, seed, batchSize, null, 0, null);
    }

    /**
     * Steps in one epoch over {@code samples} samples in batches of {@code batchSize} (the last one may be short).
     *
     * @param samples samples in the data set
     * @param batchSize samples per step, {@code > 0}
     * @return the number of steps, rounding up
     */
    public static long stepsPerEpoch(int samples, int batchSize) {
        return (samples + (long) batchSize - 1) / batchSize;
    }
}
