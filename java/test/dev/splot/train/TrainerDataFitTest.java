package dev.splot.train;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import dev.splot.data.Dataset;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.Tiny;
import org.junit.jupiter.api.Test;

/** Data that does not fit the model is refused before the first step, naming the data and both sizes. */
class TrainerDataFitTest {
    @Test
    void moreClassesThanTheModelOutputsAreRefusedBeforeTraining() {
        Dataset fiveClasses = new Dataset("five", new float[2 * 64], new int[] {4, 0}, 2, new int[] {1, 8, 8}, 5);
        try (Backend be = new JavaBackend(); Sequential m = Tiny.model(be, 1); AdaDelta opt = new AdaDelta()) {
            Trainer t = new Trainer(m, opt, 2, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.fit(fiveClasses, null, 1, null));
            assertTrue(e.getMessage().contains("'five' has 5 classes, the model outputs 3"), e.getMessage());
            assertTrue(t.step() == 0, "no step was taken");
            e = assertThrows(IllegalArgumentException.class, () -> Trainer.evaluate(m, fiveClasses, 2));
            assertTrue(e.getMessage().contains("evaluation data"), e.getMessage());
        }
    }

    @Test
    void samplesOfAnotherShapeAreRefusedBeforeTraining() {
        Dataset wide = new Dataset("wide", new float[2 * 72], new int[] {1, 0}, 2, new int[] {1, 8, 9}, 3);
        try (Backend be = new JavaBackend(); Sequential m = Tiny.model(be, 1); AdaDelta opt = new AdaDelta()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Trainer(m, opt, 2, 1).fit(Tiny.data(4, 1), wide, 1, null));
            assertTrue(e.getMessage().contains("the test data 'wide' has samples of shape (1, 8, 9), the model takes (1, 8, 8)"),
                    e.getMessage());
        }
    }
}
