package dev.splot.io;

import java.util.List;
import java.util.Map;

/**
 * One layer's settings as read from a checkpoint's architecture JSON, for {@link LayerType#create}.
 * Each getter checks its value and throws an {@link IllegalArgumentException} naming the key and
 * what was found; the reader adds the file and the layer.
 */
public final class LayerConfig {
    private final Map<?, ?> values;

    LayerConfig(Map<?, ?> values) {
        this.values = values;
    }

    /**
     * @param key a setting's key
     * @return its value, a positive int
     * @throws IllegalArgumentException if it is missing or not a positive integer
     */
    public int positiveInt(String key) {
        return positive(key, values.get(key));
    }

    /**
     * @param key a setting's key
     * @return its value, an array of at most 8 positive ints
     * @throws IllegalArgumentException if it is missing or not such an array
     */
    public int[] positiveInts(String key) {
        if (!(values.get(key) instanceof List<?> list) || list.size() > 8) {
            throw new IllegalArgumentException(key + " must be an array of at most 8 positive integers");
        }
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = positive(key + " element", list.get(i));
        return out;
    }

    /**
     * @param key a setting's key
     * @return its value, a string
     * @throws IllegalArgumentException if it is missing or not a string
     */
    public String string(String key) {
        Object v = values.get(key);
        if (!(v instanceof String s)) throw new IllegalArgumentException(key + " must be a string, found " + describe(v));
        return s;
    }

    /**
     * A float written as a decimal string ({@link Float#toString(float)} round-trips bit-exact).
     *
     * @param key a setting's key
     * @return its value
     * @throws IllegalArgumentException if it is missing or not a decimal in a string
     */
    public float floatValue(String key) {
        Object v = values.get(key);
        if (v instanceof String s) {
            try {
                return Float.parseFloat(s);
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new IllegalArgumentException(key + " must be a decimal in a string, e.g. \"0.25\", found " + describe(v));
    }

    private static int positive(String what, Object v) {
        if (!(v instanceof Long n) || n < 1 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " must be a positive integer, found " + describe(v));
        }
        return (int) (long) n;
    }

    private static String describe(Object v) {
        return v == null ? "nothing" : v.toString();
    }
}
