package dev.splot.bench;

import dev.splot.bench.JmhResults.Result;
import dev.splot.bench.Peaks.Peak;
import dev.splot.bench.Workloads.Unit;
import dev.splot.bench.Workloads.Work;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Turns parsed JMH results (plus the end-to-end runs and the peaks) into the Markdown report:
 * one row per operation and backend with the work per call, time, GFLOP/s or GB/s (= work /
 * time), the fraction of the machine's peak and the speed-up over the Java backend.
 */
public final class Report {
    public static final String REFERENCE = "java";
    static final String NO_RESULT = "no result (failed: see the JMH output)";

    /**
     * Everything the report shows.
     *
     * @param operations the ids of the operations that were run (a row each, even without any result)
     * @param backends  the backends that started, in column order
     * @param skipped   backend name -> why it was skipped
     * @param fma       the FMA peak the GFLOP/s figures are divided by
     * @param bandwidth the bandwidth the GB/s figures are divided by
     * @param header    lines under the title (date, command, machine, settings)
     * @param stepProfiles the training step broken down by operation, per backend
     * @param stepProfileFailures backend name -> why its step profile failed
     * @param epochRounds the whole {@code Mnist --epochs 1} runs: per round, one per backend in turn (empty when not asked for)
     */
    public record Inputs(List<Result> results, List<String> operations, List<String> backends, Map<String, String> skipped,
                         Peak fma, Peak bandwidth, List<EndToEnd.Result> endToEnd, Map<String, String> endToEndFailures,
                         List<String> header, List<StepProfile.Result> stepProfiles, Map<String, String> stepProfileFailures,
                         List<List<EpochRun.Result>> epochRounds) {
        /** Inputs without step profiles and whole-epoch runs (sections then say "Not run."). */
        public Inputs(List<Result> results, List<String> operations, List<String> backends, Map<String, String> skipped,
                      Peak fma, Peak bandwidth, List<EndToEnd.Result> endToEnd, Map<String, String> endToEndFailures,
                      List<String> header) {
            this(results, operations, backends, skipped, fma, bandwidth, endToEnd, endToEndFailures, header, List.of(), Map.of(),
                    List.of());
        }
    }

    /** One cell group of the table; seconds is NaN when the benchmark produced no result. */
    public record Row(Work work, String backend, double seconds, double errorSeconds, int samples, double rate,
                      double fractionOfPeak, double speedup) {
        public boolean measured() {
            return !Double.isNaN(seconds);
        }
    }

    private Report() {}

    /**
     * The memory-copy bandwidth in GB/s if it is among the results: from its best iteration, as STREAM
     * reports a peak (a mean on a shared machine mostly measures the neighbours).
     */
    public static OptionalDouble memcopyGBs(List<Result> results) {
        for (Result r : results) {
            if (r.method().equals(Workloads.MEMCOPY)) {
                double s = Double.isNaN(r.bestSeconds()) ? r.seconds() : r.bestSeconds();
                return OptionalDouble.of(2.0 * Workloads.MEMCOPY_BYTES / s / 1e9);
            }
        }
        return OptionalDouble.empty();
    }

    /** Rows in Workloads order, then backend order: every operation that was run or has a result. */
    public static List<Row> rows(Inputs in) {
        Map<String, Result> byKey = new LinkedHashMap<>();
        for (Result r : in.results()) byKey.put(r.method() + "|" + r.param("backend"), r);
        List<Row> rows = new ArrayList<>();
        for (Work w : Workloads.ALL) {
            if (w.id().equals(Workloads.MEMCOPY)) continue; // shown with the peaks
            boolean any = in.backends().stream().anyMatch(b -> byKey.containsKey(w.id() + "|" + b));
            if (!any && !in.operations().contains(w.id())) continue;
            Result ref = byKey.get(w.id() + "|" + REFERENCE);
            for (String b : in.backends()) {
                Result r = byKey.get(w.id() + "|" + b);
                if (r == null) {
                    rows.add(new Row(w, b, Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN, Double.NaN));
                    continue;
                }
                double s = r.seconds();
                Work done = workDone(w, r);
                double rate = done.rate(s);
                Peak peak = w.unit() == Unit.FLOP ? in.fma() : in.bandwidth();
                double fraction = rate / 1e9 / peak.value();
                double speedup = ref == null ? Double.NaN : ref.seconds() / s;
                rows.add(new Row(done, b, s, r.errorSeconds(), r.samples(), rate, fraction, speedup));
            }
        }
        return rows;
    }

    /** The work a result did: the workload's, except for a test pass run on fewer images (the smoke run). */
    static Work workDone(Work w, Result r) {
        String images = r.param("testImages");
        return w.id().equals(Workloads.TEST_PASS) && images != null ? Workloads.testPass(Integer.parseInt(images)) : w;
    }

    public static String markdown(Inputs in) {
        StringBuilder md = new StringBuilder("# splot benchmarks\n\n");
        for (String h : in.header()) md.append(h).append("  \n");
        md.append('\n');

        md.append("## Backends\n\n");
        md.append("Measured: ").append(in.backends().isEmpty() ? "none" : String.join(", ", in.backends())).append("  \n");
        if (in.skipped().isEmpty()) {
            md.append("Skipped: none\n\n");
        } else {
            md.append("Skipped:\n\n");
            in.skipped().forEach((b, why) -> md.append("- **").append(b).append("**: ").append(why).append('\n'));
            md.append('\n');
        }

        md.append("## Peaks (the denominators of \"of peak\")\n\n");
        md.append("- FMA: ").append(in.fma().describe()).append('\n');
        md.append("- memory: ").append(in.bandwidth().describe()).append("\n\n");

        md.append("## Operations (batch 128, the seed model's shapes)\n\n");
        md.append("Time is JMH's mean per call ± its 99.9% error (none when too few iterations); rate = work / time; ")
                .append("GFLOP/s are divided by the FMA peak, GB/s by the memory bandwidth; ")
                .append("\"vs java\" = java's time / this backend's time. ")
                .append("GB/s above 100% of peak mean the data stayed in the caches between calls (the copy's 128 MiB does not; ")
                .append("AdaDelta's 19 MB of arrays can fit a 32 MiB L3). ")
                .append("Convolution work is the direct convolution's FLOP count; the native backend, and the OpenCL one on ")
                .append("CPU devices, compute 3x3 stride-1 convolutions with >= 8 channels (conv2) by Winograd F(4x4,3x3) by ")
                .append("default, 4x fewer multiply-adds, so their rates there are effective ones and can exceed 100% of peak.\n\n");
        md.append("| operation | work per call | backend | time per call | rate | of peak | vs java |\n");
        md.append("|---|---|---|---:|---:|---:|---:|\n");
        String lastOp = null;
        for (Row r : rows(in)) {
            boolean first = !r.work().id().equals(lastOp);
            lastOp = r.work().id();
            md.append("| ").append(first ? r.work().label() : "")
                    .append(" | ").append(first ? amount(r.work()) + ": " + r.work().formula() : "")
                    .append(" | ").append(r.backend()).append(" | ");
            if (!r.measured()) {
                md.append(NO_RESULT).append(" | | | |\n");
                continue;
            }
            md.append(time(r.seconds()));
            if (Double.isFinite(r.errorSeconds())) md.append(" ± ").append(time(r.errorSeconds()));
            md.append(" | ").append(rate(r.work(), r.rate()));
            if (r.work().samples() > 0) {
                md.append(String.format(Locale.ROOT, ", %,.0f img/s", r.work().samples() / r.seconds()));
            }
            md.append(" | ").append(percent(r.fractionOfPeak()))
                    .append(" | ").append(Double.isNaN(r.speedup()) ? "—" : String.format(Locale.ROOT, "%.2f×", r.speedup()))
                    .append(" |\n");
        }
        md.append('\n');

        md.append("## End to end (Trainer.fit, batch 128, AdaDelta)\n\n");
        if (in.endToEnd().isEmpty() && in.endToEndFailures().isEmpty()) {
            md.append("Not run.\n");
        } else {
            String floor = in.fma().measured()
                    ? String.format(Locale.ROOT, "%.2f TFLOP per epoch / %.0f GFLOP/s = %.1f s", epochFlops() / 1e12, in.fma().value(),
                            epochFlops() / (in.fma().value() * 1e9))
                    : String.format(Locale.ROOT, "%.2f TFLOP per epoch; not computed, the FMA peak was not measured", epochFlops() / 1e12);
            md.append(String.format(Locale.ROOT, "Epoch time extrapolated to %,d images. Floor at the FMA peak for the direct-convolution work: %s (Winograd does less work, so the native backend can beat it).%n%n",
                    EndToEnd.EPOCH_IMAGES, floor));
            md.append("Start-up (Backends.open and building the model) and the first step (JIT, kernel compilation) are not in ")
                    .append("the training time.\n\n");
            md.append("| backend | data | images (steps) | training time | samples/s | s per epoch | start-up | first step |\n");
            md.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
            for (EndToEnd.Result e : in.endToEnd()) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %,d (%d) | %.1f s | %.1f | %,.0f | %s | %s |%n", e.backend(), e.data(),
                        e.images(), e.steps(), e.seconds(), e.samplesPerSecond(), e.secondsPerEpoch(), time(e.openSeconds()),
                        Double.isNaN(e.firstStepSeconds()) ? "—" : time(e.firstStepSeconds())));
            }
            in.endToEndFailures().forEach((b, why) -> md.append("| ").append(b).append(" | failed: ").append(why)
                    .append(" | | | | | | |\n"));
        }
        appendStepProfiles(md, in);
        appendEpochRuns(md, in);
        return md.toString();
    }

    /** The step-profile section: one table per backend, the gap between the ops' sum and a real step. */
    static void appendStepProfiles(StringBuilder md, Inputs in) {
        md.append("\n## Training step by operation (seed model, batch 128)\n\n");
        if (in.stepProfiles().isEmpty() && in.stepProfileFailures().isEmpty()) {
            md.append("Not run.\n");
            return;
        }
        md.append("Each operation of one training step (`SeedModelStep`: backend operations only, AdaDelta) timed on its own, ")
                .append("the backend synchronised after it; interleaved with whole steps run without synchronisation between ")
                .append("the operations. Medians over the measured steps; share = the operation's median / the whole step's. ")
                .append("The gap (whole step − sum of the operations) is host work and synchronisation the profile adds or does ")
                .append("not see (positive), or overlap a device queue gets when nothing waits (negative). \"of peak\" divides ")
                .append("by the CPU's FMA peak above (meaningless for a GPU device).\n");
        for (StepProfile.Result r : in.stepProfiles()) {
            md.append("\n### ").append(r.backend()).append("\n\n").append(StepProfile.summary(r)).append("\n\n");
            md.append(StepProfile.markdown(r, in.fma().measured() ? OptionalDouble.of(in.fma().value()) : OptionalDouble.empty()));
        }
        in.stepProfileFailures().forEach((b, why) -> md.append("\n### ").append(b).append("\n\nfailed: ").append(why).append('\n'));
    }

    /**
     * The whole-epoch section: Mnist --epochs 1 per backend and round, train pass and whole run, and the ratio to native's
     * run of the same round; with several rounds, each backend's medians and the spread of its ratios.
     */
    static void appendEpochRuns(StringBuilder md, Inputs in) {
        md.append("\n## One epoch, whole run (`Mnist --backend B --epochs 1`)\n\n");
        List<List<EpochRun.Result>> rounds = in.epochRounds();
        if (rounds.isEmpty()) {
            md.append("Not run (`--epoch-run` runs it).\n");
            return;
        }
        md.append("A child JVM per backend, one after another").append(rounds.size() > 1 ? ", the backends in turn in each of " + rounds.size()
                        + " rounds (a shared machine's load then falls on all alike)" : "")
                .append(". Train pass: Mnist's \"Trained 1 epochs in X s\". Whole run: the child's wall time (JVM and backend start, ")
                .append("data loading, training, the test pass after each epoch, whose last gives the final numbers); its ratio is to native's run of the same round.\n\n");
        md.append("| round | backend | train pass | whole run | whole run vs native | test accuracy | exit |\n|---:|---|---:|---:|---:|---:|---:|\n");
        record GoodRun(double train, double whole, double ratio) {}
        Map<String, List<GoodRun>> perBackend = new LinkedHashMap<>();
        for (int r = 0; r < rounds.size(); r++) {
            EpochRun.Result ref = rounds.get(r).stream().filter(e -> e.backend().equals("native") && e.ok()).findFirst().orElse(null);
            for (EpochRun.Result e : rounds.get(r)) {
                double ratio = ref == null || !e.ok() ? Double.NaN : e.wallSeconds() / ref.wallSeconds();
                md.append(String.format(Locale.ROOT, "| %d | %s | %s | %.1f s | %s | %s | %d |%n", r + 1, e.backend(),
                        Double.isNaN(e.trainSeconds()) ? "—" : String.format(Locale.ROOT, "%.1f s", e.trainSeconds()), e.wallSeconds(),
                        Double.isNaN(ratio) ? "—" : String.format(Locale.ROOT, "%.2f×", ratio),
                        Double.isNaN(e.accuracy()) ? "—" : String.format(Locale.ROOT, "%.2f%%", 100 * e.accuracy()), e.exitCode()));
                if (e.ok()) perBackend.computeIfAbsent(e.backend(), k -> new ArrayList<>()).add(new GoodRun(e.trainSeconds(), e.wallSeconds(), ratio));
            }
        }
        if (rounds.size() < 2) return;
        md.append("\nMedians over the rounds (runs that failed left out):\n\n")
                .append("| backend | good runs | train pass | whole run | whole run vs native: median (min – max) |\n|---|---:|---:|---:|---:|\n");
        perBackend.forEach((backend, runs) -> {
            double[] ratios = runs.stream().mapToDouble(GoodRun::ratio).filter(x -> !Double.isNaN(x)).toArray();
            md.append(String.format(Locale.ROOT, "| %s | %d | %.1f s | %.1f s | %s |%n", backend, runs.size(),
                    StepProfile.median(runs.stream().mapToDouble(GoodRun::train).toArray()), StepProfile.median(runs.stream().mapToDouble(GoodRun::whole).toArray()),
                    ratios.length == 0 ? "—" : String.format(Locale.ROOT, "%.2f× (%.2f – %.2f)", StepProfile.median(ratios),
                            Arrays.stream(ratios).min().orElseThrow(), Arrays.stream(ratios).max().orElseThrow())));
        });
    }

    /** FLOPs of one epoch of 60,000 images (forward + backward), ~4.3 TFLOP (docs/architecture.md). */
    static double epochFlops() {
        return (Workloads.FORWARD_FLOPS + Workloads.BACKWARD_FLOPS) / SeedModel.BATCH * EndToEnd.EPOCH_IMAGES;
    }

    static String amount(Work w) {
        double a = w.amount();
        if (w.unit() == Unit.FLOP) {
            return a >= 1e9 ? String.format(Locale.ROOT, "%.3g GFLOP", a / 1e9) : String.format(Locale.ROOT, "%.3g MFLOP", a / 1e6);
        }
        return a >= 1e6 ? String.format(Locale.ROOT, "%.3g MB", a / 1e6) : String.format(Locale.ROOT, "%.3g kB", a / 1e3);
    }

    static String rate(Work w, double perSecond) {
        return w.unit() == Unit.FLOP ? sig(perSecond / 1e9) + " GFLOP/s" : sig(perSecond / 1e9) + " GB/s";
    }

    static String time(double s) {
        if (s >= 1) return sig(s) + " s";
        if (s >= 1e-3) return sig(s * 1e3) + " ms";
        return sig(s * 1e6) + " µs";
    }

    static String percent(double f) {
        if (Double.isNaN(f)) return "—";
        return f >= 0.1 ? String.format(Locale.ROOT, "%.0f%%", 100 * f) : String.format(Locale.ROOT, "%.2g%%", 100 * f);
    }

    /** Three significant digits without exponents: 1234 -> 1234, 12.345 -> 12.3, 0.01234 -> 0.0123. */
    static String sig(double v) {
        if (v == 0 || !Double.isFinite(v)) return String.valueOf(v);
        if (Math.abs(v) >= 100) return String.format(Locale.ROOT, "%.0f", v);
        int decimals = 2 - (int) Math.floor(Math.log10(Math.abs(v)));
        return String.format(Locale.ROOT, "%." + Math.max(decimals, 0) + "f", v);
    }
}
