package dev.splot.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import dev.splot.data.Dataset;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.Tiny;
import org.junit.jupiter.api.Test;

/**
 * {@code Trainer.lastEvaluation} stands in for a second pass over the test set at the end of training (Mnist uses it),
 * so it must be exactly what {@code Trainer.evaluate} returns for the trained model, and absent whenever fit did not
 * just evaluate that model.
 */
class LastEvaluationTest {
    @Test
    void isTheEvaluationOfTheModelAsTheLastEpochLeftIt() {
        Dataset train = Tiny.data(10, 1), test = Tiny.data(7, 2); // 7 test samples at batch 3: a partial last batch
        try (Backend be = new JavaBackend(); Sequential m = Tiny.model(be, 1); AdaDelta opt = new AdaDelta()) {
            Trainer t = new Trainer(m, opt, 3, 1);
            assertTrue(t.lastEvaluation().isEmpty(), "no epoch run yet");
            t.fit(train, test, 2, null);
            Evaluation last = t.lastEvaluation().orElseThrow();
            Evaluation again = Trainer.evaluate(m, test, 3);
            assertEquals(again.loss(), last.loss(), 0.0, "the same model and data give the same loss, bit for bit");
            assertEquals(again.accuracy(), last.accuracy(), 0.0);
            assertArrayEquals(again.predicted(), last.predicted());
            assertArrayEquals(again.labels(), last.labels());
            assertArrayEquals(again.trueClassRank(), last.trueClassRank());

            t.fit(train, test, 2, null); // two epochs done already: this call runs none
            assertTrue(t.lastEvaluation().isEmpty(), "a fit that ran no epoch has evaluated nothing");
            t.fit(train, test, 3, null);
            assertTrue(t.lastEvaluation().isPresent());
            t.resumeAt(3, t.step());
            assertTrue(t.lastEvaluation().isEmpty(), "repositioned: the evaluation may belong to another model state");
            t.fit(train, null, 4, null);
            assertTrue(t.lastEvaluation().isEmpty(), "no test data");
        }
    }
}
