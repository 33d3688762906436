package dev.splot.bench;

import dev.splot.backend.Backend;
import dev.splot.backend.Backends;
import dev.splot.testing.SeedModelStep;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The seed model's training step ({@link SeedModelStep}, batch 128) broken down by operation, on any backend: each
 * operation timed on its own (the backend is synchronised after it, so a device's queued work is inside its time),
 * and, interleaved with those profiled steps, whole steps run without per-operation synchronisation. The gap between
 * the whole step and the sum of its operations is what the profile does not see: host work between the operations
 * and the synchronisations themselves (positive), or the overlap a device queue gets when nothing waits between
 * operations (negative).
 *
 * <p>Figures are medians over the measured steps (robust to a neighbour's burst on a shared machine); the best is
 * kept too. Used by {@link BenchmarkReport} for every backend and by the hand-run {@code NativeTiming}:
 * <pre>mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.splot.bench.StepProfile \
 *   -Dexec.args="native 20"</pre>
 * (arguments: backend name, measured steps, optionally the OpenCL device).
 */
public final class StepProfile {
    /** Warm-up steps (JIT, kernel compilation, first-touch page faults) run before every measurement and not counted. */
    public static final int WARM_UP_STEPS = 2;

    /**
     * One operation of the step.
     *
     * @param name     its name in {@link SeedModelStep#step}
     * @param flops    FLOPs per call (2 per multiply-add), 0 where it is memory-bound
     * @param medianMs median time over the measured steps
     * @param bestMs   best time over the measured steps
     */
    public record Op(String name, double flops, double medianMs, double bestMs) {}

    /**
     * What one profile measured.
     *
     * @param backend         the backend's name
     * @param description     the backend's description (device, threads, ISA)
     * @param batch           images per step
     * @param steps           measured steps (each profiled once and run whole once)
     * @param ops             the operations in the order the step runs them
     * @param medianStepMs    median time of a whole step without per-operation synchronisation
     * @param bestStepMs      best time of such a step
     */
    public record Result(String backend, String description, int batch, int steps, List<Op> ops, double medianStepMs,
                         double bestStepMs) {
        /** @return the sum of the operations' median times, ms */
        public double opSumMs() {
            return ops.stream().mapToDouble(Op::medianMs).sum();
        }

        /** @return the whole step's median minus the sum of the operations' medians, ms */
        public double gapMs() {
            return medianStepMs - opSumMs();
        }
    }

    private StepProfile() {}

    /**
     * Profiles {@code steps} training steps of the seed model on {@code be} at batch {@code batch}, after
     * {@link #WARM_UP_STEPS} uncounted ones.
     *
     * @param be    the backend; its tensors for the model are freed before this returns
     * @param steps measured steps, at least 1
     * @param batch images per step, at least 1
     * @return the per-operation and whole-step times
     */
    public static Result measure(Backend be, int steps, int batch) {
        if (steps < 1 || batch < 1) throw new IllegalArgumentException("StepProfile: steps and batch must be >= 1, got " + steps + ", " + batch);
        Map<String, double[]> opTimes = new LinkedHashMap<>(); // name -> ms per measured step
        Map<String, Double> opFlops = new LinkedHashMap<>();
        double[] whole = new double[steps];
        try (SeedModelStep model = new SeedModelStep(be, SeedModelStep.Shape.SEED_MODEL, 1)) {
            for (int s = 0; s < WARM_UP_STEPS + steps; s++) {
                int measured = s - WARM_UP_STEPS;
                SeedModelStep.Batch b = SeedModelStep.randomBatch(model.shape(), batch, s);
                model.step(b, 42, 2L * s, (name, flops, op) -> {
                    long t0 = System.nanoTime();
                    op.run();
                    be.synchronize();
                    double ms = (System.nanoTime() - t0) * 1e-6;
                    if (measured < 0) return;
                    opTimes.computeIfAbsent(name, k -> new double[steps])[measured] = ms;
                    opFlops.put(name, flops);
                });
                long t0 = System.nanoTime();
                model.step(b, 42, 2L * s + 1);
                be.synchronize();
                if (measured >= 0) whole[measured] = (System.nanoTime() - t0) * 1e-6;
            }
        }
        List<Op> ops = new ArrayList<>();
        opTimes.forEach((name, ms) -> ops.add(new Op(name, opFlops.get(name), median(ms), min(ms))));
        return new Result(be.name(), be.description(), batch, steps, List.copyOf(ops), median(whole), min(whole));
    }

    /**
     * The profile as a Markdown table: one row per operation (median and best ms, share of the whole step, GFLOP/s and
     * the fraction of {@code peakGflops} where the operation does FLOP-counted work), the sum of the operations, the
     * whole step and the gap between the two.
     *
     * @param r          a profile
     * @param peakGflops the FMA peak to divide by, if measured
     * @return the table, ending with a newline
     */
    public static String markdown(Result r, OptionalDouble peakGflops) {
        StringBuilder md = new StringBuilder();
        md.append("| operation | median ms | best ms | share of step | GFLOP/s | of peak |\n");
        md.append("|---|---:|---:|---:|---:|---:|\n");
        for (Op op : r.ops()) {
            md.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %s |", op.name(), op.medianMs(), op.bestMs(),
                    Report.percent(op.medianMs() / r.medianStepMs())));
            if (op.flops() > 0) {
                double gflops = op.flops() / op.medianMs() * 1e-6;
                md.append(String.format(Locale.ROOT, " %.1f | %s |", gflops,
                        peakGflops.isPresent() ? Report.percent(gflops / peakGflops.getAsDouble()) : "—"));
            } else {
                md.append(" | |");
            }
            md.append('\n');
        }
        md.append(String.format(Locale.ROOT, "| **sum of the operations** | %.2f | | %s | | |%n", r.opSumMs(),
                Report.percent(r.opSumMs() / r.medianStepMs())));
        md.append(String.format(Locale.ROOT, "| **whole step** (no synchronisation between operations) | %.2f | %.2f | 100%% | | |%n",
                r.medianStepMs(), r.bestStepMs()));
        md.append(String.format(Locale.ROOT, "| **gap** (whole step − sum) | %+.2f | | %s | | |%n", r.gapMs(),
                Report.percent(r.gapMs() / r.medianStepMs())));
        return md.toString();
    }

    /**
     * The header line of a profile: backend, batch, steps, and the epoch the whole step extrapolates to.
     *
     * @param r a profile
     * @return one line, no newline
     */
    public static String summary(Result r) {
        int stepsPerEpoch = (EndToEnd.EPOCH_IMAGES + r.batch() - 1) / r.batch();
        return String.format(Locale.ROOT, "%s (%s), batch %d, median of %d steps after %d warm-up: whole step %.1f ms "
                        + "(best %.1f) -> %.1f s per %d-step epoch of training steps", r.backend(), r.description(), r.batch(),
                r.steps(), WARM_UP_STEPS, r.medianStepMs(), r.bestStepMs(), r.medianStepMs() * stepsPerEpoch / 1e3, stepsPerEpoch);
    }

    /**
     * Prints the profile of one backend.
     *
     * @param args backend name (default native), measured steps (default 20), OpenCL device selector (optional)
     */
    public static void main(String[] args) {
        String name = args.length > 0 ? args[0] : "native";
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        String device = args.length > 2 ? args[2] : null;
        try (Backend be = Backends.open(name, device, System.out::println)) {
            Peaks.Measured fma = Peaks.measureFma(1.0, System.out);
            Result r = measure(be, steps, SeedModel.BATCH);
            System.out.println(summary(r));
            System.out.println("FMA peak: " + (fma.gflops().isPresent() ? fma.gflops().getAsDouble() + " GFLOP/s, " : "") + fma.note());
            System.out.print(markdown(r, fma.gflops()));
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }
}
