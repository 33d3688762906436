package dev.splot.bench;

import static dev.splot.bench.SeedModel.BATCH;
import static dev.splot.bench.SeedModel.CLASSES;
import static dev.splot.bench.SeedModel.CONV1;
import static dev.splot.bench.SeedModel.CONV2;
import static dev.splot.bench.SeedModel.CONV2_OUT;
import static dev.splot.bench.SeedModel.DROPOUT1_SIZE;
import static dev.splot.bench.SeedModel.FLAT;
import static dev.splot.bench.SeedModel.HIDDEN;
import static dev.splot.bench.SeedModel.PARAMETERS;
import static dev.splot.bench.SeedModel.POOL;

import dev.splot.backend.ConvGeometry;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The work of every benchmark, stated once: FLOPs (2 per multiply-add, as docs/architecture.md counts them)
 * for compute-bound operations, bytes moved for element-wise ones. The id is the JMH method name.
 * Bias additions, bias gradients and index arithmetic are not counted.
 */
public final class Workloads {
    public enum Unit { FLOP, BYTE }

    /**
     * @param id      the {@code @Benchmark} method name
     * @param label   what a reader sees in the table
     * @param amount  FLOPs or bytes per call
     * @param formula how {@code amount} is made up, for the table
     * @param samples images per call (for samples/s), 0 when that means nothing
     */
    public record Work(String id, String label, Unit unit, double amount, String formula, int samples) {
        /** FLOP/s or bytes/s for a call that took {@code seconds}. */
        public double rate(double seconds) {
            return amount / seconds;
        }
    }

    /** Name of the end-to-end row (Trainer.fit), matched by --ops like the JMH benchmarks. */
    public static final String TRAINING_RUN = "trainingRun";
    /** Name of the per-operation profile of the training step ({@link StepProfile}), matched by --ops like the JMH benchmarks. */
    public static final String STEP_PROFILE = "stepProfile";
    /** Name of the per-epoch test pass benchmark, whose work depends on its {@code testImages} parameter. */
    public static final String TEST_PASS = "evaluateTestSet";
    /** Name of the memory-copy peak benchmark. */
    public static final String MEMCOPY = "memcopy";
    public static final long MEMCOPY_BYTES = 64L << 20;

    public static final double DENSE1_FLOPS = 2.0 * BATCH * FLAT * HIDDEN;
    public static final double DENSE2_FLOPS = 2.0 * BATCH * HIDDEN * CLASSES;
    /** Forward FLOPs of one batch: both convolutions and both dense layers. */
    public static final double FORWARD_FLOPS = CONV1.flops() + CONV2.flops() + DENSE1_FLOPS + DENSE2_FLOPS;
    /** Backward FLOPs of one batch: conv1 dW (its dX is skipped), conv2 dX and dW, dense dX and dW. */
    public static final double BACKWARD_FLOPS = CONV1.flops() + 2.0 * CONV2.flops() + 2 * DENSE1_FLOPS + 2 * DENSE2_FLOPS;

    private static final int F = Float.BYTES;
    private static final int POOL_IN = POOL.n() * POOL.c() * POOL.h() * POOL.w();
    private static final int POOL_OUT = POOL.n() * POOL.c() * POOL.outH() * POOL.outW();

    public static final List<Work> ALL = List.of(
            conv("conv1Forward", "conv1 forward", CONV1),
            conv("conv1BackwardWeights", "conv1 backward-weights", CONV1),
            conv("conv2Forward", "conv2 forward", CONV2),
            conv("conv2BackwardData", "conv2 backward-data", CONV2),
            conv("conv2BackwardWeights", "conv2 backward-weights", CONV2),
            new Work("maxPoolForward", "max-pool forward", Unit.BYTE, (double) F * (POOL_IN + 2L * POOL_OUT),
                    String.format(Locale.ROOT, "4 B × (read x %,d + write y, argmax 2×%,d)", POOL_IN, POOL_OUT), 0),
            new Work("maxPoolBackward", "max-pool backward", Unit.BYTE, (double) F * (2L * POOL_OUT + POOL_IN),
                    String.format(Locale.ROOT, "4 B × (read dy, argmax 2×%,d + write dx %,d)", POOL_OUT, POOL_IN), 0),
            new Work("reluForward", "ReLU forward", Unit.BYTE, 2.0 * F * CONV2_OUT,
                    String.format(Locale.ROOT, "4 B × 2×%,d (read x, write y)", CONV2_OUT), 0),
            new Work("reluBackward", "ReLU backward", Unit.BYTE, 3.0 * F * CONV2_OUT,
                    String.format(Locale.ROOT, "4 B × 3×%,d (read dy, y, write dx)", CONV2_OUT), 0),
            new Work("dropoutForward", "dropout forward (0.25)", Unit.BYTE, 3.0 * F * DROPOUT1_SIZE,
                    String.format(Locale.ROOT, "4 B × 3×%,d (read x, write y, mask)", DROPOUT1_SIZE), 0),
            new Work("dense1Forward", "dense1 forward", Unit.FLOP, DENSE1_FLOPS,
                    "2·N·in·out = 2·128·9216·128", 0),
            new Work("dense1Backward", "dense1 backward", Unit.FLOP, 2 * DENSE1_FLOPS,
                    "dX + dW = 2 × 2·128·9216·128", 0),
            new Work("dense2Forward", "dense2 forward", Unit.FLOP, DENSE2_FLOPS,
                    "2·N·in·out = 2·128·128·10", 0),
            new Work("dense2Backward", "dense2 backward", Unit.FLOP, 2 * DENSE2_FLOPS,
                    "dX + dW = 2 × 2·128·128·10", 0),
            new Work("softmaxCrossEntropy", "softmax cross-entropy", Unit.BYTE, (double) F * (2L * BATCH * CLASSES + BATCH),
                    "4 B × (read logits, write dlogits 2×1,280 + labels 128)", 0),
            new Work("adadeltaUpdate", "AdaDelta update (all params)", Unit.BYTE, 7.0 * F * PARAMETERS,
                    String.format(Locale.ROOT, "4 B × 7×%,d (read p, g, E[g²], E[Δ²]; write p, E[g²], E[Δ²])", PARAMETERS), 0),
            new Work("trainStep", "training step", Unit.FLOP, FORWARD_FLOPS + BACKWARD_FLOPS,
                    String.format(Locale.ROOT, "(fwd %.2f + bwd %.2f MFLOP) × 128 images", FORWARD_FLOPS / BATCH / 1e6,
                            BACKWARD_FLOPS / BATCH / 1e6), BATCH),
            new Work("inference", "inference (batch)", Unit.FLOP, FORWARD_FLOPS,
                    String.format(Locale.ROOT, "fwd %.2f MFLOP × 128 images", FORWARD_FLOPS / BATCH / 1e6), BATCH),
            testPass(InferenceBench.TEST_IMAGES),
            new Work("predictBatch1", "predict, batch 1 (latency)", Unit.FLOP, FORWARD_FLOPS / BATCH,
                    String.format(Locale.ROOT, "fwd %.2f MFLOP × 1 image", FORWARD_FLOPS / BATCH / 1e6), 1),
            new Work("predictBatch128", "predict, batch 128", Unit.FLOP, FORWARD_FLOPS,
                    String.format(Locale.ROOT, "fwd %.2f MFLOP × 128 images", FORWARD_FLOPS / BATCH / 1e6), BATCH),
            new Work(MEMCOPY, "memory copy (machine peak)", Unit.BYTE, 2.0 * MEMCOPY_BYTES,
                    "read + write 2 × 64 MiB, System.arraycopy on all cores", 0));

    private Workloads() {}

    /** The work of the per-epoch test pass ({@code evaluateTestSet}) over {@code images} images. */
    public static Work testPass(int images) {
        return new Work(TEST_PASS, "test pass (Trainer.evaluate)", Unit.FLOP, FORWARD_FLOPS / BATCH * images,
                String.format(Locale.ROOT, "fwd %.2f MFLOP × %,d images, batch 128", FORWARD_FLOPS / BATCH / 1e6, images), images);
    }

    private static Work conv(String id, String label, ConvGeometry g) {
        return new Work(id, label, Unit.FLOP, g.flops(), String.format(Locale.ROOT, "2·N·O·OH·OW·C·KH·KW = 2·%d·%d·%d·%d·%d·%d·%d",
                g.n(), g.o(), g.outH(), g.outW(), g.c(), g.kh(), g.kw()), 0);
    }

    public static Optional<Work> of(String id) {
        return ALL.stream().filter(w -> w.id().equals(id)).findFirst();
    }
}
