package dev.splot.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import dev.splot.data.Dataset;
import dev.splot.data.ValidationSplit;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.Tiny;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Early stopping counts epochs without improvement in the metric's direction, past min delta, and ends fit there. */
class EarlyStoppingTest {
    private static EpochStats validationLoss(int epoch, double loss) {
        return new EpochStats(epoch, 1, 0.5, loss, 0.5, 1, 1, 1);
    }

    private static EpochStats validationAccuracy(int epoch, double accuracy) {
        return new EpochStats(epoch, 1, 0.5, 1, accuracy, 1, 1, 1);
    }

    /** Feeds the epochs in order; returns the epoch after which it asked to stop, 0 if never. */
    private static int stopsAfter(EarlyStopping s, List<EpochStats> epochs) {
        for (EpochStats e : epochs) {
            s.onEpoch(e);
            if (s.stopRequested()) return e.epoch();
        }
        return 0;
    }

    @Test
    void patienceCountsEpochsWithoutImprovementOnTheBest() {
        // best 0.5 at epoch 2; epochs 3 (0.6) and 4 (0.5, equal is no improvement) do not improve: patience 2 stops after 4
        List<EpochStats> losses = List.of(validationLoss(1, 0.9), validationLoss(2, 0.5), validationLoss(3, 0.6),
                validationLoss(4, 0.5), validationLoss(5, 0.1));
        EarlyStopping two = EarlyStopping.onValidationLoss(2);
        assertEquals(4, stopsAfter(two, losses));
        assertEquals(2, two.best().bestEpoch());
        assertEquals(0.5, two.best().best());
        assertTrue(two.toString().startsWith("stopped after epoch 4: validation loss did not improve on 0.5000 (epoch 2) for 2 epochs"),
                two.toString());
        assertEquals(0, stopsAfter(EarlyStopping.onValidationLoss(3), losses), "patience 3 reaches epoch 5's improvement");
    }

    @Test
    void minDeltaAndModeDecideWhatImproves() {
        // each epoch 0.01 better: an improvement only without min delta
        List<EpochStats> slow = List.of(validationLoss(1, 0.50), validationLoss(2, 0.49), validationLoss(3, 0.48));
        assertEquals(3, stopsAfter(new EarlyStopping(EpochMetric.VALIDATION_LOSS, EpochMetric.Mode.MIN, 2, 0.02), slow));
        assertEquals(0, stopsAfter(new EarlyStopping(EpochMetric.VALIDATION_LOSS, EpochMetric.Mode.MIN, 2, 0.005), slow));
        // accuracy improves upwards
        List<EpochStats> acc = List.of(validationAccuracy(1, 0.8), validationAccuracy(2, 0.9), validationAccuracy(3, 0.85));
        assertEquals(3, stopsAfter(new EarlyStopping(EpochMetric.VALIDATION_ACCURACY, EpochMetric.Mode.MAX, 1, 0), acc));
        assertEquals(2, stopsAfter(new EarlyStopping(EpochMetric.VALIDATION_ACCURACY, EpochMetric.Mode.MIN, 1, 0), acc));
        assertThrows(IllegalArgumentException.class, () -> EarlyStopping.onValidationLoss(0));
        assertThrows(IllegalArgumentException.class, () -> new EarlyStopping(EpochMetric.TRAIN_LOSS, EpochMetric.Mode.MIN, 1, -1));
    }

    @Test
    void fitEndsAfterTheEpochThatAsksAndAValidationMetricNeedsValidationData() {
        Dataset data = Tiny.data(60, 2);
        ValidationSplit split = ValidationSplit.of(data, 0.25, 1);
        List<TrainingListener.StepStats> steps = new ArrayList<>();
        try (Backend be = new JavaBackend(); Sequential m = Tiny.model(be, 1); AdaDelta opt = new AdaDelta(0.5f, 0.95f, 1e-7f)) {
            Trainer t = new Trainer(m, opt, 15, 1);
            // the training accuracy cannot be above 1: with min delta 1 no epoch after the first improves
            EarlyStopping never = new EarlyStopping(EpochMetric.TRAIN_ACCURACY, EpochMetric.Mode.MAX, 2, 1);
            t.addListener(never).addListener(new TrainingListener() {
                @Override
                public void onStep(StepStats s) {
                    steps.add(s);
                }
            });
            List<EpochStats> h = t.fit(split.train(), split.validation(), 10, null);
            assertEquals(3, h.size(), "epoch 1 sets the best, epochs 2 and 3 do not improve: stop after 3 of 10");
            assertEquals(3, t.epochsDone());
            assertEquals(3, never.stoppedAfter());
            assertEquals(0.5, h.get(2).learningRate(), 1e-7, "the optimizer's rate, as a float");
            assertEquals(0.5, steps.get(0).learningRate(), 1e-7);
            assertEquals(9, steps.size(), "45 training samples in 3 steps of 15, 3 epochs");

            Trainer noValidation = new Trainer(m, opt, 15, 1).addListener(EarlyStopping.onValidationLoss(1));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> noValidation.fit(data, null, 1, null));
            assertTrue(e.getMessage().contains("no validation (or test) data"), e.getMessage());
            assertFalse(never.toString().isEmpty());
        }
    }
}
