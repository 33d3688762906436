package dev.splot.testing;

import dev.splot.io.Checkpoint;
import dev.splot.io.NamedTensor;
import dev.splot.io.SafeTensors;
import dev.splot.io.SafeTensorsFile;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;

/** Generators of damaged and hostile files: checkpoints, pictures and IDX files that declare more than they hold. */
public final class HostileFiles {
    private HostileFiles() {}

    /** A checkpoint with no tensors whose metadata declares {@code architecture}. */
    public static Path checkpointWithArchitecture(Path file, String architecture) throws IOException {
        SafeTensors.write(file, List.of(), Map.of(Checkpoint.KEY_FORMAT, Checkpoint.FORMAT_VERSION, Checkpoint.KEY_ARCHITECTURE,
                architecture));
        return file;
    }

    /** A copy of {@code src} with {@code value} at {@code index} of tensor {@code name}. */
    public static Path withValue(Path src, Path dst, String name, int index, float value) throws IOException {
        SafeTensorsFile f = SafeTensors.read(src);
        List<NamedTensor> tensors = new ArrayList<>();
        for (NamedTensor t : f.tensors()) {
            float[] d = t.data().clone();
            if (t.name().equals(name)) d[index] = value;
            tensors.add(new NamedTensor(t.name(), t.shape(), d));
        }
        SafeTensors.write(dst, tensors, f.metadata());
        return dst;
    }

    /** A copy of {@code src} with metadata entries replaced (a null value removes the key). */
    public static Path withMetadata(Path src, Path dst, Map<String, String> changes) throws IOException {
        SafeTensorsFile f = SafeTensors.read(src);
        Map<String, String> meta = new LinkedHashMap<>(f.metadata());
        changes.forEach((k, v) -> {
            if (v == null) meta.remove(k);
            else meta.put(k, v);
        });
        SafeTensors.write(dst, f.tensors(), meta);
        return dst;
    }

    /**
     * A copy of {@code src} with one more tensor of {@code floats} values at the end, stored as a
     * sparse hole: the file is gigabytes long but costs no disk, and a reader that reads every
     * tensor before checking names would allocate all of it.
     */
    public static Path withSparseTensor(Path src, Path dst, String name, long floats) throws IOException {
        SafeTensorsFile f = SafeTensors.read(src);
        StringBuilder json = new StringBuilder("{\"__metadata__\":{");
        boolean first = true;
        for (Map.Entry<String, String> e : f.metadata().entrySet()) {
            json.append(first ? "" : ",").append(quote(e.getKey())).append(':').append(quote(e.getValue()));
            first = false;
        }
        json.append('}');
        long offset = 0;
        for (NamedTensor t : f.tensors()) {
            offset = entry(json, t.name(), shape(t.shape()), offset, 4L * t.data().length);
        }
        long end = entry(json, name, "[" + floats + "]", offset, 4L * floats);
        byte[] header = json.append('}').toString().getBytes(StandardCharsets.UTF_8);
        try (RandomAccessFile out = new RandomAccessFile(dst.toFile(), "rw")) {
            ByteBuffer b = ByteBuffer.allocate(8 + header.length + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(header.length).put(header);
            for (NamedTensor t : f.tensors()) for (float v : t.data()) b.putFloat(v);
            out.write(b.array());
            out.setLength(8 + header.length + end); // the new tensor's data: a hole
        }
        return dst;
    }

    private static long entry(StringBuilder json, String name, String shape, long begin, long bytes) {
        json.append(',').append(quote(name)).append(":{\"dtype\":\"F32\",\"shape\":").append(shape)
                .append(",\"data_offsets\":[").append(begin).append(',').append(begin + bytes).append("]}");
        return begin + bytes;
    }

    private static String shape(int[] s) {
        return java.util.Arrays.toString(s).replace(" ", "");
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** A PNG whose header declares width x height; its single row of data is all it holds. */
    public static Path pngDeclaring(Path file, int width, int height) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 0) // 8-bit grey
                .put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(png, "IHDR", ihdr.array());
        chunk(png, "IDAT", new byte[] {0x78, (byte) 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01}); // one zero byte, zlib
        chunk(png, "IEND", new byte[0]);
        Files.write(file, png.toByteArray());
        return file;
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(data.length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        d.write(t);
        d.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        d.writeInt((int) crc.getValue());
    }

    /** A small BMP (or GIF) written by ImageIO whose header is then patched to declare width x height. */
    public static Path declaring(Path file, String format, int width, int height) throws IOException {
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        ImageIO.write(img, format, file.toFile());
        byte[] b = Files.readAllBytes(file);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        switch (format) {
            case "bmp" -> bb.putInt(18, width).putInt(22, height); // BITMAPINFOHEADER biWidth, biHeight
            case "gif" -> { // logical screen and first image descriptor: 16-bit little-endian sizes
                bb.putShort(6, (short) width).putShort(8, (short) height);
                int at = 13 + ((b[10] & 0x80) != 0 ? 3 * (1 << ((b[10] & 7) + 1)) : 0);
                while (b[at] == 0x21) { // skip extension blocks
                    at += 2;
                    while (b[at] != 0) at += (b[at] & 0xFF) + 1;
                    at++;
                }
                bb.putShort(at + 5, (short) width).putShort(at + 7, (short) height);
            }
            default -> throw new IllegalArgumentException(format);
        }
        Files.write(file, b);
        return file;
    }

    /**
     * A gzipped unsigned-byte IDX file with the header {@code dims} followed by all the zero bytes it
     * declares: it compresses about 1000:1, so a small file really decompresses to that much.
     */
    public static Path gzipIdx(Path file, int... dims) throws IOException {
        long bytes = 1;
        for (int d : dims) bytes *= d;
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(file), 1 << 16))) {
            out.writeInt(0x800 | dims.length);
            for (int d : dims) out.writeInt(d);
            byte[] zeros = new byte[1 << 16];
            for (long left = bytes; left > 0; left -= zeros.length) out.write(zeros, 0, (int) Math.min(zeros.length, left));
        }
        return file;
    }
}
