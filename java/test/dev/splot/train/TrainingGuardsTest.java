package dev.splot.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import dev.splot.data.Dataset;
import dev.splot.io.Checkpoint;
import dev.splot.nn.Conv2D;
import dev.splot.nn.Dense;
import dev.splot.nn.Flatten;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.Tiny;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The NaN/Inf loss guard: training stops with a message naming the step and the last good checkpoint. */
class TrainingGuardsTest {
    static final int BATCH = 16; // 64 images: 4 steps per epoch

    @TempDir
    Path dir;

    final Backend backend = new JavaBackend();

    @AfterEach
    void noLeaks() {
        assertEquals(0, backend.liveTensors(), "a diverged run still frees its batch tensors");
        backend.close();
    }

    static Dataset poisoned(Dataset clean, int sample) {
        float[] images = clean.images().clone();
        images[sample * 64 + 10] = Float.NaN;
        return new Dataset("poisoned", images, clean.labels(), clean.count(), clean.sampleShape(), clean.classes());
    }

    /** Without a ReLU between the input and the logits, a NaN pixel reaches the loss in its own step. */
    @Test
    void nanLossStopsAtItsStepAndNamesTheLastCheckpoint() throws IOException {
        Dataset clean = Tiny.data(64, 3);
        int poisoned = 37;
        // the step at which epoch 2 (index 1) meets the poisoned sample: 4 steps of epoch 1, then its batch
        int[] order = Trainer.shuffledOrder(64, 5, 1);
        int position = 0;
        while (order[position] != poisoned) position++;
        long expectedStep = 4 + position / BATCH;

        try (Sequential m = Sequential.builder(1, 8, 8).add(new Conv2D(2, 3)).add(new Flatten()).add(new Dense(3)).build(backend, 5);
             AdaDelta opt = new AdaDelta()) {
            Trainer t = new Trainer(m, opt, BATCH, 5);
            t.fit(clean, null, 1, s -> save(m, opt, t, dir.resolve("epoch-" + s.epoch() + ".safetensors")));
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                    () -> t.fit(poisoned(clean, poisoned), null, 2, null));
            String msg = e.getMessage();
            assertTrue(msg.contains("loss became NaN at step " + expectedStep + " (epoch 2, batch " + (position / BATCH + 1) + " of 4"), msg);
            assertTrue(msg.endsWith("Last good checkpoint: " + dir.resolve("epoch-1.safetensors")), msg);
            assertEquals(expectedStep, t.step(), "the diverged step is not counted");
        }
        // the named checkpoint is good: it loads and continues on clean data
        try (Checkpoint c = Checkpoint.load(dir.resolve("epoch-1.safetensors"), backend)) {
            Trainer t = new Trainer(c.model(), c.optimizer(), BATCH, 5);
            t.resumeAt(c.position());
            t.fit(clean, null, 2, null);
            assertEquals(8, t.step());
        }
    }

    /**
     * A NaN pixel: ReLU lets NaN through (as PyTorch), so the loss of that very step is NaN and
     * training stops there, naming the step and the last good checkpoint; the poisoned epoch is
     * never checkpointed.
     */
    @Test
    void nanPixelStopsTrainingAtItsStep() {
        Dataset clean = Tiny.data(64, 3);
        try (Sequential m = Tiny.model(backend, 5); AdaDelta opt = new AdaDelta()) {
            Trainer t = new Trainer(m, opt, BATCH, 5);
            t.fit(clean, null, 1, s -> save(m, opt, t, dir.resolve("epoch-" + s.epoch() + ".safetensors")));
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                    () -> t.fit(poisoned(clean, 37), null, 2, s -> save(m, opt, t, dir.resolve("epoch-2.safetensors"))));
            String msg = e.getMessage();
            assertTrue(Pattern.compile("^loss became NaN at step \\d+ \\(epoch 2, batch \\d+ of \\d+").matcher(msg).find(), msg);
            assertTrue(msg.endsWith("Last good checkpoint: " + dir.resolve("epoch-1.safetensors")), msg);
            assertFalse(Files.exists(dir.resolve("epoch-2.safetensors")), "a poisoned epoch is never checkpointed");
            assertEquals(1, t.epochsDone());
        }
    }

    @Test
    void hugeLearningRateStopsInTheFirstEpochWithoutACheckpoint() {
        try (Sequential m = Tiny.model(backend, 5); AdaDelta opt = new AdaDelta(1e30f, 0.95f, 1e-7f)) {
            Trainer t = new Trainer(m, opt, BATCH, 5);
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.fit(Tiny.data(64, 3), null, 5, null));
            Matcher where = Pattern.compile("(at step (\\d+) |at the end of epoch 1 \\(step (\\d+)\\))").matcher(e.getMessage());
            assertTrue(where.find(), e.getMessage());
            assertTrue(e.getMessage().endsWith("Last good checkpoint: none"), e.getMessage());
            assertEquals(0, t.epochsDone());
        }
    }

    static void save(Sequential m, AdaDelta opt, Trainer t, Path file) {
        try {
            Checkpoint.save(file, m, opt, t.position());
            t.lastCheckpoint(file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
