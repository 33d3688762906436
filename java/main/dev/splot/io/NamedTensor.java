package dev.splot.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * One named float32 tensor of a checkpoint: row-major data of the given shape (PyTorch layouts,
 * see {@code Tensor}). The shape is copied; the data array is shared, not copied, because
 * checkpoints can be large.
 */
public record NamedTensor(String name, int[] shape, float[] data) {
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

    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return "NamedTensor[" + name + " " + Arrays.toString(shape) + "]";
    }
}
