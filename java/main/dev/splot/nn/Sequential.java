package dev.splot.nn;

import dev.splot.backend.Backend;
import dev.splot.backend.Op;
import dev.splot.backend.Shapes;
import dev.splot.backend.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A stack of layers on one backend, ending in logits for softmax cross-entropy. Built with
 * {@link #builder}: shapes are checked layer by layer at build time, names follow Keras
 * ("conv2d", "conv2d_1", ...), and parameters are initialised from the seed.
 */
public final class Sequential implements AutoCloseable {
    private final Backend backend;
    private final List<Layer> layers;
    private final int[] inputShape;
    private final List<int[]> outputShapes;
    private final long seed;

    private Sequential(Backend backend, List<Layer> layers, int[] inputShape, List<int[]> outputShapes, long seed) {
        this.backend = backend;
        this.layers = layers;
        this.inputShape = inputShape;
        this.outputShapes = outputShapes;
        this.seed = seed;
    }

    public static Builder builder(int... inputShape) {
        return new Builder(inputShape);
    }

    /** Collects layers; {@link #build} checks their shapes and allocates them on a backend. */
    public static final class Builder {
        private final int[] inputShape;
        private final List<Layer> layers = new ArrayList<>();

        private Builder(int[] inputShape) {
            Shapes.size(inputShape);
            this.inputShape = inputShape.clone();
        }

        public Builder add(Layer layer) {
            layers.add(layer);
            return this;
        }

        public Sequential build(Backend backend, long seed) {
            if (layers.isEmpty()) {
                throw new IllegalStateException("a Sequential model needs at least one layer");
            }
            List<int[]> shapes = ModelLimits.check(inputShape, layers).outputShapes(); // before anything is allocated
            int[] last = shapes.get(shapes.size() - 1);
            if (last.length != 1) {
                throw new IllegalArgumentException("the last layer must output logits of shape (classes,), got "
                        + Shapes.toString(last) + " — add Flatten and Dense layers");
            }
            List<String> names = layerNames(layers);
            for (int i = 0; i < layers.size(); i++) requireOps(backend, layers.get(i), i, names.get(i)); // before anything is allocated
            int[] shape = inputShape;
            List<Layer> built = new ArrayList<>();
            try {
                for (int i = 0; i < layers.size(); i++) {
                    Layer layer = layers.get(i);
                    layer.build(backend, i, shape, names.get(i), seed);
                    built.add(layer);
                    shape = shapes.get(i);
                }
            } catch (RuntimeException e) {
                built.forEach(Layer::close); // the layers already built hold backend memory
                throw e;
            }
            return new Sequential(backend, List.copyOf(layers), inputShape.clone(), shapes, seed);
        }
    }

    /** A layer needs every op of its forward and backward passes; all that are missing are named, in {@link Op} order. */
    private static void requireOps(Backend backend, Layer layer, int index, String name) {
        EnumSet<Op> missing = EnumSet.noneOf(Op.class);
        for (Op op : layer.ops()) if (!backend.supports(op)) missing.add(op);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("layer " + index + " '" + name + "' (" + layer + ") needs the operation"
                    + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing.stream().map(Op::methodName).toList())
                    + ", which the " + backend.name() + " backend does not provide (it provides " + backend.supportedOps() + ")");
        }
    }

    /** Keras-style names in layer order: "conv2d", "conv2d_1", "dense", ... */
    static List<String> layerNames(List<Layer> layers) {
        Map<String, Integer> used = new HashMap<>();
        List<String> names = new ArrayList<>();
        for (Layer layer : layers) {
            String type = layer.defaultTypeName();
            int k = used.merge(type, 1, Integer::sum) - 1;
            names.add(k == 0 ? type : type + "_" + k);
        }
        return names;
    }

    public Backend backend() {
        return backend;
    }

    public List<Layer> layers() {
        return Collections.unmodifiableList(layers);
    }

    public int[] inputShape() {
        return inputShape.clone();
    }

    public int classes() {
        return outputShapes.get(outputShapes.size() - 1)[0];
    }

    public long seed() {
        return seed;
    }

    /** All parameters in layer order (weight before bias). */
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        for (Layer l : layers) ps.addAll(l.parameters());
        return ps;
    }

    public long parameterCount() {
        long n = 0;
        for (Layer l : layers) n += l.parameterCount();
        return n;
    }

    /** Logits of a batch x[n, inputShape...]; the result belongs to the last layer. */
    public Tensor forward(Tensor x, ForwardContext ctx) {
        int[] expected = new int[inputShape.length + 1];
        expected[0] = x.dim(0);
        System.arraycopy(inputShape, 0, expected, 1, inputShape.length);
        Shapes.require("model input", "x", x, expected);
        Tensor t = x;
        for (Layer l : layers) t = l.forward(t, ctx);
        return t;
    }

    /** Backpropagates the gradient of the loss with respect to the logits, filling every parameter's gradient. */
    public void backward(Tensor dlogits) {
        Tensor g = dlogits;
        for (int i = layers.size() - 1; i >= 0; i--) {
            g = layers.get(i).backward(g, i > 0);
        }
    }

    /**
     * Class probabilities of {@code n} samples laid out one after another (n x classes, row-major),
     * computed in batches of up to 128 in inference mode (no dropout).
     */
    public float[] predict(float[] images, int n) {
        return predict(images, n, 128);
    }

    /** As {@link #predict(float[], int)}, in batches of up to {@code batchSize} samples. */
    public float[] predict(float[] images, int n, int batchSize) {
        if (batchSize <= 0) throw new IllegalArgumentException("predict: batch size must be positive, got " + batchSize);
        int k = classes();
        int size = Math.toIntExact(Shapes.size(inputShape));
        if (n < 0 || (long) n * size > images.length) {
            throw new IllegalArgumentException("predict: " + n + " samples of " + size + " values need "
                    + (long) n * size + " values, got " + images.length);
        }
        float[] out = new float[Math.multiplyExact(n, k)];
        for (int from = 0; from < n; from += batchSize) {
            int b = Math.min(batchSize, n - from);
            int[] shape = new int[inputShape.length + 1];
            shape[0] = b;
            System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
            try (Tensor x = backend.allocate(shape); Tensor probs = backend.allocate(b, k)) {
                backend.upload(x, Arrays.copyOfRange(images, from * size, (from + b) * size));
                backend.softmax(forward(x, ForwardContext.inference()), probs);
                float[] p = probs.toFloatArray();
                System.arraycopy(p, 0, out, from * k, p.length);
            }
        }
        return out;
    }

    /** A Keras-style table of layers, output shapes and parameter counts. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        String rule = "-".repeat(72) + "\n";
        sb.append("Model: sequential on ").append(backend.name()).append('\n').append(rule);
        sb.append(String.format("%-34s %-24s %12s%n", "Layer (type)", "Output Shape", "Param #")).append("=".repeat(72)).append('\n');
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            int[] s = outputShapes.get(i);
            StringBuilder shape = new StringBuilder("(None");
            for (int d : s) shape.append(", ").append(d);
            shape.append(')');
            String type = l.getClass().getSimpleName();
            sb.append(String.format("%-34s %-24s %,12d%n", l.name() + " (" + type + ")", shape, l.parameterCount()));
        }
        sb.append("=".repeat(72)).append('\n');
        sb.append(String.format("Total params: %,d%n", parameterCount()));
        sb.append(String.format("Trainable params: %,d%n", parameterCount()));
        return sb.append(rule).toString();
    }

    @Override
    public void close() {
        for (Layer l : layers) l.close();
    }
}
