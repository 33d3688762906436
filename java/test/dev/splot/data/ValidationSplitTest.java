package dev.splot.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.testing.Tiny;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A validation split is deterministic in its seed, disjoint, complete, and reads its samples from the source. */
class ValidationSplitTest {
    @Test
    void theSameSeedHoldsOutTheSameSamplesAndThePartsCoverTheData() {
        Dataset data = Tiny.data(50, 1);
        ValidationSplit a = ValidationSplit.of(data, 0.2, 7), b = ValidationSplit.of(data, 0.2, 7), c = ValidationSplit.of(data, 0.2, 8);
        assertArrayEquals(a.validation().indices(), b.validation().indices());
        assertFalse(Arrays.equals(a.validation().indices(), c.validation().indices()), "another seed holds out other samples");
        assertEquals(10, a.validation().count());
        assertEquals(40, a.train().count());
        int[] both = IntStream.concat(Arrays.stream(a.train().indices()), Arrays.stream(a.validation().indices())).sorted().toArray();
        assertArrayEquals(IntStream.range(0, 50).toArray(), both, "disjoint and complete");
        int[] v = a.validation().indices();
        assertTrue(IntStream.range(1, v.length).allMatch(i -> v[i - 1] < v[i]), "each part in the source's order");
        assertTrue(a.validation().name().startsWith("tiny (validation part, 0.2 of tiny held out with seed 7"), a.validation().name());
    }

    @Test
    void aPartGathersTheSourceSamplesItNames() {
        Dataset data = Tiny.data(20, 2);
        Subset part = ValidationSplit.of(data, 0.25, 3).validation();
        float[] x = new float[2 * 64], expected = new float[2 * 64];
        int[] y = new int[2], expectedY = new int[2];
        part.gather(new int[] {4, 1}, 0, 2, x, y);
        data.gather(new int[] {part.indices()[4], part.indices()[1]}, 0, 2, expected, expectedY);
        assertArrayEquals(expected, x);
        assertArrayEquals(expectedY, y);
    }

    @Test
    void fractionsThatLeaveAPartEmptyAreRefused() {
        Dataset data = Tiny.data(10, 1);
        for (double f : new double[] {0, 1, -0.5, Double.NaN, 0.01, 0.99}) {
            assertThrows(IllegalArgumentException.class, () -> ValidationSplit.of(data, f, 1), "fraction " + f);
        }
    }
}
