package dev.splot.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Command line and the "did everything run" check of the driver (nothing here runs a benchmark). */
class BenchmarkReportTest {

    @Test
    void modes() {
        BenchmarkReport.Options full = BenchmarkReport.parse(new String[0]);
        assertEquals("full", full.mode());
        assertEquals(2, full.forks());
        BenchmarkReport.Options quick = BenchmarkReport.parse(new String[] {"--quick"});
        assertEquals(1, quick.forks());
        assertEquals(3, quick.iterations());
        BenchmarkReport.Options smoke = BenchmarkReport.parse(new String[] {"--smoke"});
        assertEquals(0, smoke.forks());
        assertEquals(0, smoke.warmups());
        assertEquals(1, smoke.iterations());
        assertNull(BenchmarkReport.parse(new String[] {"--help"}));
        assertEquals(1, smoke.profileSteps(), "the smoke run profiles one step per backend");
        assertEquals(5, quick.profileSteps());
        assertEquals(20, full.profileSteps());
        assertFalse(full.epochRun(), "whole epochs take minutes: only when asked for");
        BenchmarkReport.Options asked = BenchmarkReport.parse(new String[] {"--smoke", "--profile-steps", "0", "--epoch-run"});
        assertEquals(0, asked.profileSteps());
        assertTrue(asked.epochRun());
        assertEquals(1, asked.epochRounds());
        BenchmarkReport.Options rounds = BenchmarkReport.parse(new String[] {"--epoch-rounds", "5"});
        assertTrue(rounds.epochRun(), "rounds imply the epoch runs");
        assertEquals(5, rounds.epochRounds());
        assertEquals(5, BenchmarkReport.parse(new String[] {"--epoch-rounds", "5", "--epoch-run"}).epochRounds(), "--epoch-run keeps the rounds");
        assertThrows(IllegalArgumentException.class, () -> BenchmarkReport.parse(new String[] {"--epoch-rounds", "0"}));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkReport.parse(new String[] {"--epoch-rounds", "1.5"}));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkReport.parse(new String[] {"--profile-steps", "-1"}));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkReport.parse(new String[] {"--profile-steps", "many"}));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkReport.parse(new String[] {"--profile-steps", "2.5"}));
    }

    @Test
    void backendsDefaultToEveryKnownName() {
        List<String> all = BenchmarkReport.parse(new String[0]).backends();
        assertTrue(all.containsAll(List.of("java", "native", "opencl")), all.toString());
        assertFalse(all.contains("auto"));
        assertEquals(List.of("java", "cuda"), BenchmarkReport.parse(new String[] {"--backends", "java,cuda,java,"}).backends());
    }

    @Test
    void opsSelectByFind() {
        BenchmarkReport.Options o = BenchmarkReport.parse(new String[] {"--ops", "conv2|trainingRun"});
        assertTrue(BenchmarkReport.selected(o, "conv2Forward"));
        assertTrue(BenchmarkReport.selected(o, Workloads.TRAINING_RUN));
        assertTrue(BenchmarkReport.selected(BenchmarkReport.parse(new String[] {"--ops", "stepProfile"}), Workloads.STEP_PROFILE));
        assertFalse(BenchmarkReport.selected(o, Workloads.STEP_PROFILE));
        assertFalse(BenchmarkReport.selected(o, "conv1Forward"));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkReport.parse(new String[] {"--ops", "nothingLikeThis"}));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkReport.parse(new String[] {"--ops", "(["}));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkReport.parse(new String[] {"--frobnicate"}));
        assertThrows(IllegalArgumentException.class, () -> BenchmarkReport.parse(new String[] {"--train-seconds", "-1"}));
    }

    @Test
    void missingResultsAreNamed() {
        List<JmhResults.Result> results = JmhResults.parse("[" + ReportTest.entry("ConvBench.conv2Forward", "java", "1.0", "0.1", "s/op", 1)
                + "]");
        Report.Inputs in = new Report.Inputs(results, List.of("conv2Forward", "memcopy"), List.of("java", "native"), Map.of(),
                Peaks.fma(Peaks.Measured.notAvailable("-")), Peaks.bandwidth(Report.memcopyGBs(results)), List.of(),
                Map.of("java", "boom"), List.of());
        assertEquals(List.of("conv2Forward on native", "trainingRun on java", "memcopy"),
                BenchmarkReport.missing(Report.rows(in), in.endToEndFailures(), results));
    }
}
