package dev.splot.io;

import dev.splot.data.SampleSource;
import dev.splot.nn.Sequential;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Pictures in one sub-folder per class ({@code root/cat/1.png, root/dog/7.jpg, ...}; classes in the
 * order of the folder names), streamed: opening lists the files, and each batch decodes just its
 * pictures (any format ImageIO reads), so memory does not grow with the number of pictures. Each
 * picture becomes {@code channels x height x width} values in [0, 1]: grey pictures keep their
 * stored levels (repeated into three channels for an RGB model), colour ones give their red, green
 * and blue planes (or their ITU-R BT.601 luma for a one-channel model); transparent pixels count as
 * white, and each plane is resized to the size asked for as {@link Images#readGreyscale} does
 * (area averaging when shrinking, bilinear when enlarging). Unlike that method, nothing is inverted.
 * Hidden files (names starting with a dot) are skipped.
 */
public final class ImageFolderDataset implements SampleSource {
    private final String name;
    private final List<String> classNames;
    private final List<Path> files;
    private final int[] labels;
    private final int channels, height, width;

    private ImageFolderDataset(String name, List<String> classNames, List<Path> files, int[] labels, int channels, int height,
            int width) {
        this.name = name;
        this.classNames = classNames;
        this.files = files;
        this.labels = labels;
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    /**
     * Lists the pictures under {@code root}, sized for {@code model}'s input (channels, height, width).
     *
     * @param root a folder with one sub-folder of pictures per class
     * @param model the model the pictures are for: its input must be (1 or 3, height, width)
     * @return the data set, named after the folder
     * @throws IOException as {@link #open}
     */
    public static ImageFolderDataset forModel(Path root, Sequential model) throws IOException {
        int[] in = model.inputShape();
        if (in.length != 3) {
            throw new IllegalArgumentException("an image folder gives (channels, height, width) samples; the model takes "
                    + java.util.Arrays.toString(in));
        }
        return open(root, in[0], in[1], in[2]);
    }

    /**
     * Lists the pictures under {@code root}: every sub-folder is a class, in the order of their names.
     *
     * @param root a folder with one sub-folder of pictures per class
     * @param channels 1 (grey) or 3 (red, green, blue)
     * @param height the height every picture is resized to, {@code > 0}
     * @param width the width every picture is resized to, {@code > 0}
     * @return the data set, named after the folder
     * @throws IllegalArgumentException if channels is not 1 or 3, or a size is not positive
     * @throws IOException naming the folder, if it is not readable, has no class folder, or a class folder holds no file
     */
    public static ImageFolderDataset open(Path root, int channels, int height, int width) throws IOException {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("an image folder gives 1 (grey) or 3 (RGB) channels, not " + channels);
        }
        if (height <= 0 || width <= 0) throw new IllegalArgumentException("size must be positive, got " + width + "x" + height);
        if (!Files.isDirectory(root)) throw new IOException(root + ": not a folder (an image folder holds one sub-folder per class)");
        List<Path> classDirs = list(root).stream().filter(Files::isDirectory).toList();
        if (classDirs.isEmpty()) throw new IOException(root + ": no class folders (an image folder holds one sub-folder per class)");
        List<String> classNames = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Path dir : classDirs) {
            List<Path> pictures = list(dir).stream().filter(Files::isRegularFile).toList();
            if (pictures.isEmpty()) throw new IOException(dir + ": the class folder is empty (every class needs at least one picture)");
            for (Path p : pictures) {
                files.add(p);
                labels.add(classNames.size());
            }
            classNames.add(dir.getFileName().toString());
        }
        return new ImageFolderDataset(root.toString(), List.copyOf(classNames), List.copyOf(files),
                labels.stream().mapToInt(Integer::intValue).toArray(), channels, height, width);
    }

    /** The entries of a folder sorted by name, without hidden ones. */
    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
    }

    @Override
    public String name() { return name; }

    @Override
    public int count() { return files.size(); }

    @Override
    public int[] sampleShape() { return new int[] {channels, height, width}; }

    @Override
    public int classes() { return classNames.size(); }

    /** @return the class names (the sub-folder names), in class order */
    public List<String> classNames() { return classNames; }

    /**
     * @param i a sample index
     * @return the picture file of sample {@code i}
     */
    public Path file(int i) { return files.get(i); }

    /**
     * @param i a sample index
     * @return the class of sample {@code i}
     */
    public int label(int i) { return labels[i]; }

    /**
     * Decodes the pictures of the batch.
     *
     * @throws UncheckedIOException naming the file, if a picture cannot be read or decoded
     */
    @Override
    public void gather(int[] order, int from, int to, float[] batchImages, int[] batchLabels) {
        int plane = height * width;
        for (int i = from; i < to; i++) {
            int s = order[i];
            float[][] planes;
            try {
                planes = read(files.get(s));
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
            for (int c = 0; c < channels; c++) System.arraycopy(planes[c], 0, batchImages, ((i - from) * channels + c) * plane, plane);
            batchLabels[i - from] = labels[s];
        }
    }

    /** The picture's {@code channels} planes at the wanted size. */
    private float[][] read(Path file) throws IOException {
        BufferedImage img = Images.decode(file);
        int w = img.getWidth(), h = img.getHeight();
        boolean grey = Images.isGrey(img);
        float[][] planes; // the distinct planes: one for grey pictures or a grey model, else red, green and blue
        if (channels == 1 || grey) {
            planes = new float[][] {grey ? Images.greySamples(img) : Images.lumaOverWhite(img)};
        } else {
            planes = Images.rgbOverWhite(img);
        }
        for (int c = 0; c < planes.length; c++) {
            if (w != width || h != height) planes[c] = Images.resize(planes[c], w, h, width, height);
        }
        return planes.length == channels ? planes : new float[][] {planes[0], planes[0], planes[0]}; // grey into RGB
    }
}
