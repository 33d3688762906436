package dev.splot.backend.opencl;

import dev.splot.backend.Backend;
import dev.splot.backend.ConvGeometry;
import dev.splot.backend.DType;
import dev.splot.backend.Padding;
import dev.splot.backend.PoolGeometry;
import dev.splot.backend.Tensor;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Hand-run timing of the seed model's fused ops around conv2 on the OpenCL backend, each against the same ops one by
 * one, alternated call by call in one process, batch 128: forward {@code conv2dReluMaxPoolForward} (conv2, ReLU,
 * max-pool) and backward {@code dropoutMaxPoolReluConv2dBackward} (dropout, max-pool, ReLU and conv2's backward, with
 * the ReLU before conv2); it also checks that both give the same bits. Not a test: PoCL's timings on a shared machine
 * are noisy.
 *
 * <pre>mvn -q test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.splot.backend.opencl.OpenClFusionTiming [-Dexec.args="15 auto"]</pre>
 * (arguments: repetitions, the convolution algorithm as in {@link OpenClConvTiming}).
 */
public final class OpenClFusionTiming {
    private OpenClFusionTiming() {}

    /**
     * Prints the best and median time of the fused op and of the ops one by one, and whether their bits agree.
     *
     * @param args repetitions (default 15) and the algorithm (default "auto")
     */
    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        String algorithm = args.length > 1 ? args[1] : "auto";
        int n = 128;
        ConvGeometry g = ConvGeometry.of(n, 32, 26, 26, 64, 3, 3, 1, Padding.VALID);
        PoolGeometry p = PoolGeometry.of(n, 64, 24, 24, 2, 2);
        SplittableRandom random = new SplittableRandom(5);
        try (Backend be = OpenClStepTiming.open(algorithm);
             Tensor x = upload(be, random, true, g.inputShape()); Tensor w = upload(be, random, false, g.weightShape());
             Tensor y = upload(be, random, true, g.outputShape()); Tensor dy = upload(be, random, false, p.outputShape());
             Tensor pooled = be.allocate(p.outputShape()); Tensor argmax = be.allocate(DType.INT32, p.outputShape());
             Tensor dropped = be.allocate(p.outputShape()); Tensor mask = be.allocate(p.outputShape());
             Tensor dw1 = be.allocate(g.weightShape()); Tensor db1 = be.allocate(g.o()); Tensor dx1 = be.allocate(g.inputShape());
             Tensor poolGrad = be.allocate(p.outputShape()); Tensor poolDx = be.allocate(p.inputShape());
             Tensor convDy = be.allocate(g.outputShape()); Tensor dw2 = be.allocate(g.weightShape()); Tensor db2 = be.allocate(g.o());
             Tensor dx2 = be.allocate(g.inputShape()); Tensor b = be.allocate(g.o()); Tensor pooled2 = be.allocate(p.outputShape());
             Tensor argmax2 = be.allocate(DType.INT32, p.outputShape())) {
            System.out.println(be.description());
            double[][] fwd = new double[2][reps];
            for (int r = -2; r < reps; r++) { // two warm-up rounds
                long t0 = System.nanoTime();
                be.conv2dReluMaxPoolForward(x, w, b, pooled, argmax, y, g, p);
                be.synchronize();
                long t1 = System.nanoTime();
                be.conv2dReluForward(x, w, b, y, g);
                be.maxPoolForward(y, pooled2, argmax2, p);
                be.synchronize();
                long t2 = System.nanoTime();
                if (r >= 0) {
                    fwd[0][r] = (t1 - t0) * 1e-6;
                    fwd[1][r] = (t2 - t1) * 1e-6;
                }
            }
            print("conv2 + ReLU + max-pool forward", n, reps, fwd);
            System.out.println("same bits: pooled " + sameBits(pooled, pooled2) + ", argmax " + Arrays.equals(argmax.toIntArray(),
                    argmax2.toIntArray()));
            be.maxPoolForward(y, pooled, argmax, p);
            be.dropoutForward(pooled, dropped, mask, 0.25f, 1, 1, 1);
            double[][] ms = new double[2][reps];
            for (int r = -2; r < reps; r++) { // two warm-up rounds
                long t0 = System.nanoTime();
                be.dropoutMaxPoolReluConv2dBackward(dy, mask, argmax, pooled, p, x, w, dw1, db1, x, dx1, g);
                be.synchronize();
                long t1 = System.nanoTime();
                be.dropoutBackward(dy, mask, poolGrad);
                be.maxPoolBackward(poolGrad, argmax, poolDx, p);
                be.reluBackward(poolDx, y, convDy);
                be.conv2dBackwardWeights(x, convDy, dw2, db2, g);
                be.conv2dBackwardData(convDy, w, dx2, g);
                be.reluBackward(dx2, x, dx2);
                be.synchronize();
                long t2 = System.nanoTime();
                if (r >= 0) {
                    ms[0][r] = (t1 - t0) * 1e-6;
                    ms[1][r] = (t2 - t1) * 1e-6;
                }
            }
            print("conv2 + pooling backward", n, reps, ms);
            System.out.println("same bits: dw " + sameBits(dw1, dw2) + ", db " + sameBits(db1, db2) + ", dx " + sameBits(dx1, dx2));
        }
    }

    private static void print(String what, int n, int reps, double[][] ms) {
        for (double[] m : ms) Arrays.sort(m);
        System.out.printf(Locale.ROOT, "%s, batch %d, %d alternating repetitions: fused %.1f / %.1f ms, one by one %.1f / %.1f ms "
                + "(best / median); fused / one by one %.2f (medians)%n", what, n, reps, ms[0][0], ms[0][reps / 2], ms[1][0],
                ms[1][reps / 2], ms[0][reps / 2] / ms[1][reps / 2]);
    }

    private static Tensor upload(Backend be, SplittableRandom random, boolean nonNegative, int... shape) {
        Tensor t = be.allocate(shape);
        float[] a = new float[t.size()];
        for (int i = 0; i < a.length; i++) {
            float v = (float) (random.nextDouble() * 2 - 1);
            a[i] = nonNegative ? Math.max(0, v) : v; // a ReLU's output where the model has one
        }
        be.upload(t, a);
        return t;
    }

    private static boolean sameBits(Tensor a, Tensor b) {
        float[] x = a.toFloatArray(), y = b.toFloatArray();
        for (int i = 0; i < x.length; i++) if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) return false;
        return true;
    }
}
