package dev.splot.testing;

import dev.splot.backend.Backend;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The seed model's training step ({@link SeedModelStep}, batch 128) timed op by op on any backend: each op's best and
 * mean time over the profiled steps (the backend is synchronised after each op, so an asynchronous backend's queue
 * is drained and the op's own time is measured), GFLOP/s and share of an FMA peak, then as many whole steps without
 * the per-op synchronisation (the real step, where an asynchronous backend overlaps launching with running). For the
 * hand-run timings ({@code NativeTiming}, {@code OpenClStepTiming}); not a test, machines are shared and noisy.
 */
public final class StepProfile {
    private final Backend be;
    private final Map<String, double[]> ops = new LinkedHashMap<>(); // name -> {best ms, flop, sum ms, count}

    /**
     * A profile of the seed model's step on this backend.
     *
     * @param be the backend, owned by the caller
     */
    public StepProfile(Backend be) {
        this.be = be;
    }

    private void time(String name, double flop, Runnable r) { // a SeedModelStep.OpRunner
        long t = System.nanoTime();
        r.run();
        be.synchronize();
        double ms = (System.nanoTime() - t) * 1e-6;
        double[] e = ops.computeIfAbsent(name, k -> new double[] {Double.MAX_VALUE, flop, 0, 0});
        e[0] = Math.min(e[0], ms);
        e[2] += ms;
        e[3]++;
    }

    /**
     * Runs 2 warm-up steps, {@code steps} profiled ones and {@code steps} whole ones, and prints the table.
     *
     * @param steps profiled steps (and as many whole ones)
     * @param peak the FMA peak in GFLOP/s that the rates are compared with; 0: no comparison
     */
    public void run(int steps, double peak) {
        int n = 128;
        double bestProfiled = Double.MAX_VALUE, bestStep = Double.MAX_VALUE, sumSteps = 0;
        try (SeedModelStep model = new SeedModelStep(be, SeedModelStep.Shape.SEED_MODEL, 1)) {
            for (int step = 0; step < 2 * steps + 2; step++) {
                SeedModelStep.Batch batch = SeedModelStep.randomBatch(model.shape(), n, step);
                boolean profiled = step < steps + 2;
                long t0 = System.nanoTime();
                model.step(batch, 42, step, profiled ? this::time : SeedModelStep.OpRunner.DIRECT);
                double ms = (System.nanoTime() - t0) * 1e-6;
                if (step < 2) ops.clear(); // warm-up steps
                else if (profiled) bestProfiled = Math.min(bestProfiled, ms);
                else {
                    bestStep = Math.min(bestStep, ms);
                    sumSteps += ms;
                }
            }
        }
        System.out.printf(Locale.ROOT, "%-26s %9s %9s %7s %9s %8s%n", "op (batch 128)", "best ms", "mean ms", "share", "GFLOP/s",
                peak > 0 ? "of peak" : "");
        double sum = 0;
        for (double[] e : ops.values()) sum += e[0];
        for (Map.Entry<String, double[]> e : ops.entrySet()) {
            double ms = e.getValue()[0], flop = e.getValue()[1], mean = e.getValue()[2] / e.getValue()[3];
            String share = String.format(Locale.ROOT, "%6.1f%%", 100 * ms / sum);
            if (flop > 0) {
                System.out.printf(Locale.ROOT, "%-26s %9.3f %9.3f %7s %9.1f %s%n", e.getKey(), ms, mean, share, flop / ms * 1e-6,
                        peak > 0 ? String.format(Locale.ROOT, "%7.1f%%", 100 * flop / ms * 1e-6 / peak) : "");
            } else {
                System.out.printf(Locale.ROOT, "%-26s %9.3f %9.3f %7s%n", e.getKey(), ms, mean, share);
            }
        }
        System.out.printf(Locale.ROOT, "sum of best op times: %.1f ms (best profiled step %.1f ms); best whole step: %.1f ms -> %.1f s per "
                + "epoch of 469 steps; mean step %.1f ms -> %.1f s; gap between the sum and the best step %+.1f ms%n", sum, bestProfiled,
                bestStep, bestStep * 469e-3, sumSteps / steps, sumSteps / steps * 469e-3, bestStep - sum);
    }
}
