package dev.splot.io;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Turns an ordinary picture (PNG, JPEG, GIF, BMP — whatever ImageIO reads) into MNIST-style input:
 * greyscale in [0, 1], resized to the requested size, light digit on a dark background.
 */
public final class Images {
    /**
     * The most pixels a picture may have: 50 million, a 50-megapixel photo. Decoding holds the
     * picture once as ImageIO decodes it (up to 8 bytes a pixel) and once as grey floats (4), so
     * this is at most about 600 MB; a file's header may declare far more (a 1 MB PNG can declare
     * 40000x40000), so the size is read from the header and checked before decoding.
     */
    public static final long MAX_PIXELS = 50_000_000;

    private Images() {}

    /**
     * A greyscale picture, row-major, values in [0, 1]. {@code inverted} says the picture was
     * mostly light (mean above 0.5, e.g. a dark digit drawn on paper) and was inverted to match
     * MNIST's white-on-black convention.
     */
    public record Greyscale(int width, int height, float[] pixels, boolean inverted) {}

    /**
     * Reads {@code imageFile}, converts colour to grey with the ITU-R BT.601 luma weights (grey
     * pictures keep their stored levels; transparent pixels count as white paper), resizes to {@code width x height} if needed
     * (area averaging when shrinking, bilinear when enlarging; the aspect ratio is not kept), and
     * inverts the result if its mean is above 0.5.
     *
     * @param imageFile a picture in a format ImageIO reads (PNG, JPEG, GIF, BMP)
     * @param width the wanted width in pixels, {@code > 0}
     * @param height the wanted height in pixels, {@code > 0}
     * @return {@code width * height} grey levels in [0, 1], row-major, and whether they were inverted
     * @throws IllegalArgumentException if a size is not positive
     * @throws IOException if the file is missing, unreadable or not a picture ImageIO can decode
     */
    public static Greyscale readGreyscale(Path imageFile, int width, int height) throws IOException {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("size must be positive, got " + width + "x" + height);
        }
        PathChecks.requireReadableFile("picture", imageFile);
        BufferedImage img = decode(imageFile);
        int w = img.getWidth(), h = img.getHeight();
        float[] grey = isGrey(img) ? greySamples(img) : lumaOverWhite(img);
        float[] sized = (w == width && h == height) ? grey : resize(grey, w, h, width, height);
        double sum = 0;
        for (float v : sized) {
            sum += v;
        }
        boolean invert = sum / sized.length > 0.5;
        for (int i = 0; i < sized.length; i++) {
            float v = invert ? 1 - sized[i] : sized[i];
            sized[i] = Math.max(0f, Math.min(1f, v));
        }
        return new Greyscale(width, height, sized, invert);
    }

    /** Decodes the first image of the file after checking the size its header declares against {@link #MAX_PIXELS}. */
    static BufferedImage decode(Path imageFile) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(imageFile.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new IOException(imageFile + ": not an image format ImageIO can read");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w, h;
                try {
                    w = reader.getWidth(0);
                    h = reader.getHeight(0);
                } catch (IOException | RuntimeException e) {
                    throw cannotDecode(imageFile, e);
                }
                if (w * h > MAX_PIXELS) {
                    throw new IOException(imageFile + ": the picture is " + w + "x" + h + " = " + w * h + " pixels, more than the "
                            + "limit of " + MAX_PIXELS + " (a 50-megapixel photo); scale it down first");
                }
                try {
                    return reader.read(0);
                } catch (IOException | RuntimeException e) {
                    throw cannotDecode(imageFile, e);
                }
            } finally {
                reader.dispose();
            }
        }
    }

    private static IOException cannotDecode(Path imageFile, Exception e) {
        return new IOException(imageFile + ": cannot decode image: " + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
    }

    /** Colour (and palette) pictures: ITU-R BT.601 luma, transparent pixels composited over white paper. */
    static float[] lumaOverWhite(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        float[] grey = new float[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int argb = img.getRGB(x, y);
                float a = (argb >>> 24) / 255f;
                float luma = (0.299f * ((argb >> 16) & 0xFF) + 0.587f * ((argb >> 8) & 0xFF)
                        + 0.114f * (argb & 0xFF)) / 255f;
                grey[y * w + x] = a * luma + (1 - a);
            }
        }
        return grey;
    }

    /**
     * Colour (and palette) pictures as three planes, red, green and blue, each {@code w * h} values in
     * [0, 1]; transparent pixels composited over white paper, as {@link #lumaOverWhite} does.
     */
    static float[][] rgbOverWhite(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        float[][] planes = new float[3][w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int argb = img.getRGB(x, y);
                float a = (argb >>> 24) / 255f;
                for (int c = 0; c < 3; c++) planes[c][y * w + x] = a * (((argb >> (16 - 8 * c)) & 0xFF) / 255f) + (1 - a);
            }
        }
        return planes;
    }

    /** A greyscale picture (e.g. an MNIST digit saved as an 8- or 16-bit grey PNG), with or without alpha. */
    static boolean isGrey(BufferedImage img) {
        ColorModel cm = img.getColorModel();
        return !(cm instanceof IndexColorModel) && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
    }

    /**
     * The stored grey levels themselves. {@code getRGB} would first convert Java's linear grey
     * colour space to sRGB, which brightens mid-tones (an MNIST pixel of 84 would read as 155);
     * the numbers in the file are what a model trained on MNIST saw, so they are read directly.
     */
    static float[] greySamples(BufferedImage img) {
        Raster r = img.getRaster();
        int w = img.getWidth(), h = img.getHeight();
        ColorModel cm = img.getColorModel();
        float max = (1 << cm.getComponentSize(0)) - 1;
        boolean alpha = cm.hasAlpha();
        float maxAlpha = alpha ? (1 << cm.getComponentSize(cm.getNumComponents() - 1)) - 1 : 1;
        float[] grey = new float[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float v = r.getSample(x, y, 0) / max;
                float a = alpha ? r.getSample(x, y, cm.getNumComponents() - 1) / maxAlpha : 1;
                grey[y * w + x] = a * v + (1 - a); // composite over white, as for colour pictures
            }
        }
        return grey;
    }

    /** Resizes each axis separately: area average when shrinking it, linear interpolation when growing it. */
    static float[] resize(float[] src, int w, int h, int outW, int outH) {
        float[] rows = new float[outW * h];
        for (int y = 0; y < h; y++) {
            resample(src, y * w, 1, w, rows, y * outW, 1, outW);
        }
        float[] out = new float[outW * outH];
        for (int x = 0; x < outW; x++) {
            resample(rows, x, outW, h, out, x, outW, outH);
        }
        return out;
    }

    /** Resamples one line of {@code n} values (stride {@code ss}) to {@code m} values (stride {@code ds}). */
    private static void resample(float[] s, int so, int ss, int n, float[] d, int dOff, int ds, int m) {
        double scale = (double) n / m;
        for (int i = 0; i < m; i++) {
            double v;
            if (scale >= 1) {
                // average of the source interval [i*scale, (i+1)*scale), partial pixels weighted
                double a = i * scale, b = (i + 1) * scale, acc = 0;
                for (int k = (int) Math.floor(a); k < Math.min(n, (int) Math.ceil(b)); k++) {
                    double cover = Math.min(b, k + 1) - Math.max(a, k);
                    acc += cover * s[so + k * ss];
                }
                v = acc / scale;
            } else {
                double c = (i + 0.5) * scale - 0.5; // pixel centres line up
                int k = (int) Math.floor(c);
                double f = c - k;
                int k0 = Math.max(0, Math.min(n - 1, k)), k1 = Math.max(0, Math.min(n - 1, k + 1));
                v = (1 - f) * s[so + k0 * ss] + f * s[so + k1 * ss];
            }
            d[dOff + i * ds] = (float) v;
        }
    }
}
