package dev.splot.testing;

import dev.splot.backend.Backend;
import dev.splot.backend.ConvGeometry;
import dev.splot.backend.DType;
import dev.splot.backend.LossResult;
import dev.splot.backend.Padding;
import dev.splot.backend.PoolGeometry;
import dev.splot.backend.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The seed model's training step (conv-relu-conv-relu-maxpool-dropout-dense-relu-dropout-dense, softmax
 * cross-entropy, AdaDelta with lr 1.0, rho 0.95, eps 1e-7) written once, out of {@link Backend} operations only:
 * for the tests that compare backends step by step and the hand-run timings that time each operation. It is not
 * the project's model ({@code MnistCnn} run by {@code Trainer}): nothing stands between the test and the backend.
 *
 * <p>Parameters and AdaDelta state live as long as this object; activations are allocated per batch size on first
 * use, so a last, smaller batch of an epoch gets its own.
 */
public final class SeedModelStep implements AutoCloseable {
    /** Dropout rates, and the layer indices that key the dropout masks (with the seed and the step index). */
    public static final float DROPOUT1_RATE = 0.25f, DROPOUT2_RATE = 0.5f;
    private static final int DROPOUT1_LAYER = 3, DROPOUT2_LAYER = 6;
    /** AdaDelta's settings (the seed run's). */
    public static final float LEARNING_RATE = 1.0f, RHO = 0.95f, EPSILON = 1e-7f;
    /** The names of the eight parameter tensors, in {@link Shape#parameterShapes} order. */
    public static final List<String> PARAMETERS = List.of("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
            "dense1.weight", "dense1.bias", "dense2.weight", "dense2.bias");

    /**
     * Layer sizes: 1 x size x size images, two 3x3 'valid' convolutions, 2x2 max-pooling, a hidden dense layer and
     * the classes. The geometries take the batch size, which {@link SeedModelStep} picks per call.
     */
    public record Shape(int size, int conv1Channels, int conv2Channels, int hidden, int classes) {
        /** The seed model's real sizes (docs/architecture.md): 1x28x28 -> 32 -> 64 channels, 9216 -> 128 -> 10. */
        public static final Shape SEED_MODEL = new Shape(28, 32, 64, 128, 10);

        public ConvGeometry conv1(int n) {
            return ConvGeometry.of(n, 1, size, size, conv1Channels, 3, 3, 1, Padding.VALID);
        }

        public ConvGeometry conv2(int n) {
            return ConvGeometry.of(n, conv1Channels, size - 2, size - 2, conv2Channels, 3, 3, 1, Padding.VALID);
        }

        public PoolGeometry pool(int n) {
            return PoolGeometry.of(n, conv2Channels, size - 4, size - 4, 2, 2);
        }

        /** Inputs of the first dense layer: the pooled activations of one image. */
        public int flat() {
            PoolGeometry p = pool(1);
            return p.c() * p.outH() * p.outW();
        }

        public int[][] parameterShapes() {
            return new int[][] {conv1(1).weightShape(), {conv1Channels}, conv2(1).weightShape(), {conv2Channels},
                    {hidden, flat()}, {hidden}, {classes, hidden}, {classes}};
        }

        /** FLOPs (2 per multiply-add) of one dense layer's forward pass. */
        double denseFlops(int n, int in, int out) {
            return 2.0 * n * in * out;
        }

        /**
         * FLOPs of one training step on n images: both convolutions forward and backward-weights, conv2
         * backward-data (conv1's is not needed), both dense layers forward, backward-data and backward-weights.
         */
        public double trainingStepFlops(int n) {
            return 2.0 * conv1(n).flops() + 3.0 * conv2(n).flops() + 3 * denseFlops(n, flat(), hidden) + 3 * denseFlops(n, hidden, classes);
        }
    }

    /** Runs one named operation of the step; a timing harness measures it, tests just run it. */
    public interface OpRunner {
        OpRunner DIRECT = (name, flops, op) -> op.run();

        /** @param flops the operation's FLOPs (2 per multiply-add), 0 where it is memory-bound */
        void run(String name, double flops, Runnable op);
    }

    private final Backend be;
    private final Shape shape;
    private final Tensor[] params, grads, accGrad, accDelta;
    private final Map<Integer, Activations> perBatch = new HashMap<>();

    /**
     * Glorot-uniform weights (limit sqrt(6 / (fan-in + fan-out)), as Keras starts the seed model) and biases uniform
     * in [-0.1, 0.1] (Keras starts them at zero; non-zero biases make the first step exercise every bias path), all
     * from {@code initSeed}; AdaDelta's accumulators start at zero.
     */
    public SeedModelStep(Backend be, Shape shape, long initSeed) {
        this.be = be;
        this.shape = shape;
        int[][] shapes = shape.parameterShapes();
        params = new Tensor[shapes.length];
        grads = new Tensor[shapes.length];
        accGrad = new Tensor[shapes.length];
        accDelta = new Tensor[shapes.length];
        SplittableRandom r = new SplittableRandom(initSeed);
        for (int i = 0; i < shapes.length; i++) {
            int[] s = shapes[i];
            params[i] = be.allocate(s);
            grads[i] = be.allocate(s);
            accGrad[i] = be.allocate(s);
            accDelta[i] = be.allocate(s);
            int receptive = s.length == 4 ? s[2] * s[3] : 1;
            double limit = s.length == 1 ? 0.1 : Math.sqrt(6.0 / (s[1] * receptive + s[0] * receptive));
            float[] v = new float[params[i].size()];
            for (int k = 0; k < v.length; k++) v[k] = (float) ((r.nextDouble() * 2 - 1) * limit);
            be.upload(params[i], v);
        }
    }

    public Shape shape() {
        return shape;
    }

    /** A random batch of n images (pixels uniform in [0, 1)) and labels, from {@code seed}. */
    public static Batch randomBatch(Shape shape, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * shape.size() * shape.size()];
        for (int k = 0; k < x.length; k++) x[k] = (float) r.nextDouble();
        int[] labels = new int[n];
        for (int k = 0; k < n; k++) labels[k] = r.nextInt(shape.classes());
        return new Batch(x, labels);
    }

    public record Batch(float[] images, int[] labels) {}

    /** One training step on the batch (its size is the number of labels); dropout masks are keyed by seed and step. */
    public LossResult step(Batch batch, long seed, long step) {
        return step(batch, seed, step, OpRunner.DIRECT);
    }

    /** {@link #step(Batch, long, long)} with every operation run through {@code ops} (to time each one). */
    public LossResult step(Batch batch, long seed, long step, OpRunner ops) {
        Activations a = activations(batch.labels().length);
        int n = a.n, flat = shape.flat();
        double conv1 = a.conv1.flops(), conv2 = a.conv2.flops();
        double dense1 = shape.denseFlops(n, flat, shape.hidden()), dense2 = shape.denseFlops(n, shape.hidden(), shape.classes());
        LossResult[] loss = new LossResult[1];
        ops.run("upload batch", 0, () -> {
            be.upload(a.x, batch.images());
            be.upload(a.labels, batch.labels());
        });
        ops.run("conv1 forward", conv1, () -> be.conv2dForward(a.x, params[0], params[1], a.a1, a.conv1));
        ops.run("relu1 forward", 0, () -> be.reluForward(a.a1, a.a1));
        ops.run("conv2 forward", conv2, () -> be.conv2dForward(a.a1, params[2], params[3], a.a2, a.conv2));
        ops.run("relu2 forward", 0, () -> be.reluForward(a.a2, a.a2));
        ops.run("maxpool forward", 0, () -> be.maxPoolForward(a.a2, a.pooled, a.argmax, a.pool));
        ops.run("dropout1 forward", 0, () -> be.dropoutForward(a.pooled.reshape(n, flat), a.drop1, a.mask1, DROPOUT1_RATE, seed, step,
                DROPOUT1_LAYER));
        ops.run("dense1 forward", dense1, () -> be.denseForward(a.drop1, params[4], params[5], a.hidden));
        ops.run("relu3 forward", 0, () -> be.reluForward(a.hidden, a.hidden));
        ops.run("dropout2 forward", 0, () -> be.dropoutForward(a.hidden, a.drop2, a.mask2, DROPOUT2_RATE, seed, step, DROPOUT2_LAYER));
        ops.run("dense2 forward", dense2, () -> be.denseForward(a.drop2, params[6], params[7], a.logits));
        ops.run("softmax xent", 0, () -> loss[0] = be.softmaxCrossEntropy(a.logits, a.labels, a.dlogits));
        ops.run("dense2 backward", 2 * dense2, () -> be.denseBackward(a.dlogits, a.drop2, params[6], a.dhidden, grads[6], grads[7]));
        ops.run("dropout2 backward", 0, () -> be.dropoutBackward(a.dhidden, a.mask2, a.dhidden));
        ops.run("relu3 backward", 0, () -> be.reluBackward(a.dhidden, a.hidden, a.dhidden));
        ops.run("dense1 backward", 2 * dense1, () -> be.denseBackward(a.dhidden, a.drop1, params[4], a.dflat, grads[4], grads[5]));
        ops.run("dropout1 backward", 0, () -> be.dropoutBackward(a.dflat, a.mask1, a.dflat));
        ops.run("maxpool backward", 0, () -> be.maxPoolBackward(a.dflat.reshape(a.pool.outputShape()), a.argmax, a.da2, a.pool));
        ops.run("relu2 backward", 0, () -> be.reluBackward(a.da2, a.a2, a.da2));
        ops.run("conv2 backward-weights", conv2, () -> be.conv2dBackwardWeights(a.a1, a.da2, grads[2], grads[3], a.conv2));
        ops.run("conv2 backward-data", conv2, () -> be.conv2dBackwardData(a.da2, params[2], a.da1, a.conv2));
        ops.run("relu1 backward", 0, () -> be.reluBackward(a.da1, a.a1, a.da1));
        ops.run("conv1 backward-weights", conv1, () -> be.conv2dBackwardWeights(a.x, a.da1, grads[0], grads[1], a.conv1));
        ops.run("adadelta (8 tensors)", 0, () -> {
            for (int i = 0; i < params.length; i++) be.adadeltaUpdate(params[i], grads[i], accGrad[i], accDelta[i], LEARNING_RATE, RHO, EPSILON);
        });
        return loss[0];
    }

    /** The forward pass without dropout (inference) on a batch; the loss and correct count. */
    public LossResult evaluate(Batch batch) {
        Activations a = activations(batch.labels().length);
        be.upload(a.x, batch.images());
        be.upload(a.labels, batch.labels());
        be.conv2dForward(a.x, params[0], params[1], a.a1, a.conv1);
        be.reluForward(a.a1, a.a1);
        be.conv2dForward(a.a1, params[2], params[3], a.a2, a.conv2);
        be.reluForward(a.a2, a.a2);
        be.maxPoolForward(a.a2, a.pooled, a.argmax, a.pool);
        be.denseForward(a.pooled.reshape(a.n, shape.flat()), params[4], params[5], a.hidden);
        be.reluForward(a.hidden, a.hidden);
        be.denseForward(a.hidden, params[6], params[7], a.logits);
        return be.softmaxCrossEntropy(a.logits, a.labels, null);
    }

    /** Name prefixes of {@link #state}'s gradients and AdaDelta accumulators (followed by the parameter's name). */
    public static final String GRADIENT = "grad ", GRADIENT_AVERAGE = "E[g^2] ", UPDATE_AVERAGE = "E[dx^2] ";

    /** A host copy of the parameters, the gradients and AdaDelta's two accumulators the last step left. */
    public Outputs state() {
        Outputs out = new Outputs();
        for (int i = 0; i < params.length; i++) out.add(PARAMETERS.get(i), params[i]);
        for (int i = 0; i < params.length; i++) out.add(GRADIENT + PARAMETERS.get(i), grads[i]);
        for (int i = 0; i < params.length; i++) out.add(GRADIENT_AVERAGE + PARAMETERS.get(i), accGrad[i]);
        for (int i = 0; i < params.length; i++) out.add(UPDATE_AVERAGE + PARAMETERS.get(i), accDelta[i]);
        return out;
    }

    /** A host copy of both dropout masks of the last step on n images. */
    public Outputs dropoutMasks(int n) {
        Activations a = perBatch.get(n);
        if (a == null) throw new IllegalStateException("no step has run on " + n + " images");
        return new Outputs().add("dropout1 mask", a.mask1).add("dropout2 mask", a.mask2);
    }

    private Activations activations(int n) {
        return perBatch.computeIfAbsent(n, Activations::new);
    }

    @Override
    public void close() {
        for (Activations a : perBatch.values()) a.close();
        perBatch.clear();
        for (Tensor[] group : new Tensor[][] {params, grads, accGrad, accDelta}) for (Tensor t : group) t.close();
    }

    /** The activations and their gradients for one batch size. */
    private final class Activations implements AutoCloseable {
        final int n;
        final ConvGeometry conv1, conv2;
        final PoolGeometry pool;
        final List<Tensor> all = new ArrayList<>();
        final Tensor x, labels, a1, a2, pooled, argmax, drop1, mask1, hidden, drop2, mask2, logits, dlogits, dhidden, dflat, da2, da1;

        Activations(int n) {
            this.n = n;
            conv1 = shape.conv1(n);
            conv2 = shape.conv2(n);
            pool = shape.pool(n);
            int flat = shape.flat(), h = shape.hidden();
            x = keep(be.allocate(conv1.inputShape()));
            labels = keep(be.allocate(DType.INT32, n));
            a1 = keep(be.allocate(conv1.outputShape()));
            a2 = keep(be.allocate(conv2.outputShape()));
            pooled = keep(be.allocate(pool.outputShape()));
            argmax = keep(be.allocate(DType.INT32, pool.outputShape()));
            drop1 = keep(be.allocate(n, flat));
            mask1 = keep(be.allocate(n, flat));
            hidden = keep(be.allocate(n, h));
            drop2 = keep(be.allocate(n, h));
            mask2 = keep(be.allocate(n, h));
            logits = keep(be.allocate(n, shape.classes()));
            dlogits = keep(be.allocate(n, shape.classes()));
            dhidden = keep(be.allocate(n, h));
            dflat = keep(be.allocate(n, flat));
            da2 = keep(be.allocate(conv2.outputShape()));
            da1 = keep(be.allocate(conv1.outputShape()));
        }

        private Tensor keep(Tensor t) {
            all.add(t);
            return t;
        }

        @Override
        public void close() {
            for (Tensor t : all) t.close();
        }
    }
}
