package dev.splot.train;

import dev.splot.backend.Backend;
import dev.splot.backend.DType;
import dev.splot.backend.LossResult;
import dev.splot.backend.Op;
import dev.splot.backend.Philox;
import dev.splot.backend.Tensor;
import dev.splot.data.Dataset;
import dev.splot.nn.ForwardContext;
import dev.splot.nn.ModelLimits;
import dev.splot.nn.Parameter;
import dev.splot.nn.Sequential;
import dev.splot.optim.Optimizer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The training loop: shuffles each epoch (Philox keyed by seed and epoch), uploads one batch and
 * its labels per step, runs forward, loss, backward and the optimizer on the backend, and reads
 * back only the loss and the count of correct predictions.
 */
public final class Trainer {
    private final Sequential model;
    private final Optimizer optimizer;
    private final int batchSize;
    private final long seed;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private long step; // global step number: keys the dropout masks
    private int epochsDone;
    private String lastCheckpoint = "none";
    private String dataset; // what fit trained on, recorded in the position
    private int samples;

    /**
     * A trainer that prints each epoch's progress to {@code progress} (a {@link Progress} listener;
     * null: silent). Library code that logs elsewhere uses the constructor without it and adds its
     * own {@link TrainingListener}.
     */
    public Trainer(Sequential model, Optimizer optimizer, int batchSize, long seed, PrintStream progress) {
        this(model, optimizer, batchSize, seed);
        if (progress != null) addListener(new Progress(progress));
    }

    /** A silent trainer; see {@link #addListener}. */
    public Trainer(Sequential model, Optimizer optimizer, int batchSize, long seed) {
        ModelLimits.requireBatch(model, batchSize); // before any buffer of batchSize samples is made
        requireOp(model.backend(), Op.SOFTMAX_CROSS_ENTROPY, "the loss");
        for (Op op : optimizer.ops()) requireOp(model.backend(), op, "the optimizer " + optimizer.type());
        this.model = model;
        this.optimizer = optimizer;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    /**
     * The data's samples must have the model's input shape and its labels must be classes the model
     * outputs: checked before the first step, not discovered as a bad label (or a shape error) mid-epoch.
     */
    static void requireFits(Sequential model, Dataset data, String role) {
        if (!java.util.Arrays.equals(model.inputShape(), data.sampleShape())) {
            throw new IllegalArgumentException("the " + role + " data '" + data.name() + "' has samples of shape "
                    + dev.splot.backend.Shapes.toString(data.sampleShape()) + ", the model takes "
                    + dev.splot.backend.Shapes.toString(model.inputShape()));
        }
        if (data.classes() > model.classes()) {
            throw new IllegalArgumentException("the " + role + " data '" + data.name() + "' has " + data.classes()
                    + " classes, the model outputs " + model.classes() + " (its last Dense layer needs " + data.classes() + " units)");
        }
    }

    /** The model's layers were checked when it was built; the loss and the optimizer are checked here. */
    private static void requireOp(Backend backend, Op op, String who) {
        if (!backend.supports(op)) {
            throw new IllegalArgumentException(who + " needs the operation " + op.methodName() + ", which the " + backend.name()
                    + " backend does not provide (it provides " + backend.supportedOps() + ")");
        }
    }

    /** Adds a listener told of every step and epoch, after those added before it. */
    public Trainer addListener(TrainingListener listener) {
        listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
        return this;
    }

    public long step() { return step; }
    public int epochsDone() { return epochsDone; }

    public long seed() { return seed; }
    public int batchSize() { return batchSize; }

    /** Where training stands now; saved in checkpoints so a run can continue exactly. */
    public TrainingPosition position() {
        return new TrainingPosition(epochsDone, step, seed, batchSize, dataset, samples);
    }

    /** Sets where training resumes (after loading a checkpoint). */
    public void resumeAt(int epochsDone, long step) {
        this.epochsDone = epochsDone;
        this.step = step;
    }

    /**
     * Continues from a saved position. Its seed and batch size must be this trainer's: with
     * others the shuffling, the dropout masks and the steps would differ from the interrupted run.
     */
    public void resumeAt(TrainingPosition p) {
        if (p.seed() != seed || p.batchSize() != batchSize) {
            throw new IllegalArgumentException("cannot resume exactly: the checkpoint was trained with seed " + p.seed()
                    + " and batch size " + p.batchSize() + ", this trainer has seed " + seed + " and batch size " + batchSize);
        }
        resumeAt(p.epochsDone(), p.step());
    }

    /** Named in the message when training diverges. */
    public void lastCheckpoint(String description) {
        this.lastCheckpoint = description;
    }

    /** Trains until {@code epochs} epochs are done in total, evaluating on {@code test} after each; calls {@code afterEpoch}. */
    public List<EpochStats> fit(Dataset train, Dataset test, int epochs, Consumer<EpochStats> afterEpoch) {
        requireFits(model, train, "training");
        if (test != null) requireFits(model, test, "test");
        List<EpochStats> history = new ArrayList<>();
        dataset = train.name();
        samples = train.count();
        while (epochsDone < epochs) {
            long t0 = System.nanoTime();
            double[] trainStats = trainEpoch(train, epochsDone);
            double seconds = (System.nanoTime() - t0) / 1e9;
            requireFiniteParameters(epochsDone + 1);
            Evaluation eval = test == null ? null : evaluate(model, test, batchSize);
            epochsDone++;
            EpochStats s = new EpochStats(epochsDone, trainStats[0], trainStats[1],
                    eval == null ? Double.NaN : eval.loss(), eval == null ? Double.NaN : eval.accuracy(),
                    seconds, train.count() / seconds);
            history.add(s);
            for (TrainingListener l : listeners) l.onEpoch(s);
            if (afterEpoch != null) afterEpoch.accept(s);
        }
        return history;
    }

    /**
     * The per-step guard sees only the loss, and ReLU maps NaN to 0, so NaN weights in front of a
     * ReLU can leave the loss finite. Checking every parameter once per epoch (one read-back of the
     * weights, small next to an epoch) keeps such a model from being reported or checkpointed as good.
     */
    private void requireFiniteParameters(int epoch) {
        for (Parameter p : model.parameters()) {
            float[] v = p.value().toFloatArray();
            int bad = 0;
            for (float f : v) if (!Float.isFinite(f)) bad++;
            if (bad > 0) {
                throw new TrainingDivergedException(String.format(
                        "parameter %s has %d NaN or infinite values (of %d) at the end of epoch %d (step %d), although "
                                + "every loss was finite; training stopped. Last good checkpoint: %s",
                        p.name(), bad, v.length, epoch, step, lastCheckpoint));
            }
        }
    }

    /** One pass over the shuffled training set; returns {mean loss, accuracy}. */
    private double[] trainEpoch(Dataset data, int epoch) {
        Backend backend = model.backend();
        int n = data.count();
        int[] order = shuffledOrder(n, seed, epoch);
        int sampleSize = data.sampleSize();
        float[] xHost = new float[batchSize * sampleSize];
        int[] yHost = new int[batchSize];
        double lossSum = 0;
        long correct = 0;
        long started = System.nanoTime();
        Tensor x = null, y = null, dlogits = null;
        try {
            for (int from = 0; from < n; from += batchSize) {
                int b = Math.min(batchSize, n - from);
                if (x == null || x.dim(0) != b) {
                    closeAll(x, y, dlogits);
                    x = backend.allocate(batchShape(b, data.sampleShape()));
                    y = backend.allocate(DType.INT32, b);
                    dlogits = backend.allocate(b, model.classes());
                    if (b != xHost.length / sampleSize) {
                        xHost = new float[b * sampleSize];
                        yHost = new int[b];
                    }
                }
                data.gather(order, from, from + b, xHost, yHost);
                backend.upload(x, xHost);
                backend.upload(y, yHost);
                Tensor logits = model.forward(x, new ForwardContext(true, seed, step));
                LossResult r = backend.softmaxCrossEntropy(logits, y, dlogits);
                if (!Double.isFinite(r.meanLoss())) {
                    throw new TrainingDivergedException(String.format(
                            "loss became %s at step %d (epoch %d, batch %d of %d, samples %d..%d); training stopped. "
                                    + "Last good checkpoint: %s", r.meanLoss(), step, epoch + 1, from / batchSize + 1,
                            (n + batchSize - 1) / batchSize, from, from + b - 1, lastCheckpoint));
                }
                model.backward(dlogits);
                optimizer.step(model.parameters());
                step++;
                lossSum += r.meanLoss() * b;
                correct += r.correct();
                if (!listeners.isEmpty()) {
                    TrainingListener.StepStats s = new TrainingListener.StepStats(epoch + 1, step, from + b, n, lossSum / (from + b),
                            correct / (double) (from + b), (System.nanoTime() - started) / 1e9);
                    for (TrainingListener l : listeners) l.onStep(s);
                }
            }
        } finally {
            closeAll(x, y, dlogits);
        }
        return new double[] {lossSum / n, correct / (double) n};
    }

    /** Loss, accuracy and predictions of {@code model} on {@code data}, in inference mode (no dropout). */
    public static Evaluation evaluate(Sequential model, Dataset data, int batchSize) {
        requireFits(model, data, "evaluation");
        Backend backend = model.backend();
        int n = data.count(), k = model.classes();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        int[] predicted = new int[n];
        double lossSum = 0;
        long correct = 0;
        float[] xHost = new float[Math.min(batchSize, n) * data.sampleSize()];
        int[] yHost = new int[Math.min(batchSize, n)];
        float[] logitsHost = new float[Math.min(batchSize, n) * k];
        Tensor x = null, y = null;
        try {
            for (int from = 0; from < n; from += batchSize) {
                int b = Math.min(batchSize, n - from);
                if (x == null || x.dim(0) != b) {
                    closeAll(x, y);
                    x = backend.allocate(batchShape(b, data.sampleShape()));
                    y = backend.allocate(DType.INT32, b);
                    xHost = new float[b * data.sampleSize()];
                    yHost = new int[b];
                    logitsHost = new float[b * k];
                }
                data.gather(order, from, from + b, xHost, yHost);
                backend.upload(x, xHost);
                backend.upload(y, yHost);
                Tensor logits = model.forward(x, ForwardContext.inference());
                LossResult r = backend.softmaxCrossEntropy(logits, y, null);
                backend.download(logits, logitsHost);
                for (int i = 0; i < b; i++) predicted[from + i] = argmax(logitsHost, i * k, k);
                lossSum += r.meanLoss() * b;
                correct += r.correct();
            }
        } finally {
            closeAll(x, y);
        }
        return new Evaluation(lossSum / n, correct / (double) n, predicted);
    }

    /** A permutation of 0..n-1 by Fisher-Yates with Philox draws keyed by (seed, epoch). */
    static int[] shuffledOrder(int n, long seed, int epoch) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--) {
            long bits = Philox.bits(seed, Philox.PURPOSE_SHUFFLE, epoch, 0, i) & 0xFFFFFFFFL;
            int j = (int) ((bits * (i + 1)) >>> 32); // unbiased enough for n << 2^32 (bias below 2^-16)
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    static int argmax(float[] a, int off, int len) {
        int best = 0;
        for (int j = 1; j < len; j++) if (a[off + j] > a[off + best]) best = j;
        return best;
    }

    private static int[] batchShape(int batch, int[] sample) {
        int[] s = new int[sample.length + 1];
        s[0] = batch;
        System.arraycopy(sample, 0, s, 1, sample.length);
        return s;
    }

    private static void closeAll(Tensor... ts) {
        for (Tensor t : ts) if (t != null) t.close();
    }
}
