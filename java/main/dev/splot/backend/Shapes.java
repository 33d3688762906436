package dev.splot.backend;

import java.util.Arrays;

/** Small helpers for shapes and for checking the arguments of backend operations. */
public final class Shapes {
    private Shapes() {}

    public static long size(int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("dimensions must be positive: " + Arrays.toString(shape));
            }
            n *= d;
        }
        return n;
    }

    public static String toString(int... shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** Throws naming the operation and argument when {@code t}'s shape is not {@code expected}. */
    public static void require(String op, String arg, Tensor t, int... expected) {
        if (!Arrays.equals(t.shape(), expected)) {
            throw new IllegalArgumentException(op + ": " + arg + " has shape " + toString(t.shape())
                    + ", expected " + toString(expected));
        }
    }

    public static void requireSameSize(String op, Tensor a, Tensor b) {
        if (a.size() != b.size()) {
            throw new IllegalArgumentException(op + ": sizes differ, " + toString(a.shape()) + " vs " + toString(b.shape()));
        }
    }
}
