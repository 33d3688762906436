package dev.splot.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.splot.testing.BackendSuite;
import dev.splot.testing.Outputs;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite every backend passes: each operation against the Java reference on
 * random data, over shapes with odd sizes, batch 1, stride 2, 'same' padding and channel counts
 * that are not multiples of any vector width. A backend's test class extends this and says how
 * to start the backend ({@link BackendSuite}).
 *
 * <p>Tolerance: each output (y, dx, dW, db, ... separately, never one normalised by another's
 * magnitude) is compared by the largest absolute difference divided by its own largest absolute
 * reference value. Both sides accumulate in float32 but in different orders; for sums of K
 * products of values in [-1, 1] the rounding difference grows like sqrt(K) * 2^-24 relative to
 * the result's scale (about 1e-6 for the largest K here, 9216), so {@value #TOLERANCE} leaves
 * room for unlucky orders while any indexing or semantic error gives differences of order 1. The
 * weight and bias gradients sum at most 3 x 26 x 26 = 2028 terms per element here, so the same
 * bound holds for each on its own scale. Winograd F(4x4,3x3) (the native backend's 3x3 stride-1
 * convolutions from 8 channels up) also rounds its transformed values, which its transforms scale
 * by up to 10 and 19 per dimension: against a double-precision direct convolution at conv2's shape
 * (batch 128, native/bench/conv_error.cpp) its error is at most 5.5e-6 of the output's scale
 * (forward; 3.9e-6 backward-data, 3.1e-6 backward-weights), about 20x F(2x2)'s, so 1e-5 holds it
 * too, with a margin of 1.8x, and no algorithm gets a wider tolerance. Operations without sums
 * (ReLU, max-pool values and argmax, dropout, copies) must match exactly. The fused ops' part of
 * the suite is in its superclass, {@link FusedOpsConformanceTest}.
 */
public abstract class BackendConformanceTest extends FusedOpsConformanceTest {
    static final double TOLERANCE = 1e-5;


    static List<ConvGeometry> convCases() {
        return List.of(
                ConvGeometry.of(1, 1, 5, 5, 1, 3, 3, 1, Padding.VALID),
                ConvGeometry.of(2, 3, 7, 6, 5, 3, 3, 1, Padding.SAME),
                ConvGeometry.of(3, 2, 9, 8, 4, 3, 3, 2, Padding.VALID),
                ConvGeometry.of(2, 3, 8, 9, 3, 3, 3, 2, Padding.SAME),
                ConvGeometry.of(1, 5, 6, 7, 7, 1, 1, 1, Padding.VALID),
                ConvGeometry.of(2, 4, 10, 10, 6, 5, 5, 1, Padding.SAME),
                ConvGeometry.of(1, 3, 11, 13, 9, 2, 4, 3, Padding.SAME),
                ConvGeometry.of(3, 1, 28, 28, 32, 3, 3, 1, Padding.VALID),
                ConvGeometry.of(2, 32, 26, 26, 64, 3, 3, 1, Padding.VALID),
                ConvGeometry.of(1, 17, 12, 11, 33, 3, 3, 1, Padding.VALID),
                // few taps (OpenCL's direct weight gradient on CPUs): stride 2 with padding, and 16 taps of a 2x4 kernel
                ConvGeometry.of(2, 1, 9, 8, 3, 3, 3, 2, Padding.SAME),
                ConvGeometry.of(3, 2, 11, 13, 5, 2, 4, 3, Padding.SAME),
                // Winograd (auto) edges: odd output sizes with 'same' padding; 210 2x2 tiles, so
                // the 96-tile blocks end in the middle of a row of tiles
                ConvGeometry.of(1, 9, 7, 5, 10, 3, 3, 1, Padding.SAME),
                ConvGeometry.of(2, 8, 30, 27, 8, 3, 3, 1, Padding.SAME),
                // native F(4x4) puts images of at most one block side by side in one GEMM: 36 tiles
                // each, two to a group, so three images end in a group of one
                ConvGeometry.of(3, 3, 26, 25, 5, 3, 3, 1, Padding.VALID),
                // more images than native backward-weights' 16 batch chunks: chunks of one and two
                // images, whose tiles (6 of F(4x4), 20 of F(2x2)) go into one GEMM per group
                ConvGeometry.of(19, 3, 9, 7, 5, 3, 3, 1, Padding.SAME),
                // OpenCL F(4x4) (auto, from 8 channels): outputs of whole 4x4 tiles, groups of two images in the
                // pooling backward, the last one short, and 3 output channels, fewer than one register block of the
                // fused kernels
                ConvGeometry.of(19, 8, 10, 10, 3, 3, 3, 1, Padding.VALID));
    }

    static List<PoolGeometry> poolCases() {
        return List.of(
                PoolGeometry.of(1, 1, 2, 2, 2, 2),
                PoolGeometry.of(2, 3, 6, 6, 2, 2),
                PoolGeometry.of(1, 4, 7, 5, 2, 2),
                PoolGeometry.of(2, 2, 9, 9, 3, 2), // overlapping windows
                PoolGeometry.of(3, 64, 24, 24, 2, 2));
    }

    // {20, 1100, 40}: the native long-K forward's 8-row transposes into 6-row panels (batch >= 8),
    // a K block that is not a multiple of 8, two K groups, and a last column panel of 8;
    // {5, 4099, 7}: OpenCL's backward GEMMs with B's rows 16 KiB apart copy each work-item's strip of B (gemm_strip, STRIP_K in
    // gemm.cl), here with a partial last strip of 3 columns
    static final int[][] DENSE_CASES = {{1, 9, 7}, {3, 33, 10}, {5, 130, 129}, {2, 1, 1}, {7, 300, 17}, {4, 9216, 128},
            {20, 1100, 40}, {5, 4099, 7}};

    // ---- convolution --------------------------------------------------------------------------

    @Test
    void conv2dForward() {
        requireOps(dev.splot.backend.Op.CONV2D_FORWARD);
        for (ConvGeometry g : convCases()) {
            float[] x = rand(g.inputShape()), w = rand(g.weightShape()), b = rand(g.o());
            Op op = be -> {
                try (Tensor tx = up(be, x, g.inputShape()); Tensor tw = up(be, w, g.weightShape()); Tensor tb = up(be, b, g.o());
                     Tensor ty = be.allocate(g.outputShape())) {
                    be.fill(ty, Float.NaN); // the output must be overwritten, not accumulated into
                    be.conv2dForward(tx, tw, tb, ty, g);
                    return new Outputs().add("y", ty);
                }
            };
            run(reference, op).assertMatchedBy(run(backend, op), TOLERANCE, "conv2dForward " + g);
        }
    }

    @Test
    void conv2dBackwardData() {
        requireOps(dev.splot.backend.Op.CONV2D_BACKWARD_DATA);
        for (ConvGeometry g : convCases()) {
            float[] dy = rand(g.outputShape()), w = rand(g.weightShape());
            Op op = be -> {
                try (Tensor tdy = up(be, dy, g.outputShape()); Tensor tw = up(be, w, g.weightShape());
                     Tensor tdx = be.allocate(g.inputShape())) {
                    be.fill(tdx, Float.NaN);
                    be.conv2dBackwardData(tdy, tw, tdx, g);
                    return new Outputs().add("dx", tdx);
                }
            };
            run(reference, op).assertMatchedBy(run(backend, op), TOLERANCE, "conv2dBackwardData " + g);
        }
    }

    @Test
    void conv2dBackwardWeights() {
        requireOps(dev.splot.backend.Op.CONV2D_BACKWARD_WEIGHTS);
        for (ConvGeometry g : convCases()) {
            float[] x = rand(g.inputShape()), dy = rand(g.outputShape());
            Op dwOp = be -> {
                try (Tensor tx = up(be, x, g.inputShape()); Tensor tdy = up(be, dy, g.outputShape());
                     Tensor tdw = be.allocate(g.weightShape()); Tensor tdb = be.allocate(g.o())) {
                    be.fill(tdw, Float.NaN);
                    be.fill(tdb, Float.NaN);
                    be.conv2dBackwardWeights(tx, tdy, tdw, tdb, g);
                    return new Outputs().add("dW", tdw).add("db", tdb);
                }
            };
            run(reference, dwOp).assertMatchedBy(run(backend, dwOp), TOLERANCE, "conv2dBackwardWeights " + g);
        }
    }

    // ---- pooling ------------------------------------------------------------------------------

    @Test
    void maxPoolForwardAndBackward() {
        requireOps(dev.splot.backend.Op.MAX_POOL_FORWARD, dev.splot.backend.Op.MAX_POOL_BACKWARD);
        for (PoolGeometry g : poolCases()) {
            float[] x = rand(g.inputShape());
            x[0] = x[1]; // a tie: the first maximum must win on every backend
            float[] dy = rand(g.outputShape());
            Op op = be -> {
                try (Tensor tx = up(be, x, g.inputShape()); Tensor ty = be.allocate(g.outputShape());
                     Tensor ta = be.allocate(DType.INT32, g.outputShape()); Tensor tdy = up(be, dy, g.outputShape());
                     Tensor tdx = be.allocate(g.inputShape())) {
                    be.fill(tdx, Float.NaN);
                    be.maxPoolForward(tx, ty, ta, g);
                    be.maxPoolBackward(tdy, ta, tdx, g);
                    return new Outputs().add("argmax", ta).add("dx", tdx).add("y", ty);
                }
            };
            Outputs expected = run(reference, op), actual = run(backend, op);
            // y copies inputs: exact. argmax: exact (an integer output). dx: overlapping windows add
            // gradients in a backend-specific order, hence the tolerance
            assertArrayEquals(expected.floats("y"), actual.floats("y"), "maxPool " + g + ": y");
            expected.assertMatchedBy(actual, TOLERANCE, "maxPool " + g);
        }
    }

    // ---- element-wise -------------------------------------------------------------------------

    @Test
    void reluForwardAndBackward() {
        requireOps(dev.splot.backend.Op.RELU_FORWARD, dev.splot.backend.Op.RELU_BACKWARD);
        for (int size : new int[] {1, 7, 1000, 4097}) {
            float[] x = rand(size), dy = rand(size);
            x[0] = 0f;
            if (size > 1) x[1] = Float.NaN; // NaN must propagate forward (and give a zero gradient)
            Op op = be -> {
                try (Tensor tx = up(be, x, size); Tensor ty = be.allocate(size); Tensor tdy = up(be, dy, size);
                     Tensor tdx = be.allocate(size)) {
                    be.reluForward(tx, ty);
                    be.reluBackward(tdy, ty, tdx);
                    return new Outputs().add("y", ty).add("dx", tdx);
                }
            };
            run(reference, op).assertSameBitsAs(run(backend, op), "relu size " + size);
        }
    }

    @Test
    void dropoutMasksAreIdenticalToTheReference() {
        requireOps(dev.splot.backend.Op.DROPOUT_FORWARD, dev.splot.backend.Op.DROPOUT_BACKWARD);
        for (int size : new int[] {1, 5, 1000, 9216 * 3 + 1}) {
            for (float rate : new float[] {0f, 0.25f, 0.5f}) {
                float[] x = rand(size), dy = rand(size);
                Op op = be -> {
                    try (Tensor tx = up(be, x, size); Tensor ty = be.allocate(size); Tensor tm = be.allocate(size);
                         Tensor tdy = up(be, dy, size); Tensor tdx = be.allocate(size)) {
                        be.dropoutForward(tx, ty, tm, rate, 0x5eed_1234_5678L, (1L << 33) + 7, 3);
                        be.dropoutBackward(tdy, tm, tdx);
                        return new Outputs().add("mask", tm).add("y", ty).add("dx", tdx);
                    }
                };
                run(reference, op).assertSameBitsAs(run(backend, op), "dropout size " + size + " rate " + rate);
            }
        }
    }

    /**
     * A data-parallel worker runs a slice of a batch with the stream index of its first element: its
     * mask must be exactly that slice of the whole batch's mask, checked against the definition
     * (Philox.dropoutScale of the global index) at every alignment to Philox's 4-word blocks, across
     * the 64-element (native) and 32-element (OpenCL) steps, and past 2^32 elements.
     */
    @Test
    void dropoutMaskOfASliceIsThatSliceOfTheWholeBatchMask() {
        requireOps(dev.splot.backend.Op.DROPOUT_FORWARD);
        long seed = 0x5eed_1234_5678L, step = (1L << 33) + 7;
        int layer = 3;
        float rate = 0.25f;
        long[][] slices = {{0, 100}, {1, 1}, {1, 100}, {2, 63}, {3, 9216 + 5}, {4, 37}, {9216L * 2 + 3, 9216 - 2}, {(1L << 34) + 5, 70}};
        for (long[] slice : slices) {
            long first = slice[0];
            int size = (int) slice[1];
            float[] x = rand(size);
            try (Tensor tx = up(backend, x, size); Tensor ty = backend.allocate(size); Tensor tm = backend.allocate(size)) {
                backend.dropoutForward(tx, ty, tm, rate, seed, step, layer, first);
                float[] mask = tm.toFloatArray(), y = ty.toFloatArray();
                for (int i = 0; i < size; i++) {
                    float expected = Philox.dropoutScale(seed, step, layer, first + i, rate);
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(mask[i]),
                            backend.name() + ": mask element " + i + " of the slice from " + first + " (size " + size + ")");
                    assertEquals(Float.floatToRawIntBits(x[i] * expected), Float.floatToRawIntBits(y[i]),
                            backend.name() + ": y element " + i + " of the slice from " + first);
                }
            }
        }
    }

    // ---- dense --------------------------------------------------------------------------------

    @Test
    void denseForwardAndBackward() {
        requireOps(dev.splot.backend.Op.DENSE_FORWARD, dev.splot.backend.Op.DENSE_BACKWARD);
        for (int[] c : DENSE_CASES) {
            int n = c[0], in = c[1], out = c[2];
            float[] x = rand(n * in), w = rand(out * in), b = rand(out), dy = rand(n * out);
            Op op = be -> {
                try (Tensor tx = up(be, x, n, in); Tensor tw = up(be, w, out, in); Tensor tb = up(be, b, out);
                     Tensor ty = be.allocate(n, out); Tensor tdy = up(be, dy, n, out); Tensor tdx = be.allocate(n, in);
                     Tensor tdw = be.allocate(out, in); Tensor tdb = be.allocate(out)) {
                    be.fill(ty, Float.NaN);
                    be.fill(tdx, Float.NaN);
                    be.fill(tdw, Float.NaN);
                    be.denseForward(tx, tw, tb, ty);
                    be.denseBackward(tdy, tx, tw, tdx, tdw, tdb);
                    Outputs outputs = new Outputs().add("y", ty).add("dx", tdx).add("dW", tdw).add("db", tdb);
                    be.fill(tdw, Float.NaN);
                    be.denseBackward(tdy, tx, tw, null, tdw, tdb); // dx is optional
                    return outputs.add("dW without dx", tdw);
                }
            };
            run(reference, op).assertMatchedBy(run(backend, op), TOLERANCE, "dense n=" + n + " in=" + in + " out=" + out);
        }
    }

    // ---- loss ---------------------------------------------------------------------------------

    @Test
    void softmaxCrossEntropyAndSoftmax() {
        requireOps(dev.splot.backend.Op.SOFTMAX_CROSS_ENTROPY, dev.splot.backend.Op.SOFTMAX);
        for (int[] c : new int[][] {{1, 10}, {7, 3}, {128, 10}, {3, 1000}}) {
            int n = c[0], k = c[1];
            float[] logits = rand(n * k);
            for (int j = 0; j < logits.length; j++) logits[j] *= 20f; // large logits test the max subtraction
            int[] labels = new int[n];
            for (int r = 0; r < n; r++) labels[r] = randomInt(k);
            double[] losses = new double[2];
            int[] correct = new int[2];
            Outputs[] grads = new Outputs[2];
            Backend[] both = {reference, backend};
            for (int s = 0; s < 2; s++) {
                Backend be = both[s];
                try (Tensor tl = up(be, logits, n, k); Tensor tlab = be.allocate(DType.INT32, n);
                     Tensor td = be.allocate(n, k); Tensor tp = be.allocate(n, k)) {
                    be.upload(tlab, labels);
                    LossResult r = be.softmaxCrossEntropy(tl, tlab, td);
                    be.softmax(tl, tp);
                    losses[s] = r.meanLoss();
                    correct[s] = r.correct();
                    grads[s] = new Outputs().add("dlogits", td).add("softmax", tp);
                    assertEquals(n, r.count());
                }
            }
            assertEquals(losses[0], losses[1], TOLERANCE * Math.max(1, Math.abs(losses[0])), "loss n=" + n + " k=" + k);
            assertEquals(correct[0], correct[1], "correct n=" + n + " k=" + k);
            grads[0].assertMatchedBy(grads[1], TOLERANCE, "softmax n=" + n + " k=" + k);
        }
    }

    // ---- optimizer ----------------------------------------------------------------------------

    @Test
    void adadeltaUpdate() {
        requireOps(dev.splot.backend.Op.ADADELTA_UPDATE);
        for (int size : new int[] {1, 9, 4099}) {
            float[] p = rand(size), g = rand(size), ag = abs(rand(size)), ad = abs(rand(size));
            Op op = be -> {
                try (Tensor tp = up(be, p, size); Tensor tg = up(be, g, size); Tensor tag = up(be, ag, size);
                     Tensor tad = up(be, ad, size)) {
                    for (int step = 0; step < 3; step++) be.adadeltaUpdate(tp, tg, tag, tad, 1.0f, 0.95f, 1e-7f);
                    return new Outputs().add("parameter", tp).add("E[g^2]", tag).add("E[dx^2]", tad);
                }
            };
            // element-wise float math; a fused multiply-add may round differently in the last bit
            run(reference, op).assertMatchedBy(run(backend, op), 1e-6, "adadelta size " + size);
        }
    }

    /**
     * Optimizer sizes: one element, an odd few, and 2^15 + 3 (the native backend's element-wise
     * tasks take 2^15 elements each, so the last task is a short one).
     */
    static final int[] OPTIMIZER_SIZES = {1, 9, 32771};

    /**
     * Three SGD steps (the first sets the momentum buffer, the next two average into it) for plain
     * SGD with weight decay, momentum with dampening, and Nesterov momentum with weight decay. The
     * same float operations in the same order on every backend: only a fused multiply-add (where a
     * device contracts one) may round differently, by an ulp per step, hence 1e-6 as for AdaDelta.
     */
    @Test
    void sgdUpdate() {
        requireOps(dev.splot.backend.Op.SGD_UPDATE);
        // {momentum, dampening, weight decay, nesterov (1/0)}
        float[][] settings = {{0f, 0f, 0.01f, 0}, {0.9f, 0.1f, 0f, 0}, {0.9f, 0f, 0.05f, 1}};
        for (int size : OPTIMIZER_SIZES) {
            for (float[] c : settings) {
                float[] p = rand(size), g1 = rand(size), g2 = rand(size);
                Op op = be -> {
                    try (Tensor tp = up(be, p, size); Tensor tg1 = up(be, g1, size); Tensor tg2 = up(be, g2, size);
                         Tensor buf = c[0] == 0 ? null : be.allocate(size)) {
                        for (int step = 0; step < 3; step++) {
                            be.sgdUpdate(tp, step == 1 ? tg2 : tg1, buf, 0.1f, c[0], c[1], c[2], c[3] == 1, step == 0);
                        }
                        Outputs o = new Outputs().add("parameter", tp);
                        return buf == null ? o : o.add("momentum buffer", buf);
                    }
                };
                run(reference, op).assertMatchedBy(run(backend, op), 1e-6, "sgd size " + size + " settings " + Arrays.toString(c));
            }
        }
    }

    // ---- average pooling and batch normalisation ---------------------------------------------

    static List<PoolGeometry> avgPoolCases() {
        List<PoolGeometry> cases = new java.util.ArrayList<>(poolCases());
        cases.add(PoolGeometry.global(2, 3, 7, 5)); // global average pooling: one window over each plane
        cases.add(PoolGeometry.global(1, 64, 12, 12));
        cases.add(PoolGeometry.global(3, 5, 1, 1));
        return cases;
    }

    @Test
    void avgPoolForwardAndBackward() {
        requireOps(dev.splot.backend.Op.AVG_POOL_FORWARD, dev.splot.backend.Op.AVG_POOL_BACKWARD);
        for (PoolGeometry g : avgPoolCases()) {
            float[] x = rand(g.inputShape()), dy = rand(g.outputShape());
            Op op = be -> {
                try (Tensor tx = up(be, x, g.inputShape()); Tensor ty = be.allocate(g.outputShape()); Tensor tdy = up(be, dy, g.outputShape());
                     Tensor tdx = be.allocate(g.inputShape())) {
                    be.fill(ty, Float.NaN);
                    be.fill(tdx, Float.NaN);
                    be.avgPoolForward(tx, ty, g);
                    be.avgPoolBackward(tdy, tdx, g);
                    return new Outputs().add("y", ty).add("dx", tdx);
                }
            };
            // the semantics fix the order of every sum (windows in row-major order, then one division), so
            // every backend must give the reference's bits
            run(reference, op).assertSameBitsAs(run(backend, op), "avgPool " + g);
        }
    }

    /** (n, c, h, w): batch 1, odd sizes, 1x1 planes (the statistics over the batch only), channels not a vector width. */
    static final int[][] BATCH_NORM_CASES = {{1, 3, 5, 7}, {4, 5, 3, 3}, {2, 17, 6, 5}, {3, 64, 12, 12}, {7, 2, 1, 1}, {2, 1, 1, 2}};

    /**
     * Three training steps (different batches, so the running statistics move), the backward pass of the last, then
     * inference with the running statistics, also on batch 1. Tolerance {@value #TOLERANCE} of each output's scale:
     * the sums are in double on every backend (float on an OpenCL device without fp64), then rounded to float.
     */
    @Test
    void batchNormForwardAndBackward() {
        requireOps(dev.splot.backend.Op.BATCH_NORM_FORWARD_TRAINING, dev.splot.backend.Op.BATCH_NORM_FORWARD_INFERENCE,
                dev.splot.backend.Op.BATCH_NORM_BACKWARD);
        for (int[] shape : BATCH_NORM_CASES) {
            int c = shape[1];
            float[][] xs = {offset(rand(shape), shape, 3f), offset(rand(shape), shape, -2f), offset(rand(shape), shape, 0.5f)};
            float[] gamma = rand(c), beta = rand(c), rm = rand(c), rv = abs(rand(c)), dy = rand(shape);
            int[] one = {1, c, shape[2], shape[3]};
            float[] single = rand(one);
            Op op = be -> {
                try (Tensor tg = up(be, gamma, c); Tensor tb = up(be, beta, c); Tensor trm = up(be, rm, c); Tensor trv = up(be, rv, c);
                     Tensor ty = be.allocate(shape); Tensor tmean = be.allocate(c); Tensor tinv = be.allocate(c);
                     Tensor tdy = up(be, dy, shape); Tensor tdx = be.allocate(shape); Tensor tdg = be.allocate(c);
                     Tensor tdb = be.allocate(c); Tensor tinf = be.allocate(shape); Tensor tone = up(be, single, one);
                     Tensor tyone = be.allocate(one)) {
                    Outputs out = new Outputs();
                    for (float[] x : xs) {
                        try (Tensor tx = up(be, x, shape)) {
                            be.fill(ty, Float.NaN);
                            be.batchNormForwardTraining(tx, tg, tb, ty, tmean, tinv, trm, trv, 0.1f, 1e-5f);
                            if (x == xs[2]) {
                                be.fill(tdx, Float.NaN);
                                be.batchNormBackward(tdy, tx, tg, tmean, tinv, tdx, tdg, tdb);
                                be.batchNormForwardInference(tx, tg, tb, trm, trv, tinf, 1e-5f);
                            }
                        }
                    }
                    be.batchNormForwardInference(tone, tg, tb, trm, trv, tyone, 1e-5f);
                    return out.add("y", ty).add("mean", tmean).add("invStd", tinv).add("running mean", trm).add("running var", trv)
                            .add("dx", tdx).add("dgamma", tdg).add("dbeta", tdb).add("inference y", tinf).add("batch-1 y", tyone);
                }
            };
            run(reference, op).assertMatchedBy(run(backend, op), TOLERANCE, "batchNorm " + java.util.Arrays.toString(shape));
        }
    }

    /**
     * Three Adam and three AdamW steps (steps 1 to 3, so the bias corrections change) from random
     * moments, with weight decay. Tolerance as for {@link #sgdUpdate}.
     */
    @Test
    void adamUpdate() {
        requireOps(dev.splot.backend.Op.ADAM_UPDATE);
        for (int size : OPTIMIZER_SIZES) {
            for (boolean decoupled : new boolean[] {false, true}) {
                float[] p = rand(size), g1 = rand(size), g2 = rand(size), m = rand(size), v = abs(rand(size));
                Op op = be -> {
                    try (Tensor tp = up(be, p, size); Tensor tg1 = up(be, g1, size); Tensor tg2 = up(be, g2, size);
                         Tensor tm = up(be, m, size); Tensor tv = up(be, v, size)) {
                        for (int step = 1; step <= 3; step++) {
                            be.adamUpdate(tp, step == 2 ? tg2 : tg1, tm, tv, 0.01f, 0.9f, 0.999f, 1e-8f, 0.02f, decoupled, step);
                        }
                        return new Outputs().add("parameter", tp).add("exp_avg", tm).add("exp_avg_sq", tv);
                    }
                };
                run(reference, op).assertMatchedBy(run(backend, op), 1e-6, (decoupled ? "adamw" : "adam") + " size " + size);
            }
        }
    }

    /**
     * The running statistics after five training steps against a direct computation in double of PyTorch's update
     * (momentum 0.1, unbiased variance). The backend's float updates round once per step (relative 2^-24 each), far
     * below the 1e-5 of the values' scale allowed; a biased variance or a swapped momentum misses by 1e-2 or more.
     */
    @Test
    void batchNormRunningStatisticsMatchADirectComputation() {
        requireOps(dev.splot.backend.Op.BATCH_NORM_FORWARD_TRAINING);
        int[] shape = {3, 4, 5, 2};
        int c = 4, m = 3 * 5 * 2, plane = 10;
        double[] mean = new double[c], var = new double[c];
        java.util.Arrays.fill(var, 1.0);
        try (Tensor tg = up(backend, new float[] {1, 1, 1, 1}, c); Tensor tb = backend.allocate(c); Tensor trm = backend.allocate(c);
             Tensor trv = up(backend, new float[] {1, 1, 1, 1}, c); Tensor ty = backend.allocate(shape);
             Tensor tmean = backend.allocate(c); Tensor tinv = backend.allocate(c)) {
            for (int step = 0; step < 5; step++) {
                float[] x = offset(rand(shape), shape, step - 2f);
                for (int ch = 0; ch < c; ch++) {
                    double s = 0, q = 0;
                    for (int n = 0; n < 3; n++) for (int k = 0; k < plane; k++) s += x[(n * c + ch) * plane + k];
                    double mu = s / m;
                    for (int n = 0; n < 3; n++) for (int k = 0; k < plane; k++) q += Math.pow(x[(n * c + ch) * plane + k] - mu, 2);
                    mean[ch] = 0.9 * mean[ch] + 0.1 * mu;
                    var[ch] = 0.9 * var[ch] + 0.1 * q / (m - 1);
                }
                try (Tensor tx = up(backend, x, shape)) {
                    backend.batchNormForwardTraining(tx, tg, tb, ty, tmean, tinv, trm, trv, 0.1f, 1e-5f);
                }
            }
            Outputs.assertClose("running mean after 5 steps", toFloats(mean), trm.toFloatArray(), 1e-5);
            Outputs.assertClose("running var after 5 steps", toFloats(var), trv.toFloatArray(), 1e-5);
        }
    }

    /** Adds {@code shift} times (channel + 1) to every value of x[n, c, h, w], so channel means differ and are far from 0. */
    private static float[] offset(float[] x, int[] shape, float shift) {
        int c = shape[1], plane = shape[2] * shape[3];
        for (int i = 0; i < x.length; i++) x[i] += shift * ((i / plane) % c + 1);
        return x;
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }

    // ---- memory -------------------------------------------------------------------------------

    @Test
    void memoryRoundTripsAndIsReleased() {
        long before = backend.liveTensors();
        float[] data = rand(1001);
        int[] ints = {3, -1, 7, Integer.MAX_VALUE};
        try (Tensor a = up(backend, data, 7, 11, 13); Tensor b = backend.allocate(1001); Tensor c = backend.allocate(DType.INT32, 4)) {
            assertEquals(before + 3, backend.liveTensors());
            assertArrayEquals(new float[1001], b.toFloatArray(), "allocate must zero-fill");
            backend.copy(a, b);
            assertArrayEquals(data, b.toFloatArray());
            assertArrayEquals(data, a.reshape(1001).toFloatArray());
            backend.fill(b, 2.5f);
            assertEquals(2.5f, b.toFloatArray()[1000]);
            backend.upload(c, ints);
            assertArrayEquals(ints, c.toIntArray());
        }
        assertEquals(before, backend.liveTensors(), "closed tensors must be released");
    }

    // ---- helpers ------------------------------------------------------------------------------

    protected interface Op {
        Outputs apply(Backend be);
    }

    protected static Outputs run(Backend be, Op op) {
        return op.apply(be);
    }

    protected static Tensor up(Backend be, float[] data, int... shape) {
        Tensor t = be.allocate(shape);
        be.upload(t, data);
        return t;
    }


    private static float[] abs(float[] a) {
        for (int k = 0; k < a.length; k++) a[k] = Math.abs(a[k]);
        return a;
    }
}
