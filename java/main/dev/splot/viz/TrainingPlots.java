package dev.splot.viz;

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
     * Counts {@code m[true][predicted]}.
     *
     * @param trueLabels the true class of each sample
     * @param predicted the predicted class of each sample, as many
     * @param classes the number of classes: every label is in {@code [0, classes)}
     * @return a new {@code classes x classes} matrix, rows true classes, columns predictions
     * @throws IllegalArgumentException naming the sample when a label is out of range, or when the lengths differ
     */
    public static int[][] confusionMatrix(int[] trueLabels, int[] predicted, int classes) {
        if (trueLabels.length != predicted.length) {
            throw new IllegalArgumentException(trueLabels.length + " true labels but " + predicted.length
                    + " predictions");
        }
        int[][] m = new int[classes][classes];
        for (int i = 0; i < trueLabels.length; i++) {
            int t = trueLabels[i], p = predicted[i];
            if (t < 0 || t >= classes || p < 0 || p >= classes) {
                throw new IllegalArgumentException("sample " + i + ": label " + t + " / prediction " + p
                        + " outside 0.." + (classes - 1));
            }
            m[t][p]++;
        }
        return m;
    }

    /**
     * Formats a confusion matrix as a text table: rows are true classes, columns predictions, then
     * each row's total and recall, and the overall accuracy.
     *
     * @param m a square matrix as {@link #confusionMatrix} returns
     * @param classNames row and column headings by class number, or null for the numbers
     * @return the table, one line per class plus a heading and an accuracy line, each ending in a newline
     */
    public static String formatConfusionMatrix(int[][] m, String[] classNames) {
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
        s.append(String.format(cell, "total")).append(String.format("%8s", "recall")).append('\n');
        long correct = 0, all = 0;
        for (int i = 0; i < k; i++) {
            s.append(String.format(cell, name(classNames, i)));
            long row = 0;
            for (int j = 0; j < k; j++) {
                s.append(String.format(cell, m[i][j]));
                row += m[i][j];
            }
            correct += m[i][i];
            all += row;
            s.append(String.format(cell, row)).append(row == 0 ? String.format("%8s", "-")
                    : String.format(Locale.ROOT, "%7.2f%%", 100.0 * m[i][i] / row)).append('\n');
        }
        s.append(String.format(Locale.ROOT, "accuracy %d/%d = %.2f%%%n", correct, all,
                all == 0 ? 0.0 : 100.0 * correct / all));
        return s.toString();
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
     * @param m a square matrix as {@link #confusionMatrix} returns
     * @param classNames row and column headings by class number, or null for the numbers
     * @throws IOException when the file cannot be written
     */
    public static void writeConfusionMatrix(Path png, int[][] m, String[] classNames) throws IOException {
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
            long row = 0;
            for (int v : m[i]) {
                row += v;
            }
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
