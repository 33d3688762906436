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
     * Where training stands after one step: the epoch (from 1), the global step number (from 1),
     * samples of this epoch done and in all, and this epoch's mean loss and accuracy so far, and
     * the seconds since the epoch began.
     */
    record StepStats(int epoch, long step, int samplesDone, int samplesTotal, double meanLoss, double accuracy, double seconds) {}
}
