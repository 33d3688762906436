package dev.splot.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading pictures as MNIST input: grey conversion, resizing, inversion of light pictures. */
class ImagesTest {
    @TempDir
    Path dir;

    Path png(String name, BufferedImage img) throws IOException {
        Path p = dir.resolve(name);
        ImageIO.write(img, "png", p.toFile());
        return p;
    }

    @Test
    void darkDigitOnWhitePaperIsInvertedAndShrunk() throws IOException {
        BufferedImage img = new BufferedImage(280, 280, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 280, 280);
        g.setColor(new Color(0, 0, 160)); // blue ink
        g.fillRect(135, 40, 20, 200); // columns 13 and 15 half covered, 14 fully
        g.dispose();
        Images.Greyscale r = Images.readGreyscale(png("one.png", img), 28, 28);
        assertTrue(r.inverted());
        assertEquals(28, r.width());
        assertEquals(28 * 28, r.pixels().length);
        assertEquals(0f, r.pixels()[0], 1e-6, "paper becomes black");
        float ink = 1 - 0.114f * 160 / 255f;
        assertEquals(ink, r.pixels()[14 * 28 + 14], 1e-5, "fully covered ink pixel");
        assertEquals(ink / 2, r.pixels()[14 * 28 + 13], 1e-5, "half-covered pixel is area-averaged");
        for (float v : r.pixels()) {
            assertTrue(v >= 0 && v <= 1);
        }
    }

    @Test
    void whiteOnBlackKeptAsIsAndEnlargedSmoothly() throws IOException {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSample(1, 0, 0, 255);
        Images.Greyscale r = Images.readGreyscale(png("tiny.png", img), 4, 1);
        assertFalse(r.inverted());
        float[] p = r.pixels();
        assertEquals(0f, p[0], 1e-6);
        assertEquals(0.25f, p[1], 1e-6);
        assertEquals(0.75f, p[2], 1e-6);
        assertEquals(1f, p[3], 1e-6);
    }

    /** ImageIO's getRGB would turn grey level 84 into 155 (linear grey to sRGB); MNIST-style PNGs must read as stored. */
    @Test
    void greyPngMidTonesReadAsStored() throws IOException {
        BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSample(0, 0, 0, 84);
        img.getRaster().setSample(1, 0, 0, 185);
        Images.Greyscale r = Images.readGreyscale(png("mid.png", img), 3, 1);
        assertEquals(84 / 255f, r.pixels()[0], 1e-6);
        assertEquals(185 / 255f, r.pixels()[1], 1e-6);
        assertEquals(0f, r.pixels()[2], 1e-6);
        BufferedImage wide = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        wide.getRaster().setSample(0, 0, 0, 65535 / 5);
        assertEquals(0.2f, Images.readGreyscale(png("wide.png", wide), 2, 1).pixels()[0], 1e-4);
    }

    @Test
    void badFilesSayWhichAndWhy() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.png"), "not a picture");
        IOException e = assertThrows(IOException.class, () -> Images.readGreyscale(text, 28, 28));
        assertTrue(e.getMessage().contains(text.toString()) && e.getMessage().contains("not an image"), e.getMessage());
        assertThrows(NoSuchFileException.class, () -> Images.readGreyscale(dir.resolve("missing.png"), 28, 28));
    }
}
