package dev.splot.cli;

import dev.splot.data.Dataset;
import dev.splot.distributed.spark.SparkTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Mnist's spark option: the same training on a Spark cluster with {@link SparkTrainer}. Its own
 * class so that Mnist without the option never loads a Spark class (Spark is provided, not shipped).
 */
final class MnistOnSpark {
    private MnistOnSpark() {}

    /** Trains on the master of {@code o.spark()}; returns the exit status. */
    static int run(Mnist.Options o, Dataset train, Dataset test) throws IOException {
        SparkTrainer.quietSparkLogging();
        Path dir = o.checkpointDir() != null ? o.checkpointDir() : Files.createTempDirectory("splot-spark-");
        SparkConf conf = new SparkConf().setAppName("splot Mnist").setMaster(o.spark());
        // the driver listens where the executors can reach it; on one machine that is the loopback address
        if (!conf.contains("spark.driver.host")) conf.set("spark.driver.host", "127.0.0.1");
        if (!conf.contains("spark.ui.enabled")) conf.set("spark.ui.enabled", "false");
        JavaSparkContext sc;
        try {
            sc = new JavaSparkContext(conf);
        } catch (RuntimeException e) {
            System.err.println("error: --spark " + o.spark() + ": Spark could not start: " + e.getMessage());
            return 2;
        }
        try {
            String optimizerType;
            java.util.Map<String, String> optimizerConfig;
            try (dev.splot.optim.Optimizer optimizer = Mnist.newOptimizer(o.optimizer(), o.settings())) {
                optimizerType = optimizer.type();
                optimizerConfig = optimizer.config();
            }
            String model = o.model();
            SparkTrainer.Settings s = new SparkTrainer.Settings((backend, seed) -> Mnist.buildModel(model, backend, seed), o.backend(),
                    optimizerType, optimizerConfig, o.schedule() == null ? null : o.schedule().toString(), o.seed(),
                    o.batchSize(), o.epochs(), o.workers(), Duration.ofSeconds(Long.getLong("splot.allreduce.timeoutSeconds", 120)),
                    dir.toAbsolutePath().toString(), 3, null);
            System.out.printf("Training %s on %,d %s images, testing on %,d; global batch %d over %d workers, %d epochs, %s %s%s,"
                    + " seed %d, backend %s per executor, checkpoints in %s%n", model, train.count(), o.dataset(), test.count(),
                    o.batchSize(), o.workers(), o.epochs(), optimizerType, optimizerConfig,
                    o.schedule() == null ? "" : ", lr schedule " + o.schedule(), o.seed(), o.backend(), dir);
            long t0 = System.nanoTime();
            SparkTrainer.Result r = SparkTrainer.fit(sc, s, train, test, o.resume(), System.out::println);
            for (SparkTrainer.EpochReport e : r.epochs()) System.out.println(e.line());
            System.out.printf("Trained on %s in %.1f s with %d workers%n", o.spark(), (System.nanoTime() - t0) / 1e9, o.workers());
            if (!r.epochs().isEmpty()) { // the test set was evaluated after the last epoch, split among the workers
                SparkTrainer.EpochReport last = r.epochs().get(r.epochs().size() - 1);
                System.out.println("Test loss: " + last.testLoss());
                System.out.println("Test accuracy: " + last.testAccuracy());
            }
            if (o.save() != null) {
                Files.copy(r.model(), o.save(), StandardCopyOption.REPLACE_EXISTING);
                System.out.println("Saved " + o.save());
            }
            return 0;
        } catch (IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        } finally {
            sc.stop();
        }
    }
}
