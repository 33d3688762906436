package dev.splot.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reader for IDX files, the format MNIST and Fashion-MNIST ship in, raw or gzipped.
 *
 * <p>Layout: two zero bytes, a type byte (only 0x08, unsigned byte, is supported), a rank byte,
 * {@code rank} big-endian int32 dimensions, then {@code product(dims)} data bytes and nothing
 * else. Gzip is recognised by its magic bytes 1f 8b, not by the file name.
 *
 * <p>Every check happens before the data array is allocated, so a lying header cannot make the
 * reader allocate more than the file really holds: a raw file's length is compared with the
 * header; a gzip stream is read in growing chunks, bounded by the declared size.
 */
public final class Idx {
    /** IDX type byte for unsigned bytes, the only type MNIST uses. */
    public static final int TYPE_UBYTE = 0x08;
    /** Largest array the JVM reliably allocates. */
    static final long MAX_DATA_BYTES = Integer.MAX_VALUE - 8;

    /**
     * The most bytes the decoded values may take, 2 GiB: 11 times the MNIST training set as
     * floats. The limit is on what the reader makes (a byte becomes a 4-byte float or int), not
     * only on the file's bytes: a 2 MB gzipped file can declare 2.5 million images, 7.8 GB as
     * floats, and is refused before anything is read.
     */
    static final long MAX_DECODED_BYTES = 1L << 31;

    private static final int FIRST_CHUNK = 1 << 20;
    /** Trailing bytes are counted for the message up to this many (a gzip bomb could be endless). */
    private static final long COUNT_LIMIT = 1L << 26;

    private Idx() {}

    /**
     * Reads MNIST-style images (magic 0x00000803: count x rows x cols), pixels scaled to [0, 1].
     *
     * @param file a raw or gzipped IDX file of rank 3
     * @return the images
     * @throws IdxFormatException if the file is not such a file, naming it and the problem
     * @throws IOException if it cannot be read
     */
    public static IdxImages readImages(Path file) throws IOException {
        IdxArray a = read(file, 3, Float.BYTES);
        byte[] data = a.data();
        float[] pixels = new float[data.length];
        for (int i = 0; i < data.length; i++) {
            pixels[i] = (data[i] & 0xFF) / 255f;
        }
        return new IdxImages(a.dim(0), a.dim(1), a.dim(2), pixels);
    }

    /**
     * Reads MNIST-style labels (magic 0x00000801: one unsigned byte per sample).
     *
     * @param file a raw or gzipped IDX file of rank 1
     * @return the labels, 0..255
     * @throws IdxFormatException if the file is not such a file, naming it and the problem
     * @throws IOException if it cannot be read
     */
    public static int[] readLabels(Path file) throws IOException {
        byte[] data = read(file, 1, Integer.BYTES).data();
        int[] labels = new int[data.length];
        for (int i = 0; i < data.length; i++) {
            labels[i] = data[i] & 0xFF;
        }
        return labels;
    }

    /**
     * Reads an image file and its label file and checks that they describe the same number of
     * samples and that every label is below {@code classes}.
     *
     * @param images a rank-3 IDX file (count x rows x cols)
     * @param labels a rank-1 IDX file with one label per image
     * @param classes the number of classes; every label must be below it
     * @return the images with their labels
     * @throws IdxFormatException if a file is malformed, the counts differ or a label is too large
     * @throws IOException if a file cannot be read
     */
    public static Labelled readLabelled(Path images, Path labels, int classes) throws IOException {
        IdxImages x = readImages(images);
        int[] y = readLabels(labels);
        if (x.count() != y.length) {
            throw new IdxFormatException(labels, "count mismatch: " + y.length + " labels but "
                    + images + " holds " + x.count() + " images");
        }
        for (int i = 0; i < y.length; i++) {
            if (y[i] >= classes) {
                throw new IdxFormatException(labels,
                        "label " + y[i] + " at index " + i + " is not below " + classes + " classes");
            }
        }
        return new Labelled(x, y);
    }

    /**
     * Images with one label each, as returned by {@link #readLabelled}.
     *
     * @param images the images
     * @param labels one class index per image
     */
    public record Labelled(IdxImages images, int[] labels) {}

    /**
     * Reads an unsigned-byte IDX file of the given rank.
     *
     * @param file a raw or gzipped IDX file
     * @param expectedRank the rank the file must have, 1..255
     * @return its dimensions and bytes
     * @throws IdxFormatException if the file is not such a file; the message names the file and
     *     the problem
     * @throws IOException if it cannot be read
     */
    public static IdxArray read(Path file, int expectedRank) throws IOException {
        return read(file, expectedRank, 1);
    }

    /** As {@link #read(Path, int)}, for a caller that turns each byte into {@code decodedBytes} bytes. */
    static IdxArray read(Path file, int expectedRank, int decodedBytes) throws IOException {
        if (expectedRank < 1 || expectedRank > 255) {
            throw new IllegalArgumentException("expected rank must be 1..255, got " + expectedRank);
        }
        try (InputStream fileIn = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            fileIn.mark(2);
            int b0 = fileIn.read();
            int b1 = fileIn.read();
            fileIn.reset();
            if (b0 < 0) {
                throw new IdxFormatException(file, "empty file");
            }
            if (b0 == 0x1F && b1 == 0x8B) {
                return readGzip(file, fileIn, expectedRank, decodedBytes);
            }
            long dataBytes = Files.size(file);
            return readStream(file, fileIn, expectedRank, dataBytes, false, decodedBytes);
        }
    }

    private static IdxArray readGzip(Path file, InputStream fileIn, int expectedRank, int decodedBytes)
            throws IOException {
        try (InputStream in = new GZIPInputStream(fileIn, 1 << 16)) {
            return readStream(file, in, expectedRank, -1, true, decodedBytes);
        } catch (IdxFormatException e) {
            throw e;
        } catch (EOFException e) {
            throw new IdxFormatException(file, "truncated gzip stream (" + e.getMessage() + ")", e);
        } catch (ZipException e) {
            throw new IdxFormatException(file, "corrupt gzip stream (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Parses header and data from {@code in}. {@code fileBytes} is the raw file's length, or -1
     * for a gzip stream whose length is unknown until it has been read.
     */
    private static IdxArray readStream(Path file, InputStream in, int expectedRank, long fileBytes,
            boolean gzip, int decodedBytes) throws IOException {
        String what = gzip ? "decompressed stream" : "file";
        byte[] magicBytes = in.readNBytes(4);
        if (magicBytes.length == 0) {
            throw new IdxFormatException(file, "empty " + what);
        }
        if (magicBytes.length < 4) {
            throw new IdxFormatException(file, "truncated header: " + what + " has "
                    + magicBytes.length + " bytes, an IDX header needs at least 4");
        }
        int magic = bigEndianInt(magicBytes, 0);
        int type = magicBytes[2] & 0xFF;
        int rank = magicBytes[3] & 0xFF;
        int expectedMagic = (TYPE_UBYTE << 8) | expectedRank;
        if (magicBytes[0] != 0 || magicBytes[1] != 0) {
            throw new IdxFormatException(file, String.format(
                    "not an IDX file: magic 0x%08X, expected 0x%08X (IDX magic starts with two zero bytes)",
                    magic, expectedMagic));
        }
        if (type != TYPE_UBYTE) {
            throw new IdxFormatException(file, String.format(
                    "unsupported IDX data type 0x%02X (%s) in magic 0x%08X; only 0x08 (unsigned byte) is supported",
                    type, typeName(type), magic));
        }
        if (rank != expectedRank) {
            throw new IdxFormatException(file, String.format(
                    "wrong rank: magic 0x%08X declares %d dimension(s), expected %d (magic 0x%08X)",
                    magic, rank, expectedRank, expectedMagic));
        }
        int headerBytes = 4 + 4 * rank;
        byte[] dimBytes = in.readNBytes(4 * rank);
        if (dimBytes.length < 4 * rank) {
            throw new IdxFormatException(file, "truncated header: rank " + rank + " needs "
                    + headerBytes + " header bytes, " + what + " has " + (4 + dimBytes.length));
        }
        int[] dims = new int[rank];
        long product = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = bigEndianInt(dimBytes, 4 * i);
            if (dims[i] <= 0) {
                throw new IdxFormatException(file, "dimension " + i + " is " + dims[i]
                        + " (header " + shape(dims, i + 1) + "); dimensions must be positive");
            }
            // dims are < 2^31, so once product is capped below 2^32 the next multiply cannot overflow
            product = Math.min(product * dims[i], MAX_DATA_BYTES + 1);
        }
        String declared = shape(dims, rank) + " = " + (product > MAX_DATA_BYTES
                ? "more than " + MAX_DATA_BYTES : String.valueOf(product)) + " bytes of data";
        if (!gzip) {
            long has = fileBytes - headerBytes;
            if (has < product) {
                throw new IdxFormatException(file, "truncated: header declares " + declared
                        + ", file has " + has);
            }
            if (has > product) {
                throw new IdxFormatException(file, "trailing data: header declares " + declared
                        + ", file has " + has + " (" + (has - product) + " extra bytes)");
            }
        }
        if (product > MAX_DATA_BYTES) {
            throw new IdxFormatException(file, "too large: header declares " + declared
                    + ", more than a Java array holds");
        }
        if (product * decodedBytes > MAX_DECODED_BYTES) {
            throw new IdxFormatException(file, "too large: header declares " + declared + ", " + product * decodedBytes
                    + " bytes once decoded (" + decodedBytes + " bytes a value), more than the limit of " + MAX_DECODED_BYTES);
        }
        int size = (int) product;
        byte[] data = gzip ? readBounded(in, size) : in.readNBytes(size);
        if (data.length < size) {
            throw new IdxFormatException(file, "truncated: header declares " + declared + ", "
                    + what + " has " + data.length);
        }
        long extra = countRemaining(in);
        if (extra > 0) {
            throw new IdxFormatException(file, "trailing data: header declares " + declared + ", "
                    + what + " has " + (extra >= COUNT_LIMIT ? "more than " : "") + extra
                    + " extra bytes");
        }
        return new IdxArray(dims, data);
    }

    /**
     * Reads up to {@code size} bytes, growing the buffer only as data actually arrives, so that a
     * small stream with a huge declared size fails without a huge allocation.
     */
    private static byte[] readBounded(InputStream in, int size) throws IOException {
        byte[] buf = new byte[Math.min(size, FIRST_CHUNK)];
        int n = 0;
        while (n < size) {
            if (n == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(size, 2L * buf.length));
            }
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n == buf.length ? buf : Arrays.copyOf(buf, n);
    }

    /** Counts bytes left in the stream, stopping at {@link #COUNT_LIMIT} (gzip bombs). */
    private static long countRemaining(InputStream in) throws IOException {
        byte[] skip = new byte[8192];
        long n = 0;
        int r;
        while (n < COUNT_LIMIT && (r = in.read(skip)) >= 0) {
            n += r;
        }
        return n;
    }

    private static int bigEndianInt(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8)
                | (b[off + 3] & 0xFF);
    }

    private static String shape(int[] dims, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append(i == 0 ? "" : "x").append(dims[i]);
        }
        return s.toString();
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x08 -> "unsigned byte";
            case 0x09 -> "signed byte";
            case 0x0B -> "int16";
            case 0x0C -> "int32";
            case 0x0D -> "float32";
            case 0x0E -> "float64";
            default -> "unknown type";
        };
    }
}
