package dev.splot.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.train.ConfusionMatrix;
import dev.splot.train.EpochStats;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pictures exist, decode, have the expected size and colours where it matters; the matrix counts. */
class TrainingPlotsTest {
    @TempDir
    Path dir;

    static BufferedImage readPng(Path png) throws IOException {
        assertTrue(Files.size(png) > 100, "PNG is not empty");
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "ImageIO reads " + png);
        return img;
    }

    static int distinctColours(BufferedImage img) {
        java.util.Set<Integer> s = new java.util.HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                s.add(img.getRGB(x, y));
            }
        }
        return s.size();
    }

    @Test
    void curvesAreTwoChartsSideBySide() throws IOException {
        List<EpochStats> h = new ArrayList<>();
        for (int e = 1; e <= 12; e++) {
            h.add(new EpochStats(e, 0.3 / e, 0.9 + 0.008 * e, 0.2 / e, 0.97 + 0.002 * e, 30, 2000));
        }
        Path png = dir.resolve("curves.png");
        TrainingPlots.writeCurves(png, h);
        BufferedImage img = readPng(png);
        assertEquals(2 * TrainingPlots.CHART_WIDTH, img.getWidth());
        assertEquals(TrainingPlots.CHART_HEIGHT, img.getHeight());
        assertTrue(distinctColours(img) > 10, "charts drawn, not a blank image");
        assertEquals(Color.WHITE.getRGB(), img.getRGB(2, 2), "white background");
        assertThrows(IllegalArgumentException.class, () -> TrainingPlots.writeCurves(png, List.of()));
        // unmeasured test metrics (NaN) and a single epoch still draw
        Path nan = dir.resolve("nan.png");
        TrainingPlots.writeCurves(nan, List.of(new EpochStats(1, 0.3, 0.9, Double.NaN, Double.NaN, 1, 1)));
        assertEquals(2 * TrainingPlots.CHART_WIDTH, readPng(nan).getWidth());
        Files.delete(nan);
        try (var s = Files.list(dir)) {
            assertEquals(List.of(png), s.toList(), "no temporary files left");
        }
    }

    @Test
    void digitGridFramesMisclassifiedDigitsInRed() throws IOException {
        int n = 12;
        float[] images = new float[n * 28 * 28];
        for (int k = 0; k < n; k++) {
            for (int y = 8; y < 20; y++) {
                images[k * 784 + y * 28 + 14] = 1f; // a white vertical stroke, like a "1"
            }
        }
        int[] truth = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1};
        int[] pred = truth.clone();
        pred[3] = 8;
        Path png = dir.resolve("grid.png");
        String[] names = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
        TrainingPlots.writeDigitGrid(png, images, n, truth, pred, names);
        BufferedImage img = readPng(png);
        int img28 = 28 * TrainingPlots.DIGIT_SCALE, cellW = img28 + 12, cellH = img28 + 12 + 16;
        assertEquals(10 * cellW, img.getWidth());
        assertEquals(2 * cellH, img.getHeight());
        // digit 3 (row 0, column 3): top-left pixel black, stroke white, frame red
        int x0 = 3 * cellW + 6, y0 = 6;
        assertEquals(Color.BLACK.getRGB(), img.getRGB(x0 + 1, y0 + 1));
        assertEquals(Color.WHITE.getRGB(), img.getRGB(x0 + 14 * 2, y0 + 10 * 2));
        assertEquals(TrainingPlots.WRONG.getRGB(), img.getRGB(x0 - 2, y0 + 20));
        // digit 2 is correct: no frame, the background there stays white
        assertEquals(Color.WHITE.getRGB(), img.getRGB(2 * cellW + 6 - 2, y0 + 20));
        assertThrows(IllegalArgumentException.class,
                () -> TrainingPlots.writeDigitGrid(png, new float[100], 2, truth, pred, null));
    }

    @Test
    void confusionMatrixCountsAndFormats() {
        int[] truth = {0, 0, 1, 1, 1, 2, 2, 2, 2};
        int[] pred = {0, 1, 1, 1, 0, 2, 2, 2, 1};
        ConfusionMatrix m = ConfusionMatrix.of(truth, pred, 3);
        String text = TrainingPlots.formatConfusionMatrix(m, new String[] {"cat", "dog", "bird"});
        String[] lines = text.split("\n");
        assertEquals(5, lines.length, text);
        assertTrue(lines[0].contains("cat") && lines[0].contains("bird") && lines[0].contains("recall")
                && lines[0].contains("precision") && lines[0].contains("F1"), text);
        // bird: 3 of 4 found (recall 75%), every bird prediction right (precision 100%), F1 = 2*3/(4+3)
        assertTrue(lines[3].matches("\\s*bird\\s+0\\s+1\\s+3\\s+4\\s+75\\.00%\\s+100\\.00%\\s+85\\.71%"), lines[3]);
        assertEquals("accuracy 6/9 = 66.67%", lines[4].trim());
    }

    @Test
    void confusionMatrixPicture() throws IOException {
        ConfusionMatrix m = ConfusionMatrix.ofCounts(new int[][] {{50, 0, 2}, {0, 40, 0}, {3, 0, 0}});
        Path png = dir.resolve("cm.png");
        TrainingPlots.writeConfusionMatrix(png, m, null);
        BufferedImage img = readPng(png);
        int c = TrainingPlots.CELL;
        assertEquals(70 + 3 * c + 20, img.getWidth());
        assertEquals(50 + 3 * c + 20, img.getHeight());
        Color diag = new Color(img.getRGB(70 + 3, 50 + 3));
        assertTrue(diag.getBlue() > diag.getRed() + 100, "full diagonal cell is blue: " + diag);
        Color error = new Color(img.getRGB(70 + 2 * c + 3, 50 + 3));
        assertTrue(error.getRed() > error.getBlue() + 50, "error cell is red: " + error);
        assertEquals(Color.WHITE.getRGB(), img.getRGB(70 + c + 3, 50 + 3), "zero cell is white");
        // the empty row (class 2 has no correct predictions) must not divide by zero into colour
        assertEquals(Color.WHITE.getRGB(), img.getRGB(70 + 2 * c + 3, 50 + 2 * c + 3));
    }
}
