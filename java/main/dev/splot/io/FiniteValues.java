package dev.splot.io;

/**
 * NaN and infinity in saved numbers. A checkpoint holding them is refused on load and never
 * written: a model with such a weight answers NaN for every picture, and a run resumed from it
 * diverges at once, so such a file must never pass for a good one.
 */
public final class FiniteValues {
    private FiniteValues() {}

    /**
     * The index of the first NaN or infinite value of {@code values}.
     *
     * @param values the values to scan
     * @return that index, or -1 when all are finite
     */
    public static int firstNonFinite(float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) return i;
        }
        return -1;
    }

    /**
     * "tensor "NAME" holds NaN at index I (of N values)" when {@code values} has a non-finite value,
     * else null.
     *
     * @param tensor the name to put in the message
     * @param values the tensor's values
     * @return the message, or {@code null} when all values are finite
     */
    public static String problem(String tensor, float[] values) {
        int bad = firstNonFinite(values);
        return bad < 0 ? null : "tensor \"" + tensor + "\" holds " + values[bad] + " at index " + bad + " (of " + values.length
                + " values)";
    }
}
