package dev.splot.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import dev.splot.data.ValidationSplit;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.Tiny;
import dev.splot.train.EpochMetric;
import dev.splot.train.EpochStats;
import dev.splot.train.Trainer;
import dev.splot.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The best-model file holds the weights of the epoch with the best validation metric, and only that. */
class BestCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void theFileHoldsTheBestEpochsWeights() throws IOException {
        ValidationSplit split = ValidationSplit.of(Tiny.data(60, 4), 0.3, 2);
        Path best = dir.resolve("best.safetensors");
        Map<Integer, Map<String, float[]>> weightsByEpoch = new HashMap<>();
        List<EpochStats> h;
        BestCheckpoint keeper;
        Map<String, float[]> restored;
        try (Backend be = new JavaBackend(); Sequential m = Tiny.model(be, 1); AdaDelta opt = new AdaDelta()) {
            Trainer t = new Trainer(m, opt, 8, 1);
            keeper = new BestCheckpoint(best, m, opt, t, EpochMetric.VALIDATION_ACCURACY, EpochMetric.Mode.MAX, 0);
            t.addListener(keeper).addListener(new TrainingListener() {
                @Override
                public void onEpoch(EpochStats e) {
                    weightsByEpoch.put(e.epoch(), Tiny.weights(m));
                }
            });
            assertThrows(IllegalStateException.class, keeper::restoreBest, "nothing saved before the first epoch");
            h = t.fit(split.train(), split.validation(), 6, null);
            keeper.restoreBest();
            restored = Tiny.weights(m);
        }
        int expected = 1;
        for (EpochStats e : h) if (e.testAccuracy() > h.get(expected - 1).testAccuracy()) expected = e.epoch();
        assertEquals(expected, keeper.best().bestEpoch());
        // a later epoch that is not better must not overwrite the file: this run has one (else the test would not tell)
        assertTrue(expected < h.size(), "the best epoch should not be the last: " + h);
        try (Backend be = new JavaBackend(); Checkpoint c = Checkpoint.load(best, be)) {
            assertEquals(expected, c.position().epochsDone());
            Map<String, float[]> saved = Tiny.weights(c.model());
            for (Map.Entry<String, float[]> w : weightsByEpoch.get(expected).entrySet()) {
                assertArrayEquals(w.getValue(), saved.get(w.getKey()), w.getKey());
                assertArrayEquals(w.getValue(), restored.get(w.getKey()), "restored " + w.getKey());
            }
        }
    }
}
