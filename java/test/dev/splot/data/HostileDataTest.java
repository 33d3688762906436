package dev.splot.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.testing.HostileFiles;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX files that declare more than the decoded bound, and the time-bounded npm fetch. */
class HostileDataTest {
    @TempDir
    Path dir;

    /** A gzipped IDX file holding only a header that declares {@code dims}. */
    Path headerOnly(String name, int... dims) throws IOException {
        Path file = dir.resolve(name);
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(0x800 | dims.length);
            for (int d : dims) out.writeInt(d);
        }
        return file;
    }

    @Test
    void theDecodedSizeIsBoundedNotOnlyTheBytes() throws IOException {
        IdxFormatException images = assertThrows(IdxFormatException.class,
                () -> Idx.readImages(headerOnly("images.gz", 2_500_000, 28, 28)));
        assertTrue(images.getMessage().contains("2500000x28x28 = 1960000000 bytes of data, 7840000000 bytes once decoded "
                + "(4 bytes a value), more than the limit of 2147483648"), images.getMessage());
        IdxFormatException labels = assertThrows(IdxFormatException.class, () -> Idx.readLabels(headerOnly("labels.gz", 600_000_000)));
        assertTrue(labels.getMessage().contains("2400000000 bytes once decoded"), labels.getMessage());
        // as bytes the same file is within the bound: it fails only because the data is not there
        IdxFormatException bytes = assertThrows(IdxFormatException.class, () -> Idx.read(headerOnly("bytes.gz", 2_500_000, 28, 28), 3));
        assertTrue(bytes.getMessage().contains("truncated"), bytes.getMessage());
        // a file within the bound is read
        Path small = HostileFiles.gzipIdx(dir.resolve("ok.gz"), 3, 28, 28);
        assertEquals(3, Idx.readImages(small).count());
    }

    @Test
    void aCommandIsStoppedAtItsTimeLimitEvenWhenAChildHoldsItsOutput() throws IOException {
        String failure = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> MnistData.runBounded(
                List.of("sh", "-c", "sleep 60 & echo waiting for the network; sleep 60"), dir, Duration.ofSeconds(1)));
        // the output is quoted after the reason; other lines may come first (under LD_PRELOAD=libjsig, as in
        // CI's build without the native library, sh itself prints a JVM warning about signal())
        assertTrue(failure.startsWith("no result within 1 s (offline?), stopped: ") && failure.contains("waiting for the network"),
                failure);
        assertNull(MnistData.runBounded(List.of("sh", "-c", "echo fine"), dir, Duration.ofSeconds(20)));
        assertEquals("failed (exit 3): no such package", MnistData.runBounded(List.of("sh", "-c", "echo no such package; exit 3"), dir,
                Duration.ofSeconds(20)));
        assertTrue(MnistData.runBounded(List.of("no-such-command-here"), dir, Duration.ofSeconds(20)).startsWith(
                "no-such-command-here is not installed"));
    }
}
