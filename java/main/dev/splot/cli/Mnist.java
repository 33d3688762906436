package dev.splot.cli;

import dev.splot.backend.Backend;
import dev.splot.backend.Backends;
import dev.splot.backend.BackendUnavailableException;
import dev.splot.data.Dataset;
import dev.splot.data.MnistData;
import dev.splot.data.SampleSource;
import dev.splot.data.ValidationSplit;
import dev.splot.io.BestCheckpoint;
import dev.splot.io.Architecture;
import dev.splot.io.Checkpoint;
import dev.splot.io.PathChecks;
import dev.splot.nn.MnistBatchNormCnn;
import dev.splot.nn.MnistCnn;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.optim.Adam;
import dev.splot.optim.AdamW;
import dev.splot.optim.LearningRateSchedule;
import dev.splot.optim.Optimizer;
import dev.splot.optim.Optimizers;
import dev.splot.optim.Sgd;
import dev.splot.train.ConfusionMatrix;
import dev.splot.train.EarlyStopping;
import dev.splot.train.EpochMetric;
import dev.splot.train.EpochStats;
import dev.splot.train.Evaluation;
import dev.splot.train.Progress;
import dev.splot.train.Trainer;
import dev.splot.train.TrainingDivergedException;
import dev.splot.train.TrainingPosition;
import dev.splot.viz.ChartLibrary;
import dev.splot.viz.TrainingPlots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Trains the classic Keras MNIST CNN (with AdaDelta unless another optimizer is chosen) and reports test accuracy.
 * Run: {@code mvn -q compile exec:java -Dexec.mainClass=Mnist -Dexec.args="--epochs 1"}.
 */
public final class Mnist {
    /** The models --model selects, the default first. */
    static final List<String> MODELS = List.of("cnn", "bn-cnn");

    static final String USAGE = String.join("\n",
            "Usage: Mnist [options]   (mvn -q compile exec:java -Dexec.mainClass=Mnist -Dexec.args=\"...\")",
            "Trains the Keras MNIST CNN (conv32-conv64-pool-dropout-dense128-dropout-dense10), by default with AdaDelta.",
            "",
            "  --backend B        " + Backends.namesForUsage() + " (default auto: the fastest that starts here)",
            "  --device SEL       OpenCL device: index or name substring (see --list-devices)",
            "  --list-devices     list the backends and OpenCL devices of this machine, then exit",
            "  --epochs N         epochs to train (default 12)",
            "  --batch-size N     samples per step (default 128)",
            "  --seed N           seed of initialisation, shuffling and dropout (default 1)",
            "  --data DIR         data folder; files go to DIR/mnist or DIR/fashion (default ./data)",
            "  --dataset D        mnist|fashion (default mnist)",
            "  --limit N          train on the first N training images only",
            "  --test-limit N     evaluate on the first N test images only (quick runs)",
            "  --optimizer O      adadelta|sgd|adam|adamw (default adadelta); PyTorch's formulas and defaults",
            "  --lr X             learning rate (default adadelta 1.0 as Keras 2; sgd, adam, adamw 1e-3 as PyTorch)",
            "  --rho X            adadelta: decay of the averages (default 0.95)",
            "  --eps X            adadelta (default 1e-7), adam, adamw (default 1e-8)",
            "  --momentum X       sgd: momentum (default 0)",
            "  --nesterov         sgd: Nesterov momentum (needs --momentum)",
            "  --weight-decay X   sgd, adam: L2 penalty (default 0); adamw: decoupled decay (default 1e-2)",
            "  --lr-schedule S    learning-rate schedule, PyTorch's closed forms over epochs (or optimizer steps",
            "                     with @step): step:S[:GAMMA] (StepLR, gamma 0.1), exp:GAMMA, cosine:T[:ETA_MIN],",
            "                     warmup:N[:START] (LinearLR from START, default 1/3), a warmup and a decay joined",
            "                     by a comma multiply: e.g. warmup:200@step,cosine:12",
            "  --validation-split F  hold out the fraction F (0 < F < 1) of the training images, chosen by --seed,",
            "                     and evaluate on them after each epoch instead of the test set (tested once at the end)",
            "  --early-stopping N stop when the validation loss has not improved for N epochs in a row (holds out",
            "                     --validation-split, default 0.1); with --checkpoint-dir, DIR/best.safetensors keeps",
            "                     the epoch with the lowest validation loss",
            "  --model M          " + String.join("|", MODELS) + ": the seed's Keras CNN (default), or Conv-BatchNorm-ReLU-MaxPool",
            "                     twice, Conv-BatchNorm-ReLU twice, GlobalAvgPool, Dense(10) (242,250 parameters)",
            "  --save FILE        save the final model, optimizer state and position (.safetensors)",
            "  --resume FILE      continue a saved run until --epochs epochs in total; its seed, batch size",
            "                     optimizer, its settings and the schedule are used (giving other values is an error)",
            "  --inexact-resume   resume although the data (--dataset, --limit, the files) differs from what the",
            "                     checkpoint was trained on; the run then differs from an uninterrupted one",
            "  --checkpoint-dir D save DIR/epoch-N.safetensors after every epoch",
            "  --plots DIR        after training write DIR/curves.png, DIR/digits.png (first 100 test images,",
            "                     misclassified ones framed) and DIR/confusion.png, and print the confusion matrix",
            "  --spark MASTER     train on Apache Spark (local[N], spark://host:7077): one barrier stage of",
            "                     --workers tasks, each with its own backend, gradients summed between them",
            "  --workers N        data-parallel workers with --spark (default 2); --batch-size is the global batch",
            "  --help             this text");

    /** Parsed command line. */
    record Options(String backend, String device, boolean listDevices, int epochs, int batchSize, long seed, Path data,
                   String dataset, int limit, int testLimit, String optimizer, Map<String, String> settings,
                   LearningRateSchedule schedule, Path save, Path resume, Path checkpointDir, Path plots, boolean inexactResume,
                   Set<String> given, double validationSplit, int earlyStopping, String model,
                   String spark, int workers) {}

    /** The options that set an optimizer setting, to the setting's name in {@link Optimizer#config}. */
    private static final Map<String, String> SETTING_OPTIONS = Map.of("--lr", "lr", "--rho", "rho", "--eps", "eps",
            "--momentum", "momentum", "--nesterov", "nesterov", "--weight-decay", "weight_decay");

    /**
     * Runs the program: trains, or lists devices, as the options say (see the usage text). Exits with
     * status 2 for bad options (or options that conflict with the checkpoint resumed), 1 for a failure
     * (a backend that cannot start, a diverged run, an I/O error), and returns normally on success.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        // the program owns this JVM: pictures are decoded and drawn off screen, so no display toolkit may start
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        exit(execute(args));
    }

    /** Runs the command line; returns the exit status (0 ok, 1 a file, the data or training failed, 2 bad options). */
    static int execute(String[] args) {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println();
            System.err.println(USAGE);
            return 2;
        }
        if (o == null) {
            System.out.println(USAGE);
            return 0;
        }
        try {
            return run(o);
        } catch (BackendUnavailableException | TrainingDivergedException | IOException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        } catch (UncheckedIOException e) { // from the per-epoch checkpoint callback
            System.err.println("error: " + e.getCause().getMessage());
            return 1;
        } catch (IllegalArgumentException e) { // options that conflict with a checkpoint, or a model that does not fit the data
            System.err.println("error: " + e.getMessage());
            return 2;
        }
    }

    /** Exits only when run as a program; under exec:java the JVM is Maven's, so a 0 status just returns. */
    private static void exit(int status) {
        if (status != 0) System.exit(status);
    }

    static int run(Options o) throws IOException {
        if (o.listDevices()) {
            System.out.println(dev.splot.Diagnostics.report());
            return 0;
        }
        if (o.plots() != null && !ChartLibrary.isPresent()) { // before any work, not after training
            System.err.println("error: " + ChartLibrary.missingMessage("--plots"));
            return 1;
        }
        if (o.given().contains("--workers") && o.spark() == null) throw new IllegalArgumentException("--workers needs --spark");
        checkPaths(o);
        MnistData.Split data = MnistData.downloadAndLoad(o.dataset(), o.data(), System.out::println);
        Dataset all = o.limit() > 0 ? data.train().limit(o.limit()) : data.train();
        Dataset test = o.testLimit() > 0 ? data.test().limit(o.testLimit()) : data.test();
        if (o.spark() != null) return MnistOnSpark.run(o, all, test);
        ValidationSplit split = o.validationSplit() > 0 ? ValidationSplit.of(all, o.validationSplit(), o.seed()) : null;
        SampleSource train = split != null ? split.train() : all;
        SampleSource evaluatedEachEpoch = split != null ? split.validation() : test; // the seed run: the test set
        try (Backend backend = Backends.open(o.backend(), o.device(), System.out::println);
             Checkpoint state = o.resume() != null ? resume(o, backend, train) : fresh(o, backend)) {
            Sequential model = state.model();
            Optimizer optimizer = state.optimizer();
            TrainingPosition start = state.position();
            System.out.println("Backend: " + backend.name() + " — " + backend.description());
            System.out.print(model.summary());
            System.out.printf("Training on %,d %s images, testing on %,d; batch %d, %d epochs, %s%s, seed %d%n",
                    train.count(), o.dataset(), test.count(), start.batchSize(), o.epochs(), optimizer,
                    start.schedule() == null ? "" : ", lr schedule " + start.schedule(), start.seed());
            if (split != null) System.out.printf("Validating on %,d held-out training images after each epoch%n", split.validation().count());
            Trainer trainer = new Trainer(model, optimizer, start.batchSize(), start.seed()).addListener(new Progress(System.out));
            trainer.learningRateSchedule(start.schedule());
            trainer.resumeAt(start);
            if (o.resume() != null) trainer.lastCheckpoint(o.resume().toString());
            EarlyStopping stopping = o.earlyStopping() > 0 ? EarlyStopping.onValidationLoss(o.earlyStopping()) : null;
            if (stopping != null) {
                trainer.addListener(stopping);
                if (o.checkpointDir() != null) {
                    trainer.addListener(new BestCheckpoint(o.checkpointDir().resolve("best.safetensors"), model, optimizer, trainer,
                            EpochMetric.VALIDATION_LOSS, EpochMetric.Mode.MIN, 0));
                }
            }
            String evaluated = split != null ? "val" : "test";
            List<EpochStats> history = trainer.fit(train, evaluatedEachEpoch, o.epochs(), s -> {
                System.out.printf(
                        "Epoch %d/%d - %.1fs - %.0f samples/s - loss: %.4f - accuracy: %.4f - %s_loss: %.4f - %s_accuracy: %.4f%n",
                        s.epoch(), o.epochs(), s.seconds(), s.samplesPerSecond(), s.trainLoss(), s.trainAccuracy(),
                        evaluated, s.testLoss(), evaluated, s.testAccuracy());
                if (o.checkpointDir() != null) {
                    Path file = o.checkpointDir().resolve("epoch-" + s.epoch() + ".safetensors");
                    save(file, model, optimizer, trainer);
                    trainer.lastCheckpoint(file.toString()); // named if a later epoch diverges
                }
            });
            if (stopping != null && stopping.stopRequested()) System.out.println("Early stopping: " + stopping);
            // without a validation split, fit has evaluated the test set after the last epoch: the same numbers, not run twice
            Optional<Evaluation> evaluatedAlready = split == null ? trainer.lastEvaluation() : Optional.empty();
            Evaluation eval = evaluatedAlready.orElseGet(() -> Trainer.evaluate(model, test, start.batchSize()));
            double seconds = history.stream().mapToDouble(EpochStats::seconds).sum();
            System.out.printf("Trained %d epochs in %.1f s (%.1f s per epoch) on %s%n", history.size(), seconds,
                    seconds / Math.max(1, history.size()), backend.name());
            System.out.println("Test loss: " + eval.loss());
            System.out.println("Test accuracy: " + eval.accuracy());
            if (o.save() != null) save(o.save(), model, optimizer, trainer);
            if (o.plots() != null) plots(o.plots(), history, test, eval, classNames(o.dataset()));
            System.out.println("Backend: " + backend.name() + " — " + backend.description());
        }
        return 0;
    }

    /** Checks the files and folders the options name before any work, so no trained run is lost at its end. */
    private static void checkPaths(Options o) throws IOException {
        if (o.resume() != null) PathChecks.requireReadableFile("--resume", o.resume());
        if (o.save() != null) PathChecks.requireWritableFile("--save", o.save());
        if (o.checkpointDir() != null) PathChecks.requireWritableDirectory("--checkpoint-dir", o.checkpointDir());
        if (o.plots() != null) PathChecks.requireWritableDirectory("--plots", o.plots());
    }

    /** A new model and optimizer from the options, at the start of training. */
    private static Checkpoint fresh(Options o, Backend backend) {
        Sequential model = buildModel(o.model(), backend, o.seed());
        return new Checkpoint(model, newOptimizer(o.optimizer(), o.settings()),
                new TrainingPosition(0, 0, o.seed(), o.batchSize(), null, 0, o.schedule()));
    }

    /** {@code type} with PyTorch's (AdaDelta: Keras 2's) defaults, overridden by the settings given. */
    static Optimizer newOptimizer(String type, Map<String, String> settings) {
        Map<String, String> config;
        try (Optimizer defaults = switch (type) {
            case AdaDelta.TYPE -> new AdaDelta();
            case Sgd.TYPE -> new Sgd();
            case Adam.TYPE -> new Adam();
            case AdamW.TYPE -> new AdamW();
            default -> throw new IllegalArgumentException("--optimizer " + type + " is not one of " + OPTIMIZERS);
        }) {
            config = new LinkedHashMap<>(defaults.config());
        }
        settings.forEach((key, value) -> {
            if (!config.containsKey(key)) {
                throw new IllegalArgumentException(option(key) + " does not apply to --optimizer " + type);
            }
            config.put(key, value);
        });
        return Optimizers.create(type, config);
    }

    private static final List<String> OPTIMIZERS = List.of(AdaDelta.TYPE, Sgd.TYPE, Adam.TYPE, AdamW.TYPE);

    /** The option that sets the optimizer setting {@code key}. */
    private static String option(String key) {
        return SETTING_OPTIONS.entrySet().stream().filter(e -> e.getValue().equals(key)).findFirst().orElseThrow().getKey();
    }

    /** The model, optimizer and position saved in --resume; options that would make the resumed run differ are refused. */
    private static Checkpoint resume(Options o, Backend backend, SampleSource train) throws IOException {
        Checkpoint c = Checkpoint.load(o.resume(), backend);
        try {
            if (c.optimizer() == null || c.position() == null) {
                throw new IllegalArgumentException(o.resume() + " holds no optimizer state or training position (saved for "
                        + "inference only), so training cannot resume from it");
            }
            if (!Arrays.equals(c.model().inputShape(), train.sampleShape()) || c.model().classes() != train.classes()) {
                throw new IllegalArgumentException(o.resume() + " holds a model for inputs " + Arrays.toString(c.model().inputShape())
                        + " and " + c.model().classes() + " classes; the data has " + Arrays.toString(train.sampleShape())
                        + " and " + train.classes());
            }
            TrainingPosition p = c.position();
            if (o.given().contains("--model")) conflict(o, "--model", o.model(), modelName(c.model()));
            conflict(o, "--seed", o.seed(), p.seed());
            conflict(o, "--batch-size", o.batchSize(), p.batchSize());
            conflict(o, "--optimizer", o.optimizer(), c.optimizer().type());
            Map<String, String> saved = c.optimizer().config();
            for (Map.Entry<String, String> e : o.settings().entrySet()) {
                if (!saved.containsKey(e.getKey())) {
                    throw new IllegalArgumentException(option(e.getKey()) + " does not apply to the checkpoint's optimizer "
                            + c.optimizer().type());
                }
                conflict(o, option(e.getKey()), e.getValue(), saved.get(e.getKey()));
            }
            conflict(o, "--lr-schedule", String.valueOf(o.schedule()), p.schedule() == null ? "none" : p.schedule().toString());
            requireSameData(o, p, train);
            System.out.printf("Resuming from %s: %d epochs done, step %d, seed %d, batch size %d, %s%n", o.resume(),
                    p.epochsDone(), p.step(), p.seed(), p.batchSize(), c.optimizer());
            if (p.epochsDone() >= o.epochs()) {
                System.out.printf("The checkpoint has %d epochs already; --epochs %d trains no more%n", p.epochsDone(), o.epochs());
            }
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /**
     * Refuses to continue on other data than the checkpoint's (another --dataset or --limit, other
     * files) or from a step that does not match its epochs, unless --inexact-resume says so, and
     * always from a step that would overflow.
     */
    private static void requireSameData(Options o, TrainingPosition p, SampleSource train) {
        if (p.dataset() != null && !o.inexactResume()) {
            if (!p.dataset().equals(train.name()) || p.samples() != train.count()) {
                throw new IllegalArgumentException(o.resume() + " was trained on \"" + p.dataset() + "\" (" + p.samples()
                        + " samples); this run would train on \"" + train.name() + "\" (" + train.count() + " samples), so it "
                        + "could not continue exactly: give the checkpoint's --dataset and --limit (and data files), or add "
                        + "--inexact-resume to continue on this data");
            }
            long expected = (long) p.epochsDone() * TrainingPosition.stepsPerEpoch(p.samples(), p.batchSize());
            if (p.step() != expected) {
                throw new IllegalArgumentException(o.resume() + " is inconsistent: step " + p.step() + " after "
                        + p.epochsDone() + " epochs of " + TrainingPosition.stepsPerEpoch(p.samples(), p.batchSize())
                        + " steps should be " + expected + " (add --inexact-resume to continue from it anyway)");
            }
        }
        long more = Math.max(0, o.epochs() - p.epochsDone()) * TrainingPosition.stepsPerEpoch(train.count(), p.batchSize());
        if (p.step() > Long.MAX_VALUE - more) {
            throw new IllegalArgumentException(o.resume() + ": step " + p.step() + " plus " + more
                    + " more steps would overflow the step counter");
        }
    }

    private static void conflict(Options o, String option, Object given, Object saved) {
        if (o.given().contains(option) && !given.equals(saved)) {
            throw new IllegalArgumentException(option + " " + given + " differs from the checkpoint's " + saved
                    + ": a resumed run keeps the checkpoint's value so that it continues exactly (leave " + option + " out)");
        }
    }

    private static void save(Path file, Sequential model, Optimizer optimizer, Trainer trainer) {
        try {
            if (file.toAbsolutePath().getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
            Checkpoint.save(file, model, optimizer, trainer.position());
            System.out.println("Saved " + file + " (" + trainer.epochsDone() + " epochs, step " + trainer.step() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("cannot save " + file + ": " + e.getMessage(), e));
        }
    }

    /** Writes the curves (when epochs were trained), the digit grid and the confusion matrix, and prints the matrix. */
    static void plots(Path dir, List<EpochStats> history, Dataset test, Evaluation eval, String[] classNames) throws IOException {
        Files.createDirectories(dir);
        if (history.isEmpty()) {
            System.out.println("No epochs trained in this run: no curves.png");
        } else {
            TrainingPlots.writeCurves(dir.resolve("curves.png"), history);
        }
        int n = Math.min(100, test.count());
        TrainingPlots.writeDigitGrid(dir.resolve("digits.png"), Arrays.copyOf(test.images(), n * test.sampleSize()), n,
                test.labels(), eval.predicted(), classNames);
        ConfusionMatrix m = eval.confusionMatrix();
        TrainingPlots.writeConfusionMatrix(dir.resolve("confusion.png"), m, classNames);
        System.out.println("Confusion matrix (rows: true class, columns: predicted):");
        System.out.print(TrainingPlots.formatConfusionMatrix(m, classNames));
        System.out.println("Wrote " + (history.isEmpty() ? "" : dir.resolve("curves.png") + ", ") + dir.resolve("digits.png")
                + ", " + dir.resolve("confusion.png"));
    }

    /** Names for the plots: digits need none; Fashion-MNIST's are its article names. */
    static String[] classNames(String dataset) {
        return dataset.equals("fashion") ? new String[] {"T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
            "Sneaker", "Bag", "Boot"} : null;
    }

    /** A --model choice: "cnn", the Keras MNIST CNN of the seed run (1,199,882 parameters), or "bn-cnn" ({@link MnistBatchNormCnn}). */
    static Sequential buildModel(String name, Backend backend, long seed) {
        return switch (name) {
            case "cnn" -> MnistCnn.build(backend, seed);
            case "bn-cnn" -> MnistBatchNormCnn.build(backend, seed);
            default -> throw new IllegalArgumentException("--model must be one of " + MODELS + ", got '" + name + "'");
        };
    }

    /** The --model choice whose layers {@code model} has, or "another model" when none. */
    private static String modelName(Sequential model) {
        String layers = Architecture.describe(model);
        for (String name : MODELS) {
            try (Sequential candidate = buildModel(name, model.backend(), 0)) {
                if (Architecture.describe(candidate).equals(layers)) return name;
            }
        }
        return "another model";
    }

    /** Returns null for --help. */
    static Options parse(String[] args) {
        String backend = "auto", device = null, dataset = "mnist", model = MODELS.get(0);
        boolean list = false, inexactResume = false;
        int epochs = 12, batch = 128, limit = 0, testLimit = 0, earlyStopping = 0;
        double validationSplit = 0;
        Path save = null, resume = null, checkpointDir = null, plots = null;
        Set<String> given = new HashSet<>();
        long seed = 1;
        String optimizer = AdaDelta.TYPE;
        Map<String, String> settings = new LinkedHashMap<>();
        LearningRateSchedule schedule = null;
        String spark = null;
        int workers = 2;
        Path data = Path.of(System.getenv().getOrDefault("SPLOT_DATA", "data"));
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            given.add(a);
            switch (a) {
                case "--help", "-h" -> { return null; }
                case "--list-devices" -> list = true;
                case "--backend" -> backend = choice(a, value(args, ++i, a), Backends.names());
                case "--device" -> device = value(args, ++i, a);
                case "--epochs" -> epochs = positive(a, value(args, ++i, a));
                case "--batch-size" -> batch = positive(a, value(args, ++i, a));
                case "--limit" -> limit = positive(a, value(args, ++i, a));
                case "--test-limit" -> testLimit = positive(a, value(args, ++i, a));
                case "--save" -> save = Path.of(value(args, ++i, a));
                case "--resume" -> resume = Path.of(value(args, ++i, a));
                case "--inexact-resume" -> inexactResume = true;
                case "--checkpoint-dir" -> checkpointDir = Path.of(value(args, ++i, a));
                case "--plots" -> plots = Path.of(value(args, ++i, a));
                case "--seed" -> seed = number(a, value(args, ++i, a));
                case "--data" -> data = Path.of(value(args, ++i, a));
                case "--dataset" -> dataset = choice(a, value(args, ++i, a), List.of("mnist", "fashion"));
                case "--optimizer" -> optimizer = choice(a, value(args, ++i, a), OPTIMIZERS);
                case "--lr", "--rho", "--eps", "--momentum", "--weight-decay" ->
                        settings.put(SETTING_OPTIONS.get(a), Float.toString(decimal(a, value(args, ++i, a))));
                case "--nesterov" -> settings.put(SETTING_OPTIONS.get(a), "true");
                case "--lr-schedule" -> schedule = LearningRateSchedule.parse(value(args, ++i, a));
                case "--validation-split" -> validationSplit = fraction(a, value(args, ++i, a));
                case "--early-stopping" -> earlyStopping = positive(a, value(args, ++i, a));
                case "--model" -> model = choice(a, value(args, ++i, a), MODELS);
                case "--spark" -> spark = value(args, ++i, a);
                case "--workers" -> workers = positive(a, value(args, ++i, a));
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        // refuses settings out of range or for another optimizer now, not after the data is loaded; a resumed run's
        // optimizer is the checkpoint's, so without --optimizer its settings are checked against that one later
        if (resume == null || given.contains("--optimizer")) newOptimizer(optimizer, settings).close();
        if (spark != null && (plots != null || device != null || validationSplit > 0 || earlyStopping > 0)) {
            throw new IllegalArgumentException("--spark trains on the executors: --plots, --device, --validation-split and "
                    + "--early-stopping are for one machine");
        }
        if (earlyStopping > 0 && validationSplit == 0) validationSplit = 0.1; // early stopping watches held-out data, never the test set
        return new Options(backend, device, list, epochs, batch, seed, data, dataset, limit, testLimit, optimizer, Map.copyOf(settings),
                schedule, save, resume, checkpointDir, plots, inexactResume, Set.copyOf(given), validationSplit, earlyStopping,
                model, spark, workers);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) throw new IllegalArgumentException(option + " needs a value");
        return args[i];
    }

    private static String choice(String option, String v, List<String> allowed) {
        if (!allowed.contains(v)) throw new IllegalArgumentException(option + " must be one of " + allowed + ", got '" + v + "'");
        return v;
    }

    private static long number(String option, String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs an integer, got '" + v + "'");
        }
    }

    private static int positive(String option, String v) {
        long n = number(option, v);
        if (n <= 0 || n > Integer.MAX_VALUE) throw new IllegalArgumentException(option + " must be a positive integer, got '" + v + "'");
        return (int) n;
    }

    private static double fraction(String option, String v) {
        double x = parsed(option, v, Double::parseDouble);
        if (!(x > 0 && x < 1)) throw new IllegalArgumentException(option + " must be a fraction between 0 and 1 (exclusive), got '" + v + "'");
        return x;
    }

    private static float decimal(String option, String v) {
        float x = parsed(option, v, Float::parseFloat);
        if (!Float.isFinite(x)) throw new IllegalArgumentException(option + " needs a finite number, got '" + v + "'");
        return x;
    }

    private static <T> T parsed(String option, String v, java.util.function.Function<String, T> parse) {
        try {
            return parse.apply(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number, got '" + v + "'");
        }
    }
}
