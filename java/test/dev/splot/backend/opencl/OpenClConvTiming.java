package dev.splot.backend.opencl;

import dev.splot.backend.Backend;
import dev.splot.backend.ConvGeometry;
import dev.splot.backend.Padding;
import dev.splot.backend.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * conv2's three passes (seed model, batch 128) on the OpenCL backend under each convolution algorithm, the algorithms
 * alternating call by call so that a shared machine's load falls on all alike: best and median milliseconds and the
 * ratio to the first algorithm; then each algorithm's error (and the Java reference's) against a double-precision
 * direct convolution. Not a test:
 *
 * <pre>mvn -q test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.splot.backend.opencl.OpenClConvTiming [-Dexec.args="reps batch gemm winograd"]</pre>
 */
public final class OpenClConvTiming {
    private OpenClConvTiming() {}

    /**
     * Prints the table.
     *
     * @param args repetitions (default 15), batch (default 128), then the algorithms (default "gemm winograd")
     */
    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        List<String> algorithms = args.length > 2 ? List.of(args).subList(2, args.length) : List.of("gemm", "winograd");
        ConvGeometry g = ConvGeometry.of(n, 32, 26, 26, 64, 3, 3, 1, Padding.VALID);
        String[] passes = {"forward", "backward-data", "backward-weights"};
        List<Backend> backends = new ArrayList<>();
        List<Tensor[]> tensors = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(7);
        float[] x = new float[n * 32 * 26 * 26], w = new float[64 * 32 * 9], dy = new float[n * 64 * 24 * 24];
        for (float[] a : new float[][] {x, w, dy}) for (int i = 0; i < a.length; i++) a[i] = (float) (random.nextDouble() * 2 - 1);
        try {
            for (String algorithm : algorithms) {
                Backend be = OpenClStepTiming.open(algorithm);
                backends.add(be);
                Tensor tx = be.allocate(g.inputShape()), tw = be.allocate(g.weightShape()), tb = be.allocate(g.o());
                be.upload(tx, x);
                be.upload(tw, w);
                Tensor ty = be.allocate(g.outputShape()), tdy = be.allocate(g.outputShape()), tdx = be.allocate(g.inputShape());
                be.upload(tdy, dy);
                tensors.add(new Tensor[] {tx, tw, tb, ty, tdy, tdx, be.allocate(g.weightShape()), be.allocate(g.o())});
            }
            double[][][] ms = new double[algorithms.size()][passes.length][reps];
            for (int r = -2; r < reps; r++) { // two warm-up rounds
                for (int p = 0; p < passes.length; p++) {
                    for (int a = 0; a < algorithms.size(); a++) {
                        Backend be = backends.get(a);
                        Tensor[] t = tensors.get(a);
                        long t0 = System.nanoTime();
                        switch (p) {
                            case 0 -> be.conv2dForward(t[0], t[1], t[2], t[3], g);
                            case 1 -> be.conv2dBackwardData(t[4], t[1], t[5], g);
                            default -> be.conv2dBackwardWeights(t[0], t[4], t[6], t[7], g);
                        }
                        be.synchronize();
                        if (r >= 0) ms[a][p][r] = (System.nanoTime() - t0) * 1e-6;
                    }
                }
            }
            System.out.printf(Locale.ROOT, "conv2 %s, %d alternating repetitions (ms: best / median; ratio of medians to %s)%n", g, reps,
                    algorithms.get(0));
            for (int p = 0; p < passes.length; p++) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-17s", passes[p]));
                double base = median(ms[0][p]);
                for (int a = 0; a < algorithms.size(); a++) {
                    line.append(String.format(Locale.ROOT, "  %s %7.2f / %7.2f (%.2fx)", algorithms.get(a), min(ms[a][p]), median(ms[a][p]),
                            median(ms[a][p]) / base));
                }
                System.out.println(line);
            }
            printErrors(backends, algorithms);
        } finally {
            for (int a = 0; a < backends.size(); a++) {
                if (a < tensors.size()) for (Tensor t : tensors.get(a)) t.close();
                backends.get(a).close();
            }
        }
    }

    /**
     * Each algorithm's error, and the Java reference's, against a double-precision direct convolution: the largest
     * absolute difference over the largest absolute reference value, per pass, on conv2's shape (4 images) and on a
     * 'same'-padded one with odd sizes.
     */
    private static void printErrors(List<Backend> backends, List<String> algorithms) {
        List<Backend> all = new ArrayList<>(backends);
        List<String> names = new ArrayList<>(algorithms);
        try (Backend java = dev.splot.backend.Backends.open("java", null, null)) {
            all.add(java);
            names.add("java reference");
            SplittableRandom random = new SplittableRandom(11);
            for (ConvGeometry g : new ConvGeometry[] {ConvGeometry.of(4, 32, 26, 26, 64, 3, 3, 1, Padding.VALID),
                    ConvGeometry.of(3, 9, 7, 5, 10, 3, 3, 1, Padding.SAME)}) {
                float[] x = uniform(random, g.inputShape()), w = uniform(random, g.weightShape()), dy = uniform(random, g.outputShape());
                double[][] ref = directDouble(g, x, w, dy);
                System.out.printf(Locale.ROOT, "error against double precision (max |diff| / max |ref|), %s:%n", g);
                for (int a = 0; a < all.size(); a++) {
                    Backend be = all.get(a);
                    try (Tensor tx = be.allocate(g.inputShape()); Tensor tw = be.allocate(g.weightShape()); Tensor tb = be.allocate(g.o());
                         Tensor ty = be.allocate(g.outputShape()); Tensor tdy = be.allocate(g.outputShape());
                         Tensor tdx = be.allocate(g.inputShape()); Tensor tdw = be.allocate(g.weightShape()); Tensor tdb = be.allocate(g.o())) {
                        be.upload(tx, x);
                        be.upload(tw, w);
                        be.upload(tdy, dy);
                        be.conv2dForward(tx, tw, tb, ty, g);
                        be.conv2dBackwardData(tdy, tw, tdx, g);
                        be.conv2dBackwardWeights(tx, tdy, tdw, tdb, g);
                        System.out.printf(Locale.ROOT, "  %-16s y %.2e  dx %.2e  dw %.2e%n", names.get(a), error(ref[0], ty.toFloatArray()),
                                error(ref[1], tdx.toFloatArray()), error(ref[2], tdw.toFloatArray()));
                    }
                }
            }
        }
    }

    private static float[] uniform(SplittableRandom random, int... shape) {
        int size = 1;
        for (int d : shape) size *= d;
        float[] a = new float[size];
        for (int i = 0; i < size; i++) a[i] = (float) (random.nextDouble() * 2 - 1);
        return a;
    }

    /** y (no bias), dx and dw of a stride-1 convolution, summed directly in double precision. */
    private static double[][] directDouble(ConvGeometry g, float[] x, float[] w, float[] dy) {
        double[] y = new double[g.n() * g.o() * g.outH() * g.outW()], dx = new double[x.length], dw = new double[w.length];
        for (int n = 0; n < g.n(); n++)
            for (int o = 0; o < g.o(); o++)
                for (int oh = 0; oh < g.outH(); oh++)
                    for (int ow = 0; ow < g.outW(); ow++) {
                        int yi = ((n * g.o() + o) * g.outH() + oh) * g.outW() + ow;
                        double s = 0;
                        for (int c = 0; c < g.c(); c++)
                            for (int kh = 0; kh < g.kh(); kh++)
                                for (int kw = 0; kw < g.kw(); kw++) {
                                    int ih = oh + kh - g.padTop(), iw = ow + kw - g.padLeft();
                                    if (ih < 0 || ih >= g.h() || iw < 0 || iw >= g.w()) continue;
                                    int xi = ((n * g.c() + c) * g.h() + ih) * g.w() + iw, wi = ((o * g.c() + c) * g.kh() + kh) * g.kw() + kw;
                                    s += (double) x[xi] * w[wi];
                                    dx[xi] += (double) dy[yi] * w[wi];
                                    dw[wi] += (double) dy[yi] * x[xi];
                                }
                        y[yi] = s;
                    }
        return new double[][] {y, dx, dw};
    }

    private static double error(double[] ref, float[] actual) {
        double maxRef = 0, maxDiff = 0;
        for (int i = 0; i < ref.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            maxDiff = Math.max(maxDiff, Math.abs(ref[i] - actual[i]));
        }
        return maxDiff / maxRef;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(0);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
