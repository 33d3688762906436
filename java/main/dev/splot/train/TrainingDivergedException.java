package dev.splot.train;

/** Thrown when the loss becomes NaN or infinite: training stops instead of silently producing garbage. */
public final class TrainingDivergedException extends RuntimeException {
    /** @param message what diverged, where (epoch, step) and the last good checkpoint */
    public TrainingDivergedException(String message) {
        super(message);
    }
}
