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
 * ratio to the first algorithm. Not a test:
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
                Backend be = open(algorithm);
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
        } finally {
            for (int a = 0; a < backends.size(); a++) {
                if (a < tensors.size()) for (Tensor t : tensors.get(a)) t.close();
                backends.get(a).close();
            }
        }
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(0);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static Backend open(String algorithm) {
        String before = System.getProperty(OpenClBackend.CONV_PROPERTY);
        System.setProperty(OpenClBackend.CONV_PROPERTY, algorithm);
        try {
            return OpenClBackend.create(null);
        } finally {
            if (before == null) System.clearProperty(OpenClBackend.CONV_PROPERTY);
            else System.setProperty(OpenClBackend.CONV_PROPERTY, before);
        }
    }
}
