package dev.splot.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole program a user runs, timed from outside: {@code Mnist --backend NAME --epochs 1} in a child JVM on this
 * JVM's class path. It reports Mnist's own train-pass time ("Trained 1 epochs in X s"), the test accuracy and the
 * wall time of the whole run (JVM start, backend start and kernel builds, data loading, training, the test pass after
 * each epoch, whose last gives the final numbers). Used by {@link BenchmarkReport}'s {@code --epoch-run} and by
 * {@code .ci/gpu-check}.
 */
public final class EpochRun {
    static final Pattern TRAINED = Pattern.compile("^Trained (\\d+) epochs in ([0-9.]+) s");
    static final Pattern ACCURACY = Pattern.compile("^Test accuracy: ([0-9.]+)");

    /**
     * What one run gave.
     *
     * @param backend      the backend's name as passed to Mnist
     * @param command      the child's arguments after the class path, for the report
     * @param exitCode     the child's exit status (-1: killed at the time limit)
     * @param trainSeconds Mnist's "Trained 1 epochs in X s", NaN when it did not print it
     * @param accuracy     Mnist's final test accuracy (0..1), NaN when it did not print it
     * @param wallSeconds  the child's wall time from start to exit
     */
    public record Result(String backend, String command, int exitCode, double trainSeconds, double accuracy, double wallSeconds) {
        /** @return whether the child exited normally and printed both figures */
        public boolean ok() {
            return exitCode == 0 && !Double.isNaN(trainSeconds) && !Double.isNaN(accuracy);
        }

        /** @return one line with every figure */
        public String line() {
            return String.format(Locale.ROOT, "epoch run %s: exit %d, train pass %.1f s, whole run %.1f s, test accuracy %.4f (%s)",
                    backend, exitCode, trainSeconds, wallSeconds, accuracy, command);
        }
    }

    private EpochRun() {}

    /**
     * Runs {@code Mnist --backend backend --epochs 1 [--device device] extraArgs...} and waits at most
     * {@code timeoutSeconds}; the child's output is copied to {@code log} line by line.
     *
     * @param backend        the backend name
     * @param device         the OpenCL device selector, or null
     * @param extraArgs      further Mnist options (e.g. {@code --limit 512} for a short run)
     * @param timeoutSeconds the child is killed after this long
     * @param log            where its output goes
     * @return the figures; a child that failed or timed out gives NaN where it printed nothing
     * @throws IOException if the child cannot be started
     * @throws InterruptedException if this thread is interrupted while waiting for the child
     */
    public static Result run(String backend, String device, List<String> extraArgs, double timeoutSeconds, PrintStream log)
            throws IOException, InterruptedException {
        BenchmarkReport.exposeClassPathToForks();
        List<String> args = new ArrayList<>(List.of("--backend", backend, "--epochs", "1"));
        if (device != null) args.addAll(List.of("--device", device));
        args.addAll(extraArgs);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx4g", "-cp", System.getProperty("java.class.path"), "dev.splot.cli.Mnist"));
        cmd.addAll(args);
        String shown = "Mnist " + String.join(" ", args);
        log.println("epoch run: " + shown);
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        double[] trained = {Double.NaN}, accuracy = {Double.NaN};
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    log.println("  " + line);
                    Matcher m = TRAINED.matcher(line);
                    if (m.find()) trained[0] = Double.parseDouble(m.group(2));
                    m = ACCURACY.matcher(line);
                    if (m.find()) accuracy[0] = Double.parseDouble(m.group(1));
                }
            } catch (IOException e) {
                log.println("epoch run: reading the child's output failed: " + e);
            }
        }, "epoch-run-output");
        reader.start();
        boolean finished = p.waitFor((long) (timeoutSeconds * 1000), TimeUnit.MILLISECONDS);
        if (!finished) {
            log.printf(Locale.ROOT, "epoch run: %s still running after %.0f s: killed%n", shown, timeoutSeconds);
            p.destroyForcibly().waitFor();
        }
        reader.join();
        double wall = (System.nanoTime() - t0) / 1e9;
        return new Result(backend, shown, finished ? p.exitValue() : -1, trained[0], accuracy[0], wall);
    }

    /**
     * Runs one epoch and prints {@link Result#line()}; exits 1 when the run failed or printed no figures.
     *
     * @param args backend name, then optionally {@code --device SEL}, {@code --timeout SECONDS}, and after {@code --}
     *             further Mnist options
     * @throws Exception if the child cannot be started or waiting for it is interrupted
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: EpochRun BACKEND [--device SEL] [--timeout SECONDS] [-- MNIST OPTIONS...]");
            System.exit(2);
        }
        String device = null;
        double timeout = 3600;
        List<String> extra = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--device" -> device = args[++i];
                case "--timeout" -> timeout = Double.parseDouble(args[++i]);
                case "--" -> {
                    extra.addAll(List.of(args).subList(i + 1, args.length));
                    i = args.length;
                }
                default -> throw new IllegalArgumentException("EpochRun: unknown option '" + args[i] + "'");
            }
        }
        Result r = run(args[0], device, extra, timeout, System.out);
        System.out.println(r.line());
        if (!r.ok()) System.exit(1);
    }
}
