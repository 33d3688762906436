package dev.splot.backend;

import java.util.Arrays;

/** Small helpers for shapes and for checking the arguments of backend operations. */
public final class Shapes {
    /**
     * The most values one tensor may hold: 2^28, 1 GiB of float32. Every backend indexes a tensor
     * with 32-bit ints in places (Java arrays, the native GEMM's row strides, OpenCL work sizes), so
     * the bound keeps sums of a few such indices clear of 2^31; it is also below the smallest
     * single OpenCL allocation a 4 GiB device guarantees (a quarter of its memory), and 4,000 times
     * the largest tensor of the MNIST CNN at batch 128.
     */
    public static final long MAX_TENSOR_VALUES = 1L << 28;

    private Shapes() {}

    /**
     * The number of values of {@code shape}; {@link Long#MAX_VALUE} when that does not fit in a long.
     *
     * @param shape the dimensions
     * @return their product, saturated; 1 for the empty shape
     * @throws IllegalArgumentException naming the shape when a dimension is not positive
     */
    public static long size(int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("dimensions must be positive: " + Arrays.toString(shape));
            }
            n = times(n, d);
        }
        return n;
    }

    /**
     * {@code a * b} for non-negative operands, saturating at {@link Long#MAX_VALUE} instead of overflowing.
     *
     * @param a a factor, {@code >= 0}
     * @param b a factor, {@code >= 0}
     * @return the product, or {@link Long#MAX_VALUE} when it does not fit
     */
    public static long times(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        return high != 0 || low < 0 ? Long.MAX_VALUE : low;
    }

    /**
     * A shape as messages print it, in Python's tuple notation.
     *
     * @param shape the dimensions
     * @return e.g. "(128, 1, 28, 28)", or "(10,)" for a single dimension
     */
    public static String toString(int... shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /**
     * Throws naming the operation and argument when {@code t}'s shape is not {@code expected}.
     *
     * @param op the operation, first word of the message
     * @param arg the argument's name in that operation
     * @param t the tensor to check
     * @param expected the shape it must have
     * @throws IllegalArgumentException with both shapes when they differ
     */
    public static void require(String op, String arg, Tensor t, int... expected) {
        if (!Arrays.equals(t.shape(), expected)) {
            throw new IllegalArgumentException(op + ": " + arg + " has shape " + toString(t.shape())
                    + ", expected " + toString(expected));
        }
    }

    /**
     * Throws naming the operation when two tensors hold different numbers of elements (element-wise
     * operations accept any shapes of one size).
     *
     * @param op the operation, first word of the message
     * @param a one tensor
     * @param b the other
     * @throws IllegalArgumentException with both shapes when the sizes differ
     */
    public static void requireSameSize(String op, Tensor a, Tensor b) {
        if (a.size() != b.size()) {
            throw new IllegalArgumentException(op + ": sizes differ, " + toString(a.shape()) + " vs " + toString(b.shape()));
        }
    }
}
