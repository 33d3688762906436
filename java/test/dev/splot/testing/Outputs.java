package dev.splot.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.DType;
import dev.splot.backend.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Named results read back from a backend, for comparing one backend's with another's: integer
 * results (max-pool argmax) must be equal, and each float result is held to a tolerance relative
 * to its own largest reference value, so a small output (a bias gradient) is not judged on the
 * scale of a large one it happens to be returned with.
 */
public final class Outputs {
    private final Map<String, float[]> floats = new LinkedHashMap<>();
    private final Map<String, int[]> ints = new LinkedHashMap<>();

    /** Reads the tensor back now (FLOAT32 or INT32) and keeps it under {@code name}. */
    public Outputs add(String name, Tensor t) {
        if (t.dtype() == DType.INT32) return add(name, t.toIntArray());
        return add(name, t.toFloatArray());
    }

    public Outputs add(String name, float[] values) {
        if (floats.put(name, values) != null || ints.containsKey(name)) throw new IllegalArgumentException("two outputs named " + name);
        return this;
    }

    public Outputs add(String name, int[] values) {
        if (ints.put(name, values) != null || floats.containsKey(name)) throw new IllegalArgumentException("two outputs named " + name);
        return this;
    }

    public float[] floats(String name) {
        return floats.get(name);
    }

    public int[] ints(String name) {
        return ints.get(name);
    }

    /**
     * Every output of {@code actual} against this reference: the same names, integer outputs equal,
     * float outputs within {@code tolerance} by {@link #assertClose}, each on its own scale.
     */
    public void assertMatchedBy(Outputs actual, double tolerance, String what) {
        assertMatchedBy(actual, name -> tolerance, what);
    }

    /** As {@link #assertMatchedBy(Outputs, double, String)}, with a tolerance per output name. */
    public void assertMatchedBy(Outputs actual, ToDoubleFunction<String> tolerance, String what) {
        assertEquals(floats.keySet(), actual.floats.keySet(), what + ": float outputs");
        assertEquals(ints.keySet(), actual.ints.keySet(), what + ": integer outputs");
        for (Map.Entry<String, int[]> e : ints.entrySet()) {
            assertArrayEquals(e.getValue(), actual.ints.get(e.getKey()), what + ": " + e.getKey() + " (integers, compared exactly)");
        }
        for (Map.Entry<String, float[]> e : floats.entrySet()) {
            assertClose(what + ": " + e.getKey(), e.getValue(), actual.floats.get(e.getKey()), tolerance.applyAsDouble(e.getKey()));
        }
    }

    /** Every output of {@code other} bit for bit equal to this one's (where any NaN counts as the same value). */
    public void assertSameBitsAs(Outputs other, String what) {
        assertEquals(floats.keySet(), other.floats.keySet(), what + ": float outputs");
        for (Map.Entry<String, float[]> e : floats.entrySet()) {
            assertArrayEquals(bits(e.getValue()), bits(other.floats.get(e.getKey())), what + ": " + e.getKey() + " bits");
        }
        assertEquals(ints.keySet(), other.ints.keySet(), what + ": integer outputs");
        for (Map.Entry<String, int[]> e : ints.entrySet()) assertArrayEquals(e.getValue(), other.ints.get(e.getKey()), what + ": " + e.getKey());
    }

    private static int[] bits(float[] a) {
        int[] bits = new int[a.length];
        for (int i = 0; i < a.length; i++) bits[i] = Float.floatToIntBits(a[i]);
        return bits;
    }

    /**
     * Largest absolute difference over largest absolute reference value at most {@code tolerance};
     * NaN where the other side has none fails, and so does an all-zero reference (it proves little).
     */
    public static void assertClose(String what, float[] expected, float[] actual, double tolerance) {
        assertEquals(expected.length, actual.length, what + ": lengths");
        double maxRef = 0, maxDiff = 0;
        int worst = -1, nonZero = 0;
        for (int k = 0; k < expected.length; k++) {
            if (Float.isNaN(actual[k]) != Float.isNaN(expected[k])) {
                throw new AssertionError(what + ": NaN mismatch at " + k + ": expected " + expected[k] + ", got " + actual[k]);
            }
            maxRef = Math.max(maxRef, Math.abs(expected[k]));
            if (expected[k] != 0f) nonZero++;
            double d = Math.abs((double) expected[k] - actual[k]);
            if (d > maxDiff) {
                maxDiff = d;
                worst = k;
            }
        }
        assertTrue(nonZero > 0, what + ": the reference is all zeros, which proves little");
        double rel = maxDiff / maxRef;
        assertTrue(rel <= tolerance, String.format("%s: normalised max error %.3g > %.1g (at %d: expected %s, got %s)",
                what, rel, tolerance, worst, worst < 0 ? "" : expected[worst], worst < 0 ? "" : actual[worst]));
    }
}
