package dev.splot.nn;

/**
 * What a forward pass needs besides its input: whether it trains (dropout active) and, for the
 * random streams, the model seed and the global step number.
 *
 * @param training whether dropout is active
 * @param seed the model seed; keys the dropout masks
 * @param step the global step number; keys the dropout masks
 */
public record ForwardContext(boolean training, long seed, long step) {
    /** @return a context for prediction: not training, so seed and step do not matter */
    public static ForwardContext inference() {
        return new ForwardContext(false, 0, 0);
    }
}
