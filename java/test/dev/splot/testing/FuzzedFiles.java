package dev.splot.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The rule for readers fed fuzzed files: either the reader accepts the bytes (and {@code check} finds the result
 * consistent), or it throws its one format exception, whose message starts with the file's path; anything else
 * fails the property.
 */
public final class FuzzedFiles {
    private FuzzedFiles() {}

    /** Reads and checks one file. */
    public interface Check {
        void read(Path file) throws Exception;
    }

    /** Writes {@code bytes} to a temporary file, runs {@code check} on it and deletes it. */
    public static void readOrFailClearly(byte[] bytes, String suffix, Class<? extends Exception> formatException, Check check)
            throws IOException {
        Path f = Files.createTempFile("fuzz", suffix);
        try {
            Files.write(f, bytes);
            check.read(f);
        } catch (Throwable t) {
            if (!formatException.isInstance(t)) fail("unexpected " + t + " for " + bytes.length + " bytes", t);
            if (!t.getMessage().startsWith(f + ": ")) fail("message does not name the file: " + t.getMessage());
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
