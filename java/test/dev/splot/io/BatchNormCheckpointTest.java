package dev.splot.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import dev.splot.data.Dataset;
import dev.splot.nn.BatchNorm2D;
import dev.splot.nn.Buffer;
import dev.splot.nn.ForwardContext;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.Tiny;
import dev.splot.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BatchNorm's running statistics in checkpoints: PyTorch's names, exact resume, identical predictions after a reload. */
class BatchNormCheckpointTest {
    static final int SEED = 5;
    static final int BATCH = 24; // 64 images: two full batches and one of 16

    @TempDir
    Path dir;

    final Backend backend = new JavaBackend();

    @AfterEach
    void noLeaks() {
        assertEquals(0, backend.liveTensors(), "every test closes what it made");
        backend.close();
    }

    static Sequential model(Backend backend, long seed) {
        return Tiny.batchNormModel(backend, seed);
    }

    static Map<String, float[]> state(Sequential m) {
        return Tiny.savedState(m);
    }

    @Test
    void resumeWithBatchNormIsBitIdenticalToAnUninterruptedRun() throws IOException {
        Dataset train = Tiny.data(64, 1);
        Map<String, float[]> uninterrupted, afterOne;
        try (Sequential m = model(backend, SEED); AdaDelta opt = new AdaDelta()) {
            Trainer t = new Trainer(m, opt, BATCH, SEED);
            t.fit(train, null, 1, null);
            afterOne = state(m);
            t.fit(train, null, 2, null);
            uninterrupted = state(m);
        }
        Path file = dir.resolve("epoch-1.safetensors");
        try (Sequential m = model(backend, SEED); AdaDelta opt = new AdaDelta()) {
            Trainer t = new Trainer(m, opt, BATCH, SEED);
            t.fit(train, null, 1, null);
            Checkpoint.save(file, m, opt, t.position());
        }
        try (Backend fresh = new JavaBackend(); Checkpoint c = Checkpoint.load(file, fresh)) {
            CheckpointTest.assertSameWeights(afterOne, state(c.model()));
            Trainer t = new Trainer(c.model(), c.optimizer(), BATCH, SEED);
            t.resumeAt(c.position());
            t.fit(train, null, 2, null);
            CheckpointTest.assertSameWeights(uninterrupted, state(c.model()));
        }
        // the comparison can fail: the second epoch moves the running statistics, and 6 batches were counted
        assertFalse(java.util.Arrays.equals(afterOne.get("batch_normalization.running_var"),
                uninterrupted.get("batch_normalization.running_var")));
        assertArrayEquals(new float[] {6}, uninterrupted.get("batch_normalization.num_batches_tracked"));
        // resuming with everything but the running statistics (reset to their initial 0 and 1) gives another model
        try (Backend fresh = new JavaBackend(); Checkpoint c = Checkpoint.load(file, fresh)) {
            for (Buffer b : c.model().buffers()) fresh.fill(b.value(), b.name().endsWith("running_var") ? 1f : 0f);
            Trainer t = new Trainer(c.model(), c.optimizer(), BATCH, SEED);
            t.resumeAt(c.position());
            t.fit(train, null, 2, null);
            assertFalse(java.util.Arrays.equals(uninterrupted.get("batch_normalization.running_mean"),
                    state(c.model()).get("batch_normalization.running_mean")));
        }
    }

    @Test
    void savedUnderPytorchNamesAndShapesAndReloadedWithIdenticalPredictions() throws IOException {
        Dataset data = Tiny.data(40, 2);
        Path file = dir.resolve("bn.safetensors");
        float[] before;
        Map<String, float[]> saved;
        try (Sequential m = model(backend, SEED); AdaDelta opt = new AdaDelta()) {
            new Trainer(m, opt, 8, SEED).fit(data, null, 1, null);
            before = m.predict(data.images(), 40, 7);
            saved = state(m);
            Checkpoint.save(file, m, opt, null);
        }
        SafeTensorsFile f = SafeTensors.read(file);
        List<String> names = f.tensors().stream().map(NamedTensor::name).toList();
        for (String bn : List.of("batch_normalization", "batch_normalization_1")) {
            for (String key : List.of(".weight", ".bias", ".running_mean", ".running_var", ".num_batches_tracked")) {
                assertTrue(names.contains(bn + key), bn + key + " in " + names);
            }
        }
        assertArrayEquals(new int[] {4}, f.tensor("batch_normalization.running_mean").shape());
        assertArrayEquals(new int[] {6}, f.tensor("batch_normalization_1.running_var").shape());
        assertArrayEquals(new int[0], f.tensor("batch_normalization.num_batches_tracked").shape(), "a scalar, as in PyTorch");
        assertArrayEquals(new float[] {5}, f.tensor("batch_normalization.num_batches_tracked").data()); // 40 images in batches of 8
        String arch = f.metadata().get(Checkpoint.KEY_ARCHITECTURE);
        assertTrue(arch.contains("{\"type\":\"batch_normalization\",\"momentum\":\"0.2\",\"eps\":\"0.001\"}"), arch);
        assertTrue(arch.contains("{\"type\":\"average_pooling2d\",\"pool_size\":2,\"stride\":2}"), arch);
        assertTrue(arch.contains("{\"type\":\"global_average_pooling2d\"}"), arch);
        try (Checkpoint c = Checkpoint.load(file, backend)) {
            CheckpointTest.assertSameWeights(saved, state(c.model()));
            assertArrayEquals(before, c.model().predict(data.images(), 40, 7), "inference uses the restored running statistics");
            BatchNorm2D second = (BatchNorm2D) c.model().layers().get(5);
            assertEquals(0.2f, second.momentum());
            assertEquals(1e-3f, second.eps());
        }
    }

    @Test
    void inferenceUsesTheRunningStatisticsAndBackwardNeedsATrainingPass() {
        Dataset data = Tiny.data(16, 3);
        try (Sequential m = model(backend, SEED); AdaDelta opt = new AdaDelta()) {
            new Trainer(m, opt, 8, SEED).fit(data, null, 1, null);
            // in inference a sample's output does not depend on its batch: one sample alone equals it within a batch
            float[] all = m.predict(data.images(), 16, 16);
            float[] first = m.predict(java.util.Arrays.copyOf(data.images(), 64), 1, 1);
            assertArrayEquals(java.util.Arrays.copyOf(all, 3), first);
            try (var x = backend.allocate(2, 1, 8, 8); var d = backend.allocate(2, 3)) {
                m.forward(x, ForwardContext.inference());
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.backward(d));
                assertTrue(e.getMessage().contains("layer 'batch_normalization_1': backward before a training forward pass"),
                        e.getMessage());
            }
        }
    }

    @Test
    void aDamagedCountIsRefused() throws IOException {
        Path file = dir.resolve("ok.safetensors");
        try (Sequential m = model(backend, SEED)) {
            Checkpoint.save(file, m, null, null);
        }
        SafeTensorsFile f = SafeTensors.read(file);
        List<NamedTensor> tensors = new ArrayList<>(f.tensors());
        tensors.replaceAll(t -> t.name().equals("batch_normalization.num_batches_tracked")
                ? new NamedTensor(t.name(), new int[0], new float[] {2.5f}) : t);
        Path bad = dir.resolve("bad.safetensors");
        SafeTensors.write(bad, tensors, f.metadata());
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.load(bad, backend).close());
        assertTrue(e.getMessage().contains("batch_normalization.num_batches_tracked\" must hold a count"), e.getMessage());
    }
}
