package dev.splot.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes float32 checkpoints in the safetensors format (huggingface/safetensors), so
 * weights can be exchanged with PyTorch and other tools.
 *
 * <p>Layout: an 8-byte little-endian header length N; N bytes of UTF-8 JSON mapping each tensor
 * name to {@code {"dtype","shape","data_offsets":[begin,end]}} plus an optional
 * {@code "__metadata__"} object of strings; then the data buffer, little-endian, with offsets
 * relative to its start. Like the reference implementation, the reader demands that the tensors
 * cover the buffer exactly (no gaps, no overlaps, nothing after), and the writer pads the header
 * with spaces to a multiple of 8 so the buffer starts aligned.
 *
 * <p>The reader checks every declared size against the real file length before allocating, so a
 * damaged or hostile header fails with a {@link CheckpointFormatException} instead of an
 * {@link OutOfMemoryError}.
 */
public final class SafeTensors {
    /** The reference implementation's limit; a header this large is not a real checkpoint. */
    public static final long MAX_HEADER_BYTES = 100_000_000;
    static final String METADATA_KEY = "__metadata__";
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
    private static final int IO_CHUNK = 1 << 16;
    private static final String TEMPORARY_SUFFIX = ".tmp";
    /** A temporary not written for this long is a killed writer's (a live one writes every few milliseconds). */
    static final Duration STALE_TEMPORARY = Duration.ofMinutes(1);

    private SafeTensors() {}

    /**
     * Writes the tensors, in the given order and contiguous, with the metadata, atomically: the
     * data goes to a temporary file in the same directory, is forced to disk, and is then renamed
     * over {@code file}, so a crash never leaves a half-written checkpoint under the real name.
     * Temporaries of the same file that a killed writer left behind are removed first (see
     * {@link #removeStaleTemporaries}).
     *
     * @param file the file to write or replace
     * @param tensors the tensors, written as float32 in this order
     * @param metadata string entries for the header's {@code __metadata__}
     * @throws IOException if it cannot be written (the old file, if any, is then unchanged)
     */
    public static void write(Path file, List<NamedTensor> tensors, Map<String, String> metadata)
            throws IOException {
        byte[] header = header(tensors, metadata);
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        removeStaleTemporaries(abs);
        Path tmp = createTemporary(abs);
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                len.putLong(header.length).flip();
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(header));
                ByteBuffer buf = ByteBuffer.allocate(IO_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
                for (NamedTensor t : tensors) {
                    float[] d = t.data();
                    for (int i = 0; i < d.length; ) {
                        buf.clear();
                        int n = Math.min(d.length - i, IO_CHUNK / 4);
                        buf.asFloatBuffer().put(d, i, n);
                        buf.limit(4 * n);
                        writeFully(ch, buf);
                        i += n;
                    }
                }
                ch.force(true);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
            syncDirectory(dir);
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** The temporary that {@link #write} fills before renaming it over {@code abs}: ".NAME.<random>.tmp" beside it. */
    static Path createTemporary(Path abs) throws IOException {
        return Files.createTempFile(abs.getParent(), temporaryPrefix(abs), TEMPORARY_SUFFIX);
    }

    private static String temporaryPrefix(Path abs) {
        return "." + abs.getFileName() + ".";
    }

    /**
     * Deletes the temporaries of {@code abs} that were last written more than
     * {@link #STALE_TEMPORARY} ago: a writer killed mid-save leaves one (as large as the
     * checkpoint) that nothing else removes. A younger one may belong to a save running now in
     * another process, which writes it continuously, so it is left alone.
     */
    static void removeStaleTemporaries(Path abs) throws IOException {
        String prefix = temporaryPrefix(abs);
        FileTime before = FileTime.from(Instant.now().minus(STALE_TEMPORARY));
        try (DirectoryStream<Path> found = Files.newDirectoryStream(abs.getParent(), p -> {
            String name = p.getFileName().toString();
            return name.startsWith(prefix) && name.endsWith(TEMPORARY_SUFFIX)
                    && name.substring(prefix.length(), name.length() - TEMPORARY_SUFFIX.length()).matches("[0-9]+");
        })) {
            for (Path p : found) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && Files.getLastModifiedTime(p).compareTo(before) < 0) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Builds the padded JSON header; also validates names (unique, not the metadata key). */
    static byte[] header(List<NamedTensor> tensors, Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("{");
        if (metadata != null && !metadata.isEmpty()) {
            Json.quote(json, METADATA_KEY);
            json.append(":{");
            boolean first = true;
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                json.append(first ? "" : ",");
                first = false;
                Json.quote(json, e.getKey());
                json.append(':');
                Json.quote(json, e.getValue());
            }
            json.append('}');
        }
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (NamedTensor t : tensors) {
            if (t.name().equals(METADATA_KEY)) {
                throw new IllegalArgumentException("a tensor cannot be named " + METADATA_KEY);
            }
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("duplicate tensor name \"" + t.name() + "\"");
            }
            long end = offset + 4L * t.data().length;
            json.append(json.length() > 1 ? "," : "");
            Json.quote(json, t.name());
            json.append(":{\"dtype\":\"F32\",\"shape\":").append(Arrays.toString(t.shape()).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        json.append('}');
        byte[] utf8 = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (utf8.length + 7) / 8 * 8; // the reference pads with spaces to 8-byte alignment
        byte[] out = Arrays.copyOf(utf8, padded);
        Arrays.fill(out, utf8.length, padded, (byte) ' ');
        return out;
    }

    /**
     * Reads a safetensors file of float32 tensors.
     *
     * @throws CheckpointFormatException if the file is damaged or holds other dtypes; the message
     *     names the file and the problem
     * @param file the file to read
     * @return its metadata and tensors
     * @throws IOException if it cannot be read
     */
    public static SafeTensorsFile read(Path file) throws IOException {
        SafeTensorsHeader header = readHeader(file);
        List<NamedTensor> tensors = new ArrayList<>();
        for (String name : header.names()) tensors.add(new NamedTensor(name, header.shape(name), header.data(name)));
        return new SafeTensorsFile(header.metadata(), tensors);
    }

    /**
     * Reads and checks only the header of a safetensors file of float32 tensors: a caller can then
     * compare names and shapes with what it expects before any tensor data is read (a sparse file
     * of many gigabytes costs nothing until then).
     *
     * @param file the file to read
     * @return its checked header, which reads tensor data on request
     * @throws CheckpointFormatException as {@link #read}
     * @throws IOException if it cannot be read
     */
    public static SafeTensorsHeader readHeader(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw fail(file, "truncated: file has " + size
                        + " bytes, a safetensors file starts with an 8-byte header length");
            }
            ByteBuffer lenBuf = readExactly(file, ch, 0, 8).order(ByteOrder.LITTLE_ENDIAN);
            long n = lenBuf.getLong();
            if (n < 0 || n > MAX_HEADER_BYTES) {
                throw fail(file, "header length " + Long.toUnsignedString(n) + " is larger than the "
                        + MAX_HEADER_BYTES + "-byte limit");
            }
            if (8 + n > size) {
                throw fail(file, "truncated: header length " + n + " needs " + (8 + n)
                        + " bytes, file has " + size);
            }
            ByteBuffer headerBytes = readExactly(file, ch, 8, (int) n);
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(headerBytes).toString();
            } catch (CharacterCodingException e) {
                throw fail(file, "header is not valid UTF-8");
            }
            Object root;
            try {
                root = Json.parse(text);
            } catch (Json.ParseException e) {
                throw fail(file, "invalid JSON header: " + e.getMessage());
            }
            if (!(root instanceof Map<?, ?> map)) {
                throw fail(file, "JSON header must be an object, found " + kind(root));
            }
            long bufferStart = 8 + n;
            long bufferBytes = size - bufferStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = new ArrayList<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String name = (String) e.getKey();
                if (name.equals(METADATA_KEY)) {
                    metadata = metadata(file, e.getValue());
                } else {
                    entries.add(entry(file, name, e.getValue()));
                }
            }
            checkCoverage(file, entries, bufferBytes);
            return new SafeTensorsHeader(file, metadata, entries, bufferStart, size);
        }
    }

    /** Reads one tensor's data, checked by {@link #readHeader}; fails if the file changed size since. */
    static float[] readData(Path file, Entry t, long bufferStart, long fileSize) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() != fileSize) {
                throw fail(file, "the file changed while it was read (" + fileSize + " bytes, now " + ch.size() + ")");
            }
            float[] data = new float[(int) t.elements];
            readFloats(file, ch, bufferStart + t.begin, data);
            return data;
        }
    }

    /** A validated header entry. */
    record Entry(String name, int[] shape, long elements, long begin, long end) {}

    private static Map<String, String> metadata(Path file, Object value) throws CheckpointFormatException {
        if (!(value instanceof Map<?, ?> m)) {
            throw fail(file, METADATA_KEY + " must be an object of strings, found " + kind(value));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String v)) {
                throw fail(file, METADATA_KEY + " value of \"" + e.getKey() + "\" must be a string, found "
                        + kind(e.getValue()));
            }
            out.put((String) e.getKey(), v);
        }
        return out;
    }

    private static Entry entry(Path file, String name, Object value) throws CheckpointFormatException {
        String where = "tensor \"" + name + "\": ";
        if (!(value instanceof Map<?, ?> info)) {
            throw fail(file, where + "expected an object with dtype, shape and data_offsets, found " + kind(value));
        }
        for (Object key : info.keySet()) {
            if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
                throw fail(file, where + "unexpected key \"" + key + "\"");
            }
        }
        Object dtype = info.get("dtype");
        if (!(dtype instanceof String dt)) {
            throw fail(file, where + "dtype must be a string, found " + kind(dtype));
        }
        if (!dt.equals("F32")) {
            throw fail(file, where + "dtype " + dt + " not supported (only F32)");
        }
        Object shapeValue = info.get("shape");
        if (!(shapeValue instanceof List<?> dims)) {
            throw fail(file, where + "shape must be an array of integers, found " + kind(shapeValue));
        }
        int[] shape = new int[dims.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            Object d = dims.get(i);
            if (!(d instanceof Long v) || v < 0 || v > Integer.MAX_VALUE) {
                throw fail(file, where + "shape " + dims + ": dimension " + i
                        + " must be an integer in 0.." + Integer.MAX_VALUE);
            }
            shape[i] = (int) (long) v;
            elements = Math.min(elements * v, MAX_ARRAY + 1L); // capped: the product stays below 2^62
        }
        Object offsets = info.get("data_offsets");
        if (!(offsets instanceof List<?> o) || o.size() != 2 || !(o.get(0) instanceof Long begin)
                || !(o.get(1) instanceof Long end)) {
            throw fail(file, where + "data_offsets must be an array of two integers, found "
                    + (offsets == null ? "none" : offsets));
        }
        if (begin < 0 || end < begin) {
            throw fail(file, where + "data_offsets [" + begin + "," + end + "] must satisfy 0 <= begin <= end");
        }
        if (elements > MAX_ARRAY) {
            throw fail(file, where + "shape " + dims + " holds more than " + MAX_ARRAY
                    + " elements, more than a Java array holds");
        }
        if (elements * 4 != end - begin) {
            throw fail(file, where + "shape " + dims + " needs " + elements + " x 4 = " + elements * 4
                    + " bytes, data_offsets [" + begin + "," + end + "] span " + (end - begin));
        }
        return new Entry(name, shape, elements, begin, end);
    }

    /** The reference requires tensors to tile the buffer exactly; so do we (it also bounds every read). */
    private static void checkCoverage(Path file, List<Entry> entries, long bufferBytes)
            throws CheckpointFormatException {
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        for (Entry e : byOffset) {
            if (e.begin < at) {
                throw fail(file, "tensor \"" + e.name + "\": data_offsets [" + e.begin + "," + e.end
                        + "] overlap the previous tensor, which ends at " + at);
            }
            if (e.begin > at) {
                throw fail(file, "tensor \"" + e.name + "\": data_offsets [" + e.begin + "," + e.end
                        + "] leave a gap after byte " + at + " of the data buffer");
            }
            if (e.end > bufferBytes) {
                throw fail(file, "truncated: tensor \"" + e.name + "\" data_offsets [" + e.begin + ","
                        + e.end + "] run past the end of the " + bufferBytes + "-byte data buffer");
            }
            at = e.end;
        }
        if (at != bufferBytes) {
            throw fail(file, "trailing data: tensors cover " + at + " bytes, the data buffer has "
                    + bufferBytes);
        }
    }

    private static ByteBuffer readExactly(Path file, FileChannel ch, long position, int bytes)
            throws IOException {
        ByteBuffer b = ByteBuffer.allocate(bytes);
        while (b.hasRemaining()) {
            int r = ch.read(b, position + b.position());
            if (r < 0) {
                throw fail(file, "truncated: file ended at byte " + (position + b.position())
                        + " while reading " + bytes + " bytes at " + position);
            }
        }
        return b.flip();
    }

    /** Fills {@code data} from little-endian floats at {@code position}, in chunks (no second full-size copy). */
    private static void readFloats(Path file, FileChannel ch, long position, float[] data)
            throws IOException {
        for (int i = 0; i < data.length; ) {
            int n = Math.min(data.length - i, IO_CHUNK / 4);
            readExactly(file, ch, position + 4L * i, 4 * n).order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer().get(data, i, n);
            i += n;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Makes the rename durable; not every platform lets a directory be opened, so best effort. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // the data itself is already forced; only the rename's durability is left to the OS
        }
    }

    private static String kind(Object v) {
        if (v == null) {
            return "nothing";
        }
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof List) {
            return "an array";
        }
        if (v instanceof String s) {
            return "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
        }
        return "the number " + v;
    }

    private static CheckpointFormatException fail(Path file, String problem) {
        return new CheckpointFormatException(file, problem);
    }
}
