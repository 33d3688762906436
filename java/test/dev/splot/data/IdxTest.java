package dev.splot.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX reading: valid raw and gzipped files, and one clear error per kind of damage. */
class IdxTest {
    @TempDir
    Path dir;

    /** Builds an IDX file: magic from type and rank, the given dims, then the data. */
    static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    static byte[] ramp(int n) {
        byte[] d = new byte[n];
        for (int i = 0; i < n; i++) {
            d[i] = (byte) (i * 37);
        }
        return d;
    }

    Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    IdxFormatException fails(Path file, int rank) {
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.read(file, rank));
        assertTrue(e.getMessage().startsWith(file.toString() + ": "), e.getMessage());
        assertEquals(file, e.file());
        return e;
    }

    static void assertContains(String expected, String actual) {
        assertTrue(actual.contains(expected), () -> "expected \"" + expected + "\" in: " + actual);
    }

    @Test
    void readsRawImages() throws IOException {
        byte[] data = ramp(3 * 4 * 5);
        data[0] = (byte) 255;
        data[1] = 0;
        Path f = write("imgs", idx(8, new int[] {3, 4, 5}, data));
        IdxImages im = Idx.readImages(f);
        assertEquals(3, im.count());
        assertEquals(4, im.rows());
        assertEquals(5, im.cols());
        assertEquals(1f, im.pixels()[0]);
        assertEquals(0f, im.pixels()[1]);
        for (int i = 0; i < data.length; i++) {
            assertEquals((data[i] & 0xFF) / 255f, im.pixels()[i]);
        }
    }

    @Test
    void readsGzippedLabelsWhateverTheName() throws IOException {
        byte[] labels = {7, 2, 1, 0, 4, (byte) 200};
        Path f = write("labels.idx", gzip(idx(8, new int[] {6}, labels)));
        assertArrayEquals(new int[] {7, 2, 1, 0, 4, 200}, Idx.readLabels(f));
        // and a raw file named .gz is read as raw
        Path g = write("labels.gz", idx(8, new int[] {6}, labels));
        assertArrayEquals(new int[] {7, 2, 1, 0, 4, 200}, Idx.readLabels(g));
    }

    @Test
    void gzipLargerThanFirstChunkRoundTrips() throws IOException {
        byte[] data = ramp(3 * 1000 * 1000);
        IdxArray a = Idx.read(write("big.gz", gzip(idx(8, new int[] {3, 1000, 1000}, data))), 3);
        assertArrayEquals(new int[] {3, 1000, 1000}, a.dims());
        assertArrayEquals(data, a.data());
    }

    @Test
    void emptyFile() throws IOException {
        assertContains("empty file", fails(write("e", new byte[0]), 1).problem());
        assertContains("empty decompressed stream", fails(write("e.gz", gzip(new byte[0])), 1).problem());
    }

    @Test
    void wrongMagic() throws IOException {
        Path f = write("png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 1, 0});
        assertContains("not an IDX file: magic 0x89504E47, expected 0x00000801", fails(f, 1).problem());
    }

    @Test
    void wrongType() throws IOException {
        Path f = write("floats", idx(0x0D, new int[] {2}, new byte[8]));
        assertContains("unsupported IDX data type 0x0D (float32)", fails(f, 1).problem());
    }

    @Test
    void wrongRank() throws IOException {
        Path f = write("labels", idx(8, new int[] {4}, new byte[4]));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.readImages(f));
        assertContains("declares 1 dimension(s), expected 3", e.getMessage());
    }

    @Test
    void nonPositiveDimension() throws IOException {
        Path f = write("zero", idx(8, new int[] {5, 0, 3}, new byte[0]));
        assertContains("dimension 1 is 0", fails(f, 3).problem());
        Path g = write("neg", idx(8, new int[] {-1}, new byte[0]));
        assertContains("dimension 0 is -1", fails(g, 1).problem());
    }

    @Test
    void truncatedHeader() throws IOException {
        byte[] full = idx(8, new int[] {2, 2, 2}, new byte[8]);
        assertContains("needs 16 header bytes, file has 9", fails(write("h", Arrays.copyOf(full, 9)), 3).problem());
        assertContains("file has 3 bytes", fails(write("h3", Arrays.copyOf(full, 3)), 3).problem());
    }

    @Test
    void truncatedData() throws IOException {
        byte[] full = idx(8, new int[] {60000, 28, 28}, new byte[1000]);
        Path f = write("train-images-idx3-ubyte", full);
        assertEquals("truncated: header declares 60000x28x28 = 47040000 bytes of data, file has 1000",
                fails(f, 3).problem());
        Path g = write("t.gz", gzip(full));
        assertEquals("truncated: header declares 60000x28x28 = 47040000 bytes of data, decompressed stream has 1000",
                fails(g, 3).problem());
    }

    @Test
    void trailingData() throws IOException {
        byte[] full = idx(8, new int[] {2, 3}, new byte[6 + 5]);
        assertContains("trailing data: header declares 2x3 = 6 bytes of data, file has 11 (5 extra bytes)",
                fails(write("t", full), 2).problem());
        assertContains("trailing data: header declares 2x3 = 6 bytes of data, decompressed stream has 5 extra bytes",
                fails(write("t.gz", gzip(full)), 2).problem());
    }

    @Test
    void hugeDeclaredSizeFailsWithoutAllocating() throws IOException {
        byte[] raw = idx(8, new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE}, new byte[10]);
        assertContains("more than 2147483639 bytes of data, file has 10", fails(write("huge", raw), 3).problem());
        assertContains("too large", fails(write("huge.gz", gzip(raw)), 3).problem());
        // within the array limit, the gzip reader must still not trust the header: -Xmx would not hold 2 GB x many
        byte[] big = idx(8, new int[] {Integer.MAX_VALUE - 8}, new byte[10]);
        assertContains("decompressed stream has 10", fails(write("big.gz", gzip(big)), 1).problem());
    }

    @Test
    void truncatedAndCorruptGzip() throws IOException {
        byte[] gz = gzip(idx(8, new int[] {100, 10}, ramp(1000)));
        assertContains("truncated gzip stream", fails(write("cut.gz", Arrays.copyOf(gz, gz.length / 2)), 2).problem());
        assertContains("gzip stream", fails(write("two.gz", new byte[] {0x1f, (byte) 0x8b}), 2).problem());
        byte[] bad = gz.clone();
        bad[2] = 99; // compression method other than deflate
        assertContains("corrupt gzip stream", fails(write("bad.gz", bad), 2).problem());
    }

    @Test
    void labelCountMustMatchImageCount() throws IOException {
        Path images = write("imgs", idx(8, new int[] {3, 2, 2}, new byte[12]));
        Path labels = write("labels", idx(8, new int[] {4}, new byte[] {1, 2, 3, 4}));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.readLabelled(images, labels, 10));
        assertContains("count mismatch: 4 labels but " + images + " holds 3 images", e.getMessage());
        Path badLabel = write("labels2", idx(8, new int[] {3}, new byte[] {1, 10, 3}));
        e = assertThrows(IdxFormatException.class, () -> Idx.readLabelled(images, badLabel, 10));
        assertContains("label 10 at index 1 is not below 10 classes", e.getMessage());
        Path good = write("labels3", idx(8, new int[] {3}, new byte[] {1, 9, 3}));
        assertArrayEquals(new int[] {1, 9, 3}, Idx.readLabelled(images, good, 10).labels());
    }

    @Test
    void realMnistTestLabels() throws IOException {
        Path f = Path.of("/tmp/mnist/package/data/t10k-labels-idx1-ubyte");
        Assumptions.assumeTrue(Files.isRegularFile(f), "MNIST not present at " + f);
        int[] labels = Idx.readLabels(f);
        assertEquals(10000, labels.length);
        assertArrayEquals(new int[] {7, 2, 1, 0, 4}, Arrays.copyOf(labels, 5));
    }
}
