package dev.splot.backend.nativecpu;

import dev.splot.backend.Backend;
import dev.splot.backend.ConvGeometry;
import dev.splot.backend.DType;
import dev.splot.backend.Padding;
import dev.splot.backend.PoolGeometry;
import dev.splot.backend.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Hand-run timing of the seed model's training step through the Backend interface (Java ->
 * JavaCPP -> C++), batch 128: each op's best and mean time over the measured steps, GFLOP/s and fraction of
 * the native FMA peak, and the whole step. Not a test; machines are shared and noisy.
 *
 * <pre>mvn -q test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.splot.backend.nativecpu.NativeTiming [-Dsplot.native.isa=avx2] [-Dexec.args=20]</pre>
 */
public final class NativeTiming {
    private final Map<String, double[]> ops = new LinkedHashMap<>(); // name -> {best ms, flop}

    private void time(String name, double flop, Runnable r) {
        long t = System.nanoTime();
        r.run();
        double ms = (System.nanoTime() - t) * 1e-6;
        double[] e = ops.computeIfAbsent(name, k -> new double[] {Double.MAX_VALUE, flop, 0, 0});
        e[0] = Math.min(e[0], ms);
        e[2] += ms;
        e[3]++;
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        try (NativeBackend be = NativeBackend.create()) {
            double peak = be.peakGflops(be.threads(), 1.0);
            System.out.printf("%s%nmeasured FMA peak: %.1f GFLOP/s on %d threads%n", be.description(), peak, be.threads());
            new NativeTiming().run(be, steps, peak);
        }
    }

    private void run(Backend be, int steps, double peak) {
        int n = 128;
        SplittableRandom r = new SplittableRandom(1);
        ConvGeometry c1 = ConvGeometry.of(n, 1, 28, 28, 32, 3, 3, 1, Padding.VALID);
        ConvGeometry c2 = ConvGeometry.of(n, 32, 26, 26, 64, 3, 3, 1, Padding.VALID);
        PoolGeometry p = PoolGeometry.of(n, 64, 24, 24, 2, 2);
        List<Tensor> all = new ArrayList<>();
        java.util.function.Function<int[], Tensor> mk = shape -> {
            Tensor t = be.allocate(shape);
            float[] d = new float[t.size()];
            for (int i = 0; i < d.length; i++) d[i] = (float) ((r.nextDouble() * 2 - 1) * 0.05);
            be.upload(t, d);
            all.add(t);
            return t;
        };
        Tensor w1 = mk.apply(c1.weightShape()), b1 = mk.apply(new int[] {32}), w2 = mk.apply(c2.weightShape()), b2 = mk.apply(new int[] {64});
        Tensor w3 = mk.apply(new int[] {128, 9216}), b3 = mk.apply(new int[] {128}), w4 = mk.apply(new int[] {10, 128}), b4 = mk.apply(new int[] {10});
        Tensor[] params = {w1, b1, w2, b2, w3, b3, w4, b4};
        Tensor[] grads = new Tensor[8], accG = new Tensor[8], accD = new Tensor[8];
        for (int i = 0; i < 8; i++) {
            grads[i] = mk.apply(params[i].shape());
            accG[i] = mk.apply(params[i].shape());
            accD[i] = mk.apply(params[i].shape());
            be.fill(accG[i], 0f);
            be.fill(accD[i], 0f);
        }
        Tensor x = mk.apply(c1.inputShape()), labels = be.allocate(DType.INT32, n), arg = be.allocate(DType.INT32, p.outputShape());
        all.add(labels);
        all.add(arg);
        Tensor a1 = mk.apply(c1.outputShape()), a2 = mk.apply(c2.outputShape()), pooled = mk.apply(p.outputShape());
        Tensor d1 = mk.apply(p.outputShape()), m1 = mk.apply(p.outputShape()), h = mk.apply(new int[] {n, 128});
        Tensor d2 = mk.apply(new int[] {n, 128}), m2 = mk.apply(new int[] {n, 128}), logits = mk.apply(new int[] {n, 10});
        Tensor dl = mk.apply(new int[] {n, 10}), gd2 = mk.apply(new int[] {n, 128}), gh = mk.apply(new int[] {n, 128});
        Tensor gd1 = mk.apply(new int[] {n, 9216}), gpool = mk.apply(p.outputShape()), ga2 = mk.apply(c2.outputShape());
        Tensor ga1 = mk.apply(c1.outputShape());
        float[] xs = new float[n * 784];
        int[] ls = new int[n];
        double cf1 = c1.flops(), cf2 = c2.flops(), df = 2.0 * n * 9216 * 128;
        double bestStep = Double.MAX_VALUE, sumSteps = 0;
        for (int step = 0; step < steps + 2; step++) {
            for (int i = 0; i < xs.length; i++) xs[i] = (float) r.nextDouble();
            for (int i = 0; i < n; i++) ls[i] = r.nextInt(10);
            long t0 = System.nanoTime();
            final long s = step;
            time("upload batch", 0, () -> { be.upload(x, xs); be.upload(labels, ls); });
            time("conv1 forward", cf1, () -> be.conv2dForward(x, w1, b1, a1, c1));
            time("relu1 forward", 0, () -> be.reluForward(a1, a1));
            time("conv2 forward", cf2, () -> be.conv2dForward(a1, w2, b2, a2, c2));
            time("relu2 forward", 0, () -> be.reluForward(a2, a2));
            time("maxpool forward", 0, () -> be.maxPoolForward(a2, pooled, arg, p));
            time("dropout1 forward", 0, () -> be.dropoutForward(pooled, d1, m1, 0.25f, 42, s, 3));
            Tensor flat = d1.reshape(n, 9216);
            time("dense1 forward", df, () -> be.denseForward(flat, w3, b3, h));
            time("relu3 forward", 0, () -> be.reluForward(h, h));
            time("dropout2 forward", 0, () -> be.dropoutForward(h, d2, m2, 0.5f, 42, s, 6));
            time("dense2 forward", 2.0 * n * 128 * 10, () -> be.denseForward(d2, w4, b4, logits));
            time("softmax xent", 0, () -> be.softmaxCrossEntropy(logits, labels, dl));
            time("dense2 backward", 4.0 * n * 128 * 10, () -> be.denseBackward(dl, d2, w4, gd2, grads[6], grads[7]));
            time("dropout2 backward", 0, () -> be.dropoutBackward(gd2, m2, gh));
            time("relu3 backward", 0, () -> be.reluBackward(gh, h, gh));
            time("dense1 backward", 2 * df, () -> be.denseBackward(gh, flat, w3, gd1, grads[4], grads[5]));
            time("dropout1 backward", 0, () -> be.dropoutBackward(gd1.reshape(p.outputShape()), m1, gpool));
            time("maxpool backward", 0, () -> be.maxPoolBackward(gpool, arg, ga2, p));
            time("relu2 backward", 0, () -> be.reluBackward(ga2, a2, ga2));
            time("conv2 backward-weights", cf2, () -> be.conv2dBackwardWeights(a1, ga2, grads[2], grads[3], c2));
            time("conv2 backward-data", cf2, () -> be.conv2dBackwardData(ga2, w2, ga1, c2));
            time("relu1 backward", 0, () -> be.reluBackward(ga1, a1, ga1));
            time("conv1 backward-weights", cf1, () -> be.conv2dBackwardWeights(x, ga1, grads[0], grads[1], c1));
            time("adadelta (8 tensors)", 0, () -> {
                for (int i = 0; i < 8; i++) be.adadeltaUpdate(params[i], grads[i], accG[i], accD[i], 1.0f, 0.95f, 1e-7f);
            });
            double ms = (System.nanoTime() - t0) * 1e-6;
            if (step >= 2) {
                bestStep = Math.min(bestStep, ms);
                sumSteps += ms;
            }
            else ops.clear(); // warm-up steps
        }
        System.out.printf("%-26s %9s %9s %9s %8s%n", "op (batch 128)", "best ms", "mean ms", "GFLOP/s", "of peak");
        double sum = 0;
        for (Map.Entry<String, double[]> e : ops.entrySet()) {
            double ms = e.getValue()[0], flop = e.getValue()[1];
            sum += ms;
            double mean = e.getValue()[2] / e.getValue()[3];
            if (flop > 0) {
                System.out.printf("%-26s %9.3f %9.3f %9.1f %7.1f%%%n", e.getKey(), ms, mean, flop / ms * 1e-6,
                        100 * flop / ms * 1e-6 / peak);
            } else {
                System.out.printf("%-26s %9.3f %9.3f%n", e.getKey(), ms, mean);
            }
        }
        System.out.printf("sum of best op times: %.1f ms; best whole step: %.1f ms -> %.1f s per epoch of 469 steps; "
                + "mean step %.1f ms -> %.1f s%n", sum, bestStep, bestStep * 469e-3, sumSteps / steps, sumSteps / steps * 469e-3);
        for (Tensor t : all) t.close();
    }
}
