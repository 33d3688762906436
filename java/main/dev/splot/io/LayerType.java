package dev.splot.io;

import dev.splot.nn.Layer;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * How one kind of layer is written to and rebuilt from a checkpoint's architecture JSON: its type
 * name (the JSON {@code "type"}), its class, the keys of its settings and the two conversions. The
 * built-in layers have one each; a user-defined layer becomes savable like them once its type is
 * in the {@link LayerRegistry} (registered in code, or listed in
 * {@code META-INF/services/dev.splot.io.LayerType} of its jar with a public no-argument
 * constructor). {@link #of} builds one from two functions.
 *
 * <p>Settings are JSON values: an {@link Integer} (a positive integer), an {@code int[]} (an array
 * of positive integers), or a {@link String}. Store a float as the string of
 * {@link Float#toString(float)}, which {@link LayerConfig#floatValue} reads back bit-exact.
 *
 * @param <L> the layer class
 */
public interface LayerType<L extends Layer> {
    /** @return the JSON type name, e.g. "conv2d"; unique in the registry */
    String name();

    /** @return the exact class of the layers this type writes (subclasses need their own type) */
    Class<L> layerClass();

    /** @return the keys of the settings besides "type", in the order they are written; a reader refuses any other key */
    List<String> keys();

    /**
     * The settings of {@code layer} that rebuild it, one per {@link #keys()} entry.
     *
     * @param layer a layer of {@link #layerClass()}
     * @return key to value (Integer, int[] or String) for exactly the {@link #keys()}, written in their order
     */
    Map<String, Object> config(L layer);

    /**
     * A fresh, unbuilt layer from its settings.
     *
     * @param config the settings read from the JSON
     * @return the layer
     * @throws IllegalArgumentException when a setting is missing or out of range, naming it
     */
    L create(LayerConfig config);

    /**
     * A layer type from its parts.
     *
     * @param name the JSON type name
     * @param layerClass the layer class
     * @param keys the setting keys, in writing order
     * @param config the settings of a layer
     * @param create a fresh layer from settings
     * @param <L> the layer class
     * @return the type
     */
    static <L extends Layer> LayerType<L> of(String name, Class<L> layerClass, List<String> keys,
            Function<L, Map<String, Object>> config, Function<LayerConfig, L> create) {
        List<String> keyList = List.copyOf(keys);
        return new LayerType<>() {
            @Override public String name() { return name; }
            @Override public Class<L> layerClass() { return layerClass; }
            @Override public List<String> keys() { return keyList; }
            @Override public Map<String, Object> config(L layer) { return config.apply(layer); }
            @Override public L create(LayerConfig c) { return create.apply(c); }
            @Override public String toString() { return "LayerType(" + name + ", " + layerClass.getName() + ")"; }
        };
    }
}
