package dev.splot.backend.nativecpu;

import dev.splot.backend.DType;
import dev.splot.backend.Tensor;
import dev.splot.nn.ForwardContext;
import dev.splot.nn.MnistCnn;
import dev.splot.nn.Sequential;
import dev.splot.optim.AdaDelta;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Hand-run timing of a whole training step of the seed model ({@link MnistCnn}, batch 128, AdaDelta) on the
 * native backend with fusion on and off ({@link Sequential.Builder#fusion}), the two models' steps
 * interleaved so that both see the same machine load. On one native thread (the default here) it
 * reports the calling thread's CPU time, which a loaded machine inflates least; best and median of
 * the measured steps. Not a test; machines are shared and noisy.
 *
 * <pre>mvn -q test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.splot.backend.nativecpu.FusionTiming [-Dsplot.native.isa=avx2] [-Dexec.args="30 1"]</pre>
 * (arguments: measured steps, native threads).
 */
public final class FusionTiming {
    private FusionTiming() {}

    /**
     * Prints the best and median step time with fusion on and off, and their ratios.
     *
     * @param args the number of measured steps (default 30) and of native threads (default 1)
     */
    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int n = 128;
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        try (NativeBackend be = NativeBackend.create(System.getProperty("splot.native.isa", "auto"), threads);
             Sequential on = MnistCnn.build(be, 1, true); Sequential off = MnistCnn.build(be, 1, false);
             AdaDelta optOn = new AdaDelta(); AdaDelta optOff = new AdaDelta();
             Tensor x = be.allocate(n, 1, 28, 28); Tensor y = be.allocate(DType.INT32, n); Tensor dlogits = be.allocate(n, 10)) {
            System.out.printf("%s, %d thread(s), %s time%n", be.description(), threads, threads == 1 ? "thread CPU" : "wall");
            SplittableRandom random = new SplittableRandom(1);
            float[] images = new float[n * 784];
            int[] labels = new int[n];
            double[][] ms = new double[2][steps];
            for (int step = 0; step < steps + 2; step++) { // two warm-up steps each
                for (int k = 0; k < images.length; k++) images[k] = (float) random.nextDouble();
                for (int k = 0; k < n; k++) labels[k] = random.nextInt(10);
                be.upload(x, images);
                be.upload(y, labels);
                for (int variant = 0; variant < 2; variant++) {
                    Sequential m = variant == 0 ? on : off;
                    long wall = System.nanoTime(), cpu = bean.getCurrentThreadCpuTime();
                    Tensor logits = m.forward(x, new ForwardContext(true, 42, step));
                    be.softmaxCrossEntropy(logits, y, dlogits);
                    m.backward(dlogits);
                    (variant == 0 ? optOn : optOff).step(m.parameters());
                    double t = (threads == 1 ? bean.getCurrentThreadCpuTime() - cpu : System.nanoTime() - wall) * 1e-6;
                    if (step >= 2) ms[variant][step - 2] = t;
                }
            }
            for (double[] v : ms) Arrays.sort(v);
            System.out.printf("step, fusion on:  best %.2f ms, median %.2f ms%n", ms[0][0], ms[0][steps / 2]);
            System.out.printf("step, fusion off: best %.2f ms, median %.2f ms%n", ms[1][0], ms[1][steps / 2]);
            System.out.printf("on / off: best %.3f, median %.3f%n", ms[0][0] / ms[1][0], ms[0][steps / 2] / ms[1][steps / 2]);
        }
    }
}
