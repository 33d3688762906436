package dev.splot.optim;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Creates optimizers by type name and settings, as checkpoints store them. The built-in types are
 * registered here; an application registers its own with {@link #register} before loading a
 * checkpoint that uses them.
 */
public final class Optimizers {
    private static final Map<String, Function<Map<String, String>, Optimizer>> FACTORIES = new ConcurrentHashMap<>(
            Map.of(AdaDelta.TYPE, AdaDelta::fromConfig, Sgd.TYPE, Sgd::fromConfig, Adam.TYPE, c -> Adam.fromConfig(c, false),
                    AdamW.TYPE, AdamW::fromConfig));

    private Optimizers() {}

    /**
     * Makes {@code type} creatable; the factory receives the settings an optimizer's
     * {@link Optimizer#config} returned and throws IllegalArgumentException naming a bad one.
     *
     * @param type the name checkpoints store, as {@link Optimizer#type} returns it
     * @param factory makes an optimizer from its settings
     * @throws IllegalStateException if {@code type} is already registered
     */
    public static void register(String type, Function<Map<String, String>, Optimizer> factory) {
        if (FACTORIES.putIfAbsent(type, factory) != null) {
            throw new IllegalStateException("an optimizer type '" + type + "' is already registered");
        }
    }

    /**
     * A new optimizer of {@code type} with {@code config}.
     *
     * @param type a registered type name, e.g. "adadelta"
     * @param config the settings, as {@link Optimizer#config} returned them
     * @return a new optimizer with empty state
     *
     * @throws IllegalArgumentException for an unknown type (naming the known ones) or a bad setting
     */
    public static Optimizer create(String type, Map<String, String> config) {
        Function<Map<String, String>, Optimizer> factory = FACTORIES.get(type);
        if (factory == null) {
            throw new IllegalArgumentException("optimizer \"" + type + "\" is not known (known: " + new TreeMap<>(FACTORIES).keySet()
                    + "; register other types with Optimizers.register)");
        }
        return factory.apply(config);
    }

    /** A setting of {@code config} parsed as a float, or an IllegalArgumentException naming it. */
    static float floatSetting(String type, Map<String, String> config, String key) {
        return setting(type, config, key, "a decimal number", Float::parseFloat);
    }

    /** A setting of {@code config} parsed as a long integer, or an IllegalArgumentException naming it. */
    static long longSetting(String type, Map<String, String> config, String key) {
        return setting(type, config, key, "an integer", Long::parseLong);
    }

    /** A setting of {@code config} that is "true" or "false", or an IllegalArgumentException naming it. */
    static boolean booleanSetting(String type, Map<String, String> config, String key) {
        return setting(type, config, key, "true or false", v -> switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(v);
        });
    }

    /** {@code parse} applied to the setting; a missing setting or one it refuses is an IllegalArgumentException naming it. */
    private static <T> T setting(String type, Map<String, String> config, String key, String kind, Function<String, T> parse) {
        String v = config.get(key);
        if (v == null) throw new IllegalArgumentException(type + " setting \"" + key + "\" is missing");
        try {
            return parse.apply(v);
        } catch (IllegalArgumentException e) { // NumberFormatException included
            throw new IllegalArgumentException(type + " setting \"" + key + "\" must be " + kind + ", found \"" + v + "\"");
        }
    }
}
