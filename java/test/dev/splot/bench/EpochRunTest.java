package dev.splot.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Mnist --epochs 1 in a child JVM: its train-pass time and accuracy are read from its output, its failures kept. */
class EpochRunTest {
    @Test
    void readsTrainPassAndAccuracyOfAShortRun() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // two steps of 128 and a 256-image test pass on the Java backend: the whole path in seconds
        EpochRun.Result r = EpochRun.run("java", null, List.of("--limit", "256", "--test-limit", "256", "--data",
                System.getenv().getOrDefault("SPLOT_DATA", "data")), 300, new PrintStream(out, true, StandardCharsets.UTF_8));
        String log = out.toString(StandardCharsets.UTF_8);
        assertTrue(r.ok(), r.line() + "\n" + log);
        assertEquals(0, r.exitCode());
        assertTrue(r.trainSeconds() > 0 && r.trainSeconds() < r.wallSeconds(), r.line());
        assertTrue(r.accuracy() >= 0 && r.accuracy() <= 1, r.line());
        assertTrue(log.contains("Trained 1 epochs in"), log);
        assertEquals("Mnist --backend java --epochs 1 --limit 256 --test-limit 256 --data "
                + System.getenv().getOrDefault("SPLOT_DATA", "data"), r.command());
    }

    @Test
    void aFailingRunIsNotOk() throws Exception {
        EpochRun.Result r = EpochRun.run("no-such-backend", null, List.of(), 120, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
        assertEquals(2, r.exitCode(), "Mnist's status for a bad option");
        assertFalse(r.ok());
        assertTrue(Double.isNaN(r.trainSeconds()) && Double.isNaN(r.accuracy()), r.line());
    }
}
