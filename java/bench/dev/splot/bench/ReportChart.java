package dev.splot.bench;

import dev.splot.bench.Report.Row;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The report's table as a PNG: time per call (log scale) and fraction of peak, one bar per
 * backend for every operation. Missing results are drawn as no bar.
 */
public final class ReportChart {
    static {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    static final int WIDTH = 1400;
    static final int HEIGHT = 520;

    private ReportChart() {}

    public static void write(Path png, List<Row> rows, List<String> backends, String subtitle) throws IOException {
        if (rows.isEmpty()) throw new IllegalArgumentException("no rows to chart");
        CategoryChart time = chart("Time per call (ms, log scale) — " + subtitle, "ms", true);
        CategoryChart peak = chart("Fraction of peak (%): GFLOP/s of the FMA peak, GB/s of the memory bandwidth", "% of peak", false);
        List<String> ops = new ArrayList<>();
        for (Row r : rows) if (!ops.contains(r.work().label())) ops.add(r.work().label());
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (Row r : rows) {
            if (r.measured()) {
                lo = Math.min(lo, r.seconds() * 1e3);
                hi = Math.max(hi, r.seconds() * 1e3);
            }
        }
        if (hi > 0) { // bars start at 0, which a log axis cannot show: give it whole decades around the data
            time.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(lo))));
            time.getStyler().setYAxisMax(Math.pow(10, Math.ceil(Math.log10(hi))));
        }
        for (String b : backends) {
            List<Number> ms = series(rows, ops, b, r -> r.seconds() * 1e3);
            List<Number> pct = series(rows, ops, b, r -> r.fractionOfPeak() * 100);
            if (ms.stream().allMatch(v -> v == null)) continue;
            time.addSeries(b, ops, ms);
            peak.addSeries(b, ops, pct);
        }
        BufferedImage out = new BufferedImage(WIDTH, 2 * HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(BitmapEncoder.getBufferedImage(time), 0, 0, null);
        g.drawImage(BitmapEncoder.getBufferedImage(peak), 0, HEIGHT, null);
        g.dispose();
        Files.createDirectories(png.toAbsolutePath().getParent());
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp");
        ImageIO.write(out, "png", tmp.toFile());
        Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static List<Number> series(List<Row> rows, List<String> ops, String backend, ToDoubleFunction<Row> f) {
        Map<String, Number> byOp = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.backend().equals(backend) && r.measured()) byOp.put(r.work().label(), f.applyAsDouble(r));
        }
        List<Number> out = new ArrayList<>();
        for (String op : ops) out.add(byOp.get(op));
        return out;
    }

    private static CategoryChart chart(String title, String yTitle, boolean log) {
        CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).yAxisTitle(yTitle).build();
        c.getStyler().setYAxisLogarithmic(log);
        c.getStyler().setXAxisLabelRotation(35);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setPlotGridVerticalLinesVisible(false);
        c.getStyler().setOverlapped(false);
        return c;
    }
}
