package dev.splot.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * One named float32 tensor of a checkpoint: row-major data of the given shape (PyTorch layouts,
 * see {@code Tensor}). The shape is copied; the data array is shared, not copied, because
 * checkpoints can be large.
 *
 * @param name the tensor's name in the file, e.g. "conv2d.weight"
 * @param shape its dimensions, outermost first (copied)
 * @param data {@code product(shape)} values, row-major (shared)
 */
public record NamedTensor(String name, int[] shape, float[] data) {
    /**
     * Checks that {@code data} holds exactly {@code product(shape)} values and copies the shape.
     *
     * @param name the tensor's name
     * @param shape its dimensions
     * @param data its values
     * @throws IllegalArgumentException naming the tensor, if a dimension is negative or the sizes disagree
     */
    public NamedTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(data, "data");
        shape = shape.clone();
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.min(n * d, Integer.MAX_VALUE + 1L); // capped: n * d stays below 2^62
        }
        if (n != data.length) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " holds "
                    + (n > Integer.MAX_VALUE ? "more than 2^31" : String.valueOf(n))
                    + " elements, data has " + data.length);
        }
    }

    /** @return a copy of the dimensions, outermost first */
    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return "NamedTensor[" + name + " " + Arrays.toString(shape) + "]";
    }
}
