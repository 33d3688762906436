package dev.splot.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.Tiny;
import dev.splot.train.TrainingPosition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Damaged checkpoints whose safetensors layer is intact but whose splot metadata (architecture,
 * optimizer, position) is mutated: loading either succeeds or throws {@link CheckpointFormatException}
 * naming the file — never another exception, never a huge allocation — and leaves no tensor behind.
 * (Damage to the safetensors layer itself is {@link SafeTensorsFuzzTest}'s job.)
 */
class CheckpointFuzzTest {
    private static final String CHARS = "{}[]\":,0123456789- abcdefilnrstuyz_.";
    private static final String[] TOKENS = {"\"conv2d\"", "\"dense\"", "\"flatten\"", "\"max_pooling2d\"", "\"dropout\"",
        "\"relu\"", "\"lstm\"", "\"same\"", "\"valid\"", "\"0.5\"", "\"NaN\"", "\"-1\"", "\"1e40\"", "0", "-1", "1", "7",
        "2147483647", "99999999", "9223372036854775807", "[]", "{}", "[3,3]", "[1,1]", "[65535,65535]",
        "\"units\"", "\"filters\"", "\"kernel_size\"", "\"stride\"", "\"pool_size\"", "\"rate\"", "\"type\"", "\"input_shape\""};
    private static final String[] KEYS = {Checkpoint.KEY_FORMAT, Checkpoint.KEY_MODEL_SEED, Checkpoint.KEY_OPTIMIZER,
        Checkpoint.OPTIMIZER_SETTING_PREFIX + "lr", Checkpoint.OPTIMIZER_SETTING_PREFIX + "rho", Checkpoint.OPTIMIZER_SETTING_PREFIX + "eps", Checkpoint.KEY_EPOCHS_DONE, Checkpoint.KEY_STEP,
        Checkpoint.KEY_SEED, Checkpoint.KEY_BATCH_SIZE};
    private static final String[] VALUES = {"", "1", "0", "-1", "x", "NaN", "Infinity", "1e-7", "0.95", "adadelta", "sgd",
        "9223372036854775808", "2147483648", " 3", null};

    private static Map<String, String> metadata;
    private static List<NamedTensor> tensors;
    private static Path dir;

    @BeforeContainer
    static void saveOne() throws IOException {
        dir = Files.createTempDirectory("ckpt-fuzz");
        Path f = dir.resolve("valid.safetensors");
        try (Backend b = new JavaBackend(); Sequential m = Tiny.model(b, 1); AdaDelta opt = new AdaDelta()) {
            Checkpoint.save(f, m, opt, new TrainingPosition(2, 8, 1, 16));
        }
        SafeTensorsFile file = SafeTensors.read(f);
        metadata = file.metadata();
        tensors = file.tensors();
    }

    @AfterContainer
    static void clean() throws IOException {
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) Files.delete(p);
        }
        Files.delete(dir);
    }

    record Edit(int position, int kind, int choice) {
        String apply(String s) {
            int p = Math.floorMod(position, s.length() + 1);
            return switch (kind) {
                case 0 -> s.substring(0, p) + CHARS.charAt(Math.floorMod(choice, CHARS.length())) + s.substring(Math.min(s.length(), p + 1));
                case 1 -> s.substring(0, p) + TOKENS[Math.floorMod(choice, TOKENS.length)] + s.substring(p);
                case 2 -> s.substring(0, p) + TOKENS[Math.floorMod(choice, TOKENS.length)] + s.substring(Math.min(s.length(), p + 1 + choice % 6));
                default -> s.substring(0, p) + s.substring(Math.min(s.length(), p + 1 + Math.floorMod(choice, 12)));
            };
        }
    }

    @Provide
    Arbitrary<Edit> edit() {
        return Combinators.combine(Arbitraries.integers().between(0, 600), Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 1000)).as(Edit::new);
    }

    @Property(tries = 300)
    void mutatedArchitecture(@ForAll @Size(min = 1, max = 3) List<@From("edit") Edit> edits) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        String arch = meta.get(Checkpoint.KEY_ARCHITECTURE);
        for (Edit e : edits) arch = e.apply(arch);
        meta.put(Checkpoint.KEY_ARCHITECTURE, arch);
        check(meta, tensors);
    }

    @Property(tries = 200)
    void mutatedMetadataValues(@ForAll @Size(min = 1, max = 3) List<@From("keyValue") String[]> changes) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        for (String[] kv : changes) {
            if (kv[1] == null) meta.remove(kv[0]);
            else meta.put(kv[0], kv[1]);
        }
        check(meta, tensors);
    }

    @Provide
    Arbitrary<String[]> keyValue() {
        return Combinators.combine(Arbitraries.of(KEYS), Arbitraries.of(VALUES)).as((k, v) -> new String[] {k, v});
    }

    @Property(tries = 100)
    void droppedOrReshapedTensors(@ForAll @Size(min = 1, max = 2) List<@From("tensorChange") int[]> changes) throws IOException {
        List<NamedTensor> ts = new ArrayList<>(tensors);
        for (int[] c : changes) {
            int i = Math.floorMod(c[0], ts.size());
            NamedTensor t = ts.get(i);
            if (c[1] == 0) {
                ts.remove(i);
            } else { // same values, another shape: only the shape check can tell
                ts.set(i, new NamedTensor(t.name(), new int[] {t.data().length}, t.data()));
            }
            if (ts.isEmpty()) return;
        }
        check(metadata, ts);
    }

    @Provide
    Arbitrary<int[]> tensorChange() {
        return Combinators.combine(Arbitraries.integers().between(0, 100), Arbitraries.integers().between(0, 1))
                .as((a, b) -> new int[] {a, b});
    }

    private static void check(Map<String, String> meta, List<NamedTensor> ts) throws IOException {
        Path f = dir.resolve("fuzz.safetensors");
        Files.write(f, bytes(meta, ts));
        try (Backend b = new JavaBackend()) {
            try (Checkpoint c = Checkpoint.load(f, b)) {
                c.model().parameters(); // loaded: a consistent model
            } catch (CheckpointFormatException expected) {
                if (!expected.getMessage().startsWith(f + ": ")) fail("message does not name the file: " + expected.getMessage());
            } catch (Throwable t) {
                fail("unexpected " + t + " for metadata " + meta, t);
            }
            assertEquals(0, b.liveTensors(), "tensors left behind for metadata " + meta);
        }
    }

    /** The file in memory, through the writer's own header (no fsync per try). */
    private static byte[] bytes(Map<String, String> meta, List<NamedTensor> ts) {
        byte[] h = SafeTensors.header(ts, meta);
        int data = ts.stream().mapToInt(t -> 4 * t.data().length).sum();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + h.length + data).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        for (NamedTensor t : ts) for (float v : t.data()) b.putFloat(v);
        return b.array();
    }
}
