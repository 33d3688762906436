package dev.splot.data;

import java.util.Arrays;

/**
 * The raw content of an unsigned-byte IDX file: its dimensions (outermost first) and the data
 * bytes in row-major order, exactly {@code product(dims)} of them.
 */
public record IdxArray(int[] dims, byte[] data) {
    public IdxArray {
        dims = dims.clone();
    }

    @Override
    public int[] dims() {
        return dims.clone();
    }

    public int rank() {
        return dims.length;
    }

    public int dim(int i) {
        return dims[i];
    }

    @Override
    public String toString() {
        return "IdxArray" + Arrays.toString(dims);
    }
}
