package dev.splot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import dev.splot.io.Checkpoint;
import dev.splot.io.Images;
import dev.splot.nn.Sequential;
import dev.splot.testing.Tiny;
import dev.splot.train.Trainer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Classify: the printed class and probabilities are the model's, the inversion of light pictures is reported, errors are clear. */
class ClassifyTest {
    @TempDir
    Path dir;

    final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();

    int run(String... args) {
        return Classify.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** A 16x16 PNG: a bright bar on dark, or (light) a dark bar on white paper. */
    Path png(String name, int bar, boolean light) throws IOException {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                boolean on = y / 6 == bar;
                int v = on != light ? 230 : 10;
                img.setRGB(x, y, (v << 16) | (v << 8) | v);
            }
        }
        Path f = dir.resolve(name);
        ImageIO.write(img, "png", f.toFile());
        return f;
    }

    @Test
    void printsTheModelsClassAndProbabilities() throws IOException {
        Path model = dir.resolve("m.safetensors");
        Path dark = png("dark.png", 0, false), light = png("light.png", 2, true);
        float[] expected;
        try (Backend b = new JavaBackend(); Sequential m = Tiny.model(b, 4)) {
            new Trainer(m, new dev.splot.optim.AdaDelta(), 8, 4).fit(Tiny.data(48, 1), null, 2, null);
            Checkpoint.save(model, m, null, null);
            float[] x = new float[2 * 64];
            System.arraycopy(Images.readGreyscale(dark, 8, 8).pixels(), 0, x, 0, 64);
            System.arraycopy(Images.readGreyscale(light, 8, 8).pixels(), 0, x, 64, 64);
            expected = m.predict(x, 2, 2);
        }
        assertEquals(0, run("--model", model.toString(), "--top", "2", dark.toString(), light.toString()), err.toString());
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length, out.toString());
        for (int i = 0; i < 2; i++) {
            int best = 0;
            for (int c = 1; c < 3; c++) if (expected[i * 3 + c] > expected[i * 3 + best]) best = c;
            String prefix = (i == 0 ? dark : light) + ": " + best + String.format(Locale.ROOT, " (%.2f%%)   top-2: %d ", 100 * expected[i * 3 + best], best);
            assertTrue(lines[i].startsWith(prefix), lines[i] + "\n expected to start with " + prefix);
        }
        assertTrue(!lines[0].contains("inverted") && lines[1].endsWith("(light picture: inverted to light-on-dark)"), out.toString());
    }

    @Test
    void errors() throws IOException {
        assertEquals(2, run("x.png"));
        assertTrue(err.toString().contains("--model FILE is required") && err.toString().contains("Usage: Classify"), err.toString());
        err.reset();
        assertEquals(2, run("--model", "m", "--top", "zero", "x.png"));
        assertTrue(err.toString().contains("--top needs a positive integer"), err.toString());
        err.reset();
        assertEquals(1, run("--model", dir.resolve("none.safetensors").toString(), "x.png"));
        assertTrue(err.toString().contains("no such file"), err.toString());
        err.reset();
        Path model = dir.resolve("m.safetensors");
        try (Backend b = new JavaBackend(); Sequential m = Tiny.model(b, 4)) {
            Checkpoint.save(model, m, null, null);
        }
        Path notImage = Files.writeString(dir.resolve("notes.png"), "not a picture");
        Path good = png("ok.png", 1, false);
        assertEquals(1, run("--model", model.toString(), notImage.toString(), good.toString()), "one bad file gives status 1");
        assertTrue(err.toString().contains("notes.png"), err.toString());
        assertTrue(out.toString().startsWith(good + ": "), "the good file is still classified: " + out);
    }
}
