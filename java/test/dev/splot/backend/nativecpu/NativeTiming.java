package dev.splot.backend.nativecpu;

import dev.splot.backend.Backend;
import dev.splot.testing.SeedModelStep;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hand-run timing of the seed model's training step ({@link SeedModelStep}) through the Backend interface (Java ->
 * JavaCPP -> C++), batch 128: each op's best and mean time over the measured steps, GFLOP/s and fraction of
 * the native FMA peak, and the whole step. Not a test; machines are shared and noisy.
 *
 * <pre>mvn -q test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.splot.backend.nativecpu.NativeTiming [-Dsplot.native.isa=avx2] [-Dexec.args=20]</pre>
 */
public final class NativeTiming {
    private final Map<String, double[]> ops = new LinkedHashMap<>(); // name -> {best ms, flop}

    private void time(String name, double flop, Runnable r) { // a SeedModelStep.OpRunner
        long t = System.nanoTime();
        r.run();
        double ms = (System.nanoTime() - t) * 1e-6;
        double[] e = ops.computeIfAbsent(name, k -> new double[] {Double.MAX_VALUE, flop, 0, 0});
        e[0] = Math.min(e[0], ms);
        e[2] += ms;
        e[3]++;
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        try (NativeBackend be = NativeBackend.create()) {
            double peak = be.peakGflops(be.threads(), 1.0);
            System.out.printf("%s%nmeasured FMA peak: %.1f GFLOP/s on %d threads%n", be.description(), peak, be.threads());
            new NativeTiming().run(be, steps, peak);
        }
    }

    private void run(Backend be, int steps, double peak) {
        int n = 128;
        double bestStep = Double.MAX_VALUE, sumSteps = 0;
        try (SeedModelStep model = new SeedModelStep(be, SeedModelStep.Shape.SEED_MODEL, 1)) {
            for (int step = 0; step < steps + 2; step++) {
                SeedModelStep.Batch batch = SeedModelStep.randomBatch(model.shape(), n, step);
                long t0 = System.nanoTime();
                model.step(batch, 42, step, this::time);
                double ms = (System.nanoTime() - t0) * 1e-6;
                if (step >= 2) {
                    bestStep = Math.min(bestStep, ms);
                    sumSteps += ms;
                }
                else ops.clear(); // warm-up steps
            }
        }
        System.out.printf("%-26s %9s %9s %9s %8s%n", "op (batch 128)", "best ms", "mean ms", "GFLOP/s", "of peak");
        double sum = 0;
        for (Map.Entry<String, double[]> e : ops.entrySet()) {
            double ms = e.getValue()[0], flop = e.getValue()[1];
            sum += ms;
            double mean = e.getValue()[2] / e.getValue()[3];
            if (flop > 0) {
                System.out.printf("%-26s %9.3f %9.3f %9.1f %7.1f%%%n", e.getKey(), ms, mean, flop / ms * 1e-6,
                        100 * flop / ms * 1e-6 / peak);
            } else {
                System.out.printf("%-26s %9.3f %9.3f%n", e.getKey(), ms, mean);
            }
        }
        System.out.printf("sum of best op times: %.1f ms; best whole step: %.1f ms -> %.1f s per epoch of 469 steps; "
                + "mean step %.1f ms -> %.1f s%n", sum, bestStep, bestStep * 469e-3, sumSteps / steps, sumSteps / steps * 469e-3);
    }
}
