package dev.splot.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** safetensors: round trips, byte-exact agreement with the spec, and one clear error per kind of damage. */
class SafeTensorsTest {
    @TempDir
    Path dir;

    /** Builds a file the way the spec describes: u64 LE header length, header, buffer of LE floats. */
    static byte[] file(String header, float... data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        for (float f : data) {
            b.putFloat(f);
        }
        return b.array();
    }

    Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    String fails(byte[] bytes) throws IOException {
        Path f = write("bad.safetensors", bytes);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> SafeTensors.read(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        assertEquals(f, e.file());
        return e.problem();
    }

    static void assertContains(String expected, String actual) {
        assertTrue(actual.contains(expected), () -> "expected \"" + expected + "\" in: " + actual);
    }

    static float[] ramp(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) Math.sin(i) * 1e3f + i;
        }
        return f;
    }

    @Test
    void roundTripKeepsOrderShapesValuesAndMetadata() throws IOException {
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, -0f, Float.MIN_VALUE, -Float.MAX_VALUE};
        List<NamedTensor> ts = List.of(
                new NamedTensor("conv1.weight", new int[] {32, 1, 3, 3}, ramp(288)),
                new NamedTensor("conv1.bias", new int[] {32}, ramp(32)),
                new NamedTensor("scalar", new int[] {}, new float[] {42f}),
                new NamedTensor("empty", new int[] {0, 5}, new float[0]),
                new NamedTensor("special \"ünïcode\"\n", new int[] {5}, special),
                new NamedTensor("big", new int[] {3, 10000}, ramp(30000)));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("note", "quote \" backslash \\ tab \t é");
        Path f = dir.resolve("model.safetensors");
        SafeTensors.write(f, ts, meta);
        SafeTensorsFile r = SafeTensors.read(f);
        assertEquals(meta, r.metadata());
        assertEquals(ts.size(), r.tensors().size());
        for (int i = 0; i < ts.size(); i++) {
            NamedTensor a = ts.get(i), b = r.tensors().get(i);
            assertEquals(a.name(), b.name());
            assertArrayEquals(a.shape(), b.shape());
            assertArrayEquals(a.data(), b.data()); // bitwise via Float.equals semantics, NaN included
        }
        assertEquals(-0f, r.tensor("special \"ünïcode\"\n").data()[2]);
        // header padded to a multiple of 8, so the buffer is aligned
        long n = ByteBuffer.wrap(Files.readAllBytes(f), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(f), left.toList(), "no temporary files left behind");
        }
    }

    @Test
    void overwritesAtomicallyAndRejectsBadArguments() throws IOException {
        Path f = dir.resolve("m.safetensors");
        SafeTensors.write(f, List.of(new NamedTensor("a", new int[] {1}, new float[] {1})), Map.of());
        SafeTensors.write(f, List.of(new NamedTensor("a", new int[] {2}, new float[] {2, 3})), Map.of());
        assertArrayEquals(new float[] {2, 3}, SafeTensors.read(f).tensor("a").data());
        NamedTensor a = new NamedTensor("a", new int[] {1}, new float[] {1});
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(f, List.of(a, a), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(f,
                List.of(new NamedTensor("__metadata__", new int[] {1}, new float[1])), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new NamedTensor("x", new int[] {2, 3}, new float[5]));
        // a failed write leaves the previous file intact
        assertArrayEquals(new float[] {2, 3}, SafeTensors.read(f).tensor("a").data());
    }

    @Test
    void writerMatchesTheSpecByteForByte() throws IOException {
        // what huggingface/safetensors writes for {"a": [1, 2], "b": [[3], [4]]} without metadata
        String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2,1],\"data_offsets\":[8,16]}}";
        String padded = json + " ".repeat((8 - json.length() % 8) % 8);
        byte[] expected = file(padded, 1, 2, 3, 4);
        Path f = dir.resolve("w.safetensors");
        SafeTensors.write(f, List.of(new NamedTensor("a", new int[] {2}, new float[] {1, 2}),
                new NamedTensor("b", new int[] {2, 1}, new float[] {3, 4})), Map.of());
        assertArrayEquals(expected, Files.readAllBytes(f));
    }

    @Test
    void readsHandMadeFileWithWhitespaceAndOutOfOrderOffsets() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        String h = " { \"__metadata__\" : {\"k\":\"v\\u00e9\\n\"},\n"
                + "  \"second\": {\"data_offsets\": [8, 12], \"shape\": [1], \"dtype\": \"F32\"},\n"
                + "  \"first\" : {\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]} }   ";
        bytes.write(file(h, 1.5f, -2f, 7f));
        SafeTensorsFile r = SafeTensors.read(write("h.safetensors", bytes.toByteArray()));
        assertEquals(Map.of("k", "vé\n"), r.metadata());
        assertEquals(List.of("second", "first"), r.tensors().stream().map(NamedTensor::name).toList());
        assertArrayEquals(new float[] {7f}, r.tensor("second").data());
        assertArrayEquals(new float[] {1.5f, -2f}, r.tensor("first").data());
        assertArrayEquals(new int[] {1, 2}, r.tensor("first").shape());
    }

    static final String ONE = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    @Test
    void truncatedFiles() throws IOException {
        byte[] good = file(ONE, 1, 2);
        assertContains("truncated: file has 0 bytes", fails(new byte[0]));
        assertContains("truncated: file has 5 bytes", fails(Arrays.copyOf(good, 5)));
        assertContains("truncated: header length " + ONE.length() + " needs", fails(Arrays.copyOf(good, 20)));
        assertContains("truncated: tensor \"a\" data_offsets [0,8] run past the end of the 4-byte data buffer",
                fails(Arrays.copyOf(good, good.length - 4)));
    }

    @Test
    void headerLengthLargerThanFileOrLimit() throws IOException {
        byte[] b = file(ONE, 1, 2);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1000);
        assertContains("header length 1000 needs 1008 bytes, file has " + b.length, fails(b));
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        assertContains("header length 1099511627776 is larger than the 100000000-byte limit", fails(b));
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1);
        assertContains("header length 18446744073709551615 is larger", fails(b));
    }

    @Test
    void headerLiesAboutOffsetsOrSizes() throws IOException {
        assertContains("tensor \"a\": shape [3] needs 3 x 4 = 12 bytes, data_offsets [0,8] span 8",
                fails(file(ONE.replace("[2]", "[3]"), 1, 2)));
        assertContains("data_offsets [0,12] run past the end of the 8-byte data buffer",
                fails(file(ONE.replace("[2]", "[3]").replace("[0,8]", "[0,12]"), 1, 2)));
        assertContains("leave a gap after byte 0",
                fails(file(ONE.replace("[0,8]", "[4,12]"), 1, 2, 3)));
        assertContains("trailing data: tensors cover 8 bytes, the data buffer has 12",
                fails(file(ONE, 1, 2, 3)));
        assertContains("must satisfy 0 <= begin <= end", fails(file(ONE.replace("[0,8]", "[8,0]"), 1, 2)));
        String two = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertContains("tensor \"b\": data_offsets [4,12] overlap the previous tensor, which ends at 8",
                fails(file(two, 1, 2, 3)));
        assertContains("data_offsets must be an array of two integers",
                fails(file(ONE.replace("[0,8]", "[0]"), 1, 2)));
        assertContains("dimension 0 must be an integer", fails(file(ONE.replace("[2]", "[-2]"), 1, 2)));
    }

    @Test
    void hugeDeclaredSizesRejectedBeforeAllocating() throws IOException {
        String h = ONE.replace("[2]", "[2147483647,2147483647]").replace("[0,8]", "[0,9223372036854775807]");
        assertContains("holds more than 2147483639 elements", fails(file(h, 1, 2)));
        // a size a Java array could hold, but the file is tiny: caught by the buffer check, no 4 GB allocation
        String g = ONE.replace("[2]", "[1000000000]").replace("[0,8]", "[0,4000000000]");
        assertContains("run past the end of the 8-byte data buffer", fails(file(g, 1, 2)));
        assertContains("does not fit in 64 bits", fails(file(ONE.replace("[0,8]", "[0,99999999999999999999]"), 1, 2)));
    }

    @Test
    void unsupportedDtypeNamesTensorAndType() throws IOException {
        assertEquals("tensor \"a\": dtype F16 not supported (only F32)",
                fails(file(ONE.replace("F32", "F16"), 1, 2)));
        assertContains("dtype must be a string", fails(file(ONE.replace("\"F32\"", "32"), 1, 2)));
    }

    @Test
    void invalidJson() throws IOException {
        assertContains("invalid JSON header: empty JSON", fails(file("        ")));
        assertContains("invalid JSON header", fails(file(ONE.substring(0, ONE.length() - 1), 1, 2)));
        assertContains("unexpected 'x' after the end", fails(file(ONE + "x", 1, 2)));
        assertContains("only objects, arrays, strings and integers", fails(file(ONE.replace("[2]", "[true]"), 1, 2)));
        assertContains("only integers are allowed", fails(file(ONE.replace("[2]", "[2.0]"), 1, 2)));
        assertContains("duplicate key \"a\"", fails(file("{\"a\":{},\"a\":{}}")));
        assertContains("invalid escape \\x", fails(file("{\"a\\x\":{}}")));
        assertContains("unterminated string", fails(file("{\"abc")));
        assertContains("nesting deeper than 64", fails(file("[".repeat(10000))));
        assertContains("JSON header must be an object, found an array", fails(file("[]")));
        assertContains("must be an object of strings", fails(file("{\"__metadata__\":[]}")));
        assertContains("value of \"k\" must be a string, found the number 1", fails(file("{\"__metadata__\":{\"k\":1}}")));
        assertContains("unexpected key \"extra\"", fails(file(ONE.replace("\"dtype\"", "\"extra\":1,\"dtype\""), 1, 2)));
        byte[] notUtf8 = file("{\"\u00ff\":{}}");
        notUtf8[10] = (byte) 0xFF;
        assertContains("header is not valid UTF-8", fails(notUtf8));
    }

    @Test
    void emptyCheckpoint() throws IOException {
        Path f = dir.resolve("e.safetensors");
        SafeTensors.write(f, List.of(), Map.of());
        SafeTensorsFile r = SafeTensors.read(f);
        assertTrue(r.tensors().isEmpty());
        assertTrue(r.metadata().isEmpty());
        assertEquals(16, Files.size(f)); // "{}" padded to 8
    }
}
