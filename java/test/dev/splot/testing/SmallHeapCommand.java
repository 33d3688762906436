package dev.splot.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program's {@code main} in a fresh JVM with a 256 MB heap, as a user would from the
 * command line, and returns its exit status and output. The small heap makes an unbounded
 * allocation fail the test (as an OutOfMemoryError with a stack trace) instead of passing by luck
 * on a machine with memory to spare; the time limit makes a hang fail it.
 */
public final class SmallHeapCommand {
    public static final String HEAP = "-Xmx256m";

    private SmallHeapCommand() {}

    public record Result(int status, String out, String err) {
        /** Exit status not 0, {@code expected} in the error output, and no stack trace or OutOfMemoryError. */
        public void assertCleanFailure(String expected) {
            assertNotEquals(0, status, "exit status; stderr:\n" + err);
            assertTrue(err.contains(expected), () -> "expected \"" + expected + "\" in stderr:\n" + err);
            assertNoStackTrace();
        }

        public void assertNoStackTrace() {
            assertFalse(err.contains("\tat ") || err.contains("Exception in thread") || err.contains("OutOfMemoryError"),
                    () -> "a stack trace or OutOfMemoryError:\n" + err);
        }
    }

    /** Runs {@code mainClass} with {@code args} in {@code workDir}; fails the test after {@code limit}. */
    public static Result run(Path workDir, Duration limit, String mainClass, String... args) throws IOException, InterruptedException {
        return runOnClassPath(workDir, limit, System.getProperty("java.class.path"), mainClass, args);
    }

    /** As {@link #run(Path, Duration, String, String...)}, on another class path (e.g. one without an optional jar). */
    public static Result runOnClassPath(Path workDir, Duration limit, String classPath, String mainClass, String... args)
            throws IOException, InterruptedException {
        return runWithHeap(HEAP, workDir, limit, classPath, mainClass, args);
    }

    /** As {@link #runOnClassPath}, with another heap limit (a JVM option such as {@code -Xmx64m}). */
    public static Result runWithHeap(String heap, Path workDir, Duration limit, String classPath, String mainClass, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), heap,
                "-Djava.awt.headless=true", "-cp", classPath, mainClass));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(workDir, "stdout", ".txt"), err = Files.createTempFile(workDir, "stderr", ".txt");
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(mainClass + " " + String.join(" ", args) + " did not finish within " + limit.toSeconds()
                    + " s; stderr:\n" + Files.readString(err, StandardCharsets.UTF_8));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
