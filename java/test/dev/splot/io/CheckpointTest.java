package dev.splot.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import dev.splot.data.Dataset;
import dev.splot.nn.Conv2D;
import dev.splot.nn.Dense;
import dev.splot.nn.Flatten;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.Tiny;
import dev.splot.train.Trainer;
import dev.splot.train.TrainingPosition;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints: exact resume, identical predictions after a reload, and one clear error per kind of mismatch. */
class CheckpointTest {
    static final int SEED = 7;
    static final int BATCH = 24; // 64 images: two full batches and one of 16, so the partial batch is exercised too

    @TempDir
    Path dir;

    final Backend backend = new JavaBackend();

    @AfterEach
    void noLeaks() {
        assertEquals(0, backend.liveTensors(), "every test closes what it made, also when loading fails");
        backend.close();
    }

    static Sequential tinyModel(Backend backend, long seed) {
        return Tiny.model(backend, seed);
    }

    static Dataset tinyData(int n, long seed) {
        return Tiny.data(n, seed);
    }

    static Map<String, float[]> weights(Sequential m) {
        return Tiny.weights(m);
    }

    static void assertSameWeights(Map<String, float[]> expected, Map<String, float[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) assertArrayEquals(expected.get(k), actual.get(k), k); // exact: float equality
    }

    @Test
    void resumeAfterOneEpochGivesBitIdenticalWeightsAndOptimizerState() throws IOException {
        Dataset train = tinyData(64, 1);
        Map<String, float[]> afterOne;
        Map<String, float[]> uninterrupted;
        Map<String, float[]> uninterruptedState = new LinkedHashMap<>();
        try (Sequential m = tinyModel(backend, SEED); AdaDelta opt = new AdaDelta()) {
            Trainer t = new Trainer(m, opt, BATCH, SEED);
            t.fit(train, null, 1, null);
            afterOne = weights(m);
            t.fit(train, null, 2, null);
            uninterrupted = weights(m);
            opt.state(m.parameters()).forEach((k, v) -> uninterruptedState.put(k, v.toFloatArray()));
        }
        Path file = dir.resolve("epoch-1.safetensors");
        try (Sequential m = tinyModel(backend, SEED); AdaDelta opt = new AdaDelta()) {
            Trainer t = new Trainer(m, opt, BATCH, SEED);
            t.fit(train, null, 1, null);
            Checkpoint.save(file, m, opt, t.position());
        }
        try (Backend fresh = new JavaBackend(); Checkpoint c = Checkpoint.load(file, fresh)) {
            assertEquals(new TrainingPosition(1, 3, SEED, BATCH, train.name(), 64), c.position());
            assertSameWeights(afterOne, weights(c.model()));
            Trainer t = new Trainer(c.model(), c.optimizer(), BATCH, SEED);
            t.resumeAt(c.position());
            t.fit(train, null, 2, null);
            assertEquals(6, t.step());
            assertSameWeights(uninterrupted, weights(c.model()));
            Map<String, float[]> state = new LinkedHashMap<>();
            c.optimizer().state(c.model().parameters()).forEach((k, v) -> state.put(k, v.toFloatArray()));
            assertSameWeights(uninterruptedState, state);
        }
        // the comparison can fail: the second epoch changes the weights, and resuming without the
        // optimizer state (a fresh AdaDelta) gives other weights than the uninterrupted run
        assertFalse(java.util.Arrays.equals(afterOne.get("dense.weight"), uninterrupted.get("dense.weight")));
        try (Sequential m = tinyModel(backend, SEED); AdaDelta fresh = new AdaDelta()) {
            Checkpoint.loadWeights(file, m);
            Trainer t = new Trainer(m, fresh, BATCH, SEED);
            t.resumeAt(1, 3);
            t.fit(train, null, 2, null);
            assertFalse(java.util.Arrays.equals(uninterrupted.get("dense.weight"), weights(m).get("dense.weight")));
        }
    }

    @Test
    void resumeRefusesAnotherSeedOrBatchSize() {
        try (Sequential m = tinyModel(backend, SEED); AdaDelta opt = new AdaDelta()) {
            Trainer t = new Trainer(m, opt, BATCH, SEED);
            var e = assertThrows(IllegalArgumentException.class, () -> t.resumeAt(new TrainingPosition(1, 3, SEED, 32)));
            assertTrue(e.getMessage().contains("batch size 32"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> t.resumeAt(new TrainingPosition(1, 3, SEED + 1, BATCH)));
        }
    }

    @Test
    void saveLoadGivesIdenticalPredictionsArchitectureAndSettings() throws IOException {
        Dataset data = tinyData(10, 2);
        Path file = dir.resolve("model.safetensors");
        float[] before;
        String arch, summary;
        try (Sequential m = tinyModel(backend, SEED); AdaDelta opt = new AdaDelta(0.5f, 0.9f, 1e-6f)) {
            new Trainer(m, opt, 5, SEED).fit(data, null, 1, null);
            before = m.predict(data.images(), 10, 4);
            arch = Architecture.describe(m);
            summary = m.summary();
            Checkpoint.save(file, m, opt, null);
        }
        try (Checkpoint c = Checkpoint.load(file, backend)) {
            assertArrayEquals(before, c.model().predict(data.images(), 10, 4));
            assertEquals(arch, Architecture.describe(c.model()));
            assertEquals(summary, c.model().summary());
            assertEquals(SEED, c.model().seed());
            AdaDelta restored = assertInstanceOf(AdaDelta.class, c.optimizer(), "the type saved is the type restored");
            assertEquals(0.5f, restored.learningRate());
            assertEquals(0.9f, restored.rho());
            assertEquals(1e-6f, restored.epsilon());
            assertNull(c.position(), "saved without a position");
        }
        assertTrue(arch.contains("{\"type\":\"conv2d\",\"filters\":3,\"kernel_size\":[3,2],\"stride\":1,\"padding\":\"same\"}"), arch);
        assertTrue(arch.contains("{\"type\":\"dropout\",\"rate\":\"0.25\"}"), arch);
    }

    @Test
    void fileIsPlainSafetensorsWithPytorchNamesAndShapes() throws IOException {
        Path file = dir.resolve("w.safetensors");
        try (Sequential m = tinyModel(backend, SEED)) {
            Checkpoint.save(file, m, null, null);
        }
        SafeTensorsFile f = SafeTensors.read(file);
        assertEquals(List.of("conv2d.weight", "conv2d.bias", "conv2d_1.weight", "conv2d_1.bias", "dense.weight",
                "dense.bias", "dense_1.weight", "dense_1.bias"), f.tensors().stream().map(NamedTensor::name).toList());
        assertArrayEquals(new int[] {4, 1, 3, 3}, f.tensor("conv2d.weight").shape());
        assertArrayEquals(new int[] {5, 27}, f.tensor("dense.weight").shape()); // 3 channels x 3 x 3 after pooling
        assertEquals("1", f.metadata().get(Checkpoint.KEY_FORMAT));
        assertFalse(f.metadata().containsKey(Checkpoint.KEY_OPTIMIZER));
        try (Checkpoint c = Checkpoint.load(file, backend)) {
            assertNull(c.optimizer());
            assertNull(c.position());
        }
    }

    // ---- errors -------------------------------------------------------------------------------

    /** Saves a tiny checkpoint, lets {@code edit} change its metadata and tensors, writes it back. */
    Path tampered(java.util.function.BiConsumer<Map<String, String>, List<NamedTensor>> edit) throws IOException {
        Path file = dir.resolve("ok.safetensors");
        try (Sequential m = tinyModel(backend, SEED); AdaDelta opt = new AdaDelta()) {
            Checkpoint.save(file, m, opt, new TrainingPosition(1, 3, SEED, BATCH));
        }
        SafeTensorsFile f = SafeTensors.read(file);
        Map<String, String> meta = new LinkedHashMap<>(f.metadata());
        List<NamedTensor> tensors = new ArrayList<>(f.tensors());
        edit.accept(meta, tensors);
        Path bad = dir.resolve("bad.safetensors");
        SafeTensors.write(bad, tensors, meta);
        return bad;
    }

    String loadFails(Path file) {
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.load(file, backend).close());
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        return e.problem();
    }

    static void assertContains(String expected, String actual) {
        assertTrue(actual.contains(expected), () -> "expected \"" + expected + "\" in: " + actual);
    }

    static void replace(List<NamedTensor> ts, String name, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        for (int i = 0; i < ts.size(); i++) {
            if (ts.get(i).name().equals(name)) ts.set(i, new NamedTensor(name, shape, new float[n]));
        }
    }

    @Test
    void wrongShapeNamesTheTensorAndBothShapes() throws IOException {
        assertContains("tensor \"dense.weight\": expected shape (5, 27), found (5, 26)",
                loadFails(tampered((m, t) -> replace(t, "dense.weight", 5, 26))));
        assertContains("tensor \"conv2d.bias.adadelta_accumulated_delta\": expected shape (4,), found (4, 1)",
                loadFails(tampered((m, t) -> replace(t, "conv2d.bias.adadelta_accumulated_delta", 4, 1))));
    }

    @Test
    void missingAndUnexpectedTensors() throws IOException {
        assertContains("missing tensor \"dense_1.bias\" of shape (3,)",
                loadFails(tampered((m, t) -> t.removeIf(x -> x.name().equals("dense_1.bias")))));
        assertContains("unexpected tensor \"extra\"",
                loadFails(tampered((m, t) -> t.add(new NamedTensor("extra", new int[] {1}, new float[1])))));
        // optimizer tensors without the optimizer metadata are unexpected
        assertContains("unexpected tensor \"conv2d.weight.adadelta_accumulated_grad\"",
                loadFails(tampered((m, t) -> m.remove(Checkpoint.KEY_OPTIMIZER))));
    }

    @Test
    void badMetadata() throws IOException {
        assertContains("not a splot checkpoint", loadFails(tampered((m, t) -> m.remove(Checkpoint.KEY_FORMAT))));
        assertContains("format version \"2\" is not supported", loadFails(tampered((m, t) -> m.put(Checkpoint.KEY_FORMAT, "2"))));
        assertContains("no \"splot.architecture\"", loadFails(tampered((m, t) -> m.remove(Checkpoint.KEY_ARCHITECTURE))));
        assertContains("training position incomplete", loadFails(tampered((m, t) -> m.remove(Checkpoint.KEY_STEP))));
        assertContains("\"splot.training.step\" must be an integer, found \"x\"",
                loadFails(tampered((m, t) -> m.put(Checkpoint.KEY_STEP, "x"))));
        assertContains("optimizer \"rmsprop\" is not known", loadFails(tampered((m, t) -> m.put(Checkpoint.KEY_OPTIMIZER, "rmsprop"))));
        assertContains("sgd setting \"momentum\" is missing", loadFails(tampered((m, t) -> m.put(Checkpoint.KEY_OPTIMIZER, "sgd"))));
        assertContains("learning-rate schedule \"cosine:0\": 'cosine:0': the count must be a positive integer",
                loadFails(tampered((m, t) -> m.put(Checkpoint.KEY_LR_SCHEDULE, "cosine:0"))));
        assertContains("AdaDelta needs lr > 0", loadFails(tampered((m, t) -> m.put(Checkpoint.OPTIMIZER_SETTING_PREFIX + "lr", "-1"))));
    }

    @Test
    void badArchitecture() throws IOException {
        String good = "{\"input_shape\":[1,8,8],\"layers\":[{\"type\":\"flatten\"},{\"type\":\"dense\",\"units\":3}]}";
        assertContains("layer 0 (lstm): unknown layer type \"lstm\"", loadFails(tampered((m, t) ->
                m.put(Checkpoint.KEY_ARCHITECTURE, good.replace("flatten", "lstm")))));
        assertContains("layer 1 (dense): unexpected key \"unitz\"", loadFails(tampered((m, t) ->
                m.put(Checkpoint.KEY_ARCHITECTURE, good.replace("units", "unitz")))));
        assertContains("units must be a positive integer, found 0", loadFails(tampered((m, t) ->
                m.put(Checkpoint.KEY_ARCHITECTURE, good.replace("3}", "0}")))));
        assertContains("architecture: invalid JSON", loadFails(tampered((m, t) ->
                m.put(Checkpoint.KEY_ARCHITECTURE, good.substring(1)))));
        // valid JSON whose layers do not fit together: the build-time shape check speaks
        assertContains("add a Flatten layer before Dense", loadFails(tampered((m, t) ->
                m.put(Checkpoint.KEY_ARCHITECTURE, good.replace("{\"type\":\"flatten\"},", "")))));
        // hostile sizes are refused before anything is allocated
        assertContains("layer 1 'dense' (Dense(2147483647)): its output (2147483647,) of one sample would hold 2147483647 "
                + "values, more than the limit of 268435456 per tensor",
                loadFails(tampered((m, t) -> m.put(Checkpoint.KEY_ARCHITECTURE, good.replace("3}", "2147483647}")))));
        assertContains("layer 1 'dense' (Dense(5000000)): its weights (5000000, 64) would hold 320000000 values",
                loadFails(tampered((m, t) -> m.put(Checkpoint.KEY_ARCHITECTURE, good.replace("3}", "5000000}")))));
        assertContains("the layers have 2031250 parameters, more than the 819 values the file holds",
                loadFails(tampered((m, t) -> m.put(Checkpoint.KEY_ARCHITECTURE, good.replace("3}", "31250}")))));
        assertContains("the model input (65535, 65535, 65535) holds 281462092005375 values per sample, more than the limit",
                loadFails(tampered((m, t) -> m.put(Checkpoint.KEY_ARCHITECTURE, good.replace("[1,8,8]", "[65535,65535,65535]")))));
        // a valid architecture that differs from the stored tensors
        assertContains("tensor \"dense.weight\": expected shape (3, 64), found (5, 27)",
                loadFails(tampered((m, t) -> m.put(Checkpoint.KEY_ARCHITECTURE, good))));
    }

    @Test
    void loadWeightsIntoAModelOfAnotherShapeNamesTheTensor() throws IOException {
        Path file = dir.resolve("w.safetensors");
        Map<String, float[]> saved;
        try (Sequential m = tinyModel(backend, SEED); AdaDelta opt = new AdaDelta()) {
            saved = weights(m);
            Checkpoint.save(file, m, opt, null);
        }
        try (Sequential other = Sequential.builder(1, 8, 8).add(new Conv2D(4, 3)).add(new Flatten()).add(new Dense(3))
                .build(backend, 1)) {
            float[] before = other.parameters().get(0).value().toFloatArray();
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.loadWeights(file, other));
            assertContains("tensor \"dense.weight\": expected shape (3, 144), found (5, 27)", e.getMessage());
            assertArrayEquals(before, other.parameters().get(0).value().toFloatArray(), "nothing is loaded from a mismatched file");
        }
        try (Sequential same = tinyModel(backend, SEED + 1)) { // optimizer tensors in the file are skipped
            assertFalse(java.util.Arrays.equals(saved.get("conv2d.weight"), weights(same).get("conv2d.weight")));
            Checkpoint.loadWeights(file, same);
            assertSameWeights(saved, weights(same));
        }
    }
}
