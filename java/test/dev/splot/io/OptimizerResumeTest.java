package dev.splot.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import dev.splot.data.Dataset;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.optim.Adam;
import dev.splot.optim.AdamW;
import dev.splot.optim.LearningRateSchedule;
import dev.splot.optim.Optimizer;
import dev.splot.optim.Sgd;
import dev.splot.testing.Tiny;
import dev.splot.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stopping after one epoch, saving, loading and training a second gives bit-identical weights,
 * optimizer state, step count and learning rate to two epochs in one go, for every optimizer, with
 * a learning-rate schedule that changes the rate at every step (a warm-up) and every epoch.
 */
class OptimizerResumeTest {
    static final int SEED = 7, BATCH = 24; // 64 samples: steps of 24, 24, 16 per epoch
    static final LearningRateSchedule SCHEDULE = LearningRateSchedule.parse("warmup:4@step,step:1:0.5");

    @TempDir
    Path dir;

    final Backend backend = new JavaBackend();

    @AfterEach
    void noLeaks() {
        assertEquals(0, backend.liveTensors());
        backend.close();
    }

    static Supplier<Optimizer> optimizer(String name) {
        return switch (name) {
            case "adadelta" -> AdaDelta::new;
            case "sgd" -> () -> new Sgd(0.05f, 0f);
            case "sgd-momentum" -> () -> new Sgd(0.05f, 0.9f, 0.1f, 1e-3f, false);
            case "sgd-nesterov" -> () -> new Sgd(0.05f, 0.9f, 0f, 1e-3f, true);
            case "adam" -> () -> new Adam(0.01f, 0.9f, 0.999f, 1e-8f, 1e-3f);
            case "adamw" -> () -> new AdamW(0.01f, 0.9f, 0.999f, 1e-8f, 0.05f);
            default -> throw new IllegalArgumentException(name);
        };
    }

    static Map<String, float[]> everything(Sequential m, Optimizer opt) {
        Map<String, float[]> all = new LinkedHashMap<>(Tiny.weights(m));
        opt.state(m.parameters()).forEach((k, v) -> all.put(k, v.toFloatArray()));
        return all;
    }

    @ParameterizedTest
    @ValueSource(strings = {"adadelta", "sgd", "sgd-momentum", "sgd-nesterov", "adam", "adamw"})
    void resumeIsBitIdentical(String name) throws IOException {
        Dataset train = Tiny.data(64, 1);
        Map<String, float[]> afterOne, uninterrupted;
        Map<String, String> uninterruptedConfig;
        double uninterruptedRate;
        try (Sequential m = Tiny.model(backend, SEED); Optimizer opt = optimizer(name).get()) {
            Trainer t = new Trainer(m, opt, BATCH, SEED).learningRateSchedule(SCHEDULE);
            t.fit(train, null, 1, null);
            afterOne = everything(m, opt);
            t.fit(train, null, 2, null);
            uninterrupted = everything(m, opt);
            uninterruptedConfig = opt.config();
            uninterruptedRate = opt.learningRate();
        }
        // the last step ran at the second epoch's rate, after the warm-up: half the base rate
        try (Optimizer fresh = optimizer(name).get()) {
            assertEquals((float) (fresh.baseLearningRate() * 0.5), uninterruptedRate, 0, "the scheduled rate");
        }
        Path file = dir.resolve(name + ".safetensors");
        try (Sequential m = Tiny.model(backend, SEED); Optimizer opt = optimizer(name).get()) {
            Trainer t = new Trainer(m, opt, BATCH, SEED).learningRateSchedule(SCHEDULE);
            t.fit(train, null, 1, null);
            Checkpoint.save(file, m, opt, t.position());
        }
        try (Checkpoint c = Checkpoint.load(file, backend)) {
            assertEquals(SCHEDULE, c.position().schedule());
            CheckpointTest.assertSameWeights(afterOne, everything(c.model(), c.optimizer()));
            Trainer refused = new Trainer(c.model(), c.optimizer(), BATCH, SEED);
            var e = assertThrows(IllegalArgumentException.class, () -> refused.resumeAt(c.position()));
            assertTrue(e.getMessage().contains("learning-rate schedule \"warmup:4:0.3333333333333333@step,step:1:0.5@epoch\""),
                    e.getMessage());
            Trainer t = new Trainer(c.model(), c.optimizer(), BATCH, SEED).learningRateSchedule(c.position().schedule());
            t.resumeAt(c.position());
            t.fit(train, null, 2, null);
            CheckpointTest.assertSameWeights(uninterrupted, everything(c.model(), c.optimizer()));
            assertEquals(uninterruptedConfig, c.optimizer().config(), "settings and step count");
            assertEquals(uninterruptedRate, c.optimizer().learningRate(), 0);
        }
        // the comparison can fail: the second epoch moved the weights
        assertFalse(java.util.Arrays.equals(afterOne.get("dense.weight"), uninterrupted.get("dense.weight")));
    }

    /** Without its state (moments, step count) a resumed optimizer goes elsewhere: the state saved matters. */
    @ParameterizedTest
    @ValueSource(strings = {"sgd-momentum", "adam"})
    void resumingWithoutTheStateDiffers(String name) throws IOException {
        Dataset train = Tiny.data(64, 1);
        Path file = dir.resolve(name + ".safetensors");
        Map<String, float[]> uninterrupted;
        try (Sequential m = Tiny.model(backend, SEED); Optimizer opt = optimizer(name).get()) {
            Trainer t = new Trainer(m, opt, BATCH, SEED);
            t.fit(train, null, 1, null);
            Checkpoint.save(file, m, opt, t.position());
            t.fit(train, null, 2, null);
            uninterrupted = Tiny.weights(m);
        }
        try (Sequential m = Tiny.model(backend, SEED); Optimizer fresh = optimizer(name).get()) {
            Checkpoint.loadWeights(file, m);
            Trainer t = new Trainer(m, fresh, BATCH, SEED);
            t.resumeAt(1, 3);
            t.fit(train, null, 2, null);
            assertFalse(java.util.Arrays.equals(uninterrupted.get("dense.weight"), Tiny.weights(m).get("dense.weight")));
        }
    }
}
