package dev.splot.backend;

import static dev.splot.backend.BackendConformanceTest.up;

import dev.splot.testing.BackendSuite;
import dev.splot.testing.Outputs;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The fused ops on every backend, each against the primitives it stands for: on the backend itself
 * the fused op must give the very bits of its composition (ReLU, max-pool and dropout are exact and
 * the convolution's epilogue only clamps or zeroes what the convolution computed), and against the
 * Java reference's composition it must match as the primitives do: exactly for pooling, dropout
 * and ReLU, within {@link BackendConformanceTest#TOLERANCE} of each output's own scale for the
 * convolutions (their sums run in another order, see there). Shapes: the conformance suite's
 * convolution and pooling cases (odd sizes, batch 1, stride 2, 'same' padding, overlapping windows,
 * the seed model's layers). {@link BackendConformanceTest} extends this, so every backend and every
 * forced native path (instruction set, convolution algorithm) runs it with the rest of the suite.
 */
public abstract class FusedOpsConformanceTest extends BackendSuite {

    /**
     * The fused ReLU lets NaN through as reluForward does (a NaN input or weight must reach the loss and stop training
     * there): one NaN in x makes NaN outputs, which the fused op must keep where the composition keeps them.
     */
    @Test
    void conv2dReluForwardLetsNaNThroughAsReluForwardDoes() {
        requireOps(Op.CONV2D_RELU_FORWARD);
        ConvGeometry g = ConvGeometry.of(2, 3, 9, 8, 5, 3, 3, 1, Padding.SAME);
        float[] x = rand(g.inputShape()), w = rand(g.weightShape()), b = rand(g.o());
        x[10] = Float.NaN;
        float[] fused, composed;
        try (Tensor tx = up(backend, x, g.inputShape()); Tensor tw = up(backend, w, g.weightShape()); Tensor tb = up(backend, b, g.o());
             Tensor ty = backend.allocate(g.outputShape()); Tensor conv = backend.allocate(g.outputShape());
             Tensor tz = backend.allocate(g.outputShape())) {
            backend.conv2dReluForward(tx, tw, tb, ty, g);
            backend.conv2dForward(tx, tw, tb, conv, g);
            backend.reluForward(conv, tz);
            fused = ty.toFloatArray();
            composed = tz.toFloatArray();
        }
        int nans = 0;
        for (int k = 0; k < fused.length; k++) {
            if (Float.isNaN(composed[k])) nans++;
            Assertions.assertEquals(Float.isNaN(composed[k]), Float.isNaN(fused[k]), backend.name() + ": y[" + k + "] NaN");
            if (!Float.isNaN(composed[k])) {
                Assertions.assertEquals(Float.floatToIntBits(composed[k]), Float.floatToIntBits(fused[k]), backend.name() + ": y[" + k + "]");
            }
        }
        Assertions.assertTrue(nans > 0, "the NaN in x reaches some outputs");
    }

    @Test
    void conv2dReluForwardIsConvolutionThenRelu() {
        requireOps(Op.CONV2D_RELU_FORWARD);
        for (ConvGeometry g : BackendConformanceTest.convCases()) {
            float[] x = rand(g.inputShape()), w = rand(g.weightShape()), b = rand(g.o());
            BackendConformanceTest.Op fused = be -> {
                try (Tensor tx = up(be, x, g.inputShape()); Tensor tw = up(be, w, g.weightShape()); Tensor tb = up(be, b, g.o());
                     Tensor ty = be.allocate(g.outputShape())) {
                    be.fill(ty, Float.NaN); // overwritten, not clamped in place
                    be.conv2dReluForward(tx, tw, tb, ty, g);
                    return new Outputs().add("y", ty);
                }
            };
            BackendConformanceTest.Op composed = be -> {
                try (Tensor tx = up(be, x, g.inputShape()); Tensor tw = up(be, w, g.weightShape()); Tensor tb = up(be, b, g.o());
                     Tensor conv = be.allocate(g.outputShape()); Tensor ty = be.allocate(g.outputShape())) {
                    be.conv2dForward(tx, tw, tb, conv, g);
                    be.reluForward(conv, ty);
                    return new Outputs().add("y", ty);
                }
            };
            // The sums' rounding is on the scale of the convolution, not of what the ReLU leaves of it
            // (where it clears all but a few small outputs, their largest is no measure of the sums):
            // the tolerance is the convolution's, relative to the largest unclamped output.
            float[] conv = new float[(int) Shapes.size(g.outputShape())];
            try (Tensor tx = up(reference, x, g.inputShape()); Tensor tw = up(reference, w, g.weightShape());
                 Tensor tb = up(reference, b, g.o()); Tensor tc = reference.allocate(g.outputShape())) {
                reference.conv2dForward(tx, tw, tb, tc, g);
                reference.download(tc, conv);
            }
            double convScale = maxAbs(conv), reluScale = maxAbs(relu(conv.clone()));
            assertFusedIsItsPrimitives("conv2dReluForward " + g, composed, fused,
                    reluScale == 0 ? BackendConformanceTest.TOLERANCE : BackendConformanceTest.TOLERANCE * convScale / reluScale);
        }
    }

    @Test
    void conv2dBackwardDataReluIsBackwardDataThenReluBackward() {
        requireOps(Op.CONV2D_BACKWARD_DATA_RELU);
        for (ConvGeometry g : BackendConformanceTest.convCases()) {
            float[] dy = rand(g.outputShape()), w = rand(g.weightShape()), reluOutput = relu(rand(g.inputShape()));
            BackendConformanceTest.Op fused = be -> {
                try (Tensor tdy = up(be, dy, g.outputShape()); Tensor tw = up(be, w, g.weightShape());
                     Tensor ty = up(be, reluOutput, g.inputShape()); Tensor tdx = be.allocate(g.inputShape())) {
                    be.fill(tdx, Float.NaN);
                    be.conv2dBackwardDataRelu(tdy, tw, ty, tdx, g);
                    return new Outputs().add("dx", tdx);
                }
            };
            BackendConformanceTest.Op composed = be -> {
                try (Tensor tdy = up(be, dy, g.outputShape()); Tensor tw = up(be, w, g.weightShape());
                     Tensor ty = up(be, reluOutput, g.inputShape()); Tensor convDx = be.allocate(g.inputShape());
                     Tensor tdx = be.allocate(g.inputShape())) {
                    be.conv2dBackwardData(tdy, tw, convDx, g);
                    be.reluBackward(convDx, ty, tdx);
                    return new Outputs().add("dx", tdx);
                }
            };
            assertFusedIsItsPrimitives("conv2dBackwardDataRelu " + g, composed, fused, BackendConformanceTest.TOLERANCE);
        }
    }

    /**
     * The convolution, its ReLU and a max-pool in one op give the bits of conv2dReluForward then maxPoolForward on the
     * same backend (the argmax included), on every convolution case, 2x2 windows (native's fused path where the
     * convolution takes F(4x4)) and, one case in four, overlapping 3x3 windows at stride 2 (the composition); and one
     * case with a NaN in x, which the pooling must keep where the composition does. Against the reference: the pooled
     * values within the convolution's tolerance, and each argmax at an element of its window whose reference value is
     * the pooled one within that tolerance (rounding may swap two near-equal maxima, so not the same index).
     */
    @Test
    void conv2dReluMaxPoolForwardIsTheThreeOps() {
        requireOps(Op.CONV2D_RELU_MAX_POOL_FORWARD);
        List<ConvGeometry> cases = new ArrayList<>(BackendConformanceTest.convCases());
        ConvGeometry nanCase = ConvGeometry.of(1, 9, 12, 12, 10, 3, 3, 1, Padding.SAME); // F(4x4) on native
        cases.add(nanCase);
        int k = 0;
        for (ConvGeometry g : cases) {
            if (g.outH() < 2 || g.outW() < 2) continue;
            boolean withNaN = g == nanCase;
            PoolGeometry p = k++ % 4 == 3 && g.outH() >= 3 && g.outW() >= 3 ? PoolGeometry.of(g.n(), g.o(), g.outH(), g.outW(), 3, 2)
                    : PoolGeometry.of(g.n(), g.o(), g.outH(), g.outW(), 2, 2);
            float[] x = rand(g.inputShape()), w = rand(g.weightShape()), b = rand(g.o());
            if (withNaN) x[x.length / 3] = Float.NaN;
            boolean withScratch = k % 2 == 0; // the caller's scratch for a composition, or none (a temporary then)
            BackendConformanceTest.Op fused = be -> {
                try (Tensor tx = up(be, x, g.inputShape()); Tensor tw = up(be, w, g.weightShape()); Tensor tb = up(be, b, g.o());
                     Tensor pooled = be.allocate(p.outputShape()); Tensor arg = be.allocate(DType.INT32, p.outputShape());
                     Tensor scratch = withScratch ? be.allocate(g.outputShape()) : null) {
                    be.fill(pooled, Float.NaN);
                    if (scratch != null) be.fill(scratch, Float.NaN);
                    be.conv2dReluMaxPoolForward(tx, tw, tb, pooled, arg, scratch, g, p);
                    return new Outputs().add("pooled", pooled).add("argmax", arg.toIntArray());
                }
            };
            BackendConformanceTest.Op composed = be -> {
                try (Tensor tx = up(be, x, g.inputShape()); Tensor tw = up(be, w, g.weightShape()); Tensor tb = up(be, b, g.o());
                     Tensor y = be.allocate(g.outputShape()); Tensor pooled = be.allocate(p.outputShape());
                     Tensor arg = be.allocate(DType.INT32, p.outputShape())) {
                    be.conv2dReluForward(tx, tw, tb, y, g);
                    be.maxPoolForward(y, pooled, arg, p);
                    return new Outputs().add("pooled", pooled).add("argmax", arg.toIntArray()).add("y", y);
                }
            };
            String what = "conv2dReluMaxPoolForward " + g + " " + p + (withNaN ? " with a NaN in x" : "")
                    + (withScratch ? ", scratch given" : "");
            Outputs actual = fused.apply(backend), sameBackend = composed.apply(backend);
            new Outputs().add("pooled", sameBackend.floats("pooled")).add("argmax", sameBackend.ints("argmax"))
                    .assertSameBitsAs(actual, what + " vs its primitives on " + backend.name());
            if (withNaN) {
                Assertions.assertTrue(hasNaN(actual.floats("pooled")), what + ": the NaN reaches the output");
                continue;
            }
            Outputs expected = composed.apply(reference);
            float[] refPooled = expected.floats("pooled"), refY = expected.floats("y");
            new Outputs().add("pooled", refPooled).assertMatchedBy(new Outputs().add("pooled", actual.floats("pooled")),
                    BackendConformanceTest.TOLERANCE, what + " vs the reference");
            double slack = BackendConformanceTest.TOLERANCE * maxAbs(refY);
            int[] arg = actual.ints("argmax");
            for (int i = 0; i < arg.length; i++) {
                int plane = i / (p.outH() * p.outW()), r = i % (p.outH() * p.outW()), oh = r / p.outW(), ow = r % p.outW();
                int a = arg[i] - plane * p.h() * p.w(), ah = a / p.w(), aw = a % p.w();
                Assertions.assertTrue(a >= 0 && ah >= oh * p.strideH() && ah < oh * p.strideH() + p.poolH() && aw >= ow * p.strideW()
                        && aw < ow * p.strideW() + p.poolW(), what + ": argmax[" + i + "] = " + arg[i] + " outside its window");
                Assertions.assertTrue(Math.abs(refY[arg[i]] - refPooled[i]) <= slack,
                        what + ": argmax[" + i + "] points at " + refY[arg[i]] + ", the window's maximum is " + refPooled[i]);
            }
        }
    }

    @Test
    void maxPoolDropoutForwardIsMaxPoolThenDropout() {
        requireOps(Op.MAX_POOL_DROPOUT_FORWARD);
        long[] firstIndices = {0, 3, 1001}; // a data-parallel worker's slice starts anywhere in the mask stream
        int k = 0;
        for (PoolGeometry g : BackendConformanceTest.poolCases()) {
            float[] x = rand(g.inputShape());
            long first = firstIndices[k++ % firstIndices.length];
            BackendConformanceTest.Op fused = be -> {
                try (Tensor tx = up(be, x, g.inputShape()); Tensor pooled = be.allocate(g.outputShape());
                     Tensor ty = be.allocate(g.outputShape()); Tensor arg = be.allocate(DType.INT32, g.outputShape());
                     Tensor mask = be.allocate(g.outputShape())) {
                    be.fill(pooled, Float.NaN);
                    be.fill(ty, Float.NaN);
                    be.maxPoolDropoutForward(tx, pooled, arg, ty, mask, g, 0.25f, 42, 7, 5, first);
                    return new Outputs().add("pooled", pooled).add("y", ty).add("argmax", arg.toIntArray()).add("mask", mask);
                }
            };
            BackendConformanceTest.Op composed = be -> {
                try (Tensor tx = up(be, x, g.inputShape()); Tensor pooled = be.allocate(g.outputShape());
                     Tensor ty = be.allocate(g.outputShape()); Tensor arg = be.allocate(DType.INT32, g.outputShape());
                     Tensor mask = be.allocate(g.outputShape())) {
                    be.maxPoolForward(tx, pooled, arg, g);
                    be.dropoutForward(pooled, ty, mask, 0.25f, 42, 7, 5, first);
                    return new Outputs().add("pooled", pooled).add("y", ty).add("argmax", arg.toIntArray()).add("mask", mask);
                }
            };
            assertFusedIsItsPrimitives("maxPoolDropoutForward " + g, composed, fused, EXACT);
        }
    }

    @Test
    void dropoutMaxPoolReluBackwardIsTheThreeBackwardPasses() {
        requireOps(Op.DROPOUT_MAX_POOL_RELU_BACKWARD);
        for (PoolGeometry g : BackendConformanceTest.poolCases()) {
            // the forward pass on the reference: a ReLU output (a quarter of 2x2 windows all zero: their argmax has no gradient), its
            // max-pool output and indices and a dropout mask
            float[] reluOutput = relu(rand(g.inputShape())), dy = rand(g.outputShape());
            assertTheFusedPoolingBackwardIsTheThreeOps(g, reluOutput, dy, "");
        }
    }

    /**
     * The fused pooling backward reads the pooled values where the three ops read the ReLU's output: the same bits on
     * NaN (a ReLU lets it through, a max-pool keeps it), zeros (+0 and -0: a window of zeros passes no gradient) and
     * non-finite gradients (Inf times a dropped element's 0 is NaN, which must reach dx where the ReLU passes it).
     */
    @Test
    void theFusedPoolingBackwardReadsThePooledValuesAsTheReluOutput() {
        requireOps(Op.DROPOUT_MAX_POOL_RELU_BACKWARD);
        // 19 x 37: pooled rows of 18, whole vectors of windows and a rest on every SIMD width, an odd last row and column
        // that no window covers (the native backend writes 2x2 windows whole where every argmax is in its own)
        for (PoolGeometry g : new PoolGeometry[] {PoolGeometry.of(2, 3, 6, 7, 2, 2), PoolGeometry.of(1, 2, 7, 7, 3, 2),
                PoolGeometry.of(1, 2, 19, 37, 2, 2)}) {
            float[] reluOutput = relu(rand(g.inputShape())), dy = rand(g.outputShape());
            for (int k = 0; k < reluOutput.length; k += 7) reluOutput[k] = Float.NaN;
            for (int k = 3; k < reluOutput.length; k += 5) reluOutput[k] = k % 2 == 0 ? 0f : -0f;
            for (int k = 0; k < dy.length; k += 4) dy[k] = k % 8 == 0 ? Float.POSITIVE_INFINITY : -0f;
            assertTheFusedPoolingBackwardIsTheThreeOps(g, reluOutput, dy, " with NaN, zeros and Inf");
        }
    }

    private void assertTheFusedPoolingBackwardIsTheThreeOps(PoolGeometry g, float[] reluOutput, float[] dy, String inputs) {
        PoolForward forward = poolForwardOnReference(reluOutput, g, 0.5f);
        int[] argmax = forward.argmax();
        float[] mask = forward.mask(), pooledValues = forward.pooled();
        BackendConformanceTest.Op fused = be -> {
            try (Tensor tdy = up(be, dy, g.outputShape()); Tensor m = up(be, mask, g.outputShape());
                 Tensor arg = upInts(be, argmax, g.outputShape()); Tensor pooled = up(be, pooledValues, g.outputShape());
                 Tensor tdx = be.allocate(g.inputShape())) {
                be.fill(tdx, Float.NaN);
                be.dropoutMaxPoolReluBackward(tdy, m, arg, pooled, tdx, g);
                return new Outputs().add("dx", tdx);
            }
        };
        BackendConformanceTest.Op composed = be -> {
            try (Tensor tdy = up(be, dy, g.outputShape()); Tensor m = up(be, mask, g.outputShape());
                 Tensor arg = upInts(be, argmax, g.outputShape()); Tensor ty = up(be, reluOutput, g.inputShape());
                 Tensor pooledGrad = be.allocate(g.outputShape()); Tensor poolDx = be.allocate(g.inputShape());
                 Tensor tdx = be.allocate(g.inputShape())) {
                be.dropoutBackward(tdy, m, pooledGrad);
                be.maxPoolBackward(pooledGrad, arg, poolDx, g);
                be.reluBackward(poolDx, ty, tdx);
                return new Outputs().add("dx", tdx);
            }
        };
        assertFusedIsItsPrimitives("dropoutMaxPoolReluBackward " + g + inputs, composed, fused, EXACT);
    }

    @Test
    void dropoutMaxPoolReluConv2dBackwardIsTheBackwardPassesOneByOne() {
        requireOps(Op.DROPOUT_MAX_POOL_RELU_CONV2D_BACKWARD);
        int k = 0;
        for (ConvGeometry g : BackendConformanceTest.convCases()) {
            if (g.outH() < 4 || g.outW() < 4) continue; // pooled planes of at least 2x2: a gradient to see
            // in turn: the input gradient through a ReLU before the convolution, the plain input gradient, none
            int variant = k++ % 3;
            boolean withDx = variant < 2, reluBefore = variant == 0;
            // overlapping 3x3 windows at stride 2 on one shape in four
            PoolGeometry p = k % 4 == 0 && g.outH() >= 3 && g.outW() >= 3 ? PoolGeometry.of(g.n(), g.o(), g.outH(), g.outW(), 3, 2)
                    : PoolGeometry.of(g.n(), g.o(), g.outH(), g.outW(), 2, 2);
            float[] x = relu(rand(g.inputShape())), w = rand(g.weightShape()), reluOutput = relu(rand(g.outputShape()));
            float[] dy = rand(p.outputShape());
            PoolForward forward = poolForwardOnReference(reluOutput, p, 0.25f);
            int[] argmax = forward.argmax();
            float[] mask = forward.mask(), pooledValues = forward.pooled();
            BackendConformanceTest.Op fused = be -> {
                try (Tensor tdy = up(be, dy, p.outputShape()); Tensor m = up(be, mask, p.outputShape());
                     Tensor arg = upInts(be, argmax, p.outputShape()); Tensor pooled = up(be, pooledValues, p.outputShape());
                     Tensor tx = up(be, x, g.inputShape()); Tensor tw = up(be, w, g.weightShape());
                     Tensor dw = be.allocate(g.weightShape()); Tensor db = be.allocate(g.o());
                     Tensor tdx = withDx ? be.allocate(g.inputShape()) : null) {
                    be.fill(dw, Float.NaN);
                    be.fill(db, Float.NaN);
                    if (tdx != null) be.fill(tdx, Float.NaN);
                    be.dropoutMaxPoolReluConv2dBackward(tdy, m, arg, pooled, p, tx, tw, dw, db, reluBefore ? tx : null, tdx, g);
                    Outputs out = new Outputs().add("dw", dw).add("db", db);
                    return tdx == null ? out : out.add("dx", tdx);
                }
            };
            BackendConformanceTest.Op composed = be -> {
                try (Tensor tdy = up(be, dy, p.outputShape()); Tensor m = up(be, mask, p.outputShape());
                     Tensor arg = upInts(be, argmax, p.outputShape()); Tensor ty = up(be, reluOutput, p.inputShape());
                     Tensor tx = up(be, x, g.inputShape()); Tensor tw = up(be, w, g.weightShape());
                     Tensor pooledGrad = be.allocate(p.outputShape()); Tensor poolDx = be.allocate(p.inputShape());
                     Tensor convDy = be.allocate(g.outputShape()); Tensor dw = be.allocate(g.weightShape());
                     Tensor db = be.allocate(g.o()); Tensor tdx = be.allocate(g.inputShape())) {
                    be.dropoutBackward(tdy, m, pooledGrad);
                    be.maxPoolBackward(pooledGrad, arg, poolDx, p);
                    be.reluBackward(poolDx, ty, convDy);
                    be.conv2dBackwardWeights(tx, convDy, dw, db, g);
                    Outputs out = new Outputs().add("dw", dw).add("db", db);
                    if (!withDx) return out;
                    be.conv2dBackwardData(convDy, tw, tdx, g);
                    if (reluBefore) be.reluBackward(tdx, tx, tdx);
                    return out.add("dx", tdx);
                }
            };
            assertFusedIsItsPrimitives("dropoutMaxPoolReluConv2dBackward " + g + " " + p + (withDx ? reluBefore ? ", dx through a ReLU" : ", dx" : ""),
                    composed, fused, BackendConformanceTest.TOLERANCE);
        }
    }

    @Test
    void fusedOpsCheckShapesUnderTheirOwnName() {
        requireOps(Op.CONV2D_RELU_FORWARD, Op.DROPOUT_MAX_POOL_RELU_BACKWARD);
        ConvGeometry g = ConvGeometry.of(1, 2, 5, 5, 3, 3, 3, 1, Padding.VALID);
        PoolGeometry p = PoolGeometry.of(1, 2, 4, 4, 2, 2);
        try (Tensor x = backend.allocate(g.inputShape()); Tensor w = backend.allocate(g.weightShape()); Tensor b = backend.allocate(3);
             Tensor wrongY = backend.allocate(1, 3, 4, 4); Tensor dy = backend.allocate(p.outputShape());
             Tensor arg = backend.allocate(DType.INT32, p.outputShape()); Tensor y = backend.allocate(p.inputShape());
             Tensor wrongDx = backend.allocate(1, 2, 4, 5)) {
            IllegalArgumentException e = Assertions.assertThrows(IllegalArgumentException.class,
                    () -> backend.conv2dReluForward(x, w, b, wrongY, g));
            Assertions.assertTrue(e.getMessage().startsWith("conv2dReluForward: y "), e.getMessage());
            if (backend.supports(Op.CONV2D_RELU_MAX_POOL_FORWARD)) {
                PoolGeometry pooling = PoolGeometry.of(1, 3, 3, 3, 2, 2);
                try (Tensor pooled = backend.allocate(pooling.outputShape()); Tensor pooledArg = backend.allocate(DType.INT32, 1, 3, 1, 1)) {
                    e = Assertions.assertThrows(IllegalArgumentException.class,
                            () -> backend.conv2dReluMaxPoolForward(x, w, b, pooled, pooledArg, wrongY, g, pooling));
                    Assertions.assertTrue(e.getMessage().startsWith("conv2dReluMaxPoolForward: scratch "), e.getMessage());
                }
            }
            e = Assertions.assertThrows(IllegalArgumentException.class,
                    () -> backend.dropoutMaxPoolReluBackward(dy, dy, arg, dy, wrongDx, p));
            Assertions.assertTrue(e.getMessage().startsWith("dropoutMaxPoolReluBackward: dx "), e.getMessage());
            e = Assertions.assertThrows(IllegalArgumentException.class,
                    () -> backend.dropoutMaxPoolReluBackward(dy, dy, arg, y, y, p)); // pooled shaped as the ReLU's output
            Assertions.assertTrue(e.getMessage().startsWith("dropoutMaxPoolReluBackward: pooled "), e.getMessage());
        }
    }

    @Test
    void theFusedConvolutionBackwardChecksShapesUnderItsOwnName() {
        requireOps(Op.DROPOUT_MAX_POOL_RELU_CONV2D_BACKWARD);
        ConvGeometry g = ConvGeometry.of(1, 2, 6, 6, 3, 3, 3, 1, Padding.VALID);
        PoolGeometry p = PoolGeometry.of(1, 3, 4, 4, 2, 2);
        try (Tensor x = backend.allocate(g.inputShape()); Tensor w = backend.allocate(g.weightShape());
             Tensor dw = backend.allocate(g.weightShape()); Tensor db = backend.allocate(3); Tensor dy = backend.allocate(p.outputShape());
             Tensor arg = backend.allocate(DType.INT32, p.outputShape()); Tensor pooled = backend.allocate(p.outputShape());
             Tensor wrongDx = backend.allocate(1, 2, 6, 5); Tensor wrongPooled = backend.allocate(p.inputShape())) {
            String op = "dropoutMaxPoolReluConv2dBackward: ";
            IllegalArgumentException e = Assertions.assertThrows(IllegalArgumentException.class,
                    () -> backend.dropoutMaxPoolReluConv2dBackward(dy, dy, arg, pooled, p, x, w, dw, db, null, wrongDx, g));
            Assertions.assertTrue(e.getMessage().startsWith(op + "dx "), e.getMessage());
            e = Assertions.assertThrows(IllegalArgumentException.class,
                    () -> backend.dropoutMaxPoolReluConv2dBackward(dy, dy, arg, wrongPooled, p, x, w, dw, db, null, null, g));
            Assertions.assertTrue(e.getMessage().startsWith(op + "pooled "), e.getMessage());
            PoolGeometry otherPool = PoolGeometry.of(1, 3, 5, 5, 2, 2); // the same pooled shape from a larger input
            e = Assertions.assertThrows(IllegalArgumentException.class,
                    () -> backend.dropoutMaxPoolReluConv2dBackward(dy, dy, arg, pooled, otherPool, x, w, dw, db, null, null, g));
            Assertions.assertEquals(op + "the pooling's input [1, 3, 5, 5] is not the convolution's output [1, 3, 4, 4]", e.getMessage());
            e = Assertions.assertThrows(IllegalArgumentException.class,
                    () -> backend.dropoutMaxPoolReluConv2dBackward(dy, dy, arg, pooled, p, x, w, dw, db, x, null, g));
            Assertions.assertEquals(op + "inputReluOutput is given but dx is not", e.getMessage());
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** Against the reference: the same bits (pooling, dropout and ReLU have no sums to reorder). */
    private static final double EXACT = 0;

    /**
     * The fused op gives its composition's very bits on the backend under test, and matches the
     * reference's composition as the primitives do: exactly, or within {@code toleranceAgainstReference}
     * of each output's own scale where they sum in another order.
     */
    private void assertFusedIsItsPrimitives(String what, BackendConformanceTest.Op composed, BackendConformanceTest.Op fused,
            double toleranceAgainstReference) {
        Outputs actual = fused.apply(backend);
        composed.apply(backend).assertSameBitsAs(actual, what + " vs its primitives on " + backend.name());
        Outputs expected = composed.apply(reference);
        if (toleranceAgainstReference == EXACT) expected.assertSameBitsAs(actual, what + " vs the reference");
        else expected.assertMatchedBy(actual, toleranceAgainstReference, what + " vs the reference");
    }

    /**
     * Whether the backend checks argmax entries in its backward passes. OpenCL's does not: its max-pool backward is a
     * gather that never follows an index outside the window's row (memory-safe, the entry adds nothing), and a check
     * would cost a read-back from the device per call.
     */
    protected boolean checksArgmax() {
        return true;
    }

    /**
     * An argmax entry outside its own plane of x (before x, in another image's or channel's plane, past x: a hostile
     * or stale tensor) is an IllegalArgumentException naming the entry and its value, from the max-pool backward and
     * both fused ops that scatter through it: never a write outside the plane (the native code skips such entries and
     * reports them; native/bench/sanitize_smoke.cpp runs the same under AddressSanitizer).
     */
    @Test
    void backwardPassesRejectAnArgmaxOutsideItsPlane() {
        requireOps(Op.MAX_POOL_BACKWARD);
        Assumptions.assumeTrue(checksArgmax(), backend.name() + " does not check argmax (see checksArgmax)");
        ConvGeometry cg = ConvGeometry.of(2, 3, 9, 8, 4, 3, 3, 1, Padding.SAME); // a Winograd path for native's fused op
        PoolGeometry p = PoolGeometry.of(cg.n(), cg.o(), cg.outH(), cg.outW(), 2, 2);
        float[] reluOutput = relu(rand(p.inputShape())), dy = rand(p.outputShape());
        float[] x = relu(rand(cg.inputShape())), w = rand(cg.weightShape());
        PoolForward forward = poolForwardOnReference(reluOutput, p, 0.25f);
        int k = 5, planeIn = p.h() * p.w();
        for (int bad : new int[] {-1, planeIn, p.n() * p.c() * planeIn}) {
            int[] argmax = forward.argmax().clone();
            argmax[k] = bad; // entry 5 belongs to plane 0; planeIn is plane 1's first element
            String expected = "argmax[" + k + "] = " + bad + " lies outside its plane (image 0, channel 0";
            try (Tensor tdy = up(backend, dy, p.outputShape()); Tensor m = up(backend, forward.mask(), p.outputShape());
                 Tensor arg = upInts(backend, argmax, p.outputShape()); Tensor pooled = up(backend, forward.pooled(), p.outputShape());
                 Tensor tdx = backend.allocate(p.inputShape()); Tensor tx = up(backend, x, cg.inputShape());
                 Tensor tw = up(backend, w, cg.weightShape()); Tensor dw = backend.allocate(cg.weightShape());
                 Tensor db = backend.allocate(cg.o()); Tensor convDx = backend.allocate(cg.inputShape())) {
                List<Executable> calls = new ArrayList<>();
                calls.add(() -> backend.maxPoolBackward(tdy, arg, tdx, p));
                if (backend.supports(Op.DROPOUT_MAX_POOL_RELU_BACKWARD)) {
                    calls.add(() -> backend.dropoutMaxPoolReluBackward(tdy, m, arg, pooled, tdx, p));
                }
                if (backend.supports(Op.DROPOUT_MAX_POOL_RELU_CONV2D_BACKWARD)) {
                    calls.add(() -> backend.dropoutMaxPoolReluConv2dBackward(tdy, m, arg, pooled, p, tx, tw, dw, db, tx, convDx, cg));
                }
                for (Executable call : calls) {
                    IllegalArgumentException e = Assertions.assertThrows(IllegalArgumentException.class, call,
                            backend.name() + ": argmax[" + k + "] = " + bad);
                    Assertions.assertTrue(e.getMessage().contains(expected), e.getMessage());
                }
            }
        }
    }

    /** What a training forward pass keeps for the pooling's and dropout's backward. */
    private record PoolForward(float[] pooled, int[] argmax, float[] mask) {}

    /** Max-pool of reluOutput, then dropout at {@code rate}, on the reference. */
    private PoolForward poolForwardOnReference(float[] reluOutput, PoolGeometry g, float rate) {
        try (Tensor ty = up(reference, reluOutput, g.inputShape()); Tensor pooled = reference.allocate(g.outputShape());
             Tensor arg = reference.allocate(DType.INT32, g.outputShape()); Tensor m = reference.allocate(g.outputShape());
             Tensor dropped = reference.allocate(g.outputShape())) {
            reference.maxPoolForward(ty, pooled, arg, g);
            reference.dropoutForward(pooled, dropped, m, rate, 3, 1, 2);
            return new PoolForward(pooled.toFloatArray(), arg.toIntArray(), m.toFloatArray());
        }
    }

    private static boolean hasNaN(float[] a) {
        for (float v : a) if (Float.isNaN(v)) return true;
        return false;
    }

    private static double maxAbs(float[] a) {
        double max = 0;
        for (float v : a) max = Math.max(max, Math.abs(v));
        return max;
    }

    private static float[] relu(float[] a) {
        for (int k = 0; k < a.length; k++) a[k] = Math.max(a[k], 0f);
        return a;
    }

    private static Tensor upInts(Backend be, int[] data, int... shape) {
        Tensor t = be.allocate(DType.INT32, shape);
        be.upload(t, data);
        return t;
    }
}
