package dev.splot.io;

import dev.splot.backend.Padding;
import dev.splot.nn.AvgPool2D;
import dev.splot.nn.BatchNorm2D;
import dev.splot.nn.Conv2D;
import dev.splot.nn.Dense;
import dev.splot.nn.Dropout;
import dev.splot.nn.Flatten;
import dev.splot.nn.GlobalAvgPool2D;
import dev.splot.nn.Layer;
import dev.splot.nn.MaxPool2D;
import dev.splot.nn.ReLU;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The layer types {@link Architecture} can write and read: the built-in layers, those listed in
 * {@code META-INF/services/dev.splot.io.LayerType} on the class path (found once, through the
 * thread's context class loader, as backends are), and those {@link #register registered} in code.
 * A type name and a layer class each map to one type; registering a second type for either is
 * refused, so a checkpoint can never be read with a different meaning than it was written with.
 */
public final class LayerRegistry {
    private static final Map<String, LayerType<?>> BY_NAME = new LinkedHashMap<>();
    private static final Map<Class<?>, LayerType<?>> BY_CLASS = new LinkedHashMap<>();

    static {
        add(LayerType.of("conv2d", Conv2D.class, List.of("filters", "kernel_size", "stride", "padding"),
                c -> settings("filters", c.filters(), "kernel_size", new int[] {c.kernelH(), c.kernelW()}, "stride", c.stride(),
                        "padding", c.padding().name().toLowerCase(Locale.ROOT)),
                s -> {
                    int[] k = s.positiveInts("kernel_size");
                    if (k.length != 2) throw new IllegalArgumentException("kernel_size must be [height, width]");
                    return new Conv2D(s.positiveInt("filters"), k[0], k[1], s.positiveInt("stride"), padding(s));
                }));
        add(LayerType.of("max_pooling2d", MaxPool2D.class, List.of("pool_size", "stride"),
                p -> settings("pool_size", p.pool(), "stride", p.stride()),
                s -> new MaxPool2D(s.positiveInt("pool_size"), s.positiveInt("stride"))));
        add(LayerType.of("dropout", Dropout.class, List.of("rate"), d -> settings("rate", Float.toString(d.rate())),
                s -> new Dropout(s.floatValue("rate"))));
        add(LayerType.of("dense", Dense.class, List.of("units"), d -> settings("units", d.units()),
                s -> new Dense(s.positiveInt("units"))));
        add(LayerType.of("relu", ReLU.class, List.of(), r -> settings(), s -> new ReLU()));
        add(LayerType.of("flatten", Flatten.class, List.of(), f -> settings(), s -> new Flatten()));
        add(LayerType.of("average_pooling2d", AvgPool2D.class, List.of("pool_size", "stride"),
                p -> settings("pool_size", p.pool(), "stride", p.stride()),
                s -> new AvgPool2D(s.positiveInt("pool_size"), s.positiveInt("stride"))));
        add(LayerType.of("global_average_pooling2d", GlobalAvgPool2D.class, List.of(), g -> settings(),
                s -> new GlobalAvgPool2D()));
        add(LayerType.of("batch_normalization", BatchNorm2D.class, List.of("momentum", "eps"),
                b -> settings("momentum", Float.toString(b.momentum()), "eps", Float.toString(b.eps())),
                s -> new BatchNorm2D(s.floatValue("momentum"), s.floatValue("eps"))));
        for (LayerType<?> t : ServiceLoader.load(LayerType.class, Thread.currentThread().getContextClassLoader())) add(t);
    }

    private LayerRegistry() {}

    /**
     * Makes a layer type savable and loadable, as a built-in one.
     *
     * @param type the type
     * @throws IllegalArgumentException if its name or its class already has a type
     */
    public static synchronized void register(LayerType<?> type) {
        add(type);
    }

    private static void add(LayerType<?> type) {
        LayerType<?> byName = BY_NAME.get(type.name()), byClass = BY_CLASS.get(type.layerClass());
        if (byName != null || byClass != null) {
            throw new IllegalArgumentException("cannot register " + type + ": " + (byName != null ? "the name \"" + type.name()
                    + "\" is taken by " + byName : "the class is already described by " + byClass));
        }
        BY_NAME.put(type.name(), type);
        BY_CLASS.put(type.layerClass(), type);
    }

    /**
     * @param name a JSON type name
     * @return its type, or null when none is registered
     */
    public static synchronized LayerType<?> byName(String name) {
        return BY_NAME.get(name);
    }

    /**
     * @param layer a layer
     * @param <L> its class
     * @return the type of its exact class, or null when none is registered
     */
    @SuppressWarnings("unchecked")
    public static synchronized <L extends Layer> LayerType<L> forLayer(L layer) {
        return (LayerType<L>) BY_CLASS.get(layer.getClass());
    }

    /** @return the registered type names, built-in ones first */
    public static synchronized List<String> names() {
        return new ArrayList<>(BY_NAME.keySet());
    }

    /** Alternating keys and values, in order. */
    private static Map<String, Object> settings(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        return m;
    }

    private static Padding padding(LayerConfig s) {
        String p = s.string("padding");
        if (p.equals("valid")) return Padding.VALID;
        if (p.equals("same")) return Padding.SAME;
        throw new IllegalArgumentException("padding must be \"valid\" or \"same\", found " + p);
    }
}
