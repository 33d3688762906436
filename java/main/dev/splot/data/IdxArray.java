package dev.splot.data;

import java.util.Arrays;

/**
 * The raw content of an unsigned-byte IDX file: its dimensions (outermost first) and the data
 * bytes in row-major order, exactly {@code product(dims)} of them.
 *
 * @param dims the dimensions, outermost first (copied)
 * @param data the values, row-major
 */
public record IdxArray(int[] dims, byte[] data) {
    /**
     * Keeps a copy of {@code dims}.
     *
     * @param dims the dimensions, outermost first
     * @param data the values, row-major
     */
    public IdxArray {
        dims = dims.clone();
    }

    /** @return a copy of the dimensions, outermost first */
    @Override
    public int[] dims() {
        return dims.clone();
    }

    /** @return the number of dimensions */
    public int rank() {
        return dims.length;
    }

    /**
     * @param i the dimension, 0 = outermost
     * @return its size
     */
    public int dim(int i) {
        return dims[i];
    }

    @Override
    public String toString() {
        return "IdxArray" + Arrays.toString(dims);
    }
}
