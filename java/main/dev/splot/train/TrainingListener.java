package dev.splot.train;

/**
 * Told what training does, step by step and epoch by epoch: progress bars, logs, metrics
 * collectors, early stopping. Register with {@link Trainer#addListener}; methods run on the
 * training thread, between steps, so they should be quick (a listener that throws stops training
 * with its exception).
 */
public interface TrainingListener {
    /**
     * After every optimizer step.
     *
     * @param step where training stands after it
     */
    default void onStep(StepStats step) {}

    /**
     * After every epoch, once the model was checked and evaluated on the test set (if any).
     *
     * @param epoch the epoch's training and test results
     */
    default void onEpoch(EpochStats epoch) {}

    /**
     * Asked after every epoch, once {@link #onEpoch} was told of it: true ends training there (e.g.
     * {@link EarlyStopping}); {@link Trainer#fit} then returns the epochs done so far.
     *
     * @return whether training should stop after this epoch
     */
    default boolean stopRequested() {
        return false;
    }

    /**
     * Where training stands after one step: the epoch (from 1), the global step number (from 1),
     * samples of this epoch done and in all, and this epoch's mean loss and accuracy so far, the
     * seconds since the epoch began and the optimizer's learning rate after the step.
     *
     * @param epoch the epoch, from 1
     * @param step the global step number, from 1
     * @param samplesDone samples of this epoch done
     * @param samplesTotal samples in the epoch
     * @param meanLoss this epoch's mean loss so far
     * @param accuracy this epoch's training accuracy so far
     * @param seconds seconds since the epoch began
     * @param learningRate the optimizer's learning rate after the step, NaN if unknown
     */
    record StepStats(int epoch, long step, int samplesDone, int samplesTotal, double meanLoss, double accuracy, double seconds,
            double learningRate) {
        /**
         * Stats without a learning rate (NaN).
         *
         * @param epoch the epoch, from 1
         * @param step the global step number, from 1
         * @param samplesDone samples of this epoch done
         * @param samplesTotal samples in the epoch
         * @param meanLoss this epoch's mean loss so far
         * @param accuracy this epoch's training accuracy so far
         * @param seconds seconds since the epoch began
         */
        public StepStats(int epoch, long step, int samplesDone, int samplesTotal, double meanLoss, double accuracy, double seconds) {
            this(epoch, step, samplesDone, samplesTotal, meanLoss, accuracy, seconds, Double.NaN);
        }
    }
}
