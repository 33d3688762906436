package dev.splot.backend.opencl;

import static dev.splot.backend.opencl.GemmTilesTest.put;
import static dev.splot.backend.opencl.GemmTilesTest.random;

import dev.splot.backend.Tensor;
import dev.splot.backend.opencl.GemmCall.Operand;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Measures GEMM tile candidates on one OpenCL device at the seed model's GEMM shapes and prints the fastest, for
 * {@code .ci/gpu-check}: the {@link GemmTiles} entry of the device class first, then tiles mapped from CLBlast's
 * published single-precision Xgemm tuning for three NVIDIA GPUs, then the generic entry. Every candidate must give
 * the first one's bits (each element of C is summed in the same order whatever the tile, see docs/opencl.md); one that
 * does not is reported with its largest difference and makes the sweep exit 1.
 *
 * <p>CLBlast's entries (file {@code src/database/kernels/xgemm/xgemm_32.hpp} of CNugteren/CLBlast; parameters in
 * its order GEMMK, KREG, KWG, KWI, MDIMA, MDIMC, MWG, NDIMB, NDIMC, NWG, SA, SB, STRM, STRN, VWM, VWN):
 * <ul>
 *   <li>SM8.0 "A100-PCIE-40GB": 0, 1, 32, 2, 8, 8, 32, 16, 16, 64, 1, 1, 0, 0, 4, 4 — a 32x64 work-group tile
 *       (MWG x NWG) from 8x16 work-items (MDIMC x NDIMC), 4x4 outputs each, KWG 32, vector widths 4, A and B in local
 *       memory;</li>
 *   <li>SM8.6 "NVIDIA GeForce RTX 3090": 0, 1, 32, 2, 16, 16, 64, 8, 8, 64, 1, 1, 0, 0, 4, 4 — 64x64 from 16x8
 *       work-items, 4x8 each, KWG 32, A and B in local memory;</li>
 *   <li>SM8.9 "NVIDIA GeForce RTX 4090": 0, 1, 32, 2, 32, 32, 128, 8, 8, 64, 0, 1, 1, 1, 4, 4 — 128x64 from 32x8
 *       work-items, 4x8 each, KWG 32, only B in local memory.</li>
 * </ul>
 * gemm.cl's work-group is WGM work-items stacked along M, each owning TM rows x 16*NV columns ({@link GemmTile}), so a
 * CLBlast entry maps onto it by keeping either its work-group height (MWG = WGM*TM) with its outputs per work-item,
 * or its work-items per group; KB (the B panel's rows) is KWG = 32 where WGM divides it, else WGM.
 *
 * <pre>mvn -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.splot.backend.opencl.GemmTileSweep \
 *   -Dexec.args="SELECTOR [auto|cpu|nvidia_gpu|amd_gpu|intel_gpu|generic] [batch] [reps] [candidates]"</pre>
 */
public final class GemmTileSweep {
    /**
     * One tile to measure.
     *
     * @param name   a short name for the table
     * @param tile   the tile
     * @param origin where it comes from
     */
    record Candidate(String name, GemmTile tile, String origin) {
        /** The value of {@value OpenClBackend#GEMM_PROPERTY} that selects this tile. */
        String property() {
            return tile.rows() + "x" + tile.vectors() + "/" + tile.panelItems() + "/" + tile.panelRows();
        }
    }

    /**
     * The candidates for a device class: its table entry first (the reference for bits and speed), for a device whose
     * native float vector width is floatVectorWidth.
     */
    static List<Candidate> candidates(DeviceClass dc, int floatVectorWidth) {
        List<Candidate> c = new ArrayList<>();
        c.add(new Candidate("table", GemmTiles.entry(dc, floatVectorWidth), "GemmTiles entry for " + dc));
        c.add(new Candidate("A100 work-items", new GemmTile(1, 1, 128, 128), "CLBlast A100: 128 work-items of 16 outputs"));
        c.add(new Candidate("A100 rows", new GemmTile(4, 1, 8, 32), "CLBlast A100: 32-row tile, 4 rows per work-item, KB = KWG"));
        c.add(new Candidate("RTX 3090 rows", new GemmTile(2, 1, 32, 32), "CLBlast 3090: 64-row tile, 32 outputs per work-item, KB = KWG"));
        c.add(new Candidate("RTX 3090 work-items", new GemmTile(1, 2, 64, 64), "CLBlast 3090: 64-row tile, 32 outputs (1x32) per work-item"));
        c.add(new Candidate("RTX 4090 rows", new GemmTile(4, 1, 32, 32), "CLBlast 4090: 128-row tile from one warp, KB = KWG"));
        c.add(new Candidate("RTX 4090 work-items", new GemmTile(1, 2, 128, 128), "CLBlast 4090: 128-row tile, 32 outputs (1x32) per work-item"));
        if (dc != DeviceClass.GENERIC) c.add(new Candidate("generic", GemmTiles.TABLE.get(DeviceClass.GENERIC), "GemmTiles GENERIC entry"));
        return c;
    }

    /** The seed model's GEMMs on OpenCL at batch n: conv2 forward, conv2 backward-data (A transposed), dense1 forward. */
    private record Shapes(int n) {
        GemmCall conv2Forward(Tensor w, Tensor col, Tensor y) {
            return GemmCall.of(64, 576, 288, Operand.rowMajor(OpenClBackend.mem(w), 0, 288),
                    Operand.rowMajor(OpenClBackend.mem(col), 0, 576).perBatch(288L * 576),
                    Operand.rowMajor(OpenClBackend.mem(y), 0, 576).perBatch(64L * 576)).batched(n);
        }

        GemmCall conv2BackwardData(Tensor w, Tensor dy, Tensor col) {
            return GemmCall.of(288, 576, 64, Operand.transposed(OpenClBackend.mem(w), 0, 288),
                    Operand.rowMajor(OpenClBackend.mem(dy), 0, 576).perBatch(64L * 576),
                    Operand.rowMajor(OpenClBackend.mem(col), 0, 576).perBatch(288L * 576)).batched(n);
        }

        GemmCall dense1Forward(Tensor x, Tensor wT, Tensor h) {
            return GemmCall.of(n, 128, 9216, Operand.rowMajor(OpenClBackend.mem(x), 0, 9216), Operand.rowMajor(OpenClBackend.mem(wT), 0, 128),
                    Operand.rowMajor(OpenClBackend.mem(h), 0, 128));
        }

        double[] flops() {
            return new double[] {2.0 * 64 * 576 * 288 * n, 2.0 * 288 * 576 * 64 * n, 2.0 * n * 128 * 9216};
        }
    }

    static final String[] GEMMS = {"conv2 forward (batched)", "conv2 backward-data (Aᵀ, batched)", "dense1 forward"};

    private GemmTileSweep() {}

    /**
     * Runs the sweep and prints one line per candidate, then {@code best=SPEC} (the value of
     * {@value OpenClBackend#GEMM_PROPERTY}) and its speed against the table entry.
     *
     * @param args device selector; device class to take candidates for (default: the device's own, "auto"); batch
     *             (default 128); timed repetitions per GEMM (default 5); how many of the candidates, in order (default
     *             all; the dry run on PoCL, where each build takes seconds, takes the first three)
     */
    public static void main(String[] args) {
        String selector = args.length > 0 ? args[0] : null;
        String cls = args.length > 1 ? args[1] : "auto";
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        int reps = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        int count = args.length > 4 ? Integer.parseInt(args[4]) : Integer.MAX_VALUE;
        DeviceInfo device = Devices.choose(selector);
        DeviceClass dc = cls.equals("auto") ? DeviceClass.of(device) : Arrays.stream(DeviceClass.values())
                .filter(v -> v.name().equalsIgnoreCase(cls)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("GemmTileSweep: device class must be auto or one of "
                        + Arrays.toString(DeviceClass.values()) + ", got '" + cls + "'"));
        // a GPU uses the local-memory kernel for every GEMM; the dry run on a CPU device does the same, so that it
        // exercises the code path a GPU takes
        Gemm.PanelUse panel = dc == DeviceClass.CPU ? Gemm.PanelUse.AUTO : Gemm.PanelUse.ALWAYS;
        System.out.printf(Locale.ROOT, "device: %s%ncandidates for %s, batch %d, median of %d runs per GEMM, panel use %s%n",
                device.line(), dc, n, reps, panel);
        Shapes s = new Shapes(n);
        double[] flops = s.flops();
        SplittableRandom r = new SplittableRandom(15);
        float[][] inputs = {random(r, 64 * 288), random(r, n * 288 * 576), random(r, n * 64 * 576), random(r, n * 9216),
                random(r, 9216 * 128)};
        float[][] reference = null;
        String best = null;
        double bestMs = Double.MAX_VALUE, tableMs = Double.NaN;
        boolean failed = false;
        List<Candidate> all = candidates(dc, device.floatVectorWidth());
        for (Candidate c : all.subList(0, Math.min(count, all.size()))) {
            try (OpenClBackend be = OpenClBackend.create(Integer.toString(device.index()), ProgramCache.fromEnvironment(), c.tile(), panel)) {
                List<Tensor> live = new ArrayList<>();
                try {
                    Tensor w = put(be, live, inputs[0]), col = put(be, live, inputs[1]), dy = put(be, live, inputs[2]);
                    Tensor x = put(be, live, inputs[3]), wT = put(be, live, inputs[4]);
                    Tensor y = put(be, live, new float[n * 64 * 576]), dcol = put(be, live, new float[n * 288 * 576]);
                    Tensor h = put(be, live, new float[n * 128]);
                    GemmCall[] calls = {s.conv2Forward(w, col, y), s.conv2BackwardData(w, dy, dcol), s.dense1Forward(x, wT, h)};
                    Tensor[] outs = {y, dcol, h};
                    double[] ms = new double[calls.length];
                    float[][] got = new float[calls.length][];
                    for (int g = 0; g < calls.length; g++) {
                        ms[g] = medianMs(be, calls[g], reps);
                        got[g] = new float[outs[g].size()];
                        be.download(outs[g], got[g]);
                    }
                    double total = Arrays.stream(ms).sum();
                    String bits = "bits = table";
                    if (reference == null) {
                        reference = got;
                        tableMs = total;
                        bits = "reference";
                    } else {
                        for (int g = 0; g < calls.length; g++) {
                            if (!Arrays.equals(reference[g], got[g])) {
                                bits = String.format(Locale.ROOT, "WRONG: %s differs from the table entry's by up to %.3g", GEMMS[g],
                                        maxAbsDiff(reference[g], got[g]));
                                failed = true;
                            }
                        }
                    }
                    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "tile %-20s %-13s total %8.3f ms", c.name(), c.property(), total));
                    for (int g = 0; g < calls.length; g++) {
                        line.append(String.format(Locale.ROOT, " | %s %.3f ms %.0f GFLOP/s", GEMMS[g], ms[g], flops[g] / ms[g] * 1e-6));
                    }
                    System.out.println(line.append(" | ").append(bits).append(" | ").append(c.origin()));
                    if (!bits.startsWith("WRONG") && total < bestMs) {
                        bestMs = total;
                        best = c.property() + " (" + c.name() + ")";
                    }
                } finally {
                    live.forEach(Tensor::close);
                }
            } catch (RuntimeException e) {
                System.out.println("tile " + c.name() + " " + c.property() + " FAILED: " + e);
                failed = true;
            }
        }
        if (best != null) {
            System.out.printf(Locale.ROOT, "best=%s: %.3f ms for the three GEMMs, %.2fx the table entry's speed%n", best, bestMs, tableMs / bestMs);
        }
        if (failed || best == null) System.exit(1);
    }

    private static double medianMs(OpenClBackend be, GemmCall call, int reps) {
        be.gemm().run(call); // first call: PoCL compiles per local size, drivers allocate
        be.synchronize();
        double[] ms = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            be.gemm().run(call);
            be.synchronize();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[reps / 2];
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }

}
