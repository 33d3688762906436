import dev.splot.backend.Backend;
import dev.splot.backend.Backends;
import dev.splot.backend.BackendUnavailableException;
import dev.splot.data.Dataset;
import dev.splot.data.MnistData;
import dev.splot.nn.MnistCnn;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.train.EpochStats;
import dev.splot.train.Evaluation;
import dev.splot.train.Trainer;
import dev.splot.train.TrainingDivergedException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Trains the classic Keras MNIST CNN with AdaDelta and reports test accuracy.
 * Run: {@code mvn -q compile exec:java -Dexec.mainClass=Mnist -Dexec.args="--epochs 1"}.
 */
public final class Mnist {

    static final String USAGE = String.join("\n",
            "Usage: Mnist [options]   (mvn -q compile exec:java -Dexec.mainClass=Mnist -Dexec.args=\"...\")",
            "Trains the Keras MNIST CNN (conv32-conv64-pool-dropout-dense128-dropout-dense10) with AdaDelta.",
            "",
            "  --backend B        auto|java|native|opencl (default auto: the fastest that starts here)",
            "  --device SEL       OpenCL device: index or name substring (see --list-devices)",
            "  --list-devices     list the backends and OpenCL devices of this machine, then exit",
            "  --epochs N         epochs to train (default 12)",
            "  --batch-size N     samples per step (default 128)",
            "  --seed N           seed of initialisation, shuffling and dropout (default 1)",
            "  --data DIR         data folder; files go to DIR/mnist or DIR/fashion (default ./data)",
            "  --dataset D        mnist|fashion (default mnist)",
            "  --limit N          train on the first N training images only",
            "  --lr X, --rho X, --eps X   AdaDelta settings (default 1.0, 0.95, 1e-7: Keras 2)",
            "  --help             this text");

    /** Parsed command line. */
    record Options(String backend, String device, boolean listDevices, int epochs, int batchSize, long seed, Path data,
                   String dataset, int limit, float lr, float rho, float eps) {}

    public static void main(String[] args) {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println();
            System.err.println(USAGE);
            exit(2);
            return;
        }
        if (o == null) {
            System.out.println(USAGE);
            return;
        }
        try {
            exit(run(o));
        } catch (BackendUnavailableException | TrainingDivergedException | IOException e) {
            System.err.println("error: " + e.getMessage());
            exit(1);
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
        MnistData.Split data = MnistData.load(o.dataset(), o.data(), System.out);
        Dataset train = o.limit() > 0 ? data.train().limit(o.limit()) : data.train();
        Dataset test = data.test();
        try (Backend backend = Backends.open(o.backend(), o.device(), System.out);
             Sequential model = buildModel(backend, o.seed());
             AdaDelta optimizer = new AdaDelta(o.lr(), o.rho(), o.eps())) {
            System.out.println("Backend: " + backend.name() + " — " + backend.description());
            System.out.print(model.summary());
            System.out.printf("Training on %,d %s images, testing on %,d; batch %d, %d epochs, %s, seed %d%n",
                    train.count(), o.dataset(), test.count(), o.batchSize(), o.epochs(), optimizer, o.seed());
            Trainer trainer = new Trainer(model, optimizer, o.batchSize(), o.seed(), System.out);
            List<EpochStats> history = trainer.fit(train, test, o.epochs(), s -> System.out.printf(
                    "Epoch %d/%d - %.1fs - %.0f samples/s - loss: %.4f - accuracy: %.4f - test_loss: %.4f - test_accuracy: %.4f%n",
                    s.epoch(), o.epochs(), s.seconds(), s.samplesPerSecond(), s.trainLoss(), s.trainAccuracy(),
                    s.testLoss(), s.testAccuracy()));
            Evaluation eval = Trainer.evaluate(model, test, o.batchSize());
            double seconds = history.stream().mapToDouble(EpochStats::seconds).sum();
            System.out.printf("Trained %d epochs in %.1f s (%.1f s per epoch) on %s%n", history.size(), seconds,
                    seconds / Math.max(1, history.size()), backend.name());
            System.out.println("Test loss: " + eval.loss());
            System.out.println("Test accuracy: " + eval.accuracy());
            System.out.println("Backend: " + backend.name() + " — " + backend.description());
        }
        return 0;
    }

    /** The Keras MNIST CNN of the seed run: 1,199,882 parameters. */
    static Sequential buildModel(Backend backend, long seed) {
        return MnistCnn.build(backend, seed);
    }

    /** Returns null for --help. */
    static Options parse(String[] args) {
        String backend = "auto", device = null, dataset = "mnist";
        boolean list = false;
        int epochs = 12, batch = 128, limit = 0;
        long seed = 1;
        float lr = 1.0f, rho = 0.95f, eps = 1e-7f;
        Path data = Path.of(System.getenv().getOrDefault("SPLOT_DATA", "data"));
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> { return null; }
                case "--list-devices" -> list = true;
                case "--backend" -> backend = choice(a, value(args, ++i, a), Backends.NAMES);
                case "--device" -> device = value(args, ++i, a);
                case "--epochs" -> epochs = positive(a, value(args, ++i, a));
                case "--batch-size" -> batch = positive(a, value(args, ++i, a));
                case "--limit" -> limit = positive(a, value(args, ++i, a));
                case "--seed" -> seed = number(a, value(args, ++i, a));
                case "--data" -> data = Path.of(value(args, ++i, a));
                case "--dataset" -> dataset = choice(a, value(args, ++i, a), List.of("mnist", "fashion"));
                case "--lr" -> lr = decimal(a, value(args, ++i, a));
                case "--rho" -> rho = decimal(a, value(args, ++i, a));
                case "--eps" -> eps = decimal(a, value(args, ++i, a));
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        return new Options(backend, device, list, epochs, batch, seed, data, dataset, limit, lr, rho, eps);
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
        try {
            return Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number, got '" + v + "'");
        }
    }
}
