package dev.splot.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.splot.testing.FuzzedFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Random and randomly damaged safetensors files: the reader either parses them consistently or
 * throws {@link CheckpointFormatException} — never another exception, never an
 * {@link OutOfMemoryError} or {@link StackOverflowError}.
 */
class SafeTensorsFuzzTest {
    /** Characters that matter to JSON and to the header's numbers, so mutations stay near-valid. */
    private static final String JSON_CHARS = "{}[]\":,0123456789- \\eE.tFu";
    private static final String[] TOKENS = {"9999999999", "2147483647", "-1", "0", "\"F16\"", "[]", "{}",
        "\"\"", "\"shape\"", "\"data_offsets\"", "\"dtype\"", "\"__metadata__\"", "[0,0]", "null", "[[[[",
        "99999999999999999999", "9223372036854775807", "-9223372036854775808", "1e3", "0.5", "-", "\\u12",
        "\\", "\"\\\"", "\u0000", "\u00e9", "\ud83d"};

    record Edit(int position, int kind, int choice) {
        String apply(String s) {
            int p = Math.floorMod(position, s.length() + 1);
            return switch (kind) {
                case 0 -> s.substring(0, p) + JSON_CHARS.charAt(Math.floorMod(choice, JSON_CHARS.length()))
                        + s.substring(Math.min(s.length(), p + 1)); // replace one char
                case 1 -> s.substring(0, p) + TOKENS[Math.floorMod(choice, TOKENS.length)] + s.substring(p);
                case 2 -> s.substring(0, p) + s.substring(Math.min(s.length(), p + 1 + Math.floorMod(choice, 8)));
                default -> s.substring(0, p); // truncate
            };
        }
    }

    record ByteEdit(int position, byte value, boolean truncate) {
        byte[] apply(byte[] b) {
            int p = Math.floorMod(position, b.length + 1);
            if (truncate) {
                return Arrays.copyOf(b, p);
            }
            if (p == b.length) {
                byte[] out = Arrays.copyOf(b, b.length + 1);
                out[p] = value;
                return out;
            }
            byte[] out = b.clone();
            out[p] = value;
            return out;
        }
    }

    @Provide
    Arbitrary<Edit> edit() {
        return Combinators.combine(Arbitraries.integers().between(0, 400), Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 1000)).as(Edit::new);
    }

    @Provide
    Arbitrary<ByteEdit> byteEdit() {
        Arbitrary<Integer> position = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 8)),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0, 2000)));
        return Combinators.combine(position, Arbitraries.bytes(), Arbitraries.of(true, false, false, false))
                .as(ByteEdit::new);
    }

    @Provide
    Arbitrary<List<NamedTensor>> tensors() {
        Arbitrary<NamedTensor> t = Combinators.combine(
                Arbitraries.strings().withChars("abc.\"\\é\n").ofMinLength(1).ofMaxLength(6),
                Arbitraries.integers().between(0, 4).list().ofMaxSize(3))
                .as((name, shape) -> {
                    int[] s = shape.stream().mapToInt(Integer::intValue).toArray();
                    int n = Arrays.stream(s).reduce(1, (a, c) -> a * c);
                    float[] d = new float[n];
                    for (int i = 0; i < n; i++) {
                        d[i] = i * 0.5f - 1;
                    }
                    return new NamedTensor(name, s, d);
                });
        return t.list().ofMaxSize(4).uniqueElements(NamedTensor::name);
    }

    @Property(tries = 300)
    void randomBytes(@ForAll @Size(max = 100) byte[] bytes) throws IOException {
        check(bytes);
    }

    @Property(tries = 300)
    void randomHeaderText(@ForAll("jsonish") String header, @ForAll @Size(max = 32) byte[] buffer)
            throws IOException {
        check(withHeader(header, buffer));
    }

    @Provide
    Arbitrary<String> jsonish() {
        return Arbitraries.strings().withChars(JSON_CHARS).ofMaxLength(60);
    }

    @Property(tries = 300)
    void editedHeaderOfAValidFile(@ForAll("tensors") List<NamedTensor> tensors,
            @ForAll @Size(min = 1, max = 3) List<@From("edit") Edit> edits) throws IOException {
        byte[] valid = bytesOf(tensors);
        int n = (int) ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(valid, 8, n, StandardCharsets.UTF_8);
        for (Edit e : edits) {
            header = e.apply(header);
        }
        check(withHeader(header, Arrays.copyOfRange(valid, 8 + n, valid.length)));
    }

    @Property(tries = 300)
    void byteMutatedValidFile(@ForAll("tensors") List<NamedTensor> tensors,
            @ForAll @Size(min = 1, max = 4) List<@From("byteEdit") ByteEdit> edits) throws IOException {
        byte[] b = bytesOf(tensors);
        for (ByteEdit e : edits) {
            b = e.apply(b);
        }
        check(b);
    }

    private static byte[] withHeader(String header, byte[] buffer) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + buffer.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).put(buffer).array();
    }

    /** A valid file built in memory (no fsync per try) from the writer's own header. */
    private static byte[] bytesOf(List<NamedTensor> tensors) {
        byte[] h = SafeTensors.header(tensors, Map.of("format", "pt"));
        int data = tensors.stream().mapToInt(t -> 4 * t.data().length).sum();
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        tensors.forEach(t -> {
            for (float v : t.data()) {
                b.putFloat(v);
            }
        });
        return b.array();
    }

    @Property(tries = 100)
    void validFilesReadBack(@ForAll("tensors") List<NamedTensor> tensors) throws IOException {
        Path f = Files.createTempFile("st-valid", ".safetensors");
        try {
            Files.write(f, bytesOf(tensors));
            assertEquals(names(tensors), names(SafeTensors.read(f).tensors()));
        } finally {
            Files.deleteIfExists(f);
        }
    }

    private static List<String> names(List<NamedTensor> ts) {
        List<String> out = new ArrayList<>();
        ts.forEach(t -> out.add(t.name() + Arrays.toString(t.shape()) + Arrays.toString(t.data())));
        return out;
    }

    private static void check(byte[] bytes) throws IOException {
        FuzzedFiles.readOrFailClearly(bytes, ".safetensors", CheckpointFormatException.class, f -> {
            SafeTensorsFile r = SafeTensors.read(f);
            long data = 0;
            for (NamedTensor t : r.tensors()) {
                data += 4L * t.data().length;
            }
            long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(bytes.length - 8 - n, data, "tensors must cover the data buffer exactly");
        });
    }
}
