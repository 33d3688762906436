package dev.splot.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Schedules against PyTorch's closed forms ({@code _get_closed_form_lr}), computed here in the
 * same double arithmetic, so they agree to 1e-15 relative (a few roundings of doubles); a wrong
 * exponent, period or unit is off by far more.
 */
class LearningRateScheduleTest {
    static void near(double expected, double actual, String what) {
        assertEquals(expected, actual, 1e-15 * Math.abs(expected) + 1e-18, what);
    }

    @Test
    void stepLrDecaysEverySizeEpochs() {
        LearningRateSchedule s = LearningRateSchedule.parse("step:3:0.5");
        for (int epoch = 0; epoch < 10; epoch++) {
            near(0.2 * Math.pow(0.5, epoch / 3), s.rate(0.2, 1000L * epoch + 7, epoch), "epoch " + epoch);
        }
        near(0.1 * 0.1, LearningRateSchedule.parse("step:2").rate(0.1, 0, 2), "gamma defaults to 0.1");
    }

    @Test
    void exponentialPerEpochOrPerStep() {
        LearningRateSchedule perEpoch = LearningRateSchedule.parse("exp:0.9");
        LearningRateSchedule perStep = LearningRateSchedule.parse("exp:0.99@step");
        for (int t = 0; t < 6; t++) {
            near(Math.pow(0.9, t), perEpoch.rate(1, 50L * t + 3, t), "per epoch, t " + t);
            near(Math.pow(0.99, 50L * t + 3), perStep.rate(1, 50L * t + 3, t), "per step, t " + t);
        }
    }

    @Test
    void cosineAnnealingFromBaseToEtaMin() {
        LearningRateSchedule s = LearningRateSchedule.parse("cosine:10:0.001");
        for (int t = 0; t <= 10; t++) {
            near(0.001 + (0.1 - 0.001) * (1 + Math.cos(Math.PI * t / 10)) / 2, s.rate(0.1, 0, t), "epoch " + t);
        }
        near(0.1, s.rate(0.1, 0, 0), "starts at the base rate");
        near(0.001, s.rate(0.1, 0, 10), "reaches eta_min at T_max");
        near(0.05, LearningRateSchedule.parse("cosine:4").rate(0.1, 0, 2), "half way: half the rate");
    }

    /** LinearLR(start_factor, total_iters) from START to 1, times the decay of the same step. */
    @Test
    void linearWarmupMultipliesTheDecay() {
        LearningRateSchedule w = LearningRateSchedule.parse("warmup:4@step");
        for (long step = 0; step < 8; step++) {
            near(0.1 * (1.0 / 3 + (1 - 1.0 / 3) * Math.min(step, 4) / 4), w.rate(0.1, step, 0), "step " + step);
        }
        LearningRateSchedule both = LearningRateSchedule.parse("warmup:100:0.1@step,exp:0.5");
        near(0.1 * 0.1, both.rate(0.1, 0, 0), "first step: the start factor");
        near(0.1 * (0.1 + 0.9 * 50 / 100) * 0.25, both.rate(0.1, 50, 2), "half-way warm-up in epoch 2");
        near(0.1 * 0.125, both.rate(0.1, 500, 3), "warm-up over: the decay alone");
    }

    @Test
    void fullFormRoundTripsAndIsWhatCheckpointsStore() {
        for (String spec : new String[] {"step:3:0.5", "exp:0.9", "cosine:12", "warmup:200@step,cosine:12:1e-4", "cosine:5@step,warmup:2"}) {
            LearningRateSchedule s = LearningRateSchedule.parse(spec);
            LearningRateSchedule again = LearningRateSchedule.parse(s.toString());
            assertEquals(s, again, spec);
            assertEquals(s.toString(), again.toString());
            for (int t = 0; t < 20; t++) assertEquals(s.rate(0.3, 37L * t, t), again.rate(0.3, 37L * t, t), 0, spec);
        }
        assertEquals("warmup:200:0.3333333333333333@step,cosine:12:0.0@epoch",
                LearningRateSchedule.parse("cosine:12,warmup:200@step").toString());
    }

    @Test
    void badSpecsNameTheComponent() {
        String[][] cases = {
            {"", "'' is none of"}, {"linear:3", "'linear:3' is none of"}, {"step", "needs a count"},
            {"step:0", "the count must be a positive integer, got '0'"}, {"exp:x", "'x' is not a finite number"},
            {"exp:0.9:2", "takes 1 value after the name"}, {"cosine:5@hour", "the unit after @ must be step or epoch"},
            {"warmup:5:0", "the start factor must be in (0, 1]"}, {"exp:0.9,step:2", "more than one of step, exp, cosine"},
            {"warmup:1,warmup:2", "more than one warmup"}, {"exp:-1", "gamma must be > 0"}};
        for (String[] c : cases) {
            var e = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse(c[0]), c[0]);
            assertTrue(e.getMessage().startsWith("learning-rate schedule \"" + c[0] + "\": ") && e.getMessage().contains(c[1]),
                    e.getMessage());
        }
    }
}
