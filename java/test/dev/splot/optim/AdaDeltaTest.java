package dev.splot.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.splot.backend.Backend;
import dev.splot.backend.Tensor;
import dev.splot.backend.java.JavaBackend;
import dev.splot.nn.Parameter;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdaDeltaTest {
    /**
     * Three steps from p = 1 with gradients 0.5, -0.25, 1.0 and the Keras defaults, worked out by
     * hand in double precision (E[g^2] = rho E[g^2] + (1-rho) g^2; d = g sqrt(E[d^2]+eps)/sqrt(E[g^2]+eps);
     * p -= d; E[d^2] = rho E[d^2] + (1-rho) d^2). Float32 arithmetic agrees to ~1e-7 relative.
     */
    @Test
    void matchesHandComputedSteps() {
        double[][] expected = {
            {0.9985857920944472, 0.0125, 9.999920000639997e-08},
            {0.9994986581550116, 0.015, 1.3666546223259847e-07},
            {0.9975794126244116, 0.06425, 3.140073594573559e-07}};
        float[] grads = {0.5f, -0.25f, 1.0f};
        Backend be = new JavaBackend();
        try (Tensor p = be.allocate(1); Tensor g = be.allocate(1); AdaDelta opt = new AdaDelta()) {
            be.fill(p, 1f);
            Parameter param = new Parameter("w", p, g);
            for (int step = 0; step < 3; step++) {
                be.fill(g, grads[step]);
                opt.step(List.of(param));
                Tensor[] acc = opt.state(List.of(param)).values().toArray(new Tensor[0]);
                assertEquals(expected[step][0], p.toFloatArray()[0], 1e-6, "param after step " + (step + 1));
                assertEquals(expected[step][1], acc[0].toFloatArray()[0], 1e-7 * expected[step][1] * 10, "E[g^2] after step " + (step + 1));
                assertEquals(expected[step][2], acc[1].toFloatArray()[0], 1e-5 * expected[step][2], "E[d^2] after step " + (step + 1));
            }
        }
    }

    @Test
    void rejectsInvalidSettings() {
        assertThrows(IllegalArgumentException.class, () -> new AdaDelta(0f, 0.95f, 1e-7f));
        assertThrows(IllegalArgumentException.class, () -> new AdaDelta(1f, 1f, 1e-7f));
        assertThrows(IllegalArgumentException.class, () -> new AdaDelta(1f, 0.95f, 0f));
    }
}
