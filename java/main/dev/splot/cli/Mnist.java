package dev.splot.cli;

import dev.splot.backend.Backend;
import dev.splot.backend.Backends;
import dev.splot.backend.BackendUnavailableException;
import dev.splot.data.Dataset;
import dev.splot.data.MnistData;
import dev.splot.io.Checkpoint;
import dev.splot.io.PathChecks;
import dev.splot.nn.MnistCnn;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.optim.Optimizer;
import dev.splot.train.EpochStats;
import dev.splot.train.Evaluation;
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
import java.util.List;
import java.util.Set;

/**
 * Trains the classic Keras MNIST CNN with AdaDelta and reports test accuracy.
 * Run: {@code mvn -q compile exec:java -Dexec.mainClass=Mnist -Dexec.args="--epochs 1"}.
 */
public final class Mnist {

    static final String USAGE = String.join("\n",
            "Usage: Mnist [options]   (mvn -q compile exec:java -Dexec.mainClass=Mnist -Dexec.args=\"...\")",
            "Trains the Keras MNIST CNN (conv32-conv64-pool-dropout-dense128-dropout-dense10) with AdaDelta.",
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
            "  --lr X, --rho X, --eps X   AdaDelta settings (default 1.0, 0.95, 1e-7: Keras 2)",
            "  --save FILE        save the final model, optimizer state and position (.safetensors)",
            "  --resume FILE      continue a saved run until --epochs epochs in total; its seed, batch size",
            "                     and AdaDelta settings are used (giving other values is an error)",
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
                   String dataset, int limit, int testLimit, float lr, float rho, float eps, Path save, Path resume,
                   Path checkpointDir, Path plots, boolean inexactResume, Set<String> given, String spark, int workers) {}

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
        MnistData.Split data = MnistData.downloadAndLoad(o.dataset(), o.data(), System.out);
        Dataset train = o.limit() > 0 ? data.train().limit(o.limit()) : data.train();
        Dataset test = o.testLimit() > 0 ? data.test().limit(o.testLimit()) : data.test();
        if (o.spark() != null) return MnistOnSpark.run(o, train, test);
        try (Backend backend = Backends.open(o.backend(), o.device(), System.out);
             Checkpoint state = o.resume() != null ? resume(o, backend, train) : fresh(o, backend)) {
            Sequential model = state.model();
            Optimizer optimizer = state.optimizer();
            TrainingPosition start = state.position();
            System.out.println("Backend: " + backend.name() + " — " + backend.description());
            System.out.print(model.summary());
            System.out.printf("Training on %,d %s images, testing on %,d; batch %d, %d epochs, %s, seed %d%n",
                    train.count(), o.dataset(), test.count(), start.batchSize(), o.epochs(), optimizer, start.seed());
            Trainer trainer = new Trainer(model, optimizer, start.batchSize(), start.seed(), System.out);
            trainer.resumeAt(start);
            if (o.resume() != null) trainer.lastCheckpoint(o.resume().toString());
            List<EpochStats> history = trainer.fit(train, test, o.epochs(), s -> {
                System.out.printf(
                        "Epoch %d/%d - %.1fs - %.0f samples/s - loss: %.4f - accuracy: %.4f - test_loss: %.4f - test_accuracy: %.4f%n",
                        s.epoch(), o.epochs(), s.seconds(), s.samplesPerSecond(), s.trainLoss(), s.trainAccuracy(),
                        s.testLoss(), s.testAccuracy());
                if (o.checkpointDir() != null) {
                    Path file = o.checkpointDir().resolve("epoch-" + s.epoch() + ".safetensors");
                    save(file, model, optimizer, trainer);
                    trainer.lastCheckpoint(file.toString()); // named if a later epoch diverges
                }
            });
            Evaluation eval = Trainer.evaluate(model, test, start.batchSize());
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
        Sequential model = buildModel(backend, o.seed());
        return new Checkpoint(model, new AdaDelta(o.lr(), o.rho(), o.eps()), new TrainingPosition(0, 0, o.seed(), o.batchSize()));
    }

    /** The model, optimizer and position saved in --resume; options that would make the resumed run differ are refused. */
    private static Checkpoint resume(Options o, Backend backend, Dataset train) throws IOException {
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
            if (!(c.optimizer() instanceof AdaDelta saved)) {
                throw new IllegalArgumentException(o.resume() + " was trained with the optimizer " + c.optimizer().type()
                        + "; Mnist trains with adadelta");
            }
            TrainingPosition p = c.position();
            conflict(o, "--seed", o.seed(), p.seed());
            conflict(o, "--batch-size", o.batchSize(), p.batchSize());
            conflict(o, "--lr", o.lr(), saved.learningRate());
            conflict(o, "--rho", o.rho(), saved.rho());
            conflict(o, "--eps", o.eps(), saved.epsilon());
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
    private static void requireSameData(Options o, TrainingPosition p, Dataset train) {
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
        int[][] m = TrainingPlots.confusionMatrix(test.labels(), eval.predicted(), test.classes());
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

    /** The Keras MNIST CNN of the seed run: 1,199,882 parameters. */
    static Sequential buildModel(Backend backend, long seed) {
        return MnistCnn.build(backend, seed);
    }

    /** Returns null for --help. */
    static Options parse(String[] args) {
        String backend = "auto", device = null, dataset = "mnist";
        boolean list = false, inexactResume = false;
        int epochs = 12, batch = 128, limit = 0, testLimit = 0;
        Path save = null, resume = null, checkpointDir = null, plots = null;
        Set<String> given = new HashSet<>();
        long seed = 1;
        String spark = null;
        int workers = 2;
        float lr = 1.0f, rho = 0.95f, eps = 1e-7f;
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
                case "--lr" -> lr = decimal(a, value(args, ++i, a));
                case "--rho" -> rho = decimal(a, value(args, ++i, a));
                case "--eps" -> eps = decimal(a, value(args, ++i, a));
                case "--spark" -> spark = value(args, ++i, a);
                case "--workers" -> workers = positive(a, value(args, ++i, a));
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        new AdaDelta(lr, rho, eps).close(); // refuses values out of range now, not after the data is loaded
        if (spark != null && (plots != null || device != null)) {
            throw new IllegalArgumentException("--spark trains on the executors: --plots and --device are for one machine");
        }
        return new Options(backend, device, list, epochs, batch, seed, data, dataset, limit, testLimit, lr, rho, eps, save,
                resume, checkpointDir, plots, inexactResume, Set.copyOf(given), spark, workers);
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

    private static float decimal(String option, String v) {
        float x;
        try {
            x = Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number, got '" + v + "'");
        }
        if (!Float.isFinite(x)) throw new IllegalArgumentException(option + " needs a finite number, got '" + v + "'");
        return x;
    }
}
