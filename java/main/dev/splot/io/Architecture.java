package dev.splot.io;

import dev.splot.nn.Layer;
import dev.splot.nn.ModelLimits;
import dev.splot.nn.Sequential;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The layer stack of a {@link Sequential} as a small JSON document, stored in a checkpoint's
 * metadata so the model can be rebuilt without the code that first built it. Example:
 *
 * <pre>{"input_shape":[1,28,28],"layers":[
 *   {"type":"conv2d","filters":32,"kernel_size":[3,3],"stride":1,"padding":"valid"},
 *   {"type":"relu"},{"type":"max_pooling2d","pool_size":2,"stride":2},
 *   {"type":"dropout","rate":"0.25"},{"type":"flatten"},{"type":"dense","units":10}]}</pre>
 *
 * <p>The dropout rate is a JSON <em>string</em> holding Java's shortest round-trip decimal of the
 * float: the header's JSON reader accepts only integers (safetensors never needs fractions), and
 * a string keeps the rate bit-exact (BatchNorm's momentum and eps likewise). Readers of another
 * version must reject unknown layer types and keys rather than guess; this one does.
 *
 * <p>Each layer's JSON form comes from its {@link LayerType} in the {@link LayerRegistry}: a
 * user-defined layer whose type is registered is written and read like a built-in one.
 */
public final class Architecture {
    private Architecture() {}

    /**
     * The JSON description of {@code model}'s input shape and layers, in order.
     *
     * @param model the model to describe
     * @return one line of JSON, as stored under {@link Checkpoint#KEY_ARCHITECTURE}
     * @throws IllegalArgumentException for a layer whose class has no registered {@link LayerType}
     */
    public static String describe(Sequential model) {
        StringBuilder json = new StringBuilder("{\"input_shape\":");
        ints(json, model.inputShape());
        json.append(",\"layers\":[");
        List<Layer> layers = model.layers();
        for (int i = 0; i < layers.size(); i++) {
            json.append(i == 0 ? "" : ",");
            layer(json, layers.get(i));
        }
        return json.append("]}").toString();
    }

    private static <L extends Layer> void layer(StringBuilder json, L l) {
        LayerType<L> type = LayerRegistry.forLayer(l);
        if (type == null) {
            throw new IllegalArgumentException("cannot describe layer " + l.name() + " (" + l.getClass().getName()
                    + "): no layer type is registered for its class; register one with LayerRegistry.register or list it in "
                    + "META-INF/services/" + LayerType.class.getName());
        }
        json.append("{\"type\":");
        Json.quote(json, type.name());
        Map<String, Object> config = type.config(l);
        if (!config.keySet().equals(new java.util.HashSet<>(type.keys()))) {
            throw new IllegalArgumentException("layer type \"" + type.name() + "\": the settings of " + l.name() + " have the keys "
                    + config.keySet() + ", its keys() say " + type.keys());
        }
        for (String key : type.keys()) { // in the type's order, whatever the map's
            json.append(',');
            Json.quote(json, key);
            json.append(':');
            Object v = config.get(key);
            if (v instanceof Integer n) json.append(n);
            else if (v instanceof int[] a) ints(json, a);
            else if (v instanceof String str) Json.quote(json, str);
            else throw new IllegalArgumentException("layer type \"" + type.name() + "\": setting " + key
                    + " is a " + (v == null ? "null" : v.getClass().getName()) + "; settings must be Integer, int[] or String");
        }
        json.append('}');
    }

    private static void ints(StringBuilder json, int[] values) {
        json.append('[');
        for (int i = 0; i < values.length; i++) json.append(i == 0 ? "" : ",").append(values[i]);
        json.append(']');
    }

    /**
     * A builder holding fresh layers as {@code json} describes them; the caller builds it on a
     * backend, where the layer shapes are checked.
     *
     * @param json a description as {@link #describe} writes it
     * @param file named in the error message
     * @param maxParameters the most parameters the description may imply (a checkpoint passes the
     *     number of values it holds), so that a hostile description cannot make the build allocate
     *     gigabytes before the tensors are compared
     * @return a builder for the described model, to be built on a backend with a seed
     * @throws CheckpointFormatException when the description is not valid JSON, names an unknown
     *     layer type or key, gives a value the layer rejects, or implies too many parameters
     */
    public static Sequential.Builder parse(String json, Path file, long maxParameters) throws CheckpointFormatException {
        Object root;
        try {
            root = Json.parse(json);
        } catch (Json.ParseException e) {
            throw fail(file, "invalid JSON: " + e.getMessage());
        }
        Map<?, ?> top = object(file, root, "the architecture");
        allowOnly(file, top, "the architecture", "input_shape", "layers");
        int[] inputShape;
        try {
            inputShape = new LayerConfig(top).positiveInts("input_shape");
        } catch (IllegalArgumentException e) {
            throw fail(file, e.getMessage());
        }
        if (inputShape.length == 0) {
            throw fail(file, "input_shape must not be empty");
        }
        Sequential.Builder builder;
        try {
            builder = Sequential.builder(inputShape);
        } catch (IllegalArgumentException e) {
            throw fail(file, "input_shape: " + e.getMessage());
        }
        if (!(top.get("layers") instanceof List<?> layers)) {
            throw fail(file, "\"layers\" must be an array of layer objects");
        }
        if (layers.isEmpty()) {
            throw fail(file, "\"layers\" is empty");
        }
        List<Layer> built = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            String where = "layer " + i;
            Map<?, ?> l = object(file, layers.get(i), where);
            if (!(l.get("type") instanceof String type)) {
                throw fail(file, where + ": \"type\" must be a string");
            }
            where += " (" + type + ")";
            LayerType<?> layerType = LayerRegistry.byName(type);
            if (layerType == null) {
                throw fail(file, where + ": unknown layer type \"" + type + "\" (known: "
                        + String.join(", ", LayerRegistry.names()) + ")");
            }
            List<String> keys = new ArrayList<>(List.of("type"));
            keys.addAll(layerType.keys());
            allowOnly(file, l, where, keys.toArray(String[]::new));
            try {
                built.add(layerType.create(new LayerConfig(l)));
            } catch (IllegalArgumentException e) { // a setting is missing, or the layer rejected a value
                throw fail(file, where + ": " + e.getMessage());
            }
        }
        requireSize(file, inputShape, built, maxParameters);
        built.forEach(builder::add);
        return builder;
    }

    /**
     * Checks the sizes as the build will ({@link ModelLimits}) and that the parameters fit in the
     * values the file holds, before anything is allocated.
     */
    private static void requireSize(Path file, int[] inputShape, List<Layer> layers, long maxParameters)
            throws CheckpointFormatException {
        long params;
        try {
            params = ModelLimits.check(inputShape, layers).parameters();
        } catch (IllegalArgumentException e) {
            throw fail(file, e.getMessage());
        }
        if (params > maxParameters) {
            throw fail(file, "the layers have " + params + " parameters, more than the " + maxParameters
                    + " values the file holds");
        }
    }

    private static Map<?, ?> object(Path file, Object v, String where) throws CheckpointFormatException {
        if (!(v instanceof Map<?, ?> m)) throw fail(file, where + " must be a JSON object");
        return m;
    }

    private static void allowOnly(Path file, Map<?, ?> m, String where, String... keys) throws CheckpointFormatException {
        for (Object k : m.keySet()) {
            if (!List.of(keys).contains(k)) {
                throw fail(file, where + ": unexpected key \"" + k + "\" (expected " + List.of(keys) + ")");
            }
        }
    }

    private static CheckpointFormatException fail(Path file, String problem) {
        return new CheckpointFormatException(file, "architecture: " + problem);
    }
}
