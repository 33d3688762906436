package dev.splot.train;

import dev.splot.backend.Backend;
import dev.splot.backend.DType;
import dev.splot.backend.LossResult;
import dev.splot.backend.Op;
import dev.splot.backend.Philox;
import dev.splot.backend.Tensor;
import dev.splot.data.SampleSource;
import dev.splot.nn.ForwardContext;
import dev.splot.nn.ModelLimits;
import dev.splot.nn.Parameter;
import dev.splot.nn.Sequential;
import dev.splot.optim.LearningRateSchedule;
import dev.splot.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
    private LearningRateSchedule schedule; // null: the optimizer's base rate throughout
    private Allreduce allreduce; // null: one machine
    private float[][] gradientParts; // per parameter, the host copies the allreduce sums (data-parallel only)
    private Evaluation lastEvaluation; // fit's evaluation of its test data after its last epoch; null when there is none

    /**
     * A silent trainer at epoch 0, step 0; {@link #addListener} adds what reports progress (a
     * {@link Progress} prints each epoch's progress line, as the Mnist program does).
     *
     * @param model the model to train, on the backend where training runs
     * @param optimizer updates the model's parameters after each step
     * @param batchSize samples per step (the last step of an epoch may be shorter)
     * @param seed keys the shuffling and the dropout masks
     * @throws IllegalArgumentException if the model cannot take batches of {@code batchSize}, or its
     *         backend lacks an operation the loss or the optimizer needs (naming it)
     */
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
    static void requireFits(Sequential model, SampleSource data, String role) {
        int[] takes = model.inputShape(), has = data.sampleShape();
        if (takes.length == 3 && has.length == 3 && takes[0] != has[0] && takes[1] == has[1] && takes[2] == has[2]) {
            throw new IllegalArgumentException("the " + role + " data '" + data.name() + "' has " + has[0] + " channel(s), the model takes "
                    + takes[0] + " (samples " + dev.splot.backend.Shapes.toString(has) + ", model input "
                    + dev.splot.backend.Shapes.toString(takes) + ")");
        }
        if (!java.util.Arrays.equals(takes, has)) {
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

    /**
     * Adds a listener told of every step and epoch, after those added before it.
     *
     * @param listener the listener, not null
     * @return this trainer
     */
    public Trainer addListener(TrainingListener listener) {
        listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * Sets the learning-rate schedule: before every step the optimizer's rate is set to the
     * schedule's rate for that step and epoch, from the optimizer's base rate. Without one the
     * optimizer keeps its own rate.
     *
     * @param schedule the schedule, or {@code null} for none
     * @return this trainer
     */
    public Trainer learningRateSchedule(LearningRateSchedule schedule) {
        this.schedule = schedule;
        return this;
    }

    /** @return the learning-rate schedule, or {@code null} if there is none */
    public LearningRateSchedule learningRateSchedule() { return schedule; }

    /**
     * Makes this trainer one worker of a synchronous data-parallel run: each step it computes only
     * its contiguous slice of the batch (slice {@code rank} of {@code workers}, dropout keyed by the
     * samples' indices in the whole batch), scales its gradients by slice / batch, sums them with
     * the other workers through {@code allreduce} and applies the same update as every other
     * replica. Evaluation is split the same way and summed. Every worker must call {@link #fit} with
     * the same data, seed and batch size; with one worker the results are bit-identical to a
     * trainer without it.
     *
     * @param allreduce connects this worker to the others
     * @return this trainer
     */
    public Trainer dataParallel(Allreduce allreduce) {
        this.allreduce = java.util.Objects.requireNonNull(allreduce, "allreduce");
        return this;
    }

    /** @return the number of steps done so far over all epochs (it keys the dropout masks) */
    public long step() { return step; }
    /** @return the number of epochs completed */
    public int epochsDone() { return epochsDone; }

    /** @return the seed that keys shuffling and dropout */
    public long seed() { return seed; }
    /** @return samples per step */
    public int batchSize() { return batchSize; }

    /**
     * Where training stands now; saved in checkpoints so a run can continue exactly.
     *
     * @return epochs done, step, seed, batch size, the data trained on and the learning-rate schedule
     */
    public TrainingPosition position() {
        return new TrainingPosition(epochsDone, step, seed, batchSize, dataset, samples, schedule);
    }

    /**
     * Sets where training resumes (after loading a checkpoint), without checking seed or batch size:
     * prefer {@link #resumeAt(TrainingPosition)}.
     *
     * @param epochsDone epochs already completed
     * @param step steps already done over all epochs
     */
    public void resumeAt(int epochsDone, long step) {
        this.epochsDone = epochsDone;
        this.step = step;
        lastEvaluation = null;
    }

    /**
     * The evaluation of {@code fit}'s test data after the last epoch that {@code fit} ran, with every sample's
     * prediction: what {@link #evaluate} would return for the model as that epoch left it, so a caller that wants the
     * final test numbers need not run the test set a second time.
     *
     * @return empty before {@code fit} has run an epoch, when its last call ran none, when it had no test data, in
     *         data-parallel training (whose per-epoch evaluation shares only loss and accuracy) and after
     *         {@code resumeAt}
     */
    public Optional<Evaluation> lastEvaluation() {
        return Optional.ofNullable(lastEvaluation);
    }

    /**
     * Continues from a saved position. Its seed, batch size and learning-rate schedule must be
     * this trainer's: with others the shuffling, the dropout masks, the steps or the rates would
     * differ from the interrupted run.
     *
     * @param p the position saved with the checkpoint
     * @throws IllegalArgumentException if its seed, batch size or schedule differs from this trainer's
     */
    public void resumeAt(TrainingPosition p) {
        if (p.seed() != seed || p.batchSize() != batchSize) {
            throw new IllegalArgumentException("cannot resume exactly: the checkpoint was trained with seed " + p.seed()
                    + " and batch size " + p.batchSize() + ", this trainer has seed " + seed + " and batch size " + batchSize);
        }
        if (!java.util.Objects.equals(p.schedule(), schedule)) {
            throw new IllegalArgumentException("cannot resume exactly: the checkpoint was trained with the learning-rate schedule "
                    + describe(p.schedule()) + ", this trainer has " + describe(schedule));
        }
        resumeAt(p.epochsDone(), p.step());
    }

    private static String describe(LearningRateSchedule s) {
        return s == null ? "none (a constant rate)" : "\"" + s + "\"";
    }

    /**
     * Records the last checkpoint written, so that a {@link TrainingDivergedException} can name it.
     *
     * @param description e.g. the checkpoint's file name
     */
    public void lastCheckpoint(String description) {
        this.lastCheckpoint = description;
    }

    /**
     * Trains until {@code epochs} epochs are done in total (counting those before a resume),
     * evaluating on {@code test} after each, or until a listener asks to stop
     * ({@link TrainingListener#stopRequested}, e.g. {@link EarlyStopping}).
     *
     * @param train the training data, shuffled each epoch: in memory or streamed from disk
     * @param test evaluated after each epoch (test or validation data), or {@code null} (the stats then
     *        carry NaN test values)
     * @param epochs the total number of epochs to reach
     * @param afterEpoch called with each epoch's stats (e.g. to checkpoint), or {@code null}
     * @return the stats of the epochs run by this call, in order
     * @throws TrainingDivergedException if a loss or, at the end of an epoch, a parameter is NaN or infinite
     */
    public List<EpochStats> fit(SampleSource train, SampleSource test, int epochs, Consumer<EpochStats> afterEpoch) {
        requireFits(model, train, "training");
        if (test != null) requireFits(model, test, "test");
        List<EpochStats> history = new ArrayList<>();
        dataset = train.name();
        samples = train.count();
        lastEvaluation = null;
        while (epochsDone < epochs) {
            long t0 = System.nanoTime();
            double[] trainStats = trainEpoch(train, epochsDone);
            double seconds = (System.nanoTime() - t0) / 1e9;
            requireFiniteParameters(epochsDone + 1);
            Evaluation eval = test == null ? null : allreduce == null ? evaluate(model, test, batchSize) : evaluateShared(test);
            lastEvaluation = allreduce == null ? eval : null;
            epochsDone++;
            EpochStats s = new EpochStats(epochsDone, trainStats[0], trainStats[1],
                    eval == null ? Double.NaN : eval.loss(), eval == null ? Double.NaN : eval.accuracy(),
                    seconds, train.count() / seconds, optimizer.learningRate());
            history.add(s);
            for (TrainingListener l : listeners) l.onEpoch(s);
            if (afterEpoch != null) afterEpoch.accept(s);
            if (listeners.stream().anyMatch(TrainingListener::stopRequested)) break;
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
    private double[] trainEpoch(SampleSource data, int epoch) {
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
                // this worker's slice [lo, lo + m) of the batch: all of it on one machine
                int lo = sliceStart(b, rank()), m = sliceStart(b, rank() + 1) - lo;
                if (m > 0 && (x == null || x.dim(0) != m)) {
                    InferencePass.closeAll(x, y, dlogits);
                    x = backend.allocate(InferencePass.batchShape(m, data.sampleShape()));
                    y = backend.allocate(DType.INT32, m);
                    dlogits = backend.allocate(m, model.classes());
                    if (m != xHost.length / sampleSize) {
                        xHost = new float[m * sampleSize];
                        yHost = new int[m];
                    }
                }
                double[] stepStats = {0, 0}; // loss summed over the batch's samples, correct predictions
                if (m > 0) {
                    data.gather(order, from + lo, from + lo + m, xHost, yHost);
                    backend.upload(x, xHost);
                    backend.upload(y, yHost);
                    Tensor logits = model.forward(x, new ForwardContext(true, seed, step, lo));
                    LossResult r = backend.softmaxCrossEntropy(logits, y, dlogits);
                    model.backward(dlogits);
                    stepStats[0] = r.meanLoss() * m;
                    stepStats[1] = r.correct();
                }
                if (allreduce != null) sumGradients(m, b, stepStats);
                double meanLoss = stepStats[0] / b;
                if (!Double.isFinite(meanLoss)) {
                    throw new TrainingDivergedException(String.format(
                            "loss became %s at step %d (epoch %d, batch %d of %d, samples %d..%d); training stopped. "
                                    + "Last good checkpoint: %s", meanLoss, step, epoch + 1, from / batchSize + 1,
                            (n + batchSize - 1) / batchSize, from, from + b - 1, lastCheckpoint));
                }
                if (schedule != null) optimizer.learningRate(schedule.rate(optimizer.baseLearningRate(), step, epoch));
                optimizer.step(model.parameters());
                step++;
                lossSum += stepStats[0];
                correct += (long) stepStats[1];
                if (!listeners.isEmpty()) {
                    TrainingListener.StepStats s = new TrainingListener.StepStats(epoch + 1, step, from + b, n, lossSum / (from + b),
                            correct / (double) (from + b), (System.nanoTime() - started) / 1e9, optimizer.learningRate());
                    for (TrainingListener l : listeners) l.onStep(s);
                }
            }
        } finally {
            InferencePass.closeAll(x, y, dlogits);
        }
        return new double[] {lossSum / n, correct / (double) n};
    }

    private int rank() {
        return allreduce == null ? 0 : allreduce.rank();
    }

    private int workers() {
        return allreduce == null ? 1 : allreduce.workers();
    }

    /** First sample of worker {@code rank}'s contiguous slice of a batch of {@code b} (rank = workers: b). */
    private int sliceStart(int b, int rank) {
        return (int) ((long) rank * b / workers());
    }

    /**
     * Replaces this worker's gradients (of the mean loss over its {@code m} samples) by the sum over
     * all workers of gradient x m / b, the gradient of the mean loss over the whole batch of
     * {@code b}, and {@code stats} by its sum over all workers. A worker without samples in this
     * batch ({@code m = 0}, batches smaller than the number of workers) adds zeros.
     */
    private void sumGradients(int m, int b, double[] stats) {
        List<Parameter> params = model.parameters();
        if (gradientParts == null) {
            gradientParts = new float[params.size()][];
            for (int i = 0; i < params.size(); i++) gradientParts[i] = new float[params.get(i).grad().size()];
        }
        int total = 0;
        for (float[] part : gradientParts) total += part.length;
        float[] all = new float[total];
        if (m > 0) {
            float scale = m == b ? 1f : (float) m / b; // 1 with one worker: its sum is then the single-machine gradient, bit for bit
            for (int i = 0, off = 0; i < params.size(); off += gradientParts[i].length, i++) {
                model.backend().download(params.get(i).grad(), gradientParts[i]);
                for (int k = 0; k < gradientParts[i].length; k++) all[off + k] = m == b ? gradientParts[i][k] : gradientParts[i][k] * scale;
            }
        }
        allreduce.sum(all);
        allreduce.sum(stats);
        for (int i = 0, off = 0; i < params.size(); off += gradientParts[i].length, i++) {
            System.arraycopy(all, off, gradientParts[i], 0, gradientParts[i].length);
            model.backend().upload(params.get(i).grad(), gradientParts[i]);
        }
    }

    /**
     * Data-parallel evaluation: each worker evaluates its contiguous slice of {@code data}, the sums
     * are shared. Only loss and accuracy are shared: the per-sample arrays are empty.
     */
    private Evaluation evaluateShared(SampleSource data) {
        int n = data.count();
        int from = sliceStart(n, rank()), to = sliceStart(n, rank() + 1);
        requireFits(model, data, "evaluation");
        double[] sums = InferencePass.sums(model, data, batchSize, from, to, null, null, null);
        allreduce.sum(sums);
        return new Evaluation(sums[0] / n, sums[1] / n, new int[0], new int[0], new int[0], model.classes());
    }

    /**
     * Loss, accuracy, predictions and the rank of each true class of {@code model} on {@code data},
     * in inference mode (no dropout).
     *
     * @param model the model to evaluate; uses its own buffers, so one thread at a time
     * @param data the samples and labels, in memory or streamed
     * @param batchSize samples per forward pass
     * @return mean loss, accuracy, the true and predicted class of every sample and the rank of its true class
     */
    public static Evaluation evaluate(Sequential model, SampleSource data, int batchSize) {
        int n = data.count();
        int[] predicted = new int[n], labels = new int[n], trueClassRank = new int[n];
        requireFits(model, data, "evaluation");
        double[] sums = InferencePass.sums(model, data, batchSize, 0, n, predicted, labels, trueClassRank);
        return new Evaluation(sums[0] / n, sums[1] / n, predicted, labels, trueClassRank, model.classes());
    }

    /** A permutation of 0..n-1 by Fisher-Yates with Philox draws keyed by (seed, epoch). */
    static int[] shuffledOrder(int n, long seed, int epoch) {
        return Philox.permutation(n, seed, Philox.PURPOSE_SHUFFLE, epoch);
    }
}
