package dev.splot.viz;

import dev.splot.train.ConfusionMatrix;
import dev.splot.train.EpochStats;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG pictures of a training run: loss and accuracy curves (XChart), a grid of digits with their
 * true and predicted classes, and a confusion matrix (plain Java2D, which gives exact control of
 * the cells). Works without a display.
 */
public final class TrainingPlots {
    /** Misclassified digits get a frame of this colour. */
    public static final Color WRONG = new Color(220, 30, 30);
    /** Pixels per digit pixel in {@link #writeDigitGrid}. */
    static final int DIGIT_SCALE = 2;
    static final int CHART_WIDTH = 600;
    static final int CHART_HEIGHT = 420;

    private TrainingPlots() {}

    /**
     * Writes two charts side by side: loss per epoch (train and test) and accuracy per epoch in
     * percent (train and test). A NaN value (e.g. a test set not evaluated) leaves that point out.
     * Needs XChart on the class path (check {@link ChartLibrary#isPresent()} first).
     *
     * @param png the file to write, 1200x420 pixels; replaced atomically (temporary file, then rename)
     * @param history one entry per epoch, in order
     * @throws IllegalArgumentException when {@code history} is empty
     * @throws IOException when the file cannot be written
     */
    public static void writeCurves(Path png, List<EpochStats> history) throws IOException {
        if (history.isEmpty()) {
            throw new IllegalArgumentException("no epochs to plot");
        }
        int n = history.size();
        double[] epochs = new double[n];
        double[] trainLoss = new double[n];
        double[] testLoss = new double[n];
        double[] trainAcc = new double[n];
        double[] testAcc = new double[n];
        for (int i = 0; i < n; i++) {
            EpochStats s = history.get(i);
            epochs[i] = s.epoch();
            trainLoss[i] = s.trainLoss();
            testLoss[i] = s.testLoss();
            trainAcc[i] = 100 * s.trainAccuracy();
            testAcc[i] = 100 * s.testAccuracy();
        }
        XYChart loss = chart("Loss", "loss");
        loss.addSeries("train", epochs, trainLoss).setMarker(SeriesMarkers.CIRCLE);
        loss.addSeries("test", epochs, testLoss).setMarker(SeriesMarkers.DIAMOND);
        XYChart acc = chart("Accuracy", "accuracy (%)");
        acc.addSeries("train", epochs, trainAcc).setMarker(SeriesMarkers.CIRCLE);
        acc.addSeries("test", epochs, testAcc).setMarker(SeriesMarkers.DIAMOND);

        BufferedImage out = new BufferedImage(2 * CHART_WIDTH, CHART_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(BitmapEncoder.getBufferedImage(loss), 0, 0, null);
        g.drawImage(BitmapEncoder.getBufferedImage(acc), CHART_WIDTH, 0, null);
        g.dispose();
        writePng(png, out);
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(CHART_WIDTH).height(CHART_HEIGHT).title(title)
                .xAxisTitle("epoch").yAxisTitle(yTitle).build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setDecimalPattern("#0.####");
        c.getStyler().setXAxisDecimalPattern("0");
        return c;
    }

    /**
     * Draws {@code n} square greyscale images (values in [0, 1], white digit on black, as MNIST)
     * in a grid of up to 10 columns, each captioned "true/predicted"; misclassified ones are
     * framed in {@link #WRONG}. {@code classNames} may be null (then the class numbers are shown).
     *
     * @param png the file to write; replaced atomically (temporary file, then rename)
     * @param images {@code n} images, each row-major, one after the other (e.g. NCHW with C = 1)
     * @param n the number of images, {@code > 0}
     * @param trueLabels the true class of each image, at least {@code n}
     * @param predicted the predicted class of each image, at least {@code n}
     * @param classNames captions by class number, or null; a class beyond the array shows its number
     * @throws IllegalArgumentException when the pixels do not split into {@code n} square images or labels
     *     are missing
     * @throws IOException when the file cannot be written
     */
    public static void writeDigitGrid(Path png, float[] images, int n, int[] trueLabels, int[] predicted,
            String[] classNames) throws IOException {
        if (n <= 0 || images.length % n != 0) {
            throw new IllegalArgumentException(images.length + " pixels do not split into " + n + " images");
        }
        int side = (int) Math.round(Math.sqrt(images.length / n));
        if (side * side * n != images.length) {
            throw new IllegalArgumentException("images must be square: " + images.length / n + " pixels each");
        }
        if (trueLabels.length < n || predicted.length < n) {
            throw new IllegalArgumentException("need " + n + " true and predicted labels, got "
                    + trueLabels.length + " and " + predicted.length);
        }
        int cols = Math.min(n, 10);
        int rows = (n + cols - 1) / cols;
        int img = side * DIGIT_SCALE;
        int pad = 6;
        int caption = 16;
        int cellW = img + 2 * pad;
        int cellH = img + 2 * pad + caption;
        BufferedImage out = new BufferedImage(cols * cellW, rows * cellH, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(out);
        FontMetrics fm = g.getFontMetrics();
        for (int k = 0; k < n; k++) {
            int x0 = (k % cols) * cellW + pad;
            int y0 = (k / cols) * cellH + pad;
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    float v = Math.max(0f, Math.min(1f, images[k * side * side + y * side + x]));
                    int grey = Math.round(v * 255);
                    int rgb = (grey << 16) | (grey << 8) | grey;
                    for (int dy = 0; dy < DIGIT_SCALE; dy++) {
                        for (int dx = 0; dx < DIGIT_SCALE; dx++) {
                            out.setRGB(x0 + x * DIGIT_SCALE + dx, y0 + y * DIGIT_SCALE + dy, rgb);
                        }
                    }
                }
            }
            boolean wrong = trueLabels[k] != predicted[k];
            if (wrong) {
                g.setColor(WRONG);
                g.setStroke(new BasicStroke(3));
                g.drawRect(x0 - 2, y0 - 2, img + 3, img + 3);
            }
            String text = name(classNames, trueLabels[k]) + "/" + name(classNames, predicted[k]);
            g.setColor(wrong ? WRONG : Color.BLACK);
            g.drawString(text, x0 + (img - fm.stringWidth(text)) / 2, y0 + img + pad + fm.getAscent() - 2);
        }
        g.dispose();
        writePng(png, out);
    }

    /**
     * Formats a confusion matrix as a text table: rows are true classes, columns predictions, then
     * each row's total, recall, precision and F1, and the overall accuracy.
     *
     * @param cm the counts, rows true classes, columns predictions
     * @param classNames row and column headings by class number, or null for the numbers
     * @return the table, one line per class plus a heading and an accuracy line, each ending in a newline
     */
    public static String formatConfusionMatrix(ConfusionMatrix cm, String[] classNames) {
        int[][] m = cm.counts();
        int k = m.length;
        int width = 5;
        for (int i = 0; i < k; i++) {
            width = Math.max(width, name(classNames, i).length());
            for (int v : m[i]) {
                width = Math.max(width, String.valueOf(v).length());
            }
        }
        String cell = "%" + (width + 1) + "s";
        StringBuilder s = new StringBuilder();
        s.append(String.format(cell, "t\\p"));
        for (int j = 0; j < k; j++) {
            s.append(String.format(cell, name(classNames, j)));
        }
        s.append(String.format(cell, "total")).append(String.format("%8s%10s%8s", "recall", "precision", "F1")).append('\n');
        for (int i = 0; i < k; i++) {
            s.append(String.format(cell, name(classNames, i)));
            for (int j = 0; j < k; j++) {
                s.append(String.format(cell, m[i][j]));
            }
            s.append(String.format(cell, cm.support(i))).append(percent(cm.recall(i), 8)).append(percent(cm.precision(i), 10))
                    .append(percent(cm.f1(i), 8)).append('\n');
        }
        s.append(String.format(Locale.ROOT, "accuracy %d/%d = %.2f%%%n", cm.correct(), cm.total(),
                cm.total() == 0 ? 0.0 : 100.0 * cm.accuracy()));
        return s.toString();
    }

    /** A share as a percentage in a column of {@code width}, or "-" where it is undefined (NaN). */
    private static String percent(double share, int width) {
        return Double.isNaN(share) ? String.format("%" + width + "s", "-")
                : String.format(Locale.ROOT, "%" + (width - 1) + ".2f%%", 100 * share);
    }

    /** Side of one cell of the confusion-matrix picture, in pixels. */
    static final int CELL = 44;

    /** A white picture with anti-aliased 11-point sans-serif text, ready to draw on. */
    private static Graphics2D canvas(BufferedImage out) {
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        return g;
    }

    /**
     * Draws a confusion matrix as a heat map (row-normalised: each cell's shade is its share of
     * the true class) with the counts written in the cells; off-diagonal errors are shaded red,
     * the diagonal blue.
     *
     * @param png the file to write; replaced atomically (temporary file, then rename)
     * @param cm the counts, rows true classes, columns predictions
     * @param classNames row and column headings by class number, or null for the numbers
     * @throws IOException when the file cannot be written
     */
    public static void writeConfusionMatrix(Path png, ConfusionMatrix cm, String[] classNames) throws IOException {
        int[][] m = cm.counts();
        int k = m.length;
        int left = 70, top = 50;
        BufferedImage out = new BufferedImage(left + k * CELL + 20, top + k * CELL + 20, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(out);
        FontMetrics fm = g.getFontMetrics();
        g.setColor(Color.BLACK);
        g.drawString("predicted →", left, 14);
        g.drawString("true ↓", 4, top - 6);
        for (int i = 0; i < k; i++) {
            String label = name(classNames, i);
            g.setColor(Color.BLACK);
            g.drawString(label, left + i * CELL + (CELL - fm.stringWidth(label)) / 2, top - 8);
            g.drawString(label, left - 6 - fm.stringWidth(label), top + i * CELL + (CELL + fm.getAscent()) / 2 - 2);
            long row = cm.support(i);
            for (int j = 0; j < k; j++) {
                double share = row == 0 ? 0 : (double) m[i][j] / row;
                Color c = cellColour(share, i == j);
                g.setColor(c);
                g.fillRect(left + j * CELL, top + i * CELL, CELL, CELL);
                g.setColor(new Color(200, 200, 200));
                g.drawRect(left + j * CELL, top + i * CELL, CELL, CELL);
                String text = String.valueOf(m[i][j]);
                // dark cells get white text so the count stays readable
                boolean dark = (c.getRed() * 299 + c.getGreen() * 587 + c.getBlue() * 114) / 1000 < 128;
                g.setColor(dark ? Color.WHITE : Color.BLACK);
                g.drawString(text, left + j * CELL + (CELL - fm.stringWidth(text)) / 2,
                        top + i * CELL + (CELL + fm.getAscent()) / 2 - 2);
            }
        }
        g.dispose();
        writePng(png, out);
    }

    /** White for 0, saturating to blue (diagonal) or red (errors); errors use a stronger ramp so a few show. */
    static Color cellColour(double share, boolean diagonal) {
        if (share <= 0) {
            return Color.WHITE;
        }
        double t = diagonal ? share : Math.min(1, 0.15 + 4 * share);
        int fade = (int) Math.round(255 * (1 - t));
        return diagonal ? new Color(fade, fade, 255 - (int) Math.round(100 * t))
                : new Color(255 - (int) Math.round(35 * t), fade, fade);
    }

    private static String name(String[] classNames, int c) {
        return classNames != null && c >= 0 && c < classNames.length ? classNames[c] : String.valueOf(c);
    }

    /** Writes via a temporary file in the same directory and a rename, so readers never see half a PNG. */
    static void writePng(Path png, BufferedImage image) throws IOException {
        Path abs = png.toAbsolutePath();
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".", ".tmp");
        try {
            if (!ImageIO.write(image, "png", tmp.toFile())) {
                throw new IOException("no PNG writer available");
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
