package dev.splot.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.IdxFiles;
import dev.splot.testing.Tiny;
import dev.splot.train.EpochStats;
import dev.splot.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Streaming IDX samples gives what the in-memory reader gives, trains to the same bits, and names the file on bad input. */
class IdxStreamTest {
    @TempDir
    Path dir;

    private Path images, labels;

    /** 40 random 8x8 images in 3 classes, as Tiny's model takes. */
    private void writeTiny() throws IOException {
        images = dir.resolve("x.idx");
        labels = dir.resolve("y.idx");
        IdxFiles.writeRandomImages(images, labels, 40, 8, 3, 7);
    }

    /** The same files through the in-memory reader. */
    private Dataset inMemory() throws IOException {
        Idx.Labelled l = Idx.readLabelled(images, labels, 3);
        return new Dataset("tiny", l.images().pixels(), l.labels(), l.labels().length, new int[] {1, 8, 8}, 3);
    }

    private static float[][] gatherAll(SampleSource s, int[] order) {
        float[] x = new float[order.length * s.sampleSize()];
        int[] y = new int[order.length];
        s.gather(order, 0, order.length, x, y);
        float[] yf = new float[y.length];
        for (int i = 0; i < y.length; i++) yf[i] = y[i];
        return new float[][] {x, yf};
    }

    @Test
    void streamedSamplesEqualTheInMemoryReadInAnyOrder() throws IOException {
        writeTiny();
        Dataset inMemory = inMemory();
        try (IdxStream stream = IdxStream.open("tiny", images, labels, 3)) {
            assertEquals(40, stream.count());
            assertArrayEquals(new int[] {1, 8, 8}, stream.sampleShape());
            int[] order = {39, 0, 17, 17, 5, 22};
            float[][] a = gatherAll(stream, order), b = gatherAll(inMemory, order);
            assertArrayEquals(b[0], a[0]);
            assertArrayEquals(b[1], a[1]);
        }
    }

    /** The in-memory path and the streamed one are two sources of the same numbers: training on either gives the same weights. */
    @Test
    void trainingOnTheStreamIsBitIdenticalToTrainingInMemory() throws IOException {
        writeTiny();
        Dataset inMemory = inMemory();
        Map<String, float[]> a, b;
        List<EpochStats> ha, hb;
        try (Backend be = new JavaBackend(); Sequential m = Tiny.model(be, 1); AdaDelta opt = new AdaDelta()) {
            ha = new Trainer(m, opt, 16, 1).fit(inMemory, null, 2, null);
            a = Tiny.weights(m);
        }
        try (Backend be = new JavaBackend(); Sequential m = Tiny.model(be, 1); AdaDelta opt = new AdaDelta();
             IdxStream stream = IdxStream.open("tiny", images, labels, 3)) {
            hb = new Trainer(m, opt, 16, 1).fit(stream, stream, 2, null);
            b = Tiny.weights(m);
        }
        for (String k : a.keySet()) assertArrayEquals(a.get(k), b.get(k), k);
        assertEquals(ha.get(1).trainLoss(), hb.get(1).trainLoss());
        assertTrue(Double.isFinite(hb.get(1).testLoss()), "the stream is evaluated too");
    }

    @Test
    void floatSamplesWithThreeChannelsAreTakenAsTheyAre() throws IOException {
        Random r = new Random(3);
        float[] x = new float[4 * 3 * 2 * 5];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian() * 10;
        Path xf = IdxFiles.writeFloats(dir.resolve("x.idx"), x, 4, 3, 2, 5);
        Path yf = IdxFiles.writeBytes(dir.resolve("y.idx"), new byte[] {0, 1, 1, 0}, 4);
        try (IdxStream s = IdxStream.open("rgb", xf, yf, 2)) {
            assertArrayEquals(new int[] {3, 2, 5}, s.sampleShape());
            float[][] got = gatherAll(s, new int[] {0, 1, 2, 3});
            assertArrayEquals(x, got[0]);
            assertArrayEquals(new float[] {0, 1, 1, 0}, got[1]);
        }
    }

    @Test
    void badFilesAreNamed() throws IOException {
        writeTiny();
        Path gz = dir.resolve("x.idx.gz");
        try (var out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(Files.readAllBytes(images));
        }
        assertProblem(gz, "gzipped", () -> IdxStream.open("t", gz, labels, 3));
        Path cut = dir.resolve("cut.idx");
        Files.write(cut, java.util.Arrays.copyOf(Files.readAllBytes(images), 16 + 64 * 10 - 3));
        assertProblem(cut, "truncated", () -> IdxStream.open("t", cut, labels, 3));
        Path longer = dir.resolve("long.idx");
        Files.write(longer, java.util.Arrays.copyOf(Files.readAllBytes(images), (int) Files.size(images) + 2));
        assertProblem(longer, "trailing data", () -> IdxStream.open("t", longer, labels, 3));
        Path fewLabels = IdxFiles.writeBytes(dir.resolve("few.idx"), new byte[39], 39);
        assertProblem(fewLabels, "count mismatch", () -> IdxStream.open("t", images, fewLabels, 3));
        assertProblem(labels, "rank", () -> IdxStream.open("t", labels, labels, 3));
    }

    @Test
    void aFileCutShortWhileStreamingOrABadLabelFailsTheBatchNamingTheFile() throws IOException {
        writeTiny();
        try (IdxStream s = IdxStream.open("t", images, labels, 3)) {
            gatherAll(s, new int[] {39});
            try (FileChannel c = FileChannel.open(images, StandardOpenOption.WRITE)) {
                c.truncate(16 + 64 * 20);
            }
            gatherAll(s, new int[] {19}); // still there
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> gatherAll(s, new int[] {3, 20}));
            IdxFormatException cause = (IdxFormatException) e.getCause();
            assertEquals(images, cause.file());
            assertTrue(cause.problem().startsWith("truncated while streaming: sample 20"), cause.problem());
        }
        Path badLabel = IdxFiles.writeBytes(dir.resolve("bad.idx"), new byte[] {0, 1, 7}, 3);
        Path three = IdxFiles.writeBytes(dir.resolve("three.idx"), new byte[3 * 64], 3, 8, 8);
        try (IdxStream s = IdxStream.open("t", three, badLabel, 3)) {
            gatherAll(s, new int[] {0, 1});
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> gatherAll(s, new int[] {2}));
            assertTrue(e.getMessage().startsWith(badLabel + ": label 7 of sample 2 is not below 3 classes"), e.getMessage());
        }
    }

    private static void assertProblem(Path file, String problem, org.junit.jupiter.api.function.Executable open) {
        IdxFormatException e = assertThrows(IdxFormatException.class, open);
        assertEquals(file, e.file());
        assertTrue(e.problem().contains(problem), e.getMessage());
    }
}
