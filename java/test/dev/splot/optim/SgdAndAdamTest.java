package dev.splot.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.splot.backend.Backend;
import dev.splot.backend.Tensor;
import dev.splot.backend.java.JavaBackend;
import dev.splot.nn.Parameter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SGD, Adam and AdamW against steps worked out by hand (in double precision, shown in each test)
 * from one parameter p = 1 with lr 0.1. Tolerance 1e-6: the float32 run rounds each of the few
 * operations per step to within 6e-8 of values at most about 1.3, so it stays well inside 1e-6 of
 * the exact result, while a missing or misplaced term (the bias correction, the weight decay, the
 * dampening, Nesterov's look-ahead) moves p by 1e-3 or more.
 */
class SgdAndAdamTest {
    static final double TOL = 1e-6;

    final Backend be = new JavaBackend();
    final Tensor p = be.allocate(1);
    final Tensor g = be.allocate(1);
    final Parameter param = new Parameter("w", p, g);

    @AfterEach
    void close() {
        p.close();
        g.close();
        be.close();
    }

    /** Runs {@code opt} on the gradients in turn; returns {p, first state tensor} after each step. */
    double[][] run(Optimizer opt, float... grads) {
        be.fill(p, 1f);
        double[][] out = new double[grads.length][];
        for (int i = 0; i < grads.length; i++) {
            be.fill(g, grads[i]);
            opt.step(List.of(param));
            Map<String, Tensor> s = opt.state(List.of(param));
            out[i] = new double[] {p.toFloatArray()[0], s.isEmpty() ? Double.NaN : s.values().iterator().next().toFloatArray()[0]};
        }
        return out;
    }

    /**
     * momentum 0.9, weight decay 0.01, gradients 0.5, -0.25, 1.0:
     * step 1: d = 0.5 + 0.01*1 = 0.51; buf = d = 0.51 (the first step copies); p = 1 - 0.1*0.51 = 0.949.
     * step 2: d = -0.25 + 0.01*0.949 = -0.24051; buf = 0.9*0.51 + d = 0.21849; p = 0.949 - 0.021849 = 0.927151.
     * step 3: d = 1 + 0.00927151 = 1.00927151; buf = 0.9*0.21849 + d = 1.20591251; p = 0.927151 - 0.120591251 = 0.806559749.
     */
    @Test
    void sgdWithMomentumAndWeightDecay() {
        try (Sgd opt = new Sgd(0.1f, 0.9f, 0f, 0.01f, false)) {
            double[][] r = run(opt, 0.5f, -0.25f, 1.0f);
            double[][] expected = {{0.949, 0.51}, {0.927151, 0.21849}, {0.806559749, 1.20591251}};
            for (int i = 0; i < 3; i++) {
                assertEquals(expected[i][0], r[i][0], TOL, "p after step " + (i + 1));
                assertEquals(expected[i][1], r[i][1], TOL, "momentum buffer after step " + (i + 1));
            }
        }
    }

    /**
     * As above with Nesterov: the step uses d + 0.9 buf.
     * step 1: d = 0.51, buf = 0.51; p = 1 - 0.1*(0.51 + 0.459) = 0.9031.
     * step 2: d = -0.25 + 0.009031 = -0.240969; buf = 0.459 + d = 0.218031; p = 0.9031 - 0.1*(d + 0.1962279) = 0.90757411.
     */
    @Test
    void sgdWithNesterovMomentum() {
        try (Sgd opt = new Sgd(0.1f, 0.9f, 0f, 0.01f, true)) {
            double[][] r = run(opt, 0.5f, -0.25f);
            assertEquals(0.9031, r[0][0], TOL);
            assertEquals(0.90757411, r[1][0], TOL);
            assertEquals(0.218031, r[1][1], TOL);
        }
    }

    /**
     * Plain SGD keeps no state; dampening 0.5 halves the gradient's share after the first step:
     * plain: p = 1 - 0.1*0.5 = 0.95, then 0.95 + 0.025 = 0.975.
     * dampening: buf = 0.5, p = 0.95; buf = 0.9*0.5 + 0.5*(-0.25) = 0.325, p = 0.95 - 0.0325 = 0.9175.
     */
    @Test
    void plainSgdAndDampening() {
        try (Sgd plain = new Sgd(0.1f, 0f)) {
            double[][] r = run(plain, 0.5f, -0.25f);
            assertEquals(0.95, r[0][0], TOL);
            assertEquals(0.975, r[1][0], TOL);
            assertEquals(Map.of(), plain.state(List.of(param)));
        }
        try (Sgd damped = new Sgd(0.1f, 0.9f, 0.5f, 0f, false)) {
            double[][] r = run(damped, 0.5f, -0.25f);
            assertEquals(0.95, r[0][0], TOL);
            assertEquals(0.325, r[1][1], TOL);
            assertEquals(0.9175, r[1][0], TOL);
        }
    }

    /**
     * betas (0.9, 0.999), eps 1e-8, gradients 0.5, -0.25. The bias corrections make the first
     * step lr * sign(g) whatever g's size; without them it would be 0.1*0.05/sqrt(0.00025) = 0.316.
     * step 1: m = 0.1*0.5 = 0.05, v = 0.001*0.25 = 0.00025; c1 = 1 - 0.9 = 0.1, c2 = 1 - 0.999 = 0.001;
     *         p = 1 - (0.1/0.1) * 0.05 / (sqrt(0.00025)/sqrt(0.001) + 1e-8) = 1 - 0.05/0.50000001 = 0.900000002.
     * step 2: m = 0.045 - 0.025 = 0.02, v = 0.999*0.00025 + 0.001*0.0625 = 0.00031225; c1 = 1 - 0.81 = 0.19,
     *         c2 = 1 - 0.998001 = 0.001999; p = 0.900000002 - (0.1/0.19) * 0.02 / (sqrt(0.00031225)/sqrt(0.001999) + 1e-8)
     *         = 0.900000002 - 0.526316 * 0.02 / 0.3952253 = 0.8733662987.
     */
    @Test
    void adamBiasCorrectionAtSteps1And2() {
        try (Adam opt = new Adam(0.1f, 0.9f, 0.999f, 1e-8f, 0f)) {
            double[][] r = run(opt, 0.5f, -0.25f);
            assertEquals(0.900000002, r[0][0], TOL, "step 1");
            assertEquals(0.05, r[0][1], TOL, "exp_avg after step 1");
            assertEquals(0.8733662987, r[1][0], TOL, "step 2");
            assertEquals(0.02, r[1][1], TOL, "exp_avg after step 2");
            assertEquals(2, opt.steps());
        }
    }

    /**
     * Weight decay 0.1. Adam adds 0.1 p to the gradient: step 1 d = 0.6, m = 0.06, v = 0.00036, the step is
     * still 0.1 * 0.06/0.1 / (0.6 + 1e-8): p = 0.9000000017; step 2 d = -0.25 + 0.09 = -0.16: p = 0.8544413675.
     * AdamW decays p first and leaves the gradient alone: step 1 p = 1*(1 - 0.1*0.1) = 0.99, then the Adam
     * step of 0.1: 0.890000002; step 2 p = 0.890000002*0.99 - (Adam's step 2 above, 0.0266337) = 0.8544662987.
     */
    @Test
    void adamL2PenaltyAndAdamWDecoupledDecay() {
        try (Adam adam = new Adam(0.1f, 0.9f, 0.999f, 1e-8f, 0.1f)) {
            double[][] r = run(adam, 0.5f, -0.25f);
            assertEquals(0.9000000017, r[0][0], TOL);
            assertEquals(0.06, r[0][1], TOL);
            assertEquals(0.8544413675, r[1][0], TOL);
        }
        try (AdamW adamw = new AdamW(0.1f, 0.9f, 0.999f, 1e-8f, 0.1f)) {
            double[][] r = run(adamw, 0.5f, -0.25f);
            assertEquals(0.890000002, r[0][0], TOL);
            assertEquals(0.05, r[0][1], TOL);
            assertEquals(0.8544662987, r[1][0], TOL);
        }
    }

    @Test
    void pytorchDefaultsAndSettingsRoundTrip() {
        try (Adam a = new Adam(); AdamW w = new AdamW(); Sgd s = new Sgd()) {
            assertEquals(Map.of("lr", "0.001", "beta1", "0.9", "beta2", "0.999", "eps", "1.0E-8", "weight_decay", "0.0", "steps", "0"),
                    a.config());
            assertEquals("0.01", w.config().get("weight_decay"));
            assertEquals(Map.of("lr", "0.001", "momentum", "0.0", "dampening", "0.0", "weight_decay", "0.0", "nesterov", "false",
                    "steps", "0"), s.config());
            for (Optimizer o : List.of(a, w, s)) {
                try (Optimizer copy = Optimizers.create(o.type(), o.config())) {
                    assertEquals(o.getClass(), copy.getClass());
                    assertEquals(o.config(), copy.config());
                }
            }
        }
    }

    @Test
    void rejectsInvalidSettings() {
        assertThrows(IllegalArgumentException.class, () -> new Sgd(0f, 0f));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(0.1f, 1f));
        var e = assertThrows(IllegalArgumentException.class, () -> new Sgd(0.1f, 0f, 0f, 0f, true));
        assertEquals("SGD with Nesterov momentum needs momentum > 0 and dampening 0; got momentum=0.0 dampening=0.0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.1f, 1f, 0.999f, 1e-8f, 0f));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(0.1f, 0.9f, 0.999f, 0f, 0f));
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.1f, 0.9f, 0.999f, 1e-8f, -1f));
        var missing = assertThrows(IllegalArgumentException.class, () -> Optimizers.create("adam", Map.of("lr", "0.1")));
        assertEquals("adam setting \"beta1\" is missing", missing.getMessage());
    }

    @Test
    void aScheduleSetsTheRateOfTheFollowingStepsOnly() {
        try (Sgd opt = new Sgd(0.1f, 0f)) {
            opt.learningRate(0.05);
            assertEquals(0.05f, opt.learningRate(), 0);
            assertEquals(0.1f, opt.baseLearningRate(), 0);
            assertEquals("0.1", opt.config().get("lr"));
            double[][] r = run(opt, 0.5f);
            assertEquals(1 - 0.05 * 0.5, r[0][0], TOL);
            assertThrows(IllegalArgumentException.class, () -> opt.learningRate(Double.NaN));
        }
    }
}
