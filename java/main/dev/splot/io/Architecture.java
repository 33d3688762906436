package dev.splot.io;

import dev.splot.backend.Padding;
import dev.splot.nn.Conv2D;
import dev.splot.nn.Dense;
import dev.splot.nn.Dropout;
import dev.splot.nn.Flatten;
import dev.splot.nn.Layer;
import dev.splot.nn.MaxPool2D;
import dev.splot.nn.ModelLimits;
import dev.splot.nn.ReLU;
import dev.splot.nn.Sequential;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * a string keeps the rate bit-exact. Readers of another version must reject unknown layer types
 * and keys rather than guess; this one does.
 */
public final class Architecture {
    private Architecture() {}

    /**
     * The JSON description of {@code model}'s input shape and layers, in order.
     *
     * @param model the model to describe
     * @return one line of JSON, as stored under {@link Checkpoint#KEY_ARCHITECTURE}
     * @throws IllegalArgumentException for a layer type this format cannot describe
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

    private static void layer(StringBuilder json, Layer l) {
        if (l instanceof Conv2D c) {
            json.append("{\"type\":\"conv2d\",\"filters\":").append(c.filters()).append(",\"kernel_size\":[")
                    .append(c.kernelH()).append(',').append(c.kernelW()).append("],\"stride\":").append(c.stride())
                    .append(",\"padding\":\"").append(c.padding().name().toLowerCase(Locale.ROOT)).append("\"}");
        } else if (l instanceof MaxPool2D p) {
            json.append("{\"type\":\"max_pooling2d\",\"pool_size\":").append(p.pool()).append(",\"stride\":")
                    .append(p.stride()).append('}');
        } else if (l instanceof Dropout d) {
            json.append("{\"type\":\"dropout\",\"rate\":");
            Json.quote(json, Float.toString(d.rate()));
            json.append('}');
        } else if (l instanceof Dense d) {
            json.append("{\"type\":\"dense\",\"units\":").append(d.units()).append('}');
        } else if (l instanceof ReLU) {
            json.append("{\"type\":\"relu\"}");
        } else if (l instanceof Flatten) {
            json.append("{\"type\":\"flatten\"}");
        } else {
            // a new layer type must be added here and in parse(), or its checkpoints could not be reloaded
            throw new IllegalArgumentException("cannot describe layer " + l.name() + " (" + l.getClass().getName()
                    + "): add it to " + Architecture.class.getName());
        }
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
        int[] inputShape = intArray(file, top.get("input_shape"), "input_shape");
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
            try {
                built.add(switch (type) {
                    case "conv2d" -> {
                        allowOnly(file, l, where, "type", "filters", "kernel_size", "stride", "padding");
                        int[] k = intArray(file, l.get("kernel_size"), where + " kernel_size");
                        if (k.length != 2) throw fail(file, where + ": kernel_size must be [height, width]");
                        yield new Conv2D(integer(file, l.get("filters"), where + " filters"), k[0], k[1],
                                integer(file, l.get("stride"), where + " stride"), padding(file, l.get("padding"), where));
                    }
                    case "max_pooling2d" -> {
                        allowOnly(file, l, where, "type", "pool_size", "stride");
                        yield new MaxPool2D(integer(file, l.get("pool_size"), where + " pool_size"),
                                integer(file, l.get("stride"), where + " stride"));
                    }
                    case "dropout" -> {
                        allowOnly(file, l, where, "type", "rate");
                        yield new Dropout(rate(file, l.get("rate"), where));
                    }
                    case "dense" -> {
                        allowOnly(file, l, where, "type", "units");
                        yield new Dense(integer(file, l.get("units"), where + " units"));
                    }
                    case "relu" -> {
                        allowOnly(file, l, where, "type");
                        yield new ReLU();
                    }
                    case "flatten" -> {
                        allowOnly(file, l, where, "type");
                        yield new Flatten();
                    }
                    default -> throw fail(file, where + ": unknown layer type \"" + type
                            + "\" (known: conv2d, max_pooling2d, dropout, dense, relu, flatten)");
                });
            } catch (IllegalArgumentException e) { // a layer constructor rejected a value
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

    private static int integer(Path file, Object v, String what) throws CheckpointFormatException {
        if (!(v instanceof Long n) || n < 1 || n > Integer.MAX_VALUE) {
            throw fail(file, what + " must be a positive integer, found " + (v == null ? "nothing" : v));
        }
        return (int) (long) n;
    }

    private static int[] intArray(Path file, Object v, String what) throws CheckpointFormatException {
        if (!(v instanceof List<?> list) || list.size() > 8) {
            throw fail(file, what + " must be an array of at most 8 positive integers");
        }
        List<Integer> out = new ArrayList<>();
        for (Object o : list) out.add(integer(file, o, what + " element"));
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static Padding padding(Path file, Object v, String where) throws CheckpointFormatException {
        if ("valid".equals(v)) return Padding.VALID;
        if ("same".equals(v)) return Padding.SAME;
        throw fail(file, where + ": padding must be \"valid\" or \"same\", found " + (v == null ? "nothing" : v));
    }

    private static double rate(Path file, Object v, String where) throws CheckpointFormatException {
        if (v instanceof String s) {
            try {
                return Float.parseFloat(s);
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw fail(file, where + ": rate must be a decimal in a string, e.g. \"0.25\", found " + (v == null ? "nothing" : v));
    }

    private static CheckpointFormatException fail(Path file, String problem) {
        return new CheckpointFormatException(file, "architecture: " + problem);
    }
}
