package dev.splot.backend.opencl;

import dev.splot.backend.Tensor;
import java.util.Locale;

/** Compares GEMM register tiles (system property splot.opencl.gemm) in one process, interleaved, at conv2's GEMM shape. */
public final class GemmVariants {
    public static void main(String[] args) {
        String[] tiles = args.length > 0 ? args[0].split(",") : new String[] {"8x2", "4x2", "8x1", "12x2", "14x2", "16x1"};
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        OpenClBackend[] bes = new OpenClBackend[tiles.length];
        for (int i = 0; i < tiles.length; i++) {
            System.setProperty(OpenClBackend.GEMM_PROPERTY, tiles[i]);
            bes[i] = OpenClBackend.create(null);
        }
        int m = 64, k = 288, p = 576, batch = 128;
        double flops = 2.0 * m * k * p * batch;
        double[][] best = new double[tiles.length][2];
        for (double[] b : best) java.util.Arrays.fill(b, 1e9);
        Tensor[][] t = new Tensor[tiles.length][];
        for (int i = 0; i < tiles.length; i++) {
            OpenClBackend be = bes[i];
            t[i] = new Tensor[] {be.allocate(m, k), be.allocate(batch, k, p), be.allocate(batch, m, p), be.allocate(k, batch * p), be.allocate(m, batch * p)};
            be.sgemmBatched(t[i][0], t[i][1], t[i][2], m, p, k, batch);
            be.sgemm(t[i][0], t[i][3], t[i][4], m, batch * p, k);
            be.synchronize();
        }
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < tiles.length; i++) {
                OpenClBackend be = bes[i];
                long t0 = System.nanoTime();
                be.sgemmBatched(t[i][0], t[i][1], t[i][2], m, p, k, batch);
                be.synchronize();
                long t1 = System.nanoTime();
                be.sgemm(t[i][0], t[i][3], t[i][4], m, batch * p, k);
                be.synchronize();
                long t2 = System.nanoTime();
                best[i][0] = Math.min(best[i][0], (t1 - t0) / 1e6);
                best[i][1] = Math.min(best[i][1], (t2 - t1) / 1e6);
            }
        }
        for (int i = 0; i < tiles.length; i++) {
            System.out.printf(Locale.ROOT, "tile %-5s batched(ldb=576) %7.2f ms %6.1f GFLOP/s | flat(ldb=73728) %7.2f ms %6.1f GFLOP/s%n",
                    tiles[i], best[i][0], flops / best[i][0] / 1e6, best[i][1], flops / best[i][1] / 1e6);
            for (Tensor x : t[i]) x.close();
            bes[i].close();
        }
    }
}
