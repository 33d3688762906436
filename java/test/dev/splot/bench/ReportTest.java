package dev.splot.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.bench.JmhResults.Result;
import dev.splot.bench.Report.Row;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JMH JSON in, table rows and Markdown out: rates are work / time, fractions and speed-ups as stated. */
class ReportTest {
    @TempDir
    Path dir;

    static String entry(String benchmark, String backend, String score, String error, String unit, int samples) {
        StringBuilder raw = new StringBuilder();
        for (int i = 0; i < samples; i++) raw.append(i == 0 ? "" : ", ").append(score);
        return entry(benchmark, backend, score, error, unit, raw.toString());
    }

    static String entry(String benchmark, String backend, String score, String error, String unit, String raw) {
        String params = backend == null ? "" : "\"params\" : { \"backend\" : \"" + backend + "\" },\n";
        return "{ \"jmhVersion\" : \"1.37\", \"benchmark\" : \"dev.splot.bench." + benchmark + "\", \"mode\" : \"avgt\",\n"
                + "\"threads\" : 1, \"forks\" : 1, \"jvmArgs\" : [ \"-Xmx4g\" ], \"warmupTime\" : \"1 s\",\n" + params
                + "\"primaryMetric\" : { \"score\" : " + score + ", \"scoreError\" : " + error
                + ", \"scoreConfidence\" : [ \"NaN\", \"NaN\" ], \"scorePercentiles\" : { \"50.0\" : " + score + " },\n"
                + "\"scoreUnit\" : \"" + unit + "\", \"rawData\" : [ [ " + raw + " ] ] },\n"
                + "\"secondaryMetrics\" : { } }";
    }

    static final String JSON = "[\n" + String.join(",\n",
            entry("ConvBench.conv2Forward", "java", "1000.0", "20.5", "ms/op", 3),
            entry("ConvBench.conv2Forward", "native", "10.0", "\"NaN\"", "ms/op", 1),
            entry("LayerOpsBench.reluForward", "java", "1.8874368E1", "0.5", "ms/op", 3),
            entry("ModelBench.trainStep", "java", "5.0", "\"NaN\"", "s/op", 1),
            entry("PeakBench.memcopy", null, "3000.0", "\"NaN\"", "us/op", "4000.0 ], [ 2000.0")) + "\n]\n";

    static Report.Inputs inputs(List<Result> results) {
        return new Report.Inputs(results, List.of("conv2Forward", "reluForward", "trainStep", "dense1Forward", "memcopy"),
                List.of("java", "native"), Map.of("opencl", "unavailable: no OpenCL platform"),
                Peaks.fma(new Peaks.Measured(OptionalDouble.of(440), "measured: test loop")), Peaks.bandwidth(Report.memcopyGBs(results)),
                List.of(new EndToEnd.Result("java", "synthetic", 256, 2, 10.0, 0.25, 6.0)), Map.of("native", "boom"),
                List.of("Run today"));
    }

    @Test
    void parsesJmhJson() {
        List<Result> rs = JmhResults.parse(JSON);
        assertEquals(5, rs.size());
        Result r = rs.get(0);
        assertEquals("conv2Forward", r.method());
        assertEquals("java", r.param("backend"));
        assertEquals(1.0, r.seconds(), 1e-12);
        assertEquals(0.0205, r.errorSeconds(), 1e-12);
        assertEquals(3, r.samples());
        assertTrue(Double.isNaN(rs.get(1).error()));
        assertEquals(18.874368e-3, rs.get(2).seconds(), 1e-12);
        assertEquals(5.0, rs.get(3).seconds());
        assertEquals(3e-3, rs.get(4).seconds(), 1e-15);
        assertEquals(2e-3, rs.get(4).bestSeconds(), 1e-15);
        assertEquals(2, rs.get(4).samples());
        assertEquals(null, rs.get(4).param("backend"));
    }

    @Test
    void rejectsBrokenJsonAndNonTimeUnits() {
        assertThrows(IllegalArgumentException.class, () -> JmhResults.parse("[ { \"benchmark\" : "));
        assertThrows(IllegalArgumentException.class, () -> JmhResults.parse("{}"));
        Result thrpt = JmhResults.parse("[" + entry("ConvBench.conv2Forward", "java", "3", "1", "ops/s", 1) + "]").get(0);
        assertThrows(IllegalArgumentException.class, thrpt::seconds);
    }

    @Test
    void rowsDivideWorkByTimeAndPeak() {
        List<Result> rs = JmhResults.parse(JSON);
        assertEquals(2.0 * (64 << 20) / 2e-3 / 1e9, Report.memcopyGBs(rs).getAsDouble(), 1e-9);
        List<Row> rows = Report.rows(inputs(rs));
        // conv2Forward: java, native; reluForward: java, native (missing); dense1Forward: both missing (ran, failed);
        // trainStep: java, native (missing)
        assertEquals(8, rows.size());
        assertEquals("dense1Forward", rows.get(4).work().id());
        assertFalse(rows.get(4).measured());
        Row javaConv = rows.get(0), nativeConv = rows.get(1);
        double flops = Workloads.of("conv2Forward").orElseThrow().amount();
        assertEquals(flops / 1.0, javaConv.rate(), 1e-3);
        assertEquals(flops / 1e9 / 440, javaConv.fractionOfPeak(), 1e-12);
        assertEquals(1.0, javaConv.speedup(), 1e-12);
        assertEquals(100.0, nativeConv.speedup(), 1e-9);
        assertEquals(flops / 0.01, nativeConv.rate(), 1e-3);
        Row relu = rows.get(2);
        assertEquals(Workloads.of("reluForward").orElseThrow().amount() / 18.874368e-3 / 1e9 / Report.memcopyGBs(rs).getAsDouble(),
                relu.fractionOfPeak(), 1e-12);
        assertFalse(rows.get(3).measured());
    }

    @Test
    void markdownStatesWorkSkipsAndFailures() {
        String md = Report.markdown(inputs(JmhResults.parse(JSON)));
        assertTrue(md.contains("| conv2 forward | 2.72 GFLOP: 2·N·O·OH·OW·C·KH·KW = 2·128·64·24·24·32·3·3 | java | 1.00 s ± 20.5 ms | 2.72 GFLOP/s | 0.62% | 1.00× |"), md);
        assertTrue(md.contains("|  |  | native | 10.0 ms | 272 GFLOP/s | 62% | 100.00× |"), md);
        assertTrue(md.contains("| native | " + Report.NO_RESULT), md);
        assertTrue(md.contains("- **opencl**: unavailable: no OpenCL platform"), md);
        assertTrue(md.contains("- FMA: 440 GFLOP/s (measured: test loop)"), md);
        assertTrue(md.contains("measured: memcopy in this run"), md);
        assertTrue(md.contains("9.16 GFLOP: (fwd 23.98 + bwd 47.58 MFLOP) × 128 images | java | 5.00 s | 1.83 GFLOP/s, 26 img/s"), md);
        assertTrue(md.contains("| java | synthetic | 256 (2) | 10.0 s | 25.6 | 2,344 | 250 ms | 6.00 s |"), md);
        assertTrue(md.contains("| native | failed: boom"), md);
        assertFalse(md.contains("memory copy (machine peak) |"), "the copy is a peak, not a table row");
    }

    @Test
    void stepProfilesAndEpochRunsHaveTheirSections() {
        Report.Inputs plain = inputs(JmhResults.parse(JSON));
        String without = Report.markdown(plain);
        assertTrue(without.contains("## Training step by operation (seed model, batch 128)\n\nNot run."), without);
        assertTrue(without.contains("Not run (`--epoch-run` runs it)."), without);
        StepProfile.Result profile = new StepProfile.Result("native", "AVX2, 2 threads", 128, 5,
                List.of(new StepProfile.Op("conv2 forward", 2.72e9, 10, 9)), 20, 19);
        Report.Inputs in = new Report.Inputs(plain.results(), plain.operations(), plain.backends(), plain.skipped(), plain.fma(),
                plain.bandwidth(), plain.endToEnd(), plain.endToEndFailures(), plain.header(), List.of(profile),
                Map.of("opencl", "boom"), List.of(List.of(new EpochRun.Result("native", "Mnist --backend native --epochs 1", 0, 18.0, 0.98, 30.0),
                        new EpochRun.Result("opencl", "Mnist --backend opencl --epochs 1", 0, 30.0, 0.979, 45.0),
                        new EpochRun.Result("java", "Mnist --backend java --epochs 1", -1, Double.NaN, Double.NaN, 3600.0))));
        String md = Report.markdown(in);
        assertTrue(md.contains("### native\n\nnative (AVX2, 2 threads), batch 128"), md);
        assertTrue(md.contains("| conv2 forward | 10.000 | 9.000 | 50% | 272.0 | 62% |"), "divided by the report's FMA peak, 440: " + md);
        assertTrue(md.contains("### opencl\n\nfailed: boom"), md);
        assertTrue(md.contains("| 1 | native | 18.0 s | 30.0 s | 1.00× | 98.00% | 0 |"), md);
        assertTrue(md.contains("| 1 | opencl | 30.0 s | 45.0 s | 1.50× | 97.90% | 0 |"), md);
        assertTrue(md.contains("| 1 | java | — | 3600.0 s | — | — | -1 |"), "a killed run has no figures: " + md);
        assertFalse(md.contains("Medians over the rounds"), "one round: nothing to take medians of: " + md);
    }

    @Test
    void epochRoundsGiveEachBackendsMediansAndItsRatiosToNativesRunOfTheSameRound() {
        Report.Inputs plain = inputs(JmhResults.parse(JSON));
        // round 2's native run failed: opencl has no ratio in that round, and native's medians leave it out
        List<List<EpochRun.Result>> rounds = List.of(
                List.of(run("native", 0, 18.0, 30.0), run("opencl", 0, 27.0, 42.0)),
                List.of(run("native", 1, Double.NaN, 5.0), run("opencl", 0, 30.0, 44.0)),
                List.of(run("native", 0, 20.0, 32.0), run("opencl", 0, 33.0, 48.0)),
                List.of(run("native", 0, 19.0, 31.0), run("opencl", 0, 26.0, 40.3)));
        Report.Inputs in = new Report.Inputs(plain.results(), plain.operations(), plain.backends(), plain.skipped(), plain.fma(),
                plain.bandwidth(), plain.endToEnd(), plain.endToEndFailures(), plain.header(), List.of(), Map.of(), rounds);
        String md = Report.markdown(in);
        assertTrue(md.contains("in each of 4 rounds"), md);
        assertTrue(md.contains("| 3 | opencl | 33.0 s | 48.0 s | 1.50× | 98.00% | 0 |"), "the ratio to native's run of round 3: " + md);
        assertTrue(md.contains("| 2 | opencl | 30.0 s | 44.0 s | — | 98.00% | 0 |"), "no native run to compare with in round 2: " + md);
        // native: 18, 20, 19 -> 19.0 s; whole 30, 32, 31 -> 31.0 s. opencl: train 26, 27, 30, 33 -> 28.5 s; whole 40.3, 42, 44,
        // 48 -> 43.0 s; ratios 1.40, 1.50, 1.30 -> 1.40 (1.30 - 1.50)
        assertTrue(md.contains("| native | 3 | 19.0 s | 31.0 s | 1.00× (1.00 – 1.00) |"), md);
        assertTrue(md.contains("| opencl | 4 | 28.5 s | 43.0 s | 1.40× (1.30 – 1.50) |"), md);
    }

    private static EpochRun.Result run(String backend, int exit, double train, double wall) {
        return new EpochRun.Result(backend, "Mnist --backend " + backend + " --epochs 1", exit, train, Double.isNaN(train) ? Double.NaN : 0.98, wall);
    }

    @Test
    void aTestPassOnFewerImagesStatesTheWorkThatRan() {
        String json = "[" + entry("InferenceBench.evaluateTestSet", "java", "2.0", "\"NaN\"", "s/op", 1)
                .replace("\"backend\" : \"java\"", "\"backend\" : \"java\", \"testImages\" : \"256\"") + "]";
        List<Result> rs = JmhResults.parse(json);
        Report.Inputs in = new Report.Inputs(rs, List.of("evaluateTestSet"), List.of("java"), Map.of(),
                Peaks.fma(new Peaks.Measured(OptionalDouble.of(440), "measured: test loop")), Peaks.bandwidth(OptionalDouble.empty()),
                List.of(), Map.of(), List.of());
        Row row = Report.rows(in).get(0);
        assertEquals(256, row.work().samples(), "the smoke run's 256 images, not the 10,000 of the real pass");
        assertEquals(Workloads.FORWARD_FLOPS / 128 * 256 / 2.0, row.rate(), 1e-3);
        String md = Report.markdown(in);
        assertTrue(md.contains("fwd 23.98 MFLOP × 256 images, batch 128 | java | 2.00 s | 3.07 GFLOP/s, 128 img/s |"), md);
        assertEquals(10_000, Workloads.of("evaluateTestSet").orElseThrow().samples(), "the workload itself is MNIST's test set");
    }

    @Test
    void numberFormatting() {
        assertEquals("1.50 s", Report.time(1.5));
        assertEquals("12.3 ms", Report.time(0.01234));
        assertEquals("456 µs", Report.time(456e-6));
        assertEquals("0.0123", Report.sig(0.01234));
        assertEquals("1234", Report.sig(1234.4));
        assertEquals("0.62%", Report.percent(0.00618));
        assertEquals("62%", Report.percent(0.618));
        assertEquals("—", Report.percent(Double.NaN));
    }

    @Test
    void peaksSayWhereTheyComeFrom() {
        Peaks.Peak measured = Peaks.fma(new Peaks.Measured(OptionalDouble.of(400), "measured: test"));
        assertTrue(measured.measured());
        assertEquals(400, measured.value());
        assertTrue(Peaks.bandwidth(OptionalDouble.of(16)).measured());
        Peaks.Peak unmeasured = Peaks.fma(Peaks.Measured.notAvailable("no native backend"));
        assertFalse(unmeasured.measured());
        assertTrue(Double.isNaN(unmeasured.value()), "no figure is made up");
        assertTrue(unmeasured.describe().contains("no native backend"), unmeasured.describe());
        Peaks.Peak fallback = Peaks.bandwidth(OptionalDouble.empty());
        assertFalse(fallback.measured());
        assertTrue(Double.isNaN(fallback.value()));
    }

    @Test
    void chartIsAPng() throws Exception {
        Report.Inputs in = inputs(JmhResults.parse(JSON));
        Path png = dir.resolve("report.png");
        ReportChart.write(png, Report.rows(in), in.backends(), "test");
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(ReportChart.WIDTH, img.getWidth());
        assertEquals(2 * ReportChart.HEIGHT, img.getHeight());
        assertTrue(Files.size(png) > 1000);
    }
}
