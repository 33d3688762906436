package dev.splot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.splot.testing.SmallHeapCommand;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * XChart is an optional dependency: a user of the core does not have it. {@code Mnist --plots} on a class
 * path without it must stop before any work with a message naming the dependency, not with a
 * NoClassDefFoundError after training.
 */
class PlotsWithoutXChartTest {
    @TempDir
    Path dir;

    @Test
    void plotsWithoutXChartStopBeforeTrainingNamingTheDependency() throws Exception {
        String full = System.getProperty("java.class.path");
        String withoutXChart = Arrays.stream(full.split(File.pathSeparator))
                .filter(entry -> !Path.of(entry).getFileName().toString().startsWith("xchart-"))
                .collect(Collectors.joining(File.pathSeparator));
        assertNotEquals(full, withoutXChart, "the test class path should hold an xchart jar to leave out: " + full);
        Path data = dir.resolve("data");
        MnistTest.writeTinyMnist(data);

        SmallHeapCommand.Result r = SmallHeapCommand.runOnClassPath(dir, HostileCommandLineTest.LIMIT, withoutXChart, "Mnist",
                "--data", data.toString(), "--backend", "java", "--epochs", "1", "--plots", dir.resolve("plots").toString());

        r.assertCleanFailure("--plots needs XChart (org.knowm.xchart:xchart:3.8.8), an optional dependency of splot");
        assertEquals(1, r.status());
        assertFalse(r.out().contains("Epoch 1/"), "refused before the first step:\n" + r.out());
        assertFalse(Files.exists(dir.resolve("plots")), "nothing written");
    }
}
