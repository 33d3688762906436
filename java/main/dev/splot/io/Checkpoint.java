package dev.splot.io;

import dev.splot.backend.Backend;
import dev.splot.backend.Shapes;
import dev.splot.backend.Tensor;
import dev.splot.nn.Buffer;
import dev.splot.nn.Counter;
import dev.splot.nn.Parameter;
import dev.splot.nn.Sequential;
import dev.splot.optim.LearningRateSchedule;
import dev.splot.optim.Optimizer;
import dev.splot.optim.Optimizers;
import dev.splot.train.TrainingPosition;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model with, optionally, its optimizer's state and training position, kept in one safetensors
 * file so that training can stop and continue exactly, and other tools can read the weights.
 *
 * <p>Tensors: the model's parameters under their PyTorch-style names and shapes
 * ({@code conv2d.weight} [32,1,3,3], {@code dense_1.bias} [10], ...), its layers' non-trainable
 * state under PyTorch's names (BatchNorm: {@code NAME.running_mean}, {@code NAME.running_var} [C] and
 * {@code NAME.num_batches_tracked} [], a count stored as a float32 and exact up to 2^24), then, when an optimizer was
 * saved, its {@link Optimizer#state} tensors (AdaDelta: {@code conv2d.weight.adadelta_accumulated_grad},
 * ...{@code _delta}). Metadata (all strings): {@value #KEY_FORMAT} = {@value #FORMAT_VERSION},
 * {@value #KEY_ARCHITECTURE} (see {@link Architecture}), {@value #KEY_MODEL_SEED}; with an optimizer
 * {@value #KEY_OPTIMIZER} = its {@link Optimizer#type} and one {@code splot.optimizer.NAME} entry per
 * {@link Optimizer#config} setting (AdaDelta: lr, rho, eps as exact Java float decimals); with a
 * position {@value #KEY_EPOCHS_DONE}, {@value #KEY_STEP}, {@value #KEY_SEED}, {@value #KEY_BATCH_SIZE},
 * once known {@value #KEY_DATASET} and {@value #KEY_SAMPLES}, and with a learning-rate schedule
 * {@value #KEY_LR_SCHEDULE}. Optimizers that count steps (SGD, Adam, AdamW) keep the count in a
 * setting, {@code splot.optimizer.steps}.
 *
 * <p>Writing is atomic ({@link SafeTensors#write}). Reading checks the file ({@link SafeTensors#read}),
 * the format version, the architecture, and that the tensors are exactly the expected ones with
 * the expected shapes; every problem is a {@link CheckpointFormatException} naming the file.
 *
 * @param model the model with its weights; owned by this checkpoint
 * @param optimizer the optimizer with its state, or {@code null} if the file has none
 * @param position where training stands, or {@code null} if the file has none
 */
public record Checkpoint(Sequential model, Optimizer optimizer, TrainingPosition position) implements AutoCloseable {
    /** The format version this class writes and the only one it reads. */
    public static final String FORMAT_VERSION = "1";
    /** Metadata key of the format version. */
    public static final String KEY_FORMAT = "splot.format_version";
    /** Metadata key of the model's JSON description ({@link Architecture}). */
    public static final String KEY_ARCHITECTURE = "splot.architecture";
    /** Metadata key of the seed the model was initialised with. */
    public static final String KEY_MODEL_SEED = "splot.model.seed";
    /** Metadata key of the optimizer's type name. */
    public static final String KEY_OPTIMIZER = "splot.optimizer";
    /** Prefix of the optimizer's settings: {@code splot.optimizer.lr}, ... */
    public static final String OPTIMIZER_SETTING_PREFIX = KEY_OPTIMIZER + ".";
    /** Metadata key of {@link TrainingPosition#epochsDone}. */
    public static final String KEY_EPOCHS_DONE = "splot.training.epochs_done";
    /** Metadata key of {@link TrainingPosition#step}. */
    public static final String KEY_STEP = "splot.training.step";
    /** Metadata key of {@link TrainingPosition#seed}. */
    public static final String KEY_SEED = "splot.training.seed";
    /** Metadata key of {@link TrainingPosition#batchSize}. */
    public static final String KEY_BATCH_SIZE = "splot.training.batch_size";
    /** Metadata key of {@link TrainingPosition#dataset}. */
    public static final String KEY_DATASET = "splot.training.dataset";
    /** Metadata key of {@link TrainingPosition#samples}. */
    public static final String KEY_SAMPLES = "splot.training.samples";
    /** Metadata key of {@link TrainingPosition#schedule} in its compact form; absent for a constant rate. */
    public static final String KEY_LR_SCHEDULE = "splot.training.lr_schedule";

    /**
     * Saves {@code model}; {@code optimizer} and {@code position} may be null (then the file holds
     * only what is needed for inference and cannot resume training).
     *
     * @param file the safetensors file to write (atomically replaced)
     * @param model the model whose parameters are saved
     * @param optimizer its optimizer, or {@code null}
     * @param position where training stands, or {@code null}
     * @throws IOException if the file cannot be written, or a value is NaN or infinite (nothing is then written)
     */
    public static void save(Path file, Sequential model, Optimizer optimizer, TrainingPosition position) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(KEY_FORMAT, FORMAT_VERSION);
        meta.put(KEY_ARCHITECTURE, Architecture.describe(model));
        meta.put(KEY_MODEL_SEED, Long.toString(model.seed()));
        List<NamedTensor> tensors = new ArrayList<>();
        for (Parameter p : model.parameters()) tensors.add(download(p.name(), p.value()));
        for (Buffer b : model.buffers()) tensors.add(download(b.name(), b.value()));
        for (Counter c : model.counters()) {
            if (c.value() > MAX_EXACT_COUNT) {
                throw new IOException("not saved: " + c.name() + " = " + c.value() + " is above 2^24, the largest count a float32 "
                        + "tensor holds exactly");
            }
            tensors.add(new NamedTensor(c.name(), new int[0], new float[] {c.value()}));
        }
        if (optimizer != null) {
            meta.put(KEY_OPTIMIZER, optimizer.type());
            optimizer.config().forEach((k, v) -> meta.put(OPTIMIZER_SETTING_PREFIX + k, v));
            for (Map.Entry<String, Tensor> e : optimizer.state(model.parameters()).entrySet()) {
                tensors.add(download(e.getKey(), e.getValue()));
            }
        }
        if (position != null) {
            meta.put(KEY_EPOCHS_DONE, Integer.toString(position.epochsDone()));
            meta.put(KEY_STEP, Long.toString(position.step()));
            meta.put(KEY_SEED, Long.toString(position.seed()));
            meta.put(KEY_BATCH_SIZE, Integer.toString(position.batchSize()));
            if (position.dataset() != null) {
                meta.put(KEY_DATASET, position.dataset());
                meta.put(KEY_SAMPLES, Integer.toString(position.samples()));
            }
            if (position.schedule() != null) meta.put(KEY_LR_SCHEDULE, position.schedule().toString());
        }
        SafeTensors.write(file, tensors, meta);
    }

    /** Counters are saved as float32 scalars (as PyTorch reads them into its int64 by name), exact up to 2^24. */
    private static final long MAX_EXACT_COUNT = 1L << 24;

    /** The tensor's values; a NaN or infinity refuses the save, so every checkpoint on disk can be loaded. */
    private static NamedTensor download(String name, Tensor t) throws IOException {
        float[] values = t.toFloatArray();
        String problem = FiniteValues.problem(name, values);
        if (problem != null) throw new IOException("not saved: " + problem + "; the model has diverged");
        return new NamedTensor(name, t.shape(), values);
    }

    /**
     * Rebuilds the model described in {@code file} on {@code backend} with its saved weights, and
     * the optimizer with its state and the training position when the file has them (else null).
     * The caller closes the result (model and optimizer).
     *
     * @param file a checkpoint written by {@link #save}
     * @param backend where the model and optimizer are built
     * @return the model, and the optimizer and position or {@code null}
     * @throws CheckpointFormatException if the file is damaged, of another format version, or its
     *         tensors do not match its architecture; the message names the file
     * @throws IOException if the file cannot be read
     */
    public static Checkpoint load(Path file, Backend backend) throws IOException {
        SafeTensorsHeader f = SafeTensors.readHeader(file); // the data is read once names and shapes are checked
        Map<String, String> meta = f.metadata();
        String version = meta.get(KEY_FORMAT);
        if (version == null) {
            throw fail(file, "not a splot checkpoint: no \"" + KEY_FORMAT + "\" in the metadata (plain safetensors weights "
                    + "can be loaded into a model built in code with Checkpoint.loadWeights)");
        }
        if (!version.equals(FORMAT_VERSION)) {
            throw fail(file, "checkpoint format version \"" + version + "\" is not supported (this splot reads version "
                    + FORMAT_VERSION + ")");
        }
        String arch = meta.get(KEY_ARCHITECTURE);
        if (arch == null) throw fail(file, "no \"" + KEY_ARCHITECTURE + "\" in the metadata");
        Sequential.Builder builder = Architecture.parse(arch, file, f.totalValues());
        long modelSeed = meta.containsKey(KEY_MODEL_SEED) ? longValue(file, meta, KEY_MODEL_SEED) : 0;
        TrainingPosition position = position(file, meta);
        Sequential model;
        try {
            model = builder.build(backend, modelSeed);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw fail(file, "architecture: " + e.getMessage());
        }
        Optimizer optimizer = null;
        try {
            Map<String, Tensor> expected = modelTensors(model);
            optimizer = optimizer(file, meta);
            if (optimizer != null) expected.putAll(optimizer.state(model.parameters()));
            assign(file, f, expected, model.counters(), false);
            return new Checkpoint(model, optimizer, position);
        } catch (IOException | RuntimeException e) {
            if (optimizer != null) optimizer.close();
            model.close();
            throw e;
        }
    }

    /**
     * Overwrites the parameters of an existing {@code model} with those in {@code file}, which may be
     * any safetensors file with tensors of the same names and shapes (optimizer tensors are ignored);
     * the layers' non-trainable state (BatchNorm's running statistics) is loaded too.
     *
     * @param file a safetensors file of float32 tensors
     * @param model the model to overwrite
     * @throws CheckpointFormatException if a parameter is missing or has another shape, naming it
     * @throws IOException if the file cannot be read
     */
    public static void loadWeights(Path file, Sequential model) throws IOException {
        assign(file, SafeTensors.readHeader(file), modelTensors(model), model.counters(), true);
    }

    /** The parameters and the layers' non-trainable tensors, by name. */
    private static Map<String, Tensor> modelTensors(Sequential model) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (Parameter p : model.parameters()) m.put(p.name(), p.value());
        for (Buffer b : model.buffers()) m.put(b.name(), b.value());
        return m;
    }

    /**
     * Checks that the file holds exactly the expected tensors (allowing optimizer extras only for
     * {@code weightsOnly}) before reading any data, then reads them, checks that every value is
     * finite, and uploads them.
     */
    private static void assign(Path file, SafeTensorsHeader f, Map<String, Tensor> expected, List<Counter> counters,
            boolean weightsOnly) throws IOException {
        // expected tensors first: after a change of architecture, a shape mismatch says more than a stray name
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            if (!f.contains(e.getKey())) {
                throw fail(file, "missing tensor \"" + e.getKey() + "\" of shape " + Shapes.toString(e.getValue().shape()));
            }
            if (!Arrays.equals(f.shape(e.getKey()), e.getValue().shape())) {
                throw fail(file, "tensor \"" + e.getKey() + "\": expected shape " + Shapes.toString(e.getValue().shape())
                        + ", found " + Shapes.toString(f.shape(e.getKey())));
            }
        }
        Map<String, Counter> countersByName = new LinkedHashMap<>();
        for (Counter c : counters) {
            countersByName.put(c.name(), c);
            if (!f.contains(c.name())) throw fail(file, "missing tensor \"" + c.name() + "\" of shape [] (a count)");
            if (f.shape(c.name()).length != 0) {
                throw fail(file, "tensor \"" + c.name() + "\": expected shape [] (a count), found " + Shapes.toString(f.shape(c.name())));
            }
        }
        for (String name : f.names()) {
            if (expected.containsKey(name) || countersByName.containsKey(name) || (weightsOnly && isStateOfAParameter(name, expected))) continue;
            throw fail(file, "unexpected tensor \"" + name + "\": the model" + (f.metadata().containsKey(KEY_OPTIMIZER)
                    ? " and its optimizer have" : " has") + " no such tensor");
        }
        Map<Tensor, float[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            float[] data = f.data(e.getKey());
            String problem = FiniteValues.problem(e.getKey(), data);
            if (problem != null) throw fail(file, problem);
            values.put(e.getValue(), data);
        }
        Map<Counter, Long> counts = new LinkedHashMap<>();
        for (Counter c : counters) {
            float v = f.data(c.name())[0];
            if (!(v >= 0 && v <= MAX_EXACT_COUNT && v == Math.rint(v))) {
                throw fail(file, "tensor \"" + c.name() + "\" must hold a count (a whole number from 0 to 2^24), found " + v);
            }
            counts.put(c, (long) v);
        }
        // upload only after everything is checked, so a bad file never leaves a half-loaded model
        values.forEach((dst, data) -> dst.backend().upload(dst, data));
        counts.forEach(Counter::set);
    }

    /** Optimizer state is saved as "PARAMETER_NAME.SUFFIX"; loading weights only skips it. */
    private static boolean isStateOfAParameter(String tensor, Map<String, Tensor> parameters) {
        for (String p : parameters.keySet()) if (tensor.startsWith(p + ".")) return true;
        return false;
    }

    private static Optimizer optimizer(Path file, Map<String, String> meta) throws CheckpointFormatException {
        String type = meta.get(KEY_OPTIMIZER);
        if (type == null) return null;
        Map<String, String> config = new LinkedHashMap<>();
        meta.forEach((k, v) -> {
            if (k.startsWith(OPTIMIZER_SETTING_PREFIX)) config.put(k.substring(OPTIMIZER_SETTING_PREFIX.length()), v);
        });
        try {
            return Optimizers.create(type, config);
        } catch (IllegalArgumentException e) {
            throw fail(file, e.getMessage());
        }
    }

    private static TrainingPosition position(Path file, Map<String, String> meta) throws CheckpointFormatException {
        List<String> keys = List.of(KEY_EPOCHS_DONE, KEY_STEP, KEY_SEED, KEY_BATCH_SIZE);
        long present = keys.stream().filter(meta::containsKey).count();
        if (present == 0) return null;
        if (present != keys.size()) throw fail(file, "training position incomplete: needs all of " + keys);
        long epochs = longValue(file, meta, KEY_EPOCHS_DONE), batch = longValue(file, meta, KEY_BATCH_SIZE);
        if (epochs < 0 || epochs > Integer.MAX_VALUE || batch <= 0 || batch > Integer.MAX_VALUE) {
            throw fail(file, "training position out of range: " + KEY_EPOCHS_DONE + " " + epochs + ", " + KEY_BATCH_SIZE + " " + batch);
        }
        String dataset = meta.get(KEY_DATASET);
        if ((dataset == null) != !meta.containsKey(KEY_SAMPLES)) {
            throw fail(file, "training data incomplete: needs both or neither of " + KEY_DATASET + " and " + KEY_SAMPLES);
        }
        long samples = dataset == null ? 0 : longValue(file, meta, KEY_SAMPLES);
        if (dataset != null && (samples <= 0 || samples > Integer.MAX_VALUE)) {
            throw fail(file, "training data out of range: " + KEY_SAMPLES + " " + samples);
        }
        try {
            LearningRateSchedule schedule = meta.containsKey(KEY_LR_SCHEDULE) ? LearningRateSchedule.parse(meta.get(KEY_LR_SCHEDULE)) : null;
            return new TrainingPosition((int) epochs, longValue(file, meta, KEY_STEP), longValue(file, meta, KEY_SEED), (int) batch,
                    dataset, (int) samples, schedule);
        } catch (IllegalArgumentException e) {
            throw fail(file, e.getMessage());
        }
    }

    private static long longValue(Path file, Map<String, String> meta, String key) throws CheckpointFormatException {
        String v = meta.get(key);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw fail(file, "metadata \"" + key + "\" must be an integer, found \"" + v + "\"");
        }
    }

    private static CheckpointFormatException fail(Path file, String problem) {
        return new CheckpointFormatException(file, problem);
    }

    /** Releases the model's and the optimizer's tensors. */
    @Override
    public void close() {
        if (optimizer != null) optimizer.close();
        model.close();
    }
}
