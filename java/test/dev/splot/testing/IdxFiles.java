package dev.splot.testing;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Writes uncompressed IDX files for tests of the readers. */
public final class IdxFiles {
    private IdxFiles() {}

    /** An unsigned-byte IDX file of the given dimensions holding {@code data}. */
    public static Path writeBytes(Path file, byte[] data, int... dims) throws IOException {
        try (DataOutputStream out = open(file, 0x08, dims)) {
            out.write(data);
        }
        return file;
    }

    /** A float32 IDX file of the given dimensions holding {@code data}. */
    public static Path writeFloats(Path file, float[] data, int... dims) throws IOException {
        try (DataOutputStream out = open(file, 0x0D, dims)) {
            for (float v : data) out.writeFloat(v);
        }
        return file;
    }

    /**
     * {@code count} random 1 x side x side unsigned-byte images and their labels (below {@code classes}),
     * written sample by sample (never held in memory at once, so the files may be larger than the heap).
     */
    public static void writeRandomImages(Path images, Path labels, int count, int side, int classes, long seed) throws IOException {
        Random r = new Random(seed);
        byte[] sample = new byte[side * side];
        try (DataOutputStream x = open(images, 0x08, new int[] {count, side, side});
             DataOutputStream y = open(labels, 0x08, new int[] {count})) {
            for (int i = 0; i < count; i++) {
                r.nextBytes(sample);
                x.write(sample);
                y.writeByte(r.nextInt(classes));
            }
        }
    }

    private static DataOutputStream open(Path file, int type, int[] dims) throws IOException {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
        out.writeInt((type << 8) | dims.length);
        for (int d : dims) out.writeInt(d);
        return out;
    }
}
