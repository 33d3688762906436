package dev.splot.backend.opencl;

import dev.splot.backend.ConvGeometry;
import dev.splot.backend.DType;
import dev.splot.backend.Padding;
import dev.splot.backend.PoolGeometry;
import dev.splot.backend.Tensor;
import dev.splot.backend.opencl.GemmCall.Operand;
import dev.splot.testing.SeedModelStep;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static dev.splot.backend.opencl.OpenClBackend.mem;

/**
 * Times each OpenCL operation at the seed model's shapes (batch 128 by default) and prints
 * milliseconds, GFLOP/s for the FLOP-heavy ops and GB/s for the memory-bound ones. Warm-up runs
 * (kernel compilation, PoCL's per-local-size compilation) are excluded; every timed run ends with
 * clFinish. Not a JUnit test: run with
 * {@code mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.splot.backend.opencl.OpenClTiming [-Dexec.args="reps batch device|- regex"]}.
 */
public final class OpenClTiming {
    private static final SplittableRandom RANDOM = new SplittableRandom(7);
    private static java.util.regex.Pattern filter; // only ops whose name matches (args[3])

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        String device = args.length > 2 && !args[2].equals("-") ? args[2] : null;
        filter = args.length > 3 ? java.util.regex.Pattern.compile(args[3]) : null;
        long t0 = System.nanoTime();
        try (OpenClBackend be = OpenClBackend.create(device)) {
            System.out.printf(Locale.ROOT, "device: %s%nprograms: %d ms%s, backend start %d ms %s%n", be.description(), be.buildMillis(),
                    be.programsFromCache() ? " (from cache)" : " (built)", (System.nanoTime() - t0) / 1_000_000, be.buildReport());
            new OpenClTiming(be, reps, batch).runAll();
        }
    }

    private final OpenClBackend be;
    private final int reps, batch;
    private final List<Tensor> live = new ArrayList<>();
    private double firstCalls; // ms spent in first calls (not in the figures above)

    private OpenClTiming(OpenClBackend be, int reps, int batch) {
        this.be = be;
        this.reps = reps;
        this.batch = batch;
    }

    private Tensor rand(int... shape) {
        Tensor t = be.allocate(shape);
        float[] a = new float[t.size()];
        for (int i = 0; i < a.length; i++) a[i] = (float) (RANDOM.nextDouble() * 2 - 1);
        be.upload(t, a);
        live.add(t);
        return t;
    }

    private Tensor zeros(DType dt, int... shape) {
        Tensor t = be.allocate(dt, shape);
        live.add(t);
        return t;
    }

    /** Times op; flops > 0 prints GFLOP/s, else bytes prints GB/s. Returns the median in ms. */
    private double time(String what, double flops, double bytes, Runnable op) {
        if (filter != null && !filter.matcher(what).find()) return 0;
        long f0 = System.nanoTime();
        op.run(); // first call: includes the driver's compilation per local size (PoCL) and page faults
        be.synchronize();
        double first = (System.nanoTime() - f0) / 1e6;
        firstCalls += first;
        op.run(); // warm-up
        be.synchronize();
        double[] ms = new double[reps];
        for (int r = 0; r < reps; r++) {
            long t = System.nanoTime();
            op.run();
            be.synchronize();
            ms[r] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        double med = ms[reps / 2], best = ms[0];
        String rate = flops > 0 ? String.format(Locale.ROOT, "%7.1f GFLOP/s (best %6.1f)", flops / med / 1e6, flops / best / 1e6)
                : String.format(Locale.ROOT, "%7.1f GB/s    (best %6.1f)", bytes / med / 1e6, bytes / best / 1e6);
        System.out.printf(Locale.ROOT, "%-44s median %8.3f ms  best %8.3f ms  %s  first call %7.1f ms%n", what, med, best, rate, first);
        return med;
    }

    /**
     * The FMA rate this device gives right now: 16 independent float16 FMA chains per work-item, no memory traffic.
     * On a shared machine it shows what the other figures should be compared with.
     */
    private double fmaPeak() {
        String src = "__kernel void peak(__global float* out, const int iters, const float m) {\n"
                + "  float16 a[16];\n"
                + "  for (int i = 0; i < 16; i++) a[i] = (float16)(get_global_id(0) + i);\n"
                + "  for (int k = 0; k < iters; k++) {\n"
                + "#pragma unroll\n"
                + "    for (int i = 0; i < 16; i++) a[i] = fma(a[i], (float16)(m), (float16)(0.5f));\n"
                + "  }\n"
                + "  float16 s = (float16)(0.0f);\n"
                + "  for (int i = 0; i < 16; i++) s += a[i];\n"
                + "  out[get_global_id(0)] = s.s0 + s.s1 + s.s2 + s.s3 + s.s4 + s.s5 + s.s6 + s.s7 + s.s8 + s.s9 + s.sa + s.sb + s.sc + s.sd + s.se + s.sf;\n"
                + "}\n";
        org.jocl.cl_program prog = org.jocl.CL.clCreateProgramWithSource(be.context(), 1, new String[] {src}, null, null);
        org.jocl.CL.clBuildProgram(prog, 1, new org.jocl.cl_device_id[] {be.device()}, "", null, null);
        org.jocl.cl_kernel k = org.jocl.CL.clCreateKernel(prog, "peak", null);
        int items = 256, iters = 20000;
        Tensor out = zeros(DType.FLOAT32, items);
        org.jocl.CL.clSetKernelArg(k, 0, org.jocl.Sizeof.cl_mem, org.jocl.Pointer.to(OpenClBackend.mem(out)));
        org.jocl.CL.clSetKernelArg(k, 1, org.jocl.Sizeof.cl_int, org.jocl.Pointer.to(new int[] {iters}));
        org.jocl.CL.clSetKernelArg(k, 2, org.jocl.Sizeof.cl_float, org.jocl.Pointer.to(new float[] {0.999f}));
        double flops = 2.0 * 16 * 16 * iters * items;
        double ms = time("FMA peak probe (registers only)", flops, 0, () -> org.jocl.CL.clEnqueueNDRangeKernel(be.queue(), k, 1, null,
                new long[] {items}, new long[] {8}, 0, null, null));
        org.jocl.CL.clReleaseKernel(k);
        org.jocl.CL.clReleaseProgram(prog);
        return ms > 0 ? flops / ms / 1e6 : 0;
    }

    private void runAll() {
        int n = batch;
        double peak = fmaPeak();
        if (peak > 0) System.out.printf(Locale.ROOT, "(GFLOP/s figures below compare with %.0f GFLOP/s available now)%n", peak);
        // the bare GEMM at conv2's forward shape: M=64, K=288, N=128*576
        int gm = 64, gk = 288, gn = n * 576;
        Tensor a = rand(gm, gk), b = rand(gk, gn), c = zeros(DType.FLOAT32, gm, gn);
        time("sgemm M=64 K=288 N=" + gn, 2.0 * gm * gk * gn, 0, () -> be.sgemm(a, b, c, gm, gn, gk));
        Tensor a2 = rand(128, 9216), b2 = rand(9216, 128), c2 = zeros(DType.FLOAT32, 128, 128);
        time("sgemm M=128 K=9216 N=128", 2.0 * 128 * 9216 * 128, 0, () -> be.sgemm(a2, b2, c2, 128, 128, 9216));
        release(a, b, c, a2, b2, c2);

        ConvGeometry g1 = ConvGeometry.of(n, 1, 28, 28, 32, 3, 3, 1, Padding.VALID);
        ConvGeometry g2 = ConvGeometry.of(n, 32, 26, 26, 64, 3, 3, 1, Padding.VALID);
        Tensor x1 = rand(g1.inputShape()), w1 = rand(g1.weightShape()), b1 = rand(32), y1 = zeros(DType.FLOAT32, g1.outputShape());
        Tensor w2 = rand(g2.weightShape()), bb2 = rand(64), y2 = zeros(DType.FLOAT32, g2.outputShape());
        Tensor dy2 = rand(g2.outputShape()), dx2 = zeros(DType.FLOAT32, g2.inputShape());
        Tensor dw2 = zeros(DType.FLOAT32, g2.weightShape()), db2 = zeros(DType.FLOAT32, 64);
        Tensor dy1 = rand(g1.outputShape()), dw1 = zeros(DType.FLOAT32, g1.weightShape()), db1 = zeros(DType.FLOAT32, 32);
        time("conv1 forward (im2col+gemm)", g1.flops(), 0, () -> be.conv2dForward(x1, w1, b1, y1, g1));
        time("conv1 backward-weights", g1.flops(), 0, () -> be.conv2dBackwardWeights(x1, dy1, dw1, db1, g1));
        Tensor x2 = y1;
        time("conv2 forward (im2col+gemm)", g2.flops(), 0, () -> be.conv2dForward(x2, w2, bb2, y2, g2));
        time("conv2 backward-data (gemm+col2im)", g2.flops(), 0, () -> be.conv2dBackwardData(dy2, w2, dx2, g2));
        time("conv2 backward-weights (im2col+T+gemm)", g2.flops(), 0, () -> be.conv2dBackwardWeights(x2, dy2, dw2, db2, g2));

        // the parts of conv2's three passes
        int ckk = 288, p2 = 576;
        Tensor col = zeros(DType.FLOAT32, n, ckk, p2), dyT = zeros(DType.FLOAT32, n, p2, 64), part = zeros(DType.FLOAT32, 16, ckk, 64);
        int gs = Convolutions.imagesPerGroup(n);
        time("  conv2 im2col", 0, 4.0 * 2 * n * ckk * p2, () -> be.launch1d("im2col", (long) n * ckk * 24, OpenClBackend.mem(x2),
                OpenClBackend.mem(col), 32, 26, 26, 3, 3, 1, 1, 0, 0, 24, 24, n * ckk * 24, 0L));
        time("  conv2 forward gemm (batched)", g2.flops(), 0, () -> be.gemm().run(GemmCall.of(64, p2, ckk, Operand.rowMajor(mem(w2), 0, ckk),
                Operand.rowMajor(mem(col), 0, p2).perBatch((long) ckk * p2), Operand.rowMajor(mem(y2), 0, p2).perBatch(64L * p2)).batched(n)));
        time("  conv2 backward-data gemm (W^T . dy)", g2.flops(), 0, () -> be.gemm().run(GemmCall.of(ckk, p2, 64, Operand.transposed(mem(w2), 0, ckk),
                Operand.rowMajor(mem(dy2), 0, p2).perBatch(64L * p2), Operand.rowMajor(mem(col), 0, p2).perBatch((long) ckk * p2)).batched(n)));
        time("  conv2 col2im", 0, 4.0 * n * ckk * p2 + 4.0 * n * 32 * 676, () -> be.launch1d("col2im", (long) n * 32 * 26,
                OpenClBackend.mem(col), OpenClBackend.mem(dx2), 32, 26, 26, 3, 3, 1, 1, 0, 0, 24, 24, n * 32 * 26, 0L, OpenClBackend.mem(dx2), 0));
        time("  conv2 transpose dy", 0, 8.0 * n * 64 * p2, () -> be.gemm().transpose(OpenClBackend.mem(dy2), 0, OpenClBackend.mem(dyT), 64, p2, n));
        time("  conv2 backward-weights gemm (split-K)", g2.flops(), 0, () -> be.gemm().run(GemmCall.of(ckk, 64, p2,
                Operand.rowMajor(mem(col), 0, p2).perBatch((long) gs * ckk * p2).perSlice((long) ckk * p2),
                Operand.rowMajor(mem(dyT), 0, 64).perBatch((long) gs * p2 * 64).perSlice((long) p2 * 64),
                Operand.rowMajor(mem(part), 0, 64).perBatch((long) ckk * 64)).summingSlices((n + gs - 1) / gs, gs, n)));
        release(col, dyT, part);
        for (Winograd.Tile tile : Winograd.Tile.values()) winogradParts(tile, n, x2, w2, bb2, y2, dy2, dx2, dw2);

        long act = (long) n * 64 * 24 * 24;
        time("relu forward " + act, 0, 8.0 * act, () -> be.reluForward(y2, y2));
        time("relu backward " + act, 0, 12.0 * act, () -> be.reluBackward(dy2, y2, dy2));
        PoolGeometry pg = PoolGeometry.of(n, 64, 24, 24, 2, 2);
        Tensor py = zeros(DType.FLOAT32, pg.outputShape()), pa = zeros(DType.INT32, pg.outputShape());
        Tensor pdy = rand(pg.outputShape());
        long pout = (long) n * 64 * 12 * 12;
        Tensor prand = rand(pg.inputShape()), pzero = zeros(DType.FLOAT32, pg.inputShape());
        for (int rep = 0; rep < 2; rep++) {
            time("maxpool forward on uniform random input", 0, 4.0 * act + 8.0 * pout, () -> be.maxPoolForward(prand, py, pa, pg));
            time("maxpool forward on zeros", 0, 4.0 * act + 8.0 * pout, () -> be.maxPoolForward(pzero, py, pa, pg));
            time("relu forward on uniform random input", 0, 8.0 * act, () -> be.reluForward(prand, dy2));
        }
        time("maxpool forward", 0, 4.0 * act + 8.0 * pout, () -> be.maxPoolForward(y2, py, pa, pg));
        time("maxpool backward", 0, 4.0 * act + 8.0 * pout, () -> be.maxPoolBackward(pdy, pa, dy2, pg));
        Tensor flat = py.reshape(n, 9216), dmask = zeros(DType.FLOAT32, n, 9216), dout = zeros(DType.FLOAT32, n, 9216);
        time("dropout forward (n x 9216)", 0, 12.0 * n * 9216, () -> be.dropoutForward(flat, dout, dmask, 0.25f, 42, 3, 1));
        time("dropout backward (n x 9216)", 0, 12.0 * n * 9216, () -> be.dropoutBackward(dout, dmask, dout));

        Tensor dw = rand(128, 9216), dbias = rand(128), h = zeros(DType.FLOAT32, n, 128), dh = rand(n, 128);
        Tensor ddw = zeros(DType.FLOAT32, 128, 9216), ddb = zeros(DType.FLOAT32, 128), dflat = zeros(DType.FLOAT32, n, 9216);
        double df = 2.0 * n * 9216 * 128;
        time("dense1 forward (dot on CPUs, T+gemm on GPUs)", df, 0, () -> be.denseForward(dout, dw, dbias, h));
        time("dense1 backward (dw+db+dx)", 2 * df, 0, () -> be.denseBackward(dh, dout, dw, dflat, ddw, ddb));
        Tensor dwT = zeros(DType.FLOAT32, 9216, 128);
        time("  dense1 transpose W", 0, 8.0 * 128 * 9216, () -> be.gemm().transpose(mem(dw), 0, mem(dwT), 128, 9216, 1));
        time("  dense1 forward gemm (x . W^T)", df, 0, () -> be.gemm().run(GemmCall.of(n, 128, 9216, Operand.rowMajor(mem(dout), 0, 9216),
                Operand.rowMajor(mem(dwT), 0, 128), Operand.rowMajor(mem(h), 0, 128))));
        time("  dense1 dw gemm (dy^T . x)", df, 0, () -> be.gemm().run(GemmCall.of(128, 9216, n, Operand.transposed(mem(dh), 0, 128),
                Operand.rowMajor(mem(dout), 0, 9216), Operand.rowMajor(mem(ddw), 0, 9216))));
        time("  dense1 dx gemm (dy . W)", df, 0, () -> be.gemm().run(GemmCall.of(n, 9216, 128, Operand.rowMajor(mem(dh), 0, 128),
                Operand.rowMajor(mem(dw), 0, 9216), Operand.rowMajor(mem(dflat), 0, 9216))));
        release(dwT);
        Tensor w3 = rand(10, 128), b3 = rand(10), logits = zeros(DType.FLOAT32, n, 10), dl = zeros(DType.FLOAT32, n, 10);
        time("dense2 forward", 2.0 * n * 128 * 10, 0, () -> be.denseForward(h, w3, b3, logits));
        Tensor labels = zeros(DType.INT32, n);
        time("softmax xent + read-back", 0, 8.0 * n * 10, () -> be.softmaxCrossEntropy(logits, labels, dl));
        Tensor acc1 = zeros(DType.FLOAT32, 128, 9216), acc2 = zeros(DType.FLOAT32, 128, 9216);
        time("adadelta (1,179,648 params)", 0, 28.0 * 128 * 9216, () -> be.adadeltaUpdate(dw, ddw, acc1, acc2, 1f, 0.95f, 1e-7f));
        trainingStep(n);
        for (Tensor t : live) t.close();
        System.out.printf(Locale.ROOT, "first calls of all timed ops together: %.0f ms%n", firstCalls);
    }

    /** conv2's Winograd passes in parts for tile size F(mxm,3x3), the whole batch as one chunk (kernels/winograd*.cl, Winograd.java). */
    private void winogradParts(Winograd.Tile tile, int n, Tensor x, Tensor w, Tensor b, Tensor y, Tensor dy, Tensor dx, Tensor dw) {
        int e = tile.e, c = 32, o = 64, th = (24 + tile.m - 1) / tile.m, tiles = th * th, t = n * tiles, bh = (26 + tile.m - 1) / tile.m;
        int gs = Convolutions.imagesPerGroup(n), groups = (n + gs - 1) / gs;
        boolean f4 = tile == Winograd.Tile.F4;
        // work-items: F(2x2) a row of tiles of one channel each, F(4x4) 8 consecutive tiles (Winograd.transformItems)
        int inItems = f4 ? (t + 7) / 8 * c : n * th * c, outItems = f4 ? (t + 7) / 8 * o : n * th * o;
        Tensor u = zeros(DType.FLOAT32, e, o, c), v = zeros(DType.FLOAT32, e, c, t), m = zeros(DType.FLOAT32, e, o, t);
        Tensor vT = zeros(DType.FLOAT32, e, c, t), part = zeros(DType.FLOAT32, groups, e, c, o);
        Tensor p = f4 ? zeros(DType.FLOAT32, c, 6, t, 8) : null;
        double winoFlops = 2.0 * e * o * c * t;
        String f = "  F(" + tile.m + "x" + tile.m + ") ";
        time(f + "weights transform", 0, 4.0 * (9 + e) * o * c, () -> be.launch1d(tile.kernel("weights"), o * c, mem(w), mem(u), o, c));
        time(f + "input transform", 0, 4.0 * (26 * 26 * c * n + (long) e * c * t), () -> be.launch1d(tile.kernel("input"), inItems,
                mem(x), mem(v), n, c, 26, 26, 0, 0, th, th, n, 0, inItems));
        time(f + "forward gemm (" + e + " x 64x32 . 32x" + t + ")", winoFlops, 0, () -> be.gemm().run(GemmCall.of(o, t, c,
                Operand.rowMajor(mem(u), 0, c).perBatch((long) o * c), Operand.rowMajor(mem(v), 0, t).perBatch((long) c * t),
                Operand.rowMajor(mem(m), 0, t).perBatch((long) o * t)).batched(e)));
        time(f + "output transform (+bias)", 0, 4.0 * ((long) e * o * t + 576L * o * n), () -> be.launch1d(tile.kernel("output"),
                outItems, f4 ? new Object[] {mem(m), mem(b), mem(y), o, 24, 24, th, th, 0, t, outItems, 0, mem(m), mem(m), 0}
                        : new Object[] {mem(m), mem(b), mem(y), o, 24, 24, th, th, 0, t, outItems, 0}));
        time(f + "dy transform", 0, 4.0 * ((long) e * o * t + 576L * o * n), () -> be.launch1d(tile.kernel("output_grad"), outItems,
                mem(dy), mem(m), n, o, 24, 24, th, th, n, 0, outItems));
        time(f + "backward-data gemm (U^T . dM)", winoFlops, 0, () -> be.gemm().run(GemmCall.of(c, t, o,
                Operand.transposed(mem(u), 0, c).perBatch((long) o * c), Operand.rowMajor(mem(m), 0, t).perBatch((long) o * t),
                Operand.rowMajor(mem(v), 0, t).perBatch((long) c * t)).batched(e)));
        if (f4) {
            time(f + "dx, B dV B^T per tile", 0, 4.0 * ((long) e * c * t + 48L * c * t), () -> be.launch1d("winograd4_input_grad_tiles",
                    inItems, mem(v), mem(p), c, t, inItems));
            time(f + "dx, sums per 4x4 block", 0, 4.0 * (48L * c * t + 676L * c * n), () -> be.launch1d("winograd4_input_grad",
                    (long) n * c * bh * bh, mem(p), mem(dx), mem(dx), 0, c, 26, 26, 0, 0, th, th, 0, t, n * c * bh * bh));
        } else {
            time(f + "dx (B dV B^T over 4 tiles)", 0, 4.0 * ((long) e * c * t + 676L * c * n), () -> be.launch1d(tile.kernel("input_grad"),
                    (long) n * c * bh, mem(v), mem(dx), c, 26, 26, 0, 0, th, th, 0, t, n * c * bh));
        }
        time(f + "transpose V (per group)", 0, 8.0 * e * c * t, () -> be.gemm().transpose(mem(v), 0, mem(vT), c, gs * tiles, groups * e));
        if (f4) {
            int items = (gs * tiles + 7) / 8 * (c / 8) * groups;
            time(f + "V transposed by its transform (per group)", 0, 4.0 * (26 * 26 * c * n + (long) e * c * t), () -> be.launch1d(
                    "winograd4_input_transposed", items, mem(x), mem(vT), n, c, 26, 26, 0, 0, th, th, gs, 0, items));
        }
        time(f + "backward-weights gemm (dM . V^T)", winoFlops, 0, () -> be.gemm().run(GemmCall.of(o, c, gs * tiles,
                Operand.rowMajor(mem(m), 0, gs * tiles).perBatch((long) o * gs * tiles),
                Operand.rowMajor(mem(vT), 0, c).perBatch((long) gs * tiles * c),
                Operand.rowMajor(mem(part), 0, c).perBatch((long) o * c)).batched(groups * e)));
        time(f + "dw (sum of groups, G^T dU G)", 0, 4.0 * groups * e * c * o, () -> be.launch1d(tile.kernel("weights_grad"), f4 ? (o * c + 7) / 8 : o * c,
                mem(part), mem(dw), o, c, groups));
        release(u, v, m, vT, part);
        if (p != null) release(p);
    }

    /** One whole training step of the seed model ({@link SeedModelStep}: forward, backward, AdaDelta on all parameters). */
    private void trainingStep(int n) {
        try (SeedModelStep model = new SeedModelStep(be, SeedModelStep.Shape.SEED_MODEL, 1)) {
            SeedModelStep.Batch batch = SeedModelStep.randomBatch(model.shape(), n, 1);
            long[] stepCounter = {0};
            double ms = time("training step (upload batch, fwd, bwd, AdaDelta, read loss)", model.shape().trainingStepFlops(n), 0,
                    () -> model.step(batch, 1, stepCounter[0]++));
            if (ms > 0) {
                int steps = (60000 + n - 1) / n;
                System.out.printf(Locale.ROOT, "=> %d steps per 60,000-sample epoch: about %.1f s of training steps (no data loading, no evaluation)%n",
                        steps, ms * steps / 1000);
            }
        }
    }

    private void release(Tensor... ts) {
        for (Tensor t : ts) {
            t.close();
            live.remove(t);
        }
    }
}
