package dev.splot.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Samples streamed from an uncompressed IDX image file and its label file: only the header is read
 * when opened, and each batch reads just its samples from disk, so memory stays the same whatever
 * the file's size (a 10 GB file trains in a small heap). Images are unsigned bytes (type 0x08,
 * scaled to [0, 1] as {@link Idx#readImages} does) or big-endian float32 (type 0x0D, taken as
 * they are), of rank 3 (count x height x width: one channel) or rank 4 (count x channels x height x
 * width); labels are unsigned bytes of rank 1.
 *
 * <p>Reads come from one thread at a time (the trainer's). A file cut short after it was opened, or
 * a label outside the classes, fails the batch that reaches it with an {@link UncheckedIOException}
 * whose cause, an {@link IdxFormatException}, names the file and the sample.
 */
public final class IdxStream implements SampleSource, AutoCloseable {
    /** IDX type byte for big-endian 32-bit floats. */
    public static final int TYPE_FLOAT = 0x0D;

    private final String name;
    private final Path imagesFile, labelsFile;
    private final FileChannel images, labels;
    private final long imagesData, labelsData; // byte offsets where the values start
    private final int count, classes, type;
    private final int[] sampleShape;
    private final ByteBuffer sample, label = ByteBuffer.allocate(1);

    private IdxStream(String name, Path imagesFile, FileChannel images, Header x, Path labelsFile, FileChannel labels,
            Header y, int classes) {
        this.name = name;
        this.imagesFile = imagesFile;
        this.labelsFile = labelsFile;
        this.images = images;
        this.labels = labels;
        this.imagesData = x.dataOffset();
        this.labelsData = y.dataOffset();
        this.count = x.dims()[0];
        this.classes = classes;
        this.type = x.type();
        this.sampleShape = x.dims().length == 3 ? new int[] {1, x.dims()[1], x.dims()[2]}
                : new int[] {x.dims()[1], x.dims()[2], x.dims()[3]};
        this.sample = ByteBuffer.allocate(Math.multiplyExact(sampleSize(), x.valueBytes()));
    }

    /**
     * Opens an image file and its label file for streaming, checking both headers, that each file
     * holds exactly what its header declares, and that they describe the same number of samples.
     *
     * @param name what the data is, named in messages and checkpoints
     * @param imagesFile an uncompressed IDX file of rank 3 or 4, unsigned bytes or float32
     * @param labelsFile an uncompressed IDX file of rank 1, unsigned bytes, one label per image
     * @param classes the number of classes; every label must be below it (checked as samples are read)
     * @return the open stream; close it when training is done
     * @throws IdxFormatException naming the file, if a file is gzipped, malformed, truncated or has
     *         trailing data, or the counts differ
     * @throws IOException if a file cannot be opened
     */
    public static IdxStream open(String name, Path imagesFile, Path labelsFile, int classes) throws IOException {
        if (classes <= 0) throw new IllegalArgumentException("classes must be positive, got " + classes);
        FileChannel x = FileChannel.open(imagesFile, StandardOpenOption.READ);
        FileChannel y = null;
        try {
            Header hx = Header.read(imagesFile, x, true);
            y = FileChannel.open(labelsFile, StandardOpenOption.READ);
            Header hy = Header.read(labelsFile, y, false);
            if (hx.dims()[0] != hy.dims()[0]) {
                throw new IdxFormatException(labelsFile, "count mismatch: " + hy.dims()[0] + " labels but " + imagesFile + " holds "
                        + hx.dims()[0] + " images");
            }
            return new IdxStream(name, imagesFile, x, hx, labelsFile, y, hy, classes);
        } catch (IOException | RuntimeException e) {
            x.close();
            if (y != null) y.close();
            throw e;
        }
    }

    @Override
    public String name() { return name; }

    @Override
    public int count() { return count; }

    @Override
    public int[] sampleShape() { return sampleShape.clone(); }

    @Override
    public int classes() { return classes; }

    @Override
    public void gather(int[] order, int from, int to, float[] batchImages, int[] batchLabels) {
        int size = sampleSize();
        try {
            for (int i = from; i < to; i++) {
                int s = order[i];
                readFully(images, imagesFile, sample.clear(), imagesData + (long) s * sample.capacity(), s);
                sample.flip();
                int off = (i - from) * size;
                if (type == Idx.TYPE_UBYTE) {
                    for (int k = 0; k < size; k++) batchImages[off + k] = (sample.get(k) & 0xFF) / 255f;
                } else {
                    for (int k = 0; k < size; k++) batchImages[off + k] = sample.getFloat(4 * k); // ByteBuffer is big-endian, as IDX
                }
                readFully(labels, labelsFile, label.clear(), labelsData + s, s);
                int y = label.get(0) & 0xFF;
                if (y >= classes) {
                    throw new IdxFormatException(labelsFile, "label " + y + " of sample " + s + " is not below " + classes + " classes");
                }
                batchLabels[i - from] = y;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel channel, Path file, ByteBuffer into, long position, int sampleIndex) throws IOException {
        long at = position;
        while (into.hasRemaining()) {
            int r = channel.read(into, at);
            if (r < 0) {
                throw new IdxFormatException(file, "truncated while streaming: sample " + sampleIndex + " needs bytes " + position
                        + ".." + (position + into.capacity() - 1) + ", the file now has " + channel.size()
                        + " bytes (it was cut short after it was opened)");
            }
            at += r;
        }
    }

    /** Closes both files. */
    @Override
    public void close() throws IOException {
        try (FileChannel x = images; FileChannel y = labels) {
            // both closed, the second even if the first fails
        }
    }

    /** An IDX header: the type byte, the dimensions, bytes per value and where the values start. */
    private record Header(int type, int[] dims, int valueBytes, long dataOffset) {
        static Header read(Path file, FileChannel in, boolean images) throws IOException {
            long fileBytes = in.size();
            ByteBuffer magic = ByteBuffer.allocate(4);
            in.read(magic, 0);
            if (magic.position() < 4) {
                throw new IdxFormatException(file, "truncated header: the file has " + fileBytes + " bytes, an IDX header needs at least 4");
            }
            int b0 = magic.get(0) & 0xFF, b1 = magic.get(1) & 0xFF, type = magic.get(2) & 0xFF, rank = magic.get(3) & 0xFF;
            if (b0 == 0x1F && b1 == 0x8B) {
                throw new IdxFormatException(file, "gzipped: streaming reads samples where they lie in the file, which needs an "
                        + "uncompressed IDX file (gunzip it first)");
            }
            if (b0 != 0 || b1 != 0) {
                throw new IdxFormatException(file, String.format("not an IDX file: magic 0x%08X (IDX magic starts with two zero bytes)",
                        magic.getInt(0)));
            }
            boolean typeOk = type == Idx.TYPE_UBYTE || (images && type == TYPE_FLOAT);
            boolean rankOk = images ? rank == 3 || rank == 4 : rank == 1;
            if (!typeOk || !rankOk) {
                throw new IdxFormatException(file, String.format("magic 0x%08X declares type 0x%02X and rank %d; %s", magic.getInt(0), type,
                        rank, images ? "streamed images need type 0x08 (unsigned byte) or 0x0D (float32) and rank 3 (count x height x "
                                + "width) or 4 (count x channels x height x width)" : "labels need type 0x08 (unsigned byte) and rank 1"));
            }
            long dataOffset = 4 + 4L * rank;
            ByteBuffer dimBytes = ByteBuffer.allocate(4 * rank);
            in.read(dimBytes, 4);
            if (dimBytes.position() < 4 * rank) {
                throw new IdxFormatException(file, "truncated header: rank " + rank + " needs " + dataOffset + " header bytes, the file has "
                        + fileBytes);
            }
            int[] dims = new int[rank];
            long values = 1;
            for (int i = 0; i < rank; i++) {
                dims[i] = dimBytes.getInt(4 * i);
                if (dims[i] <= 0) throw new IdxFormatException(file, "dimension " + i + " is " + dims[i] + "; dimensions must be positive");
                if (values > Long.MAX_VALUE / dims[i]) { // more than any file holds; the size check below says so
                    values = Long.MAX_VALUE;
                    break;
                }
                values *= dims[i];
            }
            int valueBytes = type == TYPE_FLOAT ? 4 : 1;
            long declared = values > fileBytes ? -1 : values * valueBytes;
            long has = fileBytes - dataOffset;
            if (declared < 0 || has < declared) {
                throw new IdxFormatException(file, "truncated: the header declares " + java.util.Arrays.toString(dims) + " values of "
                        + valueBytes + " byte(s), the file has " + has + " bytes of data");
            }
            if (has > declared) {
                throw new IdxFormatException(file, "trailing data: the header declares " + declared + " bytes of data, the file has "
                        + has + " (" + (has - declared) + " extra bytes)");
            }
            if (images && values / dims[0] > Integer.MAX_VALUE / 4) {
                throw new IdxFormatException(file, "one sample of " + java.util.Arrays.toString(dims) + " holds more values than a batch buffer can");
            }
            return new Header(type, dims, valueBytes, dataOffset);
        }
    }
}
