package dev.splot.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import dev.splot.data.Dataset;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.Tiny;
import org.junit.jupiter.api.Test;

/** Confusion matrix, precision, recall, F1 and top-k accuracy against hand-computed values. */
class MetricsTest {
    /** Exact: each value is a ratio of small counts computed once in double. */
    private static final double EXACT = 1e-15;

    @Test
    void perClassMetricsFromTheCounts() {
        // class 0: 2 of 3 found, predicted 3 times (2 right); class 1: 1 of 2 found, predicted once; class 2: absent, predicted once
        int[] truth = {0, 0, 0, 1, 1};
        int[] pred = {0, 0, 2, 1, 0};
        ConfusionMatrix m = ConfusionMatrix.of(truth, pred, 3);
        assertArrayEquals(new int[][] {{2, 0, 1}, {1, 1, 0}, {0, 0, 0}}, m.counts());
        assertEquals(5, m.total());
        assertEquals(3, m.correct());
        assertEquals(0.6, m.accuracy(), EXACT);
        assertEquals(2 / 3.0, m.precision(0), EXACT);
        assertEquals(2 / 3.0, m.recall(0), EXACT);
        assertEquals(2 / 3.0, m.f1(0), EXACT);
        assertEquals(1.0, m.precision(1), EXACT);
        assertEquals(0.5, m.recall(1), EXACT);
        assertEquals(2 / 3.0, m.f1(1), EXACT, "2PR/(P+R) = 1/1.5");
        assertEquals(0.0, m.precision(2), EXACT, "predicted once, never right");
        assertEquals(Double.NaN, m.recall(2), "no sample of class 2: undefined, not 0 or 1");
        assertEquals(0.0, m.f1(2), EXACT);
        assertEquals((2 / 3.0 + 2 / 3.0 + 0) / 3, m.macroF1(), EXACT);
        assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.of(new int[] {3}, new int[] {0}, 3));
        assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.of(new int[] {1}, new int[0], 3));
        assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.ofCounts(new int[][] {{1, 2}}));
    }

    @Test
    void trueClassRankBreaksTiesAsArgmaxDoes() {
        float[] scores = {0.1f, 0.7f, 0.7f, 0.3f};
        assertEquals(1, InferencePass.argmax(scores, 0, 4));
        assertEquals(0, InferencePass.rank(scores, 0, 4, 1));
        assertEquals(1, InferencePass.rank(scores, 0, 4, 2), "tied with class 1, which argmax picks first");
        assertEquals(2, InferencePass.rank(scores, 0, 4, 3));
        assertEquals(3, InferencePass.rank(scores, 0, 4, 0));
    }

    @Test
    void topKFromTheRanks() {
        Evaluation e = new Evaluation(0, 0.5, new int[] {0, 1, 2, 0}, new int[] {0, 2, 2, 1}, new int[] {0, 1, 0, 2}, 3);
        assertEquals(0.5, e.topKAccuracy(1), EXACT);
        assertEquals(0.75, e.topKAccuracy(2), EXACT);
        assertEquals(1.0, e.topKAccuracy(3), EXACT);
        assertThrows(IllegalArgumentException.class, () -> e.topKAccuracy(0));
        assertThrows(IllegalArgumentException.class, () -> e.topKAccuracy(4));
        assertEquals(2, e.confusionMatrix().count(2, 2) + e.confusionMatrix().count(0, 0));
    }

    @Test
    void anEvaluationAgreesWithItself() {
        Dataset data = Tiny.data(50, 3);
        try (Backend be = new JavaBackend(); Sequential m = Tiny.model(be, 1); AdaDelta opt = new AdaDelta()) {
            new Trainer(m, opt, 10, 1).fit(data, null, 3, null);
            Evaluation e = Trainer.evaluate(m, data, 16);
            assertArrayEquals(data.labels(), e.labels());
            assertEquals(e.accuracy(), e.topKAccuracy(1), EXACT, "no exact ties among trained scores");
            assertEquals(e.accuracy(), e.confusionMatrix().accuracy(), EXACT);
            assertEquals(1.0, e.topKAccuracy(3), EXACT);
            for (int i = 0; i < data.count(); i++) assertEquals(e.predicted()[i] == data.labels()[i], e.trueClassRank()[i] == 0);
        }
    }
}
