package dev.splot;

import dev.splot.backend.Backend;
import dev.splot.backend.ConvGeometry;
import dev.splot.backend.Padding;
import dev.splot.backend.Tensor;
import dev.splot.backend.BackendProvider;
import dev.splot.backend.Backends;
import dev.splot.backend.Op;
import dev.splot.backend.java.JavaBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * What this machine can run: every backend provider found (and each of its devices or code paths,
 * as the provider lists them), each started and given one small convolution to compare with the Java reference,
 * reported as PASS or FAIL with the reason. Run with {@code Mnist --list-devices} or this class's main.
 */
public final class Diagnostics {
    private Diagnostics() {}

    /**
     * Prints {@link #report()} to standard output.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        System.out.println(report());
    }

    /**
     * Starts every self-test target of every provider in turn (one backend open at a time, closed
     * after its test) and describes the outcome. A target that fails to start or disagrees with the
     * reference is a FAIL line with the reason, never an exception.
     *
     * @return one header line (OS, architecture, Java version, hardware threads), then per provider its
     *     summary and a PASS, FAIL or SKIP line per target
     * @throws IllegalStateException when the providers themselves cannot be loaded ({@link Backends#providers()})
     */
    public static String report() {
        StringBuilder sb = new StringBuilder();
        sb.append("splot diagnostics: ").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch"))
                .append(", Java ").append(Runtime.version()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" hardware threads\n");
        for (BackendProvider provider : Backends.providers()) {
            List<BackendProvider.SelfTestTarget> targets;
            try {
                targets = provider.selfTestTargets();
            } catch (RuntimeException | LinkageError e) {
                sb.append(String.format("  %-28s FAIL  %s%n", provider.name(), e.getMessage()));
                continue;
            }
            sb.append("  ").append(provider.name()).append(": ").append(provider.summary()).append('\n');
            for (BackendProvider.SelfTestTarget t : targets) {
                if (t.start() == null) {
                    sb.append(String.format("  %-28s SKIP  %s%n", t.label(), t.note()));
                    continue;
                }
                if (t.note() != null) sb.append("    ").append(t.note()).append('\n');
                check(sb, t.label(), t.start());
            }
        }
        return sb.toString();
    }

    static void check(StringBuilder sb, String label, Supplier<Backend> start) {
        try (Backend b = start.get()) {
            String problem = selfTest(b);
            sb.append(String.format("  %-28s %s  %s%n", label, problem == null ? "PASS" : "FAIL",
                    problem == null ? b.description() : problem));
        } catch (RuntimeException | LinkageError e) {
            sb.append(String.format("  %-28s FAIL  %s%n", label, e.getMessage()));
        }
    }

    /** One 'same'-padded, stride-2 convolution on odd sizes against the reference; null when it agrees within 1e-5. */
    static String selfTest(Backend backend) {
        if (!backend.supports(Op.CONV2D_FORWARD)) return null; // started; nothing this self-test can run
        ConvGeometry g = ConvGeometry.of(2, 3, 9, 7, 5, 3, 3, 2, Padding.SAME);
        SplittableRandom r = new SplittableRandom(1);
        List<float[]> inputs = new ArrayList<>();
        for (int[] shape : new int[][] {g.inputShape(), g.weightShape(), {g.o()}}) {
            float[] a = new float[(int) dev.splot.backend.Shapes.size(shape)];
            for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
            inputs.add(a);
        }
        float[] expected, actual = conv(backend, g, inputs);
        try (Backend reference = new JavaBackend()) {
            expected = conv(reference, g, inputs);
        }
        double maxRef = 0, maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
            double d = Math.abs(expected[i] - actual[i]);
            if (!(d <= maxDiff)) maxDiff = d; // NaN counts as the largest difference
        }
        double rel = maxDiff / maxRef;
        return rel <= 1e-5 ? null : String.format("conv2d self-test differs from the Java reference: normalised error %.3g", rel);
    }

    private static float[] conv(Backend be, ConvGeometry g, List<float[]> in) {
        try (Tensor x = be.allocate(g.inputShape()); Tensor w = be.allocate(g.weightShape()); Tensor b = be.allocate(g.o());
             Tensor y = be.allocate(g.outputShape())) {
            be.upload(x, in.get(0));
            be.upload(w, in.get(1));
            be.upload(b, in.get(2));
            be.conv2dForward(x, w, b, y, g);
            return y.toFloatArray();
        }
    }
}
