package dev.splot.nn;

/**
 * What a forward pass needs besides its input: whether it trains (dropout active) and, for the
 * random streams, the model seed and the global step number.
 */
public record ForwardContext(boolean training, long seed, long step) {
    public static ForwardContext inference() {
        return new ForwardContext(false, 0, 0);
    }
}
