package dev.splot.train;

/**
 * The best value of an {@link EpochMetric} seen so far, and in which epoch: what
 * {@link EarlyStopping} and best-model checkpointing share. A value improves on the best when it
 * is better by more than {@code minDelta} in the metric's direction; the first epoch always does.
 */
public final class BestValue {
    private final EpochMetric metric;
    private final EpochMetric.Mode mode;
    private final double minDelta;
    private double best = Double.NaN;
    private int bestEpoch;
    private int epochsSinceBest;

    /**
     * @param metric the watched metric
     * @param mode the direction of improvement (usually {@code metric.mode()})
     * @param minDelta how much better a value must be to count as an improvement, {@code >= 0}
     * @throws IllegalArgumentException if {@code minDelta} is negative or not finite
     */
    public BestValue(EpochMetric metric, EpochMetric.Mode mode, double minDelta) {
        if (!(minDelta >= 0) || Double.isInfinite(minDelta)) {
            throw new IllegalArgumentException("min delta must be finite and >= 0, got " + minDelta);
        }
        this.metric = java.util.Objects.requireNonNull(metric, "metric");
        this.mode = java.util.Objects.requireNonNull(mode, "mode");
        this.minDelta = minDelta;
    }

    /**
     * Takes one epoch's value.
     *
     * @param s the epoch's stats
     * @return whether it improved on the best so far (it is then the new best)
     * @throws IllegalStateException if the metric is a validation metric and fit evaluated no data
     */
    public boolean update(EpochStats s) {
        double v = metric.of(s);
        boolean better = bestEpoch == 0 || (mode == EpochMetric.Mode.MIN ? v < best - minDelta : v > best + minDelta);
        if (better) {
            best = v;
            bestEpoch = s.epoch();
            epochsSinceBest = 0;
        } else {
            epochsSinceBest++;
        }
        return better;
    }

    /** @return the watched metric */
    public EpochMetric metric() { return metric; }
    /** @return the best value so far, NaN before the first epoch */
    public double best() { return best; }
    /** @return the epoch of the best value, 0 before the first epoch */
    public int bestEpoch() { return bestEpoch; }
    /** @return epochs seen since the best one */
    public int epochsSinceBest() { return epochsSinceBest; }
}
