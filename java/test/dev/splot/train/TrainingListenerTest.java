package dev.splot.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.Tiny;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Listeners see every step and epoch in order, with the numbers the trainer returns; the progress printer is one of them. */
class TrainingListenerTest {
    @Test
    void everyStepAndEpochIsReportedInOrder() {
        List<TrainingListener.StepStats> steps = new ArrayList<>();
        List<EpochStats> epochs = new ArrayList<>();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (Backend be = new JavaBackend(); Sequential m = Tiny.model(be, 1); AdaDelta opt = new AdaDelta()) {
            Trainer t = new Trainer(m, opt, 16, 1).addListener(new Progress(new PrintStream(printed, true, StandardCharsets.UTF_8)));
            t.addListener(new TrainingListener() {
                @Override
                public void onStep(StepStats s) {
                    steps.add(s);
                }

                @Override
                public void onEpoch(EpochStats e) {
                    epochs.add(e);
                }
            });
            List<EpochStats> history = t.fit(Tiny.data(40, 2), null, 2, null);
            assertEquals(history, epochs, "onEpoch gets exactly what fit returns");
        }
        assertEquals(6, steps.size(), "3 steps (16 + 16 + 8 samples) per epoch, 2 epochs");
        for (int i = 0; i < steps.size(); i++) {
            TrainingListener.StepStats s = steps.get(i);
            assertEquals(i + 1, s.step());
            assertEquals(i / 3 + 1, s.epoch());
            assertEquals(new int[] {16, 32, 40}[i % 3], s.samplesDone());
            assertEquals(40, s.samplesTotal());
        }
        assertEquals(epochs.get(1).trainLoss(), steps.get(5).meanLoss(), 1e-12, "the epoch's loss is the last step's running mean");
        String out = printed.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("epoch 1     40/40") && out.contains("epoch 2     40/40"), out);
    }
}
