package dev.splot.bench;

import dev.splot.backend.Backend;
import dev.splot.backend.Backends;
import dev.splot.bench.Peaks.Peak;
import dev.splot.bench.Workloads.Work;
import dev.splot.data.Dataset;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the benchmark suite on every backend that starts here and writes, under the output folder,
 * JMH's JSON ({@code jmh.json}), the Markdown report ({@code report.md}) and its chart
 * ({@code report.png}). Backends that do not start are skipped and listed with the reason.
 *
 * <pre>
 * mvn -q test-compile &amp;&amp; mvn -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.splot.bench.BenchmarkReport -Dexec.args="--quick"
 * </pre>
 * Two Maven calls, because in one call with a build phase {@code -Dexec.args} also reaches the
 * native build's {@code exec} executions (CMake then fails on the benchmark's options).
 */
public final class BenchmarkReport {

    static final String USAGE = String.join("\n",
            "Usage: BenchmarkReport [options]",
            "  (mvn -q test-compile && mvn -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.splot.bench.BenchmarkReport -Dexec.args=\"...\")",
            "Benchmarks every operation of the seed model (batch 128) on each backend, plus a training step,",
            "inference, a memory copy and a short Trainer.fit run; writes jmh.json, report.md and report.png.",
            "",
            "  --quick            1 warm-up + 3 measured iterations of 1 s, 1 fork, 10 s training run",
            "  --smoke            every operation once (no warm-up, no fork), 1 training step: checks that",
            "                     the suite runs (CI); exits 1 if anything that should run has no result",
            "                     (default: 3 warm-up + 5 measured iterations of 2 s, 2 forks, 60 s training run)",
            "  --ops REGEX        only operations whose name matches (find), e.g. 'conv2|dense' or trainStep;",
            "                     names: " + Workloads.ALL.stream().map(Work::id).collect(Collectors.joining(" ")) + " " + Workloads.TRAINING_RUN,
            "  --backends LIST    comma-separated backend names (default: all known: " + String.join(",", knownBackends()) + ")",
            "  --device SEL       OpenCL device: index or name substring",
            "  --out DIR          output folder (default results)",
            "  --data DIR         where MNIST is looked for, as DIR/mnist (default $SPLOT_DATA or data); synthetic otherwise",
            "  --train-seconds S  time budget of the Trainer.fit run per backend",
            "  --profile-steps N  measured steps of the per-operation step profile per backend (" + Workloads.STEP_PROFILE + ";",
            "                     default 20, --quick 5, --smoke 1; 0 turns it off)",
            "  --epoch-run        also run Mnist --epochs 1 per backend in a child JVM (minutes each) and report",
            "                     its train pass, whole-run time and accuracy",
            "  --epoch-rounds N   the epoch runs N times, the backends in turn in each round (a shared machine's",
            "                     load then falls on all alike); the report adds each backend's medians and its",
            "                     whole-run ratios to native's run of the same round (implies --epoch-run)",
            "  --help             this text");

    /** Settings of one run. */
    record Options(String mode, int warmups, TimeValue warmupTime, int iterations, TimeValue iterationTime, int forks,
                   double trainSeconds, boolean trainWarmUp, int trainImages, double fmaSeconds, Pattern ops,
                   List<String> backends, String device, Path out, Path data, int profileSteps, int epochRounds) {
        /** Whether the whole-epoch runs are asked for. */
        boolean epochRun() {
            return epochRounds > 0;
        }
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage() + "\n\n" + USAGE);
            System.exit(2);
            return;
        }
        if (o == null) {
            System.out.println(USAGE);
            return;
        }
        int status = run(o, String.join(" ", args));
        if (status != 0) System.exit(status);
    }

    static List<String> knownBackends() {
        List<String> names = new ArrayList<>(Backends.names());
        names.remove("auto");
        return names;
    }

    /** Returns null for --help. */
    static Options parse(String[] args) {
        String mode = "full";
        Pattern ops = null;
        List<String> backends = knownBackends();
        String device = null;
        Path out = Path.of("results");
        Path data = Path.of(System.getenv().getOrDefault("SPLOT_DATA", "data"));
        Double trainSeconds = null;
        Integer profileSteps = null;
        int epochRounds = 0;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> { return null; }
                case "--quick" -> mode = "quick";
                case "--smoke" -> mode = "smoke";
                case "--ops" -> {
                    String v = value(args, ++i, a);
                    try {
                        ops = Pattern.compile(v);
                    } catch (PatternSyntaxException e) {
                        throw new IllegalArgumentException("--ops: not a regular expression: " + e.getMessage());
                    }
                }
                case "--backends" -> {
                    backends = new ArrayList<>(new LinkedHashSet<>(List.of(value(args, ++i, a).split(","))));
                    backends.removeIf(String::isBlank);
                    if (backends.isEmpty()) throw new IllegalArgumentException("--backends needs at least one name");
                }
                case "--device" -> device = value(args, ++i, a);
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--data" -> data = Path.of(value(args, ++i, a));
                case "--train-seconds" -> trainSeconds = nonNegative(a, value(args, ++i, a));
                case "--profile-steps" -> {
                    double n = nonNegative(a, value(args, ++i, a));
                    if (n != Math.rint(n) || n > 1e6) {
                        throw new IllegalArgumentException("--profile-steps needs a whole number up to 1e6, got " + n);
                    }
                    profileSteps = (int) n;
                }
                case "--epoch-run" -> epochRounds = Math.max(epochRounds, 1);
                case "--epoch-rounds" -> {
                    double n = nonNegative(a, value(args, ++i, a));
                    if (n != Math.rint(n) || n < 1 || n > 100) throw new IllegalArgumentException("--epoch-rounds needs a whole number 1..100, got " + n);
                    epochRounds = (int) n;
                }
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        if (ops != null) {
            Pattern p = ops;
            boolean any = Workloads.ALL.stream().anyMatch(w -> p.matcher(w.id()).find()) || p.matcher(Workloads.TRAINING_RUN).find()
                    || p.matcher(Workloads.STEP_PROFILE).find();
            if (!any) throw new IllegalArgumentException("--ops '" + ops + "' matches no operation");
        }
        return switch (mode) {
            case "smoke" -> new Options(mode, 0, TimeValue.milliseconds(1), 1, TimeValue.milliseconds(1), 0,
                    trainSeconds == null ? 0 : trainSeconds, false, SeedModel.BATCH, 0.2, ops, backends, device, out, data,
                    profileSteps == null ? 1 : profileSteps, epochRounds);
            case "quick" -> new Options(mode, 1, TimeValue.seconds(1), 3, TimeValue.seconds(1), 1,
                    trainSeconds == null ? 10 : trainSeconds, true, 2 * SeedModel.BATCH, 0.5, ops, backends, device, out, data,
                    profileSteps == null ? 5 : profileSteps, epochRounds);
            default -> new Options(mode, 3, TimeValue.seconds(2), 5, TimeValue.seconds(2), 2,
                    trainSeconds == null ? 60 : trainSeconds, true, 2 * SeedModel.BATCH, 1.0, ops, backends, device, out, data,
                    profileSteps == null ? 20 : profileSteps, epochRounds);
        };
    }

    private static double nonNegative(String option, String v) {
        double x;
        try {
            x = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number, got '" + v + "'");
        }
        if (!(x >= 0)) throw new IllegalArgumentException(option + " must be >= 0");
        return x;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) throw new IllegalArgumentException(option + " needs a value");
        return args[i];
    }

    static boolean selected(Options o, String id) {
        return o.ops() == null || o.ops().matcher(id).find();
    }

    static int run(Options o, String argLine) throws IOException, RunnerException {
        Files.createDirectories(o.out());
        String loadBefore = loadAverage();
        String started = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));

        // 1. which backends start here
        List<String> available = new ArrayList<>();
        Map<String, String> skipped = new LinkedHashMap<>();
        for (String name : o.backends()) {
            String why = probe(name, BackendBench.deviceFor(name, o.device()));
            if (why == null) {
                available.add(name);
            } else {
                skipped.put(name, why);
                System.out.println("SKIP backend " + name + ": " + why);
            }
        }

        // 2. JMH: the selected operations on the available backends, and the memory copy
        List<String> ids = new ArrayList<>();
        for (Work w : Workloads.ALL) {
            if (w.id().equals(Workloads.MEMCOPY) || (!available.isEmpty() && selected(o, w.id()))) ids.add(w.id());
        }
        Path json = o.out().resolve("jmh.json");
        Files.deleteIfExists(json);
        exposeClassPathToForks();
        System.setProperty("jmh.ignoreLock", "true"); // other JMH runs on a shared machine must not abort this one
        List<String> jvmArgs = new ArrayList<>(List.of("-Xmx4g", "-Djava.awt.headless=true"));
        if (o.device() != null) jvmArgs.add("-D" + BackendBench.DEVICE_PROPERTY + "=" + o.device());
        if (o.device() != null) System.setProperty(BackendBench.DEVICE_PROPERTY, o.device()); // forks 0
        ChainedOptionsBuilder jmh = new OptionsBuilder()
                .include("^dev\\.splot\\.bench\\.\\w+\\.(" + String.join("|", ids) + ")$")
                .warmupIterations(o.warmups()).warmupTime(o.warmupTime())
                .measurementIterations(o.iterations()).measurementTime(o.iterationTime())
                .forks(o.forks())
                .jvmArgs(jvmArgs.toArray(new String[0]))
                .shouldFailOnError(false)
                .resultFormat(ResultFormatType.JSON).result(json.toString());
        if (!available.isEmpty()) jmh.param("backend", available.toArray(new String[0]));
        // the smoke run checks that the test pass runs; 10,000 images would take minutes on the Java backend
        if (o.mode().equals("smoke")) jmh.param("testImages", Integer.toString(SMOKE_TEST_IMAGES));
        new Runner(jmh.build()).run();
        List<JmhResults.Result> results = Files.exists(json) ? JmhResults.read(json) : List.of();

        // 3. the FMA peak (measured by a backend's peak loop where one offers it)
        Peaks.Measured fma = Peaks.measureFma(o.fmaSeconds(), System.out);
        System.out.println("FMA peak: " + (fma.gflops().isPresent() ? fma.gflops().getAsDouble() + " GFLOP/s, " : "") + fma.note());

        // 4. end to end: a short Trainer.fit per backend
        List<EndToEnd.Result> e2e = new ArrayList<>();
        Map<String, String> e2eFailures = new LinkedHashMap<>();
        if (selected(o, Workloads.TRAINING_RUN) && !available.isEmpty()) {
            Dataset slice = EndToEnd.data(o.data(), o.trainImages(), System.out);
            for (String b : available) {
                System.out.printf("end-to-end: %s, %d images of %s, at least %.0f s%n", b, slice.count(), slice.name(), o.trainSeconds());
                try {
                    EndToEnd.Result r = EndToEnd.run(b, BackendBench.deviceFor(b, o.device()), slice, o.trainSeconds(), o.trainWarmUp(), System.out);
                    System.out.printf(Locale.ROOT, "end-to-end: %s %.1f samples/s, %.0f s per epoch (extrapolated)%n", b,
                            r.samplesPerSecond(), r.secondsPerEpoch());
                    e2e.add(r);
                } catch (RuntimeException e) {
                    e.printStackTrace();
                    e2eFailures.put(b, String.valueOf(e));
                }
            }
        }

        // 5. the training step broken down by operation, per backend
        List<StepProfile.Result> profiles = new ArrayList<>();
        Map<String, String> profileFailures = new LinkedHashMap<>();
        if (o.profileSteps() > 0 && selected(o, Workloads.STEP_PROFILE)) {
            for (String b : available) {
                try (Backend be = Backends.open(b, BackendBench.deviceFor(b, o.device()), System.out::println)) {
                    StepProfile.Result r = StepProfile.measure(be, o.profileSteps(), SeedModel.BATCH);
                    System.out.println("step profile: " + StepProfile.summary(r));
                    profiles.add(r);
                } catch (RuntimeException e) {
                    e.printStackTrace();
                    profileFailures.put(b, String.valueOf(e));
                }
            }
        }

        // 6. Mnist --epochs 1 per backend, as a user runs it, the backends in turn in each round
        List<List<EpochRun.Result>> epochRounds = new ArrayList<>();
        for (int r = 1; r <= o.epochRounds(); r++) {
            List<EpochRun.Result> round = new ArrayList<>();
            for (String b : available) {
                System.out.println("epoch runs: round " + r + " of " + o.epochRounds() + ", " + b);
                try {
                    EpochRun.Result result = EpochRun.run(b, BackendBench.deviceFor(b, o.device()), List.of("--data", o.data().toString()),
                            EPOCH_RUN_TIMEOUT_SECONDS, System.out);
                    System.out.println(result.line());
                    round.add(result);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted during the epoch run on " + b, e);
                }
            }
            epochRounds.add(round);
        }

        // 7. the report
        Peak fmaPeak = Peaks.fma(fma);
        Peak bandwidth = Peaks.bandwidth(Report.memcopyGBs(results));
        List<String> header = List.of(
                "Run " + started + " on " + machine(),
                "Command: `mvn -q test-compile && mvn -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.splot.bench.BenchmarkReport -Dexec.args=\""
                        + argLine + "\"`",
                String.format(Locale.ROOT, "Mode %s: %d warm-up + %d measured iterations of %s, %d fork(s)%s", o.mode(), o.warmups(),
                        o.iterations(), o.iterationTime(), o.forks(),
                        o.mode().equals("smoke") ? " — **smoke run: checks that everything runs; the numbers mean little**" : ""),
                "Load average (1 min) at start / end: " + loadBefore + " / " + loadAverage() + " on "
                        + Runtime.getRuntime().availableProcessors() + " cores: more than the core count means other work slowed this run",
                "Shared, noisy machine: compare backends within one run, as ratios.");
        Report.Inputs in = new Report.Inputs(results, available.isEmpty() ? List.of() : ids, available, skipped, fmaPeak, bandwidth, e2e,
                e2eFailures, header, profiles, profileFailures, epochRounds);
        String md = Report.markdown(in);
        Path mdFile = o.out().resolve("report.md");
        Files.writeString(mdFile, md);
        Path png = o.out().resolve("report.png");
        List<Report.Row> rows = Report.rows(in);
        boolean chart = false;
        if (!rows.isEmpty()) {
            try {
                ReportChart.write(png, rows, available, o.mode() + " run, " + started);
                chart = true;
            } catch (LinkageError | RuntimeException e) {
                // The chart needs AWT's font stack (libfreetype, libharfbuzz, a font); a bare GPU machine
                // may lack it. The numbers are in report.md already: say so and go on.
                System.out.println("WARNING: the chart " + png + " was not drawn (" + e + "); the numbers are in " + mdFile);
            }
        }
        System.out.println();
        System.out.println(md);
        System.out.println("Wrote " + json + ", " + mdFile + (chart ? ", " + png : ""));

        // 8. anything that should have run and did not
        List<String> missing = missing(rows, e2eFailures, results);
        profileFailures.keySet().forEach(b -> missing.add(Workloads.STEP_PROFILE + " on " + b));
        epochRounds.stream().flatMap(List::stream).filter(r -> !r.ok()).forEach(r -> missing.add("epoch run on " + r.backend()));
        if (!missing.isEmpty()) {
            System.out.println("No result for: " + String.join(", ", missing));
            if (o.mode().equals("smoke")) return 1;
        }
        return 0;
    }

    /** Images of the test pass in the smoke run: two batches of 128. */
    static final int SMOKE_TEST_IMAGES = 256;

    /** The longest a whole {@code Mnist --epochs 1} child may run (the Java backend takes about 6 minutes for one epoch on the 2-core machine). */
    static final double EPOCH_RUN_TIMEOUT_SECONDS = 3600;

    static List<String> missing(List<Report.Row> rows, Map<String, String> e2eFailures, List<JmhResults.Result> results) {
        List<String> missing = new ArrayList<>();
        for (Report.Row r : rows) if (!r.measured()) missing.add(r.work().id() + " on " + r.backend());
        e2eFailures.keySet().forEach(b -> missing.add(Workloads.TRAINING_RUN + " on " + b));
        if (Report.memcopyGBs(results).isEmpty()) missing.add(Workloads.MEMCOPY);
        return missing;
    }

    /** Null when the backend starts; otherwise why not. */
    static String probe(String name, String device) {
        try (Backend be = Backends.open(name, device, System.out::println)) {
            System.out.println("backend " + name + ": " + be.description());
            return null;
        } catch (dev.splot.backend.BackendUnavailableException e) {
            return "unavailable: " + e.getMessage();
        } catch (IllegalArgumentException e) {
            return "not built into this version: " + e.getMessage();
        } catch (RuntimeException | LinkageError e) {
            return "failed to start: " + e;
        }
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    static String machine() {
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        String l3 = "";
        try {
            l3 = ", L3 " + Files.readString(Path.of("/sys/devices/system/cpu/cpu0/cache/index3/size")).trim();
        } catch (IOException | RuntimeException e) {
            // no such cache level or not Linux
        }
        return String.format(Locale.ROOT, "%s, %d cores visible%s, %s %s", cpu, Runtime.getRuntime().availableProcessors(), l3,
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
    }

    /**
     * JMH forks use the system property java.class.path. Under {@code mvn exec:java} that is Maven's
     * own class path and the project's classes live in a child class loader, so the forks would not
     * find the benchmarks; this puts that loader's entries in front.
     */
    static void exposeClassPathToForks() {
        if (ClassLoader.getSystemClassLoader().getResource("META-INF/BenchmarkList") != null) return;
        List<String> entries = new ArrayList<>();
        for (ClassLoader cl = Thread.currentThread().getContextClassLoader(); cl != null && cl != ClassLoader.getSystemClassLoader();
             cl = cl.getParent()) {
            if (cl instanceof URLClassLoader u) {
                for (URL url : u.getURLs()) {
                    try {
                        if (url.getProtocol().equals("file")) entries.add(Path.of(url.toURI()).toString());
                    } catch (URISyntaxException | RuntimeException e) {
                        // skip entries that are not plain files
                    }
                }
            }
        }
        if (entries.isEmpty()) return;
        Set<String> cp = new LinkedHashSet<>(entries); // Maven's own boot class path is not needed by the forks
        System.setProperty("java.class.path", String.join(File.pathSeparator, cp));
    }
}
