package dev.splot.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.HostileFiles;
import dev.splot.testing.RequiredBackends;
import dev.splot.testing.Tiny;
import dev.splot.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile checkpoints on every backend (the upload and allocation paths differ): absurd
 * architectures are refused before any backend work, within seconds; NaN and infinity in weights,
 * optimizer state or settings are refused naming the tensor and index; a diverged model is never
 * saved; a killed save's temporaries are cleaned up.
 */
class HostileCheckpointTest {
    /** A refusal must take well under this; the native 1x3,000,000 kernel used to run for minutes. */
    static final Duration LIMIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    static Backend open(String name) {
        return name.equals("java") ? new JavaBackend() : RequiredBackends.open(name);
    }

    static String arch(String input, String layers) {
        return "{\"input_shape\":" + input + ",\"layers\":[" + layers + ",{\"type\":\"flatten\"},{\"type\":\"dense\",\"units\":10}]}";
    }

    static String conv(int filters, int kh, int kw, int stride, String padding) {
        return "{\"type\":\"conv2d\",\"filters\":" + filters + ",\"kernel_size\":[" + kh + "," + kw + "],\"stride\":" + stride
                + ",\"padding\":\"" + padding + "\"}";
    }

    /** Architecture -> the start of the refusal. Each would allocate gigabytes, overflow an int, or run for minutes. */
    static final Map<String, String> ABSURD = Map.of(
            arch("[1,28,28]", conv(32, 1, 3_000_000, 1, "same")), "parts of the 1x3000000 kernel never overlap the input",
            arch("[1,28,28]", conv(32, 3_000_000, 1, 1, "valid")), "smaller than the kernel 3000000x1",
            arch("[1,40000,40000]", conv(32, 3, 3, 1, "valid")), "the model input (1, 40000, 40000) holds 1600000000 values",
            arch("[1,28,28]", conv(32, 3, 3, 2147483647, "same")), "stride 2147483647 is larger than its 28x28 input",
            arch("[1,28,28]", "{\"type\":\"max_pooling2d\",\"pool_size\":2,\"stride\":2147483647}"), "stride 2147483647",
            arch("[256,64,64]", conv(4096, 7, 7, 1, "same")), "multiply-adds per sample, more than the limit of 10000000000",
            arch("[1,4096,4096]", conv(1, 9, 9, 1, "same")), "its im2col matrix of one sample (81 x 16777216) would hold",
            arch("[1,1024,1024]", conv(300, 1, 1, 1, "valid")), "its output (300, 1024, 1024) of one sample would hold 314572800");

    @ParameterizedTest
    @ValueSource(strings = {"java", "native", "opencl"})
    void absurdArchitecturesAreRefusedBeforeAnyBackendWork(String backendName) throws IOException {
        try (Backend backend = open(backendName)) {
            int i = 0;
            for (Map.Entry<String, String> e : ABSURD.entrySet()) {
                Path file = HostileFiles.checkpointWithArchitecture(dir.resolve("absurd-" + i++ + ".safetensors"), e.getKey());
                CheckpointFormatException x = assertTimeoutPreemptively(LIMIT,
                        () -> assertThrows(CheckpointFormatException.class, () -> Checkpoint.load(file, backend).close()));
                assertTrue(x.getMessage().contains(e.getValue()), () -> "expected \"" + e.getValue() + "\" in: " + x.getMessage());
                assertEquals(0, backend.liveTensors(), "nothing allocated for " + e.getKey());
            }
        }
    }

    /** A trained Tiny checkpoint with optimizer state and position. */
    Path trained() throws IOException {
        Path file = dir.resolve("good.safetensors");
        try (Backend b = new JavaBackend(); Sequential m = Tiny.model(b, 4); AdaDelta opt = new AdaDelta()) {
            Trainer t = new Trainer(m, opt, 8, 4);
            t.fit(Tiny.data(32, 1), null, 1, null);
            Checkpoint.save(file, m, opt, t.position());
        }
        return file;
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "native", "opencl"})
    void nonFiniteWeightsAndStateAreRefusedNamingTensorAndIndex(String backendName) throws IOException {
        Path good = trained();
        Object[][] cases = {
            {"conv2d.weight", 5, Float.NaN}, {"dense_1.bias", 2, Float.POSITIVE_INFINITY},
            {"dense.weight.adadelta_accumulated_grad", 7, Float.NEGATIVE_INFINITY},
            {"conv2d_1.bias.adadelta_accumulated_delta", 0, Float.NaN}};
        try (Backend backend = open(backendName)) {
            for (Object[] c : cases) {
                String name = (String) c[0];
                Path bad = HostileFiles.withValue(good, dir.resolve("bad.safetensors"), name, (int) c[1], (float) c[2]);
                CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.load(bad, backend).close());
                assertTrue(e.getMessage().contains("tensor \"" + name + "\" holds " + c[2] + " at index " + c[1]), e.getMessage());
                assertEquals(0, backend.liveTensors());
            }
        }
    }

    @Test
    void optimizerSettingsMustBeFiniteAndInRange() throws IOException {
        Path good = trained();
        String[][] cases = {{Checkpoint.OPTIMIZER_SETTING_PREFIX + "lr", "Infinity"}, {Checkpoint.OPTIMIZER_SETTING_PREFIX + "lr", "NaN"}, {Checkpoint.OPTIMIZER_SETTING_PREFIX + "eps", "Infinity"},
            {Checkpoint.OPTIMIZER_SETTING_PREFIX + "rho", "1.0"}, {Checkpoint.OPTIMIZER_SETTING_PREFIX + "rho", "NaN"}, {Checkpoint.OPTIMIZER_SETTING_PREFIX + "eps", "0"}};
        try (Backend backend = new JavaBackend()) {
            for (String[] c : cases) {
                Path bad = HostileFiles.withMetadata(good, dir.resolve("bad.safetensors"), Map.of(c[0], c[1]));
                CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.load(bad, backend).close(),
                        c[0] + " " + c[1]);
                assertTrue(e.getMessage().contains("AdaDelta needs lr > 0, 0 <= rho < 1, eps > 0, all finite"), e.getMessage());
            }
        }
    }

    @Test
    void aDivergedModelIsNeverSaved() throws IOException {
        Path file = dir.resolve("diverged.safetensors");
        try (Backend b = new JavaBackend(); Sequential m = Tiny.model(b, 4)) {
            float[] w = m.parameters().get(2).value().toFloatArray();
            w[3] = Float.NaN;
            b.upload(m.parameters().get(2).value(), w);
            IOException e = assertThrows(IOException.class, () -> Checkpoint.save(file, m, null, null));
            assertTrue(e.getMessage().contains("not saved: tensor \"conv2d_1.weight\" holds NaN at index 3"), e.getMessage());
        }
        assertFalse(Files.exists(file));
    }

    /** Names and shapes are checked from the header: a sparse 4 GB tensor is never read (the heap is far smaller). */
    @Test
    void anUnexpectedHugeTensorIsRefusedBeforeAnyDataIsRead() throws IOException {
        Path sparse = HostileFiles.withSparseTensor(trained(), dir.resolve("sparse.safetensors"), "evil", 1_000_000_000L);
        assertTrue(Files.size(sparse) > 4_000_000_000L);
        try (Backend backend = new JavaBackend()) {
            CheckpointFormatException e = assertTimeoutPreemptively(LIMIT,
                    () -> assertThrows(CheckpointFormatException.class, () -> Checkpoint.load(sparse, backend).close()));
            assertTrue(e.getMessage().contains("unexpected tensor \"evil\""), e.getMessage());
        }
    }

    @Test
    void staleTemporariesOfTheSameTargetAreRemovedOnTheNextSave() throws IOException {
        Path target = dir.resolve("m.safetensors");
        Path stale = Files.writeString(dir.resolve(".m.safetensors.1234567890.tmp"), "left by a killed save");
        Path young = Files.writeString(dir.resolve(".m.safetensors.987.tmp"), "a save running now");
        Path other = Files.writeString(dir.resolve(".n.safetensors.555.tmp"), "another target's");
        Path lookalike = Files.writeString(dir.resolve(".m.safetensors.backup.tmp"), "not a temporary's name");
        FileTime old = FileTime.from(Instant.now().minus(SafeTensors.STALE_TEMPORARY).minusSeconds(5));
        for (Path p : new Path[] {stale, other, lookalike}) Files.setLastModifiedTime(p, old);
        Map<String, String> meta = new HashMap<>(Map.of("k", "v"));
        SafeTensors.write(target, java.util.List.of(new NamedTensor("t", new int[] {1}, new float[] {1})), meta);
        assertFalse(Files.exists(stale), "a stale temporary of the target is removed");
        assertTrue(Files.exists(young), "a temporary written in the last minute may be a live save's: kept");
        assertTrue(Files.exists(other) && Files.exists(lookalike), "other files are kept");
    }
}
