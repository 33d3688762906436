package dev.splot.nn;

/**
 * A non-trainable 64-bit count of a layer that is saved with the model under its PyTorch-style
 * name (BatchNorm's "num_batches_tracked"). Kept on the host: it only counts calls.
 */
public final class Counter {
    private final String name;
    private long value;

    /**
     * A counter at zero.
     *
     * @param name its name in checkpoints, starting with the layer's name
     */
    public Counter(String name) {
        this.name = name;
    }

    /** @return its name in checkpoints */
    public String name() {
        return name;
    }

    /** @return the count */
    public long value() {
        return value;
    }

    /**
     * Sets the count (loading a checkpoint).
     *
     * @param value the new count, {@code >= 0}
     * @throws IllegalArgumentException if {@code value} is negative
     */
    public void set(long value) {
        if (value < 0) throw new IllegalArgumentException(name + ": a count cannot be negative, got " + value);
        this.value = value;
    }

    void increment() {
        value++;
    }

    @Override
    public String toString() {
        return name + " = " + value;
    }
}
