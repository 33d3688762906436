package dev.splot.train;

/** Thrown when the loss becomes NaN or infinite: training stops instead of silently producing garbage. */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
