package dev.splot.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import dev.splot.nn.Conv2D;
import dev.splot.nn.Dense;
import dev.splot.nn.Flatten;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.train.EpochStats;
import dev.splot.train.Trainer;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generated PNGs, grey and RGB, in one folder per class: read, resized, trained on, and bad folders named. */
class ImageFolderDatasetTest {
    @TempDir
    Path dir;

    /** A w x h picture of one colour; grey pictures store the red level. */
    private static Path png(Path file, int w, int h, int rgb, boolean grey) throws IOException {
        BufferedImage img = new BufferedImage(w, h, grey ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (grey) img.getRaster().setSample(x, y, 0, (rgb >> 16) & 0xFF);
                else img.setRGB(x, y, rgb);
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    @Test
    void classesAreTheSubFoldersAndPicturesBecomeChannelsInZeroOne() throws IOException {
        png(dir.resolve("red/a.png"), 6, 4, 0xFF0000, false);
        png(dir.resolve("red/b.png"), 3, 2, 0xCC3300, false); // enlarged to 6x4
        png(dir.resolve("grey/c.png"), 12, 8, 0x660000, true); // shrunk; grey level 0x66
        Files.writeString(dir.resolve("grey/.DS_Store"), "hidden files are skipped");
        ImageFolderDataset rgb = ImageFolderDataset.open(dir, 3, 4, 6);
        assertEquals(List.of("grey", "red"), rgb.classNames());
        assertEquals(3, rgb.count());
        assertArrayEquals(new int[] {3, 4, 6}, rgb.sampleShape());
        float[] x = new float[3 * 72];
        int[] y = new int[3];
        rgb.gather(new int[] {0, 1, 2}, 0, 3, x, y);
        assertArrayEquals(new int[] {0, 1, 1}, y);
        float g = 0x66 / 255f, tol = 1e-6f; // a uniform picture stays uniform through resizing, up to float rounding
        for (int c = 0; c < 3; c++) assertEquals(g, x[c * 24 + 5], tol, "grey repeated into channel " + c);
        assertEquals(1f, x[72], tol);
        assertEquals(0f, x[72 + 24], tol);
        assertEquals(0f, x[72 + 48], tol);
        assertEquals(0xCC / 255f, x[144 + 23], tol);
        assertEquals(0x33 / 255f, x[144 + 24 + 7], tol);
        ImageFolderDataset one = ImageFolderDataset.open(dir, 1, 4, 6);
        float[] grey = new float[72];
        one.gather(new int[] {1}, 0, 1, grey, new int[1]);
        assertEquals(0.299f, grey[0], 1e-3f, "colour to one channel: BT.601 luma of pure red");
    }

    @Test
    void anRgbModelTrainsOnAFolderThroughTheSameApi() throws IOException {
        for (int i = 0; i < 6; i++) {
            png(dir.resolve("bluish/" + i + ".png"), 10 + i, 10, 0x2020C0 + i * 0x010100, false);
            png(dir.resolve("reddish/" + i + ".png"), 10, 9 + i, 0xC02020 + i * 0x000101, false);
        }
        try (Backend be = new JavaBackend();
             Sequential m = Sequential.builder(3, 8, 8).add(new Conv2D(4, 3)).add(new Flatten()).add(new Dense(2))
                     .build(be, 1);
             AdaDelta opt = new AdaDelta()) {
            ImageFolderDataset data = ImageFolderDataset.forModel(dir, m);
            List<EpochStats> h = new Trainer(m, opt, 4, 1).fit(data, data, 30, null);
            assertEquals(1.0, h.get(h.size() - 1).testAccuracy(), "red against blue is learnt in 30 short epochs");
        }
    }

    @Test
    void badFoldersAndPicturesAreNamed() throws IOException {
        IOException none = assertThrows(IOException.class, () -> ImageFolderDataset.open(dir, 1, 8, 8));
        assertTrue(none.getMessage().startsWith(dir + ": no class folders"), none.getMessage());
        png(dir.resolve("a/1.png"), 4, 4, 0, true);
        Files.createDirectories(dir.resolve("b"));
        IOException empty = assertThrows(IOException.class, () -> ImageFolderDataset.open(dir, 1, 8, 8));
        assertTrue(empty.getMessage().startsWith(dir.resolve("b") + ": the class folder is empty"), empty.getMessage());
        Path broken = dir.resolve("b/2.png");
        Files.writeString(broken, "not a picture");
        ImageFolderDataset data = ImageFolderDataset.open(dir, 1, 8, 8);
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> data.gather(new int[] {0, 1}, 0, 2, new float[128], new int[2]));
        assertTrue(e.getMessage().startsWith(broken.toString()), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImageFolderDataset.open(dir, 4, 8, 8));
        try (Backend be = new JavaBackend();
             Sequential rgbModel = Sequential.builder(3, 8, 8).add(new Flatten()).add(new Dense(2)).build(be, 1);
             AdaDelta opt = new AdaDelta()) {
            IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
                    () -> new Trainer(rgbModel, opt, 2, 1).fit(data, null, 1, null));
            assertTrue(mismatch.getMessage().contains("has 1 channel(s), the model takes 3"), mismatch.getMessage());
        }
    }
}
