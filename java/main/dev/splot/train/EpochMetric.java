package dev.splot.train;

/**
 * A number of {@link EpochStats} that early stopping or best-model checkpointing watch, with the
 * direction in which it improves. The validation metrics read the data {@link Trainer#fit}
 * evaluates after each epoch (its second argument: a validation part, or a test set).
 */
public enum EpochMetric {
    /** Mean training loss; lower is better. */
    TRAIN_LOSS("training loss", Mode.MIN),
    /** Training accuracy; higher is better. */
    TRAIN_ACCURACY("training accuracy", Mode.MAX),
    /** Loss on the evaluated data; lower is better. */
    VALIDATION_LOSS("validation loss", Mode.MIN),
    /** Accuracy on the evaluated data; higher is better. */
    VALIDATION_ACCURACY("validation accuracy", Mode.MAX);

    /** Whether a metric improves by going down or up. */
    public enum Mode {
        /** Lower is better (losses). */
        MIN,
        /** Higher is better (accuracies). */
        MAX
    }

    private final String label;
    private final Mode mode;

    EpochMetric(String label, Mode mode) {
        this.label = label;
        this.mode = mode;
    }

    /** @return the direction in which this metric improves */
    public Mode mode() { return mode; }

    /**
     * The metric's value in one epoch's stats.
     *
     * @param s the epoch's stats
     * @return the value
     * @throws IllegalStateException if a validation metric is NaN because fit evaluated no data after the epoch
     */
    public double of(EpochStats s) {
        double v = switch (this) {
            case TRAIN_LOSS -> s.trainLoss();
            case TRAIN_ACCURACY -> s.trainAccuracy();
            case VALIDATION_LOSS -> s.testLoss();
            case VALIDATION_ACCURACY -> s.testAccuracy();
        };
        if (Double.isNaN(v) && (this == VALIDATION_LOSS || this == VALIDATION_ACCURACY)) {
            throw new IllegalStateException("the " + label + " of epoch " + s.epoch() + " is unknown: Trainer.fit was given no "
                    + "validation (or test) data to evaluate after each epoch");
        }
        return v;
    }

    /** @return e.g. "validation loss" */
    @Override
    public String toString() { return label; }
}
