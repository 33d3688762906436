package dev.splot.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.java.JavaBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Whole training steps of a scaled-down seed model (conv-relu-conv-relu-pool-dropout-dense-relu-dropout-dense,
 * softmax cross-entropy, AdaDelta) built from backend operations only: three steps in a row on OpenCL against the
 * Java reference with the same dropout masks, and the same three steps twice on OpenCL with identical bits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenClTrainingStepTest {
    /**
     * Parameters, gradients, AdaDelta accumulators and masks after each step: normalised max error, the conformance
     * suite's tolerance. Measured on PoCL: about 7e-8 (summation order only); a wrong mask, index or gradient gives
     * errors of order 1.
     */
    static final double TOLERANCE = 1e-5;

    private Backend reference, backend;

    @BeforeAll
    void start() {
        reference = new JavaBackend();
        backend = OpenClBackendConformanceTest.startOrNull();
    }

    @BeforeEach
    void skipWhenUnavailable() {
        OpenClBackendConformanceTest.abortIfUnavailable();
    }

    @AfterAll
    void stop() {
        if (backend != null) backend.close();
        if (reference != null) reference.close();
    }

    /** The model's tensors on one backend. */
    static final class Net implements AutoCloseable {
        static final int N = 6, H = 14, C1 = 4, C2 = 6, HID = 16, K = 10;
        final Backend be;
        final ConvGeometry g1 = ConvGeometry.of(N, 1, H, H, C1, 3, 3, 1, Padding.VALID);
        final ConvGeometry g2 = ConvGeometry.of(N, C1, H - 2, H - 2, C2, 3, 3, 1, Padding.VALID);
        final PoolGeometry pg = PoolGeometry.of(N, C2, H - 4, H - 4, 2, 2);
        final int flat = C2 * pg.outH() * pg.outW();
        final List<Tensor> all = new ArrayList<>();
        final Tensor[] params, grads, accG, accD;
        final Tensor x, labels, a1, a2, p, arg, d1, d1mask, h, hr, d2, d2mask, logits, dlogits, dh2, dh, dflat, dp, da2, da1;

        static int[][] paramShapes() {
            int flat = C2 * ((H - 4) / 2) * ((H - 4) / 2);
            return new int[][] {{C1, 1, 3, 3}, {C1}, {C2, C1, 3, 3}, {C2}, {HID, flat}, {HID}, {K, HID}, {K}};
        }

        Net(Backend be, float[][] init) {
            this.be = be;
            int[][] shapes = paramShapes();
            params = new Tensor[shapes.length];
            grads = new Tensor[shapes.length];
            accG = new Tensor[shapes.length];
            accD = new Tensor[shapes.length];
            for (int i = 0; i < shapes.length; i++) {
                params[i] = t(shapes[i]);
                be.upload(params[i], init[i]);
                grads[i] = t(shapes[i]);
                accG[i] = t(shapes[i]);
                accD[i] = t(shapes[i]);
            }
            x = t(g1.inputShape());
            labels = track(be.allocate(DType.INT32, N));
            a1 = t(g1.outputShape());
            a2 = t(g2.outputShape());
            p = t(pg.outputShape());
            arg = track(be.allocate(DType.INT32, pg.outputShape()));
            d1 = t(N, flat);
            d1mask = t(N, flat);
            h = t(N, HID);
            hr = t(N, HID);
            d2 = t(N, HID);
            d2mask = t(N, HID);
            logits = t(N, K);
            dlogits = t(N, K);
            dh2 = t(N, HID);
            dh = t(N, HID);
            dflat = t(N, flat);
            dp = t(pg.outputShape());
            da2 = t(g2.outputShape());
            da1 = t(g1.outputShape());
        }

        private Tensor t(int... shape) {
            return track(be.allocate(shape));
        }

        private Tensor track(Tensor t) {
            all.add(t);
            return t;
        }

        /** One training step; returns {mean loss, correct}. */
        double[] step(float[] input, int[] labelValues, long seed, long stepIndex) {
            be.upload(x, input);
            be.upload(labels, labelValues);
            be.conv2dForward(x, params[0], params[1], a1, g1);
            be.reluForward(a1, a1);
            be.conv2dForward(a1, params[2], params[3], a2, g2);
            be.reluForward(a2, a2);
            be.maxPoolForward(a2, p, arg, pg);
            be.dropoutForward(p.reshape(N, flat), d1, d1mask, 0.25f, seed, stepIndex, 3);
            be.denseForward(d1, params[4], params[5], h);
            be.reluForward(h, hr);
            be.dropoutForward(hr, d2, d2mask, 0.5f, seed, stepIndex, 6);
            be.denseForward(d2, params[6], params[7], logits);
            LossResult loss = be.softmaxCrossEntropy(logits, labels, dlogits);
            be.denseBackward(dlogits, d2, params[6], dh2, grads[6], grads[7]);
            be.dropoutBackward(dh2, d2mask, dh2);
            be.reluBackward(dh2, hr, dh);
            be.denseBackward(dh, d1, params[4], dflat, grads[4], grads[5]);
            be.dropoutBackward(dflat, d1mask, dflat);
            be.maxPoolBackward(dflat.reshape(pg.outputShape()), arg, da2, pg);
            be.reluBackward(da2, a2, da2);
            be.conv2dBackwardWeights(a1, da2, grads[2], grads[3], g2);
            be.conv2dBackwardData(da2, params[2], da1, g2);
            be.reluBackward(da1, a1, da1);
            be.conv2dBackwardWeights(x, da1, grads[0], grads[1], g1);
            for (int i = 0; i < params.length; i++) be.adadeltaUpdate(params[i], grads[i], accG[i], accD[i], 1.0f, 0.95f, 1e-7f);
            return new double[] {loss.meanLoss(), loss.correct()};
        }

        float[] state() {
            List<float[]> parts = new ArrayList<>();
            for (Tensor[] group : new Tensor[][] {params, grads, accG, accD}) for (Tensor t : group) parts.add(t.toFloatArray());
            parts.add(d1mask.toFloatArray());
            parts.add(d2mask.toFloatArray());
            return BackendConformanceTest.concat(parts.toArray(new float[0][]));
        }

        @Override
        public void close() {
            for (Tensor t : all) t.close();
        }
    }

    /** Glorot-like uniform weights and small uniform biases, from a fixed seed. */
    private static float[][] init() {
        int[][] shapes = Net.paramShapes();
        SplittableRandom r = new SplittableRandom(99);
        float[][] init = new float[shapes.length][];
        for (int i = 0; i < shapes.length; i++) {
            init[i] = new float[(int) Shapes.size(shapes[i])];
            double fanIn = init[i].length / (double) shapes[i][0];
            double limit = shapes[i].length == 1 ? 0.1 : Math.sqrt(3.0 / fanIn);
            for (int k = 0; k < init[i].length; k++) init[i][k] = (float) ((r.nextDouble() * 2 - 1) * limit);
        }
        return init;
    }

    private static float[][] batches(int steps) {
        SplittableRandom r = new SplittableRandom(5);
        float[][] b = new float[steps][Net.N * Net.H * Net.H];
        for (float[] x : b) for (int k = 0; k < x.length; k++) x[k] = (float) r.nextDouble();
        return b;
    }

    private static int[][] labels(int steps) {
        SplittableRandom r = new SplittableRandom(6);
        int[][] l = new int[steps][Net.N];
        for (int[] x : l) for (int k = 0; k < x.length; k++) x[k] = r.nextInt(Net.K);
        return l;
    }

    private static double[][] train(Backend be, int steps, List<float[]> states) {
        float[][] xs = batches(steps);
        int[][] ys = labels(steps);
        double[][] losses = new double[steps][];
        try (Net net = new Net(be, init())) {
            for (int s = 0; s < steps; s++) {
                losses[s] = net.step(xs[s], ys[s], 0x5eedL, s);
                states.add(net.state());
            }
        }
        return losses;
    }

    @Test
    void threeStepsMatchTheJavaReference() {
        List<float[]> expected = new ArrayList<>(), actual = new ArrayList<>();
        double[][] lossRef = train(reference, 3, expected);
        double[][] lossCl = train(backend, 3, actual);
        for (int s = 0; s < 3; s++) {
            assertEquals(lossRef[s][0], lossCl[s][0], 1e-5 * Math.max(1, Math.abs(lossRef[s][0])), "loss of step " + s);
            assertEquals(lossRef[s][1], lossCl[s][1], "correct count of step " + s);
            BackendConformanceTest.assertClose("state after step " + s, expected.get(s), actual.get(s), TOLERANCE);
        }
        assertTrue(lossRef[0][0] > 0);
    }

    @Test
    void threeStepsTwiceGiveIdenticalBits() {
        List<float[]> first = new ArrayList<>(), second = new ArrayList<>();
        double[][] l1 = train(backend, 3, first);
        double[][] l2 = train(backend, 3, second);
        for (int s = 0; s < 3; s++) {
            assertEquals(Double.doubleToRawLongBits(l1[s][0]), Double.doubleToRawLongBits(l2[s][0]), "loss bits of step " + s);
            assertArrayEquals(OpenClBackendConformanceTest.toBits(first.get(s)), OpenClBackendConformanceTest.toBits(second.get(s)),
                    "state bits after step " + s);
        }
    }
}
