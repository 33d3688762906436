package dev.splot.train;

/**
 * A {@link TrainingListener} that stops training when a metric has not improved for
 * {@code patience} epochs in a row (as Keras' {@code EarlyStopping}): with patience 2 on the
 * validation loss, training ends after the second epoch in a row whose loss is not lower than the
 * best by more than {@code minDelta}. The model then holds the last epoch's weights; keep the best
 * ones with a best-model checkpoint ({@code dev.splot.io.BestCheckpoint}).
 */
public final class EarlyStopping implements TrainingListener {
    private final BestValue best;
    private final int patience;
    private int stoppedAfter;

    /**
     * @param metric the watched metric
     * @param mode the direction of improvement
     * @param patience epochs without improvement to allow, {@code > 0}
     * @param minDelta how much better a value must be to count as an improvement, {@code >= 0}
     * @throws IllegalArgumentException if patience is not positive or minDelta negative
     */
    public EarlyStopping(EpochMetric metric, EpochMetric.Mode mode, int patience, double minDelta) {
        if (patience <= 0) throw new IllegalArgumentException("patience must be a positive number of epochs, got " + patience);
        this.best = new BestValue(metric, mode, minDelta);
        this.patience = patience;
    }

    /**
     * Stops when the validation loss has not decreased for {@code patience} epochs.
     *
     * @param patience epochs without improvement to allow, {@code > 0}
     * @return the listener
     */
    public static EarlyStopping onValidationLoss(int patience) {
        return new EarlyStopping(EpochMetric.VALIDATION_LOSS, EpochMetric.Mode.MIN, patience, 0);
    }

    @Override
    public void onEpoch(EpochStats epoch) {
        best.update(epoch);
        if (best.epochsSinceBest() >= patience && stoppedAfter == 0) stoppedAfter = epoch.epoch();
    }

    @Override
    public boolean stopRequested() {
        return stoppedAfter > 0;
    }

    /** @return the epoch after which training was stopped, 0 while it goes on */
    public int stoppedAfter() { return stoppedAfter; }

    /** @return the best value and its epoch so far */
    public BestValue best() { return best; }

    /** @return e.g. "stopped after epoch 7: validation loss did not improve on 0.0312 (epoch 5) for 2 epochs" */
    @Override
    public String toString() {
        return stoppedAfter == 0 ? "early stopping on " + best.metric() + " (patience " + patience + ")"
                : String.format(java.util.Locale.ROOT, "stopped after epoch %d: %s did not improve on %.4f (epoch %d) for %d epochs",
                        stoppedAfter, best.metric(), best.best(), best.bestEpoch(), patience);
    }
}
