package dev.splot.distributed.spark;

import dev.splot.backend.Backend;
import dev.splot.backend.Backends;
import dev.splot.data.Dataset;
import dev.splot.distributed.SocketAllreduce;
import dev.splot.io.Checkpoint;
import dev.splot.nn.Sequential;
import dev.splot.optim.LearningRateSchedule;
import dev.splot.optim.Optimizers;
import dev.splot.optim.Optimizer;
import dev.splot.train.EpochStats;
import dev.splot.train.Trainer;
import dev.splot.train.TrainingListener;
import dev.splot.train.TrainingPosition;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Synchronous data-parallel training on Apache Spark: <b>one barrier stage for the whole run</b>
 * ({@code rdd.barrier().mapPartitions}), in which each of N tasks is a worker that opens its own
 * backend, builds a replica of the model and of the AdaDelta state, meets the others through
 * {@link BarrierTaskContext#allGather} (each shares the host:port it listens on), and trains with
 * a {@link Trainer} made data-parallel by a {@link SocketAllreduce}: every step each worker computes
 * its contiguous slice of the global batch and the gradients are summed between the workers over
 * sockets, in rank order. Nothing goes through the driver per step; the data is broadcast once.
 *
 * <p>Faults: rank 0 writes a checkpoint after every epoch into a folder every executor and the
 * driver see; when the stage fails (a worker failed, was killed, or timed out naming the worker
 * that hung), the driver runs a new barrier stage that resumes from the last checkpoint, up to
 * {@link Settings#attempts} stages. Checkpoints resume bit-identically, so the result equals an
 * uninterrupted run's.
 */
public final class SparkTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);

    private SparkTrainer() {}

    /**
     * Builds the model replica on a worker's backend: it travels to the executors, so it must be
     * serializable (a static method reference such as {@code MnistCnn::build} is).
     */
    @FunctionalInterface
    public interface ModelFactory extends Serializable {
        /**
         * @param backend the worker's backend
         * @param seed keys the initialisation
         * @return a new model on {@code backend}
         */
        Sequential build(Backend backend, long seed);
    }

    /**
     * A run's settings, sent to every worker.
     *
     * @param model builds the model
     * @param backend each executor's backend: auto, java, native or opencl
     * @param optimizer the optimizer's type, as {@link dev.splot.optim.Optimizers#create} takes it (e.g. "adadelta")
     * @param optimizerConfig its settings, complete, as {@link Optimizer#config} returns them
     * @param schedule a learning-rate schedule in {@link LearningRateSchedule#parse}'s syntax, or null for none
     * @param seed keys initialisation, shuffling and dropout
     * @param batchSize the global batch (all workers together)
     * @param epochs epochs in total, counting those of a resumed checkpoint
     * @param workers N, the number of workers (barrier tasks)
     * @param timeout the longest wait for another worker's message before the run fails naming it
     * @param checkpointDir a folder every executor and the driver see: epoch-K.safetensors after each epoch
     * @param attempts barrier stages at most (1 = no retry)
     * @param failOnce test hook: {epoch, rank} of a worker that fails once, at its first step of that epoch
     *        in the first stage; {@code null} normally
     * @serial exclude (sent to the executors of one run only, never stored)
     */
    public record Settings(ModelFactory model, String backend, String optimizer, Map<String, String> optimizerConfig, String schedule, long seed,
            int batchSize, int epochs, int workers, Duration timeout, String checkpointDir, int attempts, int[] failOnce)
            implements Serializable {
        /**
         * Checks the settings.
         *
         * @param model builds the model
         * @param backend the backend name
         * @param optimizer the optimizer's type
         * @param optimizerConfig its settings
         * @param schedule the learning-rate schedule, or null
         * @param seed the seed
         * @param batchSize the global batch
         * @param epochs epochs in total
         * @param workers the number of workers
         * @param timeout the message timeout
         * @param checkpointDir the checkpoint folder
         * @param attempts barrier stages at most
         * @param failOnce the test hook, or null
         * @throws IllegalArgumentException naming the setting, if one is out of range
         */
        public Settings {
            if (workers < 1) throw new IllegalArgumentException("workers must be >= 1, got " + workers);
            optimizerConfig = new TreeMap<>(optimizerConfig); // serialisable, whatever map the caller gave
            Optimizers.create(optimizer, optimizerConfig).close(); // refuses an unknown type or bad settings on the driver
            if (schedule != null) LearningRateSchedule.parse(schedule);
            if (batchSize < workers) {
                throw new IllegalArgumentException("the global batch (" + batchSize + ") must have at least one sample per worker ("
                        + workers + " workers)");
            }
            if (epochs < 1 || attempts < 1) throw new IllegalArgumentException("epochs and attempts must be >= 1");
            if (checkpointDir == null) throw new IllegalArgumentException("a checkpoint folder is needed (to resume after a failure)");
        }
    }

    /**
     * What a run produced.
     *
     * @param model the trained model's checkpoint (weights, AdaDelta state, position), written by the driver
     * @param epochs per epoch: the stats and the allreduce cost
     */
    public record Result(Path model, List<EpochReport> epochs) {}

    /**
     * One epoch as rank 0 saw it (the stats' fields, since the record travels back from the executors).
     *
     * @param epoch the epoch, from 1
     * @param trainLoss mean training loss
     * @param trainAccuracy training accuracy
     * @param testLoss mean test loss (NaN without test data)
     * @param testAccuracy test accuracy (NaN without test data)
     * @param seconds the epoch's wall time, evaluation excluded
     * @param allreduceMillisPerStep mean wall time a step spent summing gradients
     * @param bytesPerStep bytes one worker sent per step
     * @serial exclude (it travels between the driver and executors of one run only, never stored)
     */
    public record EpochReport(int epoch, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy, double seconds,
            double allreduceMillisPerStep, long bytesPerStep) implements Serializable {
        static EpochReport of(EpochStats s, double allreduceMillisPerStep, long bytesPerStep) {
            return new EpochReport(s.epoch(), s.trainLoss(), s.trainAccuracy(), s.testLoss(), s.testAccuracy(), s.seconds(),
                    allreduceMillisPerStep, bytesPerStep);
        }

        /** @return the epoch's stats as the single-machine trainer reports them */
        public EpochStats stats() {
            return new EpochStats(epoch, trainLoss, trainAccuracy, testLoss, testAccuracy, seconds, Double.NaN);
        }

        /** @return the epoch's line: time, allreduce time and bytes per step, loss and accuracy */
        public String line() {
            return String.format("Epoch %d - %.1fs - allreduce %.2f ms/step, %,d bytes/step/worker - loss: %.4f - accuracy: %.4f"
                    + " - test_loss: %.4f - test_accuracy: %.4f", epoch, seconds, allreduceMillisPerStep, bytesPerStep,
                    trainLoss, trainAccuracy, testLoss, testAccuracy);
        }
    }

    /** What rank 0 returns from the barrier stage. */
    private record WorkerResult(byte[] checkpoint, List<EpochReport> epochs) implements Serializable {}

    /**
     * Trains on Spark and returns the trained model's checkpoint: one barrier stage of
     * {@code settings.workers()} tasks, retried from the last per-epoch checkpoint when it fails.
     *
     * @param sc the Spark context (its cluster needs {@code workers} free task slots)
     * @param settings the run
     * @param train the training data, broadcast once to every executor
     * @param test evaluated after each epoch (split among the workers), or null
     * @param resume a checkpoint to continue (seen by every executor), or null
     * @param log receives the driver's progress lines (e.g. {@code System.out::println})
     * @return the trained model's checkpoint and the epochs' reports
     * @throws IllegalStateException if the cluster has too few task slots, or every attempt failed (with the last failure)
     * @throws IOException if the result cannot be written
     */
    public static Result fit(JavaSparkContext sc, Settings settings, Dataset train, Dataset test, Path resume, Consumer<String> log)
            throws IOException {
        requireSlots(sc.sc(), settings.workers(), log);
        Path dir = Path.of(settings.checkpointDir());
        Files.createDirectories(dir);
        Broadcast<Data> data = sc.broadcast(new Data(HostData.of(train), test == null ? null : HostData.of(test)));
        try {
            Path from = resume;
            for (int attempt = 0; ; attempt++) {
                String resumeFile = from == null ? null : from.toAbsolutePath().toString();
                int stage = attempt;
                try {
                    List<WorkerResult> results = sc.parallelize(IntStream.range(0, settings.workers()).boxed().toList(), settings.workers())
                            .rdd().barrier()
                            .mapPartitions(new WorkerTask(settings, data, resumeFile, stage), false, ClassTag$.MODULE$.apply(WorkerResult.class))
                            .toJavaRDD().collect();
                    WorkerResult r = results.get(0);
                    Path out = dir.resolve("final.safetensors");
                    Files.write(out, r.checkpoint());
                    return new Result(out, r.epochs()); // the epochs of the attempt that succeeded
                } catch (Exception e) { // SparkException (checked, undeclared by Scala) or a failure on the driver
                    Path last = lastCheckpoint(dir);
                    if (attempt + 1 >= settings.attempts()) {
                        throw new IllegalStateException("distributed training failed in all " + settings.attempts() + " attempts; last: "
                                + rootMessage(e) + (last == null ? "" : " (last checkpoint: " + last + ")"), e);
                    }
                    log.accept("Attempt " + (attempt + 1) + " failed: " + rootMessage(e));
                    log.accept(last == null ? "Restarting from the beginning" : "Resuming from " + last);
                    if (last != null) from = last;
                }
            }
        } finally {
            data.destroy();
        }
    }

    /**
     * A user's own data from Spark (e.g. read from Parquet) as the data set {@link #fit} broadcasts:
     * each row holds one sample's values (an array column of floats or doubles, in the model's
     * input order) and its class (an integer column). The rows are collected on the driver, once;
     * like the broadcast, they must fit in the driver's and each executor's memory.
     *
     * @param rows the samples, one per row, in a fixed order (the shuffle is splot's, by seed and epoch)
     * @param featuresColumn the array column of sample values
     * @param labelColumn the integer class column
     * @param name names the data in messages and checkpoints
     * @param sampleShape one sample's shape, e.g. 1, 28, 28
     * @param classes the number of classes
     * @return the data set
     * @throws IllegalArgumentException naming the row, if a sample has another size than the shape, or a label is not a class
     */
    public static Dataset collect(org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> rows, String featuresColumn, String labelColumn,
            String name, int[] sampleShape, int classes) {
        List<org.apache.spark.sql.Row> all = rows.select(featuresColumn, labelColumn).collectAsList();
        int size = 1;
        for (int d : sampleShape) size *= d;
        float[] images = new float[Math.multiplyExact(all.size(), size)];
        int[] labels = new int[all.size()];
        for (int i = 0; i < all.size(); i++) {
            org.apache.spark.sql.Row row = all.get(i);
            List<Object> values = row.getList(0);
            if (values.size() != size) {
                throw new IllegalArgumentException(name + ": row " + i + " has " + values.size() + " values in column '" + featuresColumn
                        + "', the sample shape " + java.util.Arrays.toString(sampleShape) + " needs " + size);
            }
            for (int k = 0; k < size; k++) images[i * size + k] = ((Number) values.get(k)).floatValue();
            labels[i] = ((Number) row.get(1)).intValue();
        }
        return new Dataset(name, images, labels, all.size(), sampleShape.clone(), classes);
    }

    /**
     * Spark logs every task and stage at INFO: with the slf4j-simple binding of splot's programs and
     * tests that buries the training's output. Sets Spark's (and its Jetty's, Netty's, Hadoop's)
     * loggers to WARN unless a level was given for them. Call before the SparkContext starts.
     */
    public static void quietSparkLogging() {
        for (String logger : new String[] {"org.apache.spark", "org.sparkproject", "io.netty", "org.apache.hadoop", "org.apache.parquet"}) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) System.setProperty(key, "warn");
        }
    }

    /** The checkpoint of the latest epoch in {@code dir}, or null. */
    static Path lastCheckpoint(Path dir) throws IOException {
        Pattern name = Pattern.compile("epoch-(\\d+)\\.safetensors");
        Path best = null;
        int bestEpoch = -1;
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Matcher m = name.matcher(p.getFileName().toString());
                if (m.matches() && Integer.parseInt(m.group(1)) > bestEpoch) {
                    bestEpoch = Integer.parseInt(m.group(1));
                    best = p;
                }
            }
        }
        return best;
    }

    private static String rootMessage(Throwable e) {
        String msg = e.getMessage();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IllegalStateException && t.getMessage() != null && t.getMessage().startsWith("allreduce")) return t.getMessage();
        }
        return msg == null ? e.toString() : msg.lines().findFirst().orElse(msg);
    }

    /**
     * A barrier stage waits, without end, for as many free task slots as it has tasks: say so
     * before that. A local master has its thread count; a cluster gets up to a minute for its
     * executors to register.
     */
    static void requireSlots(SparkContext sc, int workers, Consumer<String> log) {
        String master = sc.master();
        Matcher local = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\d+)?\\])?").matcher(master);
        int slots;
        if (local.matches()) {
            String k = local.group(1);
            slots = k == null ? 1 : k.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(k);
        } else {
            long deadline = System.nanoTime() + Duration.ofSeconds(Long.getLong("splot.spark.waitForExecutorsSeconds", 60)).toNanos();
            slots = executorSlots(sc);
            while (slots < workers && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                slots = executorSlots(sc);
            }
        }
        if (slots < workers) {
            throw new IllegalStateException("the barrier stage needs " + workers + " task slots (one per worker, all at once), but the "
                    + "Spark master " + master + " offers " + slots + ": give the cluster more executor cores, or use fewer workers");
        }
        log.accept("Spark: " + master + ", " + slots + " task slots for " + workers + " workers");
    }

    /** Task slots of the registered executors: their cores / spark.task.cpus, 0 before any registered. */
    private static int executorSlots(SparkContext sc) {
        int executors = sc.statusTracker().getExecutorInfos().length - 1; // the driver is listed too
        if (executors <= 0) return 0;
        return sc.defaultParallelism() / sc.conf().getInt("spark.task.cpus", 1);
    }

    /** The barrier task, as the Scala function RDDBarrier.mapPartitions takes (Java's RDD API has no barrier). */
    private static final class WorkerTask extends AbstractFunction1<scala.collection.Iterator<Integer>, scala.collection.Iterator<WorkerResult>>
            implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Settings settings;
        private final Broadcast<Data> data;
        private final String resumeFile;
        private final int stage;

        WorkerTask(Settings settings, Broadcast<Data> data, String resumeFile, int stage) {
            this.settings = settings;
            this.data = data;
            this.resumeFile = resumeFile;
            this.stage = stage;
        }

        @Override
        public scala.collection.Iterator<WorkerResult> apply(scala.collection.Iterator<Integer> ignored) {
            try {
                return CollectionConverters.asScala(worker(settings, data, resumeFile, stage));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static LearningRateSchedule schedule(Settings s) {
        return s.schedule() == null ? null : LearningRateSchedule.parse(s.schedule());
    }

    /** One worker: the body of a barrier task. */
    private static Iterator<WorkerResult> worker(Settings s, Broadcast<Data> data, String resumeFile, int stage) throws IOException {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        int rank = ctx.partitionId();
        String host = ctx.getTaskInfos()[rank].address().split(":")[0];
        ServerSocket server = SocketAllreduce.listen(host);
        String[] all = ctx.allGather(host + ":" + server.getLocalPort());
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String a : all) {
            int colon = a.lastIndexOf(':');
            addresses.add(new InetSocketAddress(a.substring(0, colon), Integer.parseInt(a.substring(colon + 1))));
        }
        Dataset train = data.value().train().toDataset();
        Dataset test = data.value().test() == null ? null : data.value().test().toDataset();
        try (SocketAllreduce allreduce = SocketAllreduce.connect(rank, addresses, server, s.timeout());
             Backend backend = Backends.open(s.backend(), null, null);
             Checkpoint state = resumeFile != null ? Checkpoint.load(Path.of(resumeFile), backend)
                     : new Checkpoint(s.model().build(backend, s.seed()), Optimizers.create(s.optimizer(), s.optimizerConfig()),
                             new TrainingPosition(0, 0, s.seed(), s.batchSize(), null, 0, schedule(s)))) {
            Sequential model = state.model();
            Optimizer optimizer = state.optimizer();
            Trainer trainer = new Trainer(model, optimizer, s.batchSize(), s.seed()).dataParallel(allreduce);
            trainer.learningRateSchedule(state.position().schedule());
            trainer.resumeAt(state.position());
            if (s.failOnce() != null && stage == 0 && rank == s.failOnce()[1]) {
                trainer.addListener(new TrainingListener() {
                    @Override
                    public void onStep(StepStats step) {
                        if (step.epoch() == s.failOnce()[0]) {
                            throw new IllegalStateException("test hook: worker " + rank + " fails in epoch " + step.epoch());
                        }
                    }
                });
            }
            List<EpochReport> reports = new ArrayList<>();
            long[] before = {allreduce.nanos(), allreduce.bytesSent()};
            long stepsPerEpoch = TrainingPosition.stepsPerEpoch(train.count(), s.batchSize());
            trainer.fit(train, test, s.epochs(), stats -> {
                long nanos = allreduce.nanos() - before[0], bytes = allreduce.bytesSent() - before[1];
                before[0] = allreduce.nanos();
                before[1] = allreduce.bytesSent();
                EpochReport report = EpochReport.of(stats, nanos / 1e6 / stepsPerEpoch, bytes / stepsPerEpoch);
                reports.add(report);
                if (rank == 0) {
                    LOG.info("worker 0: {}", report.line()); // live progress: the driver's console in local mode, else the executor's log
                    save(Path.of(s.checkpointDir()).resolve("epoch-" + stats.epoch() + ".safetensors"), model, optimizer, trainer);
                }
            });
            if (rank != 0) return List.<WorkerResult>of().iterator();
            Path tmp = Files.createTempFile("splot-final", ".safetensors");
            try {
                Checkpoint.save(tmp, model, optimizer, trainer.position());
                return List.of(new WorkerResult(Files.readAllBytes(tmp), reports)).iterator();
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static void save(Path file, Sequential model, Optimizer optimizer, Trainer trainer) {
        try {
            Checkpoint.save(file, model, optimizer, trainer.position());
            trainer.lastCheckpoint(file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("rank 0 cannot write the checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    /** The broadcast: training and test data. */
    private record Data(HostData train, HostData test) implements Serializable {}

    /** A {@link Dataset} as Spark can serialize it. */
    record HostData(String name, float[] images, int[] labels, int count, int[] sampleShape, int classes) implements Serializable {
        static HostData of(Dataset d) {
            return new HostData(d.name(), d.images(), d.labels(), d.count(), d.sampleShape(), d.classes());
        }

        Dataset toDataset() {
            return new Dataset(name, images, labels, count, sampleShape, classes);
        }
    }
}
