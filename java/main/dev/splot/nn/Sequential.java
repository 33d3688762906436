package dev.splot.nn;

import dev.splot.backend.Backend;
import dev.splot.backend.Op;
import dev.splot.backend.Shapes;
import dev.splot.backend.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A stack of layers on one backend, ending in logits for softmax cross-entropy. Built with
 * {@link #builder}: shapes are checked layer by layer at build time, names follow Keras
 * ("conv2d", "conv2d_1", ...), and parameters are initialised from the seed.
 *
 * <p><b>Threads.</b> The weights are shared; activations live in workspaces. {@link #forward} and
 * {@link #backward} (training, evaluation) use the model's own workspace and serve one thread at a
 * time: a second thread entering at the same moment, or between another thread's training forward
 * and its backward, gets an {@link IllegalStateException}, never silently mixed buffers.
 * {@link #predict} is safe from any number of threads (a workspace per call), and
 * {@link #newPredictor} gives a thread its own reusable one. Backend operations are serialised by
 * the backend, so threads share its device rather than run on it in parallel; for throughput give
 * each thread its own backend and model, or batch the requests. Do not train while predicting: the
 * weights change under the predictions.
 */
public final class Sequential implements AutoCloseable {
    private final Backend backend;
    private final List<Layer> layers;
    private final int[] inputShape;
    private final List<int[]> outputShapes;
    private final long seed;
    private final boolean fusion;
    private final FusedPasses passes;
    private final Workspace workspace = new Workspace(); // training and evaluation buffers
    private final AtomicReference<Thread> user = new AtomicReference<>(); // the thread inside forward/backward now
    private volatile Thread awaitingBackward; // the thread whose training forward has not yet been followed by backward

    private Sequential(Backend backend, List<Layer> layers, int[] inputShape, List<int[]> outputShapes, long seed, boolean fusion) {
        this.backend = backend;
        this.layers = layers;
        this.inputShape = inputShape;
        this.outputShapes = outputShapes;
        this.seed = seed;
        this.fusion = fusion;
        this.passes = new FusedPasses(layers, backend, fusion);
    }

    /**
     * The system property that sets whether models use the backend's fused ops ({@link Builder#fusion}):
     * {@code -Dsplot.fusion=false} runs every layer alone, e.g. to compare the two. Default true.
     */
    public static final String FUSION_PROPERTY = "splot.fusion";

    /**
     * Starts a model.
     *
     * @param inputShape one sample's shape, e.g. 1, 28, 28 for (channels, height, width)
     * @return a builder to add layers to
     * @throws IllegalArgumentException if a dimension is not positive
     */
    public static Builder builder(int... inputShape) {
        return new Builder(inputShape);
    }

    /** Collects layers; {@link #build} checks their shapes and allocates them on a backend. */
    public static final class Builder {
        private final int[] inputShape;
        private final List<Layer> layers = new ArrayList<>();
        private boolean fusion = fusionDefault();

        private Builder(int[] inputShape) {
            Shapes.size(inputShape);
            this.inputShape = inputShape.clone();
        }

        /**
         * @param layer the next layer, not yet part of any model
         * @return this builder
         */
        public Builder add(Layer layer) {
            layers.add(layer);
            return this;
        }

        /**
         * Whether the model calls the backend's fused ops for Conv2D-ReLU, MaxPool2D-Dropout and the
         * backward runs around them (same results, fewer passes over memory); false runs every layer
         * alone. Defaults to the system property {@link #FUSION_PROPERTY}, true when it is not set.
         *
         * @param enabled whether to fuse
         * @return this builder
         */
        public Builder fusion(boolean enabled) {
            this.fusion = enabled;
            return this;
        }

        /**
         * Checks the shapes and the backend's operations, then allocates and initialises the layers.
         *
         * @param backend where the parameters live and the model runs
         * @param seed keys the weight initialisation and the dropout masks
         * @return the model; the caller closes it
         * @throws IllegalStateException if no layer was added
         * @throws IllegalArgumentException naming the layer, if a shape does not fit, the last layer does
         *         not output a vector of logits, or the backend lacks an operation a layer needs
         */
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
            return new Sequential(backend, List.copyOf(layers), inputShape.clone(), shapes, seed, fusion);
        }
    }

    /** {@link #FUSION_PROPERTY}: true when unset; a value other than true or false is an error, not a silent default. */
    private static boolean fusionDefault() {
        String value = System.getProperty(FUSION_PROPERTY);
        if (value == null || value.equalsIgnoreCase("true")) return true;
        if (value.equalsIgnoreCase("false")) return false;
        throw new IllegalArgumentException("the system property " + FUSION_PROPERTY + " must be true or false, got '" + value + "'");
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

    /** @return the backend the model was built on */
    public Backend backend() {
        return backend;
    }

    /** @return the layers in order, unmodifiable */
    public List<Layer> layers() {
        return Collections.unmodifiableList(layers);
    }

    /** @return a copy of one sample's input shape */
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** @return the number of logits per sample (the last layer's output size) */
    public int classes() {
        return outputShapes.get(outputShapes.size() - 1)[0];
    }

    /** @return the seed the model was built with */
    public long seed() {
        return seed;
    }

    /** @return whether the model calls the backend's fused ops ({@link Builder#fusion}) */
    public boolean fusion() {
        return fusion;
    }

    /** @return all parameters in layer order (weight before bias) */
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        for (Layer l : layers) ps.addAll(l.parameters());
        return ps;
    }

    /** @return the number of trainable values */
    public long parameterCount() {
        long n = 0;
        for (Layer l : layers) n += l.parameterCount();
        return n;
    }

    /** @return all non-trainable tensors saved with the model (BatchNorm's running statistics), in layer order */
    public List<Buffer> buffers() {
        List<Buffer> bs = new ArrayList<>();
        for (Layer l : layers) bs.addAll(l.buffers());
        return bs;
    }

    /** @return all non-trainable counts saved with the model (BatchNorm's batches seen), in layer order */
    public List<Counter> counters() {
        List<Counter> cs = new ArrayList<>();
        for (Layer l : layers) cs.addAll(l.counters());
        return cs;
    }

    /**
     * Logits of a batch x[n, inputShape...], in the model's own workspace (training and evaluation);
     * the result stays valid until the next forward. One thread at a time: a second thread entering
     * while the first is inside, or between its training forward and its backward, is refused.
     * For concurrent inference use one {@link Predictor} per thread.
     *
     * @param x the batch, shape (n, inputShape...)
     * @param ctx training (dropout on) or inference, seed and step
     * @return the logits, shape (n, classes), owned by the model
     * @throws IllegalArgumentException if {@code x} has another shape, naming both
     * @throws IllegalStateException if another thread is using the model's buffers
     */
    public Tensor forward(Tensor x, ForwardContext ctx) {
        enter("forward");
        try {
            Thread me = Thread.currentThread(), pending = awaitingBackward;
            if (pending != null && pending != me) {
                throw new IllegalStateException("model used from two threads: thread '" + me.getName() + "' called forward while thread '"
                        + pending.getName() + "' has not yet run backward of its training step (a model's own buffers serve one "
                        + "thread at a time; use one Predictor per thread for inference)");
            }
            Tensor logits = forward(x, ctx, workspace);
            awaitingBackward = ctx.training() ? me : null;
            return logits;
        } finally {
            exit();
        }
    }

    /** Runs the layers in {@code ws} (the model's or a predictor's). */
    Tensor forward(Tensor x, ForwardContext ctx, Workspace ws) {
        int[] expected = new int[inputShape.length + 1];
        expected[0] = x.dim(0);
        System.arraycopy(inputShape, 0, expected, 1, inputShape.length);
        Shapes.require("model input", "x", x, expected);
        return passes.forward(x, ctx, ws);
    }

    /**
     * Backpropagates the gradient of the loss with respect to the logits, filling every parameter's
     * gradient; follows a training {@link #forward} on the same thread.
     *
     * @param dlogits gradient with respect to the logits, shape (n, classes)
     * @throws IllegalStateException if another thread is using the model's buffers, or no training
     *         forward pass preceded it
     */
    public void backward(Tensor dlogits) {
        enter("backward");
        try {
            passes.backward(dlogits, workspace);
            awaitingBackward = null;
        } finally {
            exit();
        }
    }

    private void enter(String what) {
        Thread me = Thread.currentThread();
        Thread other = user.compareAndExchange(null, me);
        if (other != null) {
            throw new IllegalStateException("model used from two threads at once: thread '" + me.getName() + "' called " + what
                    + " while thread '" + other.getName() + "' is inside the model (a model's own buffers serve one thread at a "
                    + "time; use one Predictor per thread for inference)");
        }
    }

    private void exit() {
        user.set(null);
    }

    /**
     * A new predictor: inference with its own buffers, sharing this model's weights. One per thread;
     * close it (or let it be collected) to free its buffers. Predictions do not change the model.
     *
     * @return a new predictor for this model
     */
    public Predictor newPredictor() {
        return new Predictor(this);
    }

    /**
     * Class probabilities of {@code n} samples laid out one after another (n x classes, row-major),
     * computed in batches of up to 128 in inference mode (no dropout). Safe to call from several
     * threads at once: each call has its own buffers (for repeated calls from one thread, a
     * {@link Predictor} keeps them between calls).
     *
     * @param images at least {@code n * product(inputShape)} values, sample after sample
     * @param n the number of samples
     * @return {@code n * classes} probabilities, row-major
     * @throws IllegalArgumentException if {@code images} holds fewer than {@code n} samples
     */
    public float[] predict(float[] images, int n) {
        return predict(images, n, 128);
    }

    /**
     * As {@link #predict(float[], int)}, in batches of up to {@code batchSize} samples.
     *
     * @param images at least {@code n * product(inputShape)} values, sample after sample
     * @param n the number of samples
     * @param batchSize samples per forward pass, {@code > 0}
     * @return {@code n * classes} probabilities, row-major
     * @throws IllegalArgumentException if {@code batchSize <= 0} or {@code images} is too short
     */
    public float[] predict(float[] images, int n, int batchSize) {
        // a predictor per call: its own buffers, so concurrent calls never share activations
        try (Predictor p = newPredictor()) {
            return p.predict(images, n, batchSize);
        }
    }

    /** @return a Keras-style table of layers, output shapes and parameter counts */
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

    /** Frees the model's weights and its own buffers; predictors made from it must not be used after this. */
    @Override
    public void close() {
        workspace.close();
        for (Layer l : layers) l.close();
    }
}
