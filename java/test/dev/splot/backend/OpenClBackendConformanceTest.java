package dev.splot.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.splot.testing.Outputs;
import dev.splot.testing.RequiredBackends;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite on the OpenCL backend (PoCL in CI), plus bit-for-bit repeatability. Where
 * OpenCL cannot start the tests are skipped with the reason, unless SPLOT_REQUIRE_BACKENDS names
 * "opencl": then they fail ({@link RequiredBackends}).
 */
class OpenClBackendConformanceTest extends BackendConformanceTest {

    @Override
    protected Backend createBackend() {
        return RequiredBackends.openCl();
    }

    @Override
    protected boolean checksArgmax() {
        return false;
    }

    /** Runs the same operations twice on the same device and demands identical bits. */
    @Test
    void sameOperationTwiceGivesIdenticalBits() {
        ConvGeometry g = ConvGeometry.of(5, 8, 14, 13, 12, 3, 3, 1, Padding.VALID);
        float[] x = rand(g.inputShape()), w = rand(g.weightShape()), b = rand(g.o()), dy = rand(g.outputShape());
        float[] dx2 = rand(5, 37), w2 = rand(11, 37), b2 = rand(11), dy2 = rand(5, 11);
        Op op = be -> {
            try (Tensor tx = up(be, x, g.inputShape()); Tensor tw = up(be, w, g.weightShape()); Tensor tb = up(be, b, g.o());
                 Tensor ty = be.allocate(g.outputShape()); Tensor tdy = up(be, dy, g.outputShape());
                 Tensor tdx = be.allocate(g.inputShape()); Tensor tdw = be.allocate(g.weightShape()); Tensor tdb = be.allocate(g.o());
                 Tensor dxIn = up(be, dx2, 5, 37); Tensor dW = up(be, w2, 11, 37); Tensor dB = up(be, b2, 11);
                 Tensor dOut = be.allocate(5, 11); Tensor dDy = up(be, dy2, 5, 11); Tensor dDx = be.allocate(5, 37);
                 Tensor dDw = be.allocate(11, 37); Tensor dDb = be.allocate(11)) {
                be.conv2dForward(tx, tw, tb, ty, g);
                be.conv2dBackwardData(tdy, tw, tdx, g);
                be.conv2dBackwardWeights(tx, tdy, tdw, tdb, g);
                be.denseForward(dxIn, dW, dB, dOut);
                be.denseBackward(dDy, dxIn, dW, dDx, dDw, dDb);
                return new Outputs().add("conv y", ty).add("conv dx", tdx).add("conv dW", tdw).add("conv db", tdb)
                        .add("dense y", dOut).add("dense dx", dDx).add("dense dW", dDw).add("dense db", dDb);
            }
        };
        run(backend, op).assertSameBitsAs(run(backend, op), "the same operations twice on the same device");
    }

    /**
     * Batches above 16 images split the weight gradient into groups of several images (the kernel's s-loop); the last
     * two geometries take conv_weights_3x3_valid on CPU devices (one input channel, 3x3, 'valid'): groups of two images
     * and a last one of one, 10 output columns (one vector of 8 and two alone); the last also conv_forward_3x3_valid.
     */
    @Test
    void convolutionWithALargeBatch() {
        for (ConvGeometry g : new ConvGeometry[] {ConvGeometry.of(37, 3, 9, 8, 5, 3, 3, 1, Padding.VALID),
                ConvGeometry.of(33, 2, 7, 7, 16, 3, 3, 2, Padding.SAME), ConvGeometry.of(20, 4, 5, 6, 3, 1, 1, 1, Padding.VALID),
                ConvGeometry.of(19, 1, 13, 12, 3, 3, 3, 1, Padding.VALID),
                // CPU devices' direct conv1 forward: 12 channels (a last group of 8 that overlaps the first) and rows of
                // 11 (a last vector that overlaps the first)
                ConvGeometry.of(2, 1, 11, 13, 12, 3, 3, 1, Padding.VALID)}) {
            float[] x = rand(g.inputShape()), w = rand(g.weightShape()), b = rand(g.o()), dy = rand(g.outputShape());
            Op op = be -> {
                try (Tensor tx = up(be, x, g.inputShape()); Tensor tw = up(be, w, g.weightShape()); Tensor tb = up(be, b, g.o());
                     Tensor ty = be.allocate(g.outputShape()); Tensor tdy = up(be, dy, g.outputShape());
                     Tensor tdx = be.allocate(g.inputShape()); Tensor tdw = be.allocate(g.weightShape()); Tensor tdb = be.allocate(g.o())) {
                    be.conv2dForward(tx, tw, tb, ty, g);
                    be.conv2dBackwardData(tdy, tw, tdx, g);
                    be.conv2dBackwardWeights(tx, tdy, tdw, tdb, g);
                    return new Outputs().add("y", ty).add("dx", tdx).add("dW", tdw).add("db", tdb);
                }
            };
            run(reference, op).assertMatchedBy(run(backend, op), TOLERANCE, "conv with a large batch " + g);
        }
    }

    @Test
    void outOfRangeLabelsAreReportedAsByTheReference() {
        for (Backend be : new Backend[] {reference, backend}) {
            try (Tensor logits = be.allocate(3, 4); Tensor labels = be.allocate(DType.INT32, 3)) {
                be.upload(labels, new int[] {1, 4, -1});
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> be.softmaxCrossEntropy(logits, labels, null));
                assertEquals("softmaxCrossEntropy: label 4 of row 1 is outside [0, 4)", e.getMessage());
            }
        }
    }
}
