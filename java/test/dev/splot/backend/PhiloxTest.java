package dev.splot.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PhiloxTest {
    /** Known-answer vectors of philox4x32-10 from Random123's kat_vectors. */
    @Test
    void matchesRandom123KnownAnswers() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, Philox.block(0, 0, 0, 0, 0, 0));
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                Philox.block(-1, -1, -1, -1, -1, -1));
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                Philox.block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
    }

    @Test
    void uniformsAreInRangeAndMatchSingleDraws() {
        float[] u = new float[1003];
        Philox.uniforms(42, Philox.PURPOSE_INIT, 5, 2, u);
        double mean = 0;
        for (int i = 0; i < u.length; i++) {
            assertTrue(u[i] >= 0f && u[i] < 1f);
            assertEquals(Philox.uniform(Philox.bits(42, Philox.PURPOSE_INIT, 5, 2, i)), u[i]);
            mean += u[i];
        }
        assertEquals(0.5, mean / u.length, 0.05);
    }

    @Test
    void dropoutKeepsAboutOneMinusRate() {
        int kept = 0, n = 100_000;
        for (int i = 0; i < n; i++) if (Philox.dropoutScale(1, 2, 3, i, 0.25f) != 0f) kept++;
        assertEquals(0.75, kept / (double) n, 0.01);
        assertEquals(1f, Philox.dropoutScale(1, 2, 3, 0, 0f), "rate 0 keeps everything unscaled");
    }
}
