package dev.splot.nn;

/**
 * What a forward pass needs besides its input: whether it trains (dropout active) and, for the
 * random streams, the model seed, the global step number and the index of the batch's first
 * sample in the whole batch (a data-parallel worker runs a slice of it; 0 on one machine), so
 * that a sample's dropout mask does not depend on which worker runs it.
 *
 * @param training whether dropout is active
 * @param seed the model seed; keys the dropout masks
 * @param step the global step number; keys the dropout masks
 * @param firstSample the index, in the whole batch, of this batch's first sample, {@code >= 0}
 */
public record ForwardContext(boolean training, long seed, long step, long firstSample) {
    /**
     * Checks the first sample's index.
     *
     * @param training whether dropout is active
     * @param seed the model seed
     * @param step the global step number
     * @param firstSample the index of the first sample in the whole batch
     * @throws IllegalArgumentException if {@code firstSample < 0}
     */
    public ForwardContext {
        if (firstSample < 0) throw new IllegalArgumentException("ForwardContext: firstSample must be >= 0, got " + firstSample);
    }

    /**
     * A context for a whole batch (first sample 0).
     *
     * @param training whether dropout is active
     * @param seed the model seed; keys the dropout masks
     * @param step the global step number; keys the dropout masks
     */
    public ForwardContext(boolean training, long seed, long step) {
        this(training, seed, step, 0);
    }

    /** @return a context for prediction: not training, so seed and step do not matter */
    public static ForwardContext inference() {
        return new ForwardContext(false, 0, 0);
    }
}
