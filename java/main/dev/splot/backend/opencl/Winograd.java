package dev.splot.backend.opencl;

import dev.splot.backend.ConvGeometry;
import dev.splot.backend.opencl.GemmCall.Operand;
import org.jocl.cl_mem;

/**
 * 3x3 stride-1 convolutions by Winograd F(2x2,3x3) ({@code kernels/winograd.cl}): the transforms as kernels around 16
 * batched GEMMs on gemm.cl, one per element of the 4x4 transformed tile, 16 multiply-adds per 2x2 outputs and channel
 * instead of 36 (2.25x fewer). Forward and backward-data run in chunks of images whose transformed tensors fit the
 * scratch limit and {@value #CHUNK_TARGET_BYTES} bytes (so that a chunk's transforms are still in cache when the GEMM
 * reads them); backward-weights sums fixed groups of images ({@link Convolutions#imagesPerGroup}), so its results do
 * not depend on the chunking, and adds the groups in order: no atomics, bit-for-bit repeatable.
 */
final class Winograd {
    /** Transformed-tensor bytes per chunk of images aimed at: a chunk's transforms should still be in cache for its GEMM. */
    static final long CHUNK_TARGET_BYTES = 16L << 20;

    /** Elements of a transformed 4x4 tile. */
    private static final int E = 16;

    private final Kernels kernels;
    private final Gemm gemm;
    private final ScratchBuffers scratch;
    private final long chunkBytes;

    Winograd(Kernels kernels, Gemm gemm, ScratchBuffers scratch, long scratchLimit) {
        this.kernels = kernels;
        this.gemm = gemm;
        this.scratch = scratch;
        this.chunkBytes = Math.min(scratchLimit, CHUNK_TARGET_BYTES);
    }

    /** Whether F(2x2,3x3) can compute this convolution: 3x3 kernel, stride 1 (any padding). */
    static boolean applies(ConvGeometry g) {
        return g.kh() == 3 && g.kw() == 3 && g.strideH() == 1 && g.strideW() == 1;
    }

    private static int tilesH(ConvGeometry g) {
        return (g.outH() + 1) / 2;
    }

    private static int tilesW(ConvGeometry g) {
        return (g.outW() + 1) / 2;
    }

    /** U[e][o][c] = G w[o][c] G^T into the scratch buffer "winogradU". */
    private cl_mem transformedWeights(cl_mem w, ConvGeometry g) {
        cl_mem u = scratch.get("winogradU", (long) E * g.o() * g.c());
        kernels.launch1d("winograd_weights", (long) g.o() * g.c(), w, u, g.o(), g.c());
        return u;
    }

    /** y = conv(x, w) + b: per chunk, V = B^T d B, M[e] = U[e] . V[e], y = A^T M A + b. */
    void forward(cl_mem x, cl_mem w, cl_mem b, cl_mem y, ConvGeometry g) {
        int c = g.c(), o = g.o(), tiles = tilesH(g) * tilesW(g);
        cl_mem u = transformedWeights(w, g);
        int step = Convolutions.imagesPerChunk(g.n(), (long) E * tiles * (c + o), 1, chunkBytes);
        cl_mem v = scratch.get("winogradV", (long) E * step * tiles * c), m = scratch.get("winogradM", (long) E * step * tiles * o);
        for (int n0 = 0; n0 < g.n(); n0 += step) {
            int nb = Math.min(step, g.n() - n0), t = nb * tiles;
            kernels.launch1d("winograd_input", (long) nb * c * tilesH(g), x, v, g.n(), c, g.h(), g.w(), g.padTop(), g.padLeft(),
                    tilesH(g), tilesW(g), nb, n0, nb * c * tilesH(g));
            gemm.run(GemmCall.of(o, t, c, Operand.rowMajor(u, 0, c).perBatch((long) o * c), Operand.rowMajor(v, 0, t).perBatch((long) c * t),
                    Operand.rowMajor(m, 0, t).perBatch((long) o * t)).batched(E));
            kernels.launch1d("winograd_output", (long) nb * o * tilesH(g), m, b, y, o, g.outH(), g.outW(), tilesH(g), tilesW(g), n0, t,
                    nb * o * tilesH(g));
        }
    }

    /** dx: per chunk, dM = A dY A^T, dV[e] = U[e]^T . dM[e], dx = the sum of B dV B^T over the tiles covering each pixel. */
    void backwardData(cl_mem dy, cl_mem w, cl_mem dx, ConvGeometry g) {
        int c = g.c(), o = g.o(), tiles = tilesH(g) * tilesW(g);
        cl_mem u = transformedWeights(w, g);
        int step = Convolutions.imagesPerChunk(g.n(), (long) E * tiles * (c + o), 1, chunkBytes);
        cl_mem dm = scratch.get("winogradM", (long) E * step * tiles * o), dv = scratch.get("winogradV", (long) E * step * tiles * c);
        int blockRows = (g.h() + g.padTop() + 1) / 2;
        for (int n0 = 0; n0 < g.n(); n0 += step) {
            int nb = Math.min(step, g.n() - n0), t = nb * tiles;
            kernels.launch1d("winograd_output_grad", (long) nb * o * tilesH(g), dy, dm, g.n(), o, g.outH(), g.outW(), tilesH(g), tilesW(g),
                    nb, n0, nb * o * tilesH(g));
            gemm.run(GemmCall.of(c, t, o, Operand.transposed(u, 0, c).perBatch((long) o * c), Operand.rowMajor(dm, 0, t).perBatch((long) o * t),
                    Operand.rowMajor(dv, 0, t).perBatch((long) c * t)).batched(E));
            kernels.launch1d("winograd_input_grad", (long) nb * c * blockRows, dv, dx, c, g.h(), g.w(), g.padTop(), g.padLeft(), tilesH(g),
                    tilesW(g), n0, t, nb * c * blockRows);
        }
    }

    /**
     * dw (db by {@link Convolutions#biasGradient}): per group of images, dU[e] = dM[e] . V[e]^T (O x C, the sum over the
     * group's tiles; V transposed first, as gemm.cl reads rows of B contiguously), then dw = G^T (the sum of the groups'
     * dU, in order) G.
     */
    void backwardWeights(cl_mem x, cl_mem dy, cl_mem dw, ConvGeometry g) {
        int c = g.c(), o = g.o(), n = g.n(), tiles = tilesH(g) * tilesW(g);
        int gsize = Convolutions.imagesPerGroup(n), groups = (n + gsize - 1) / gsize, t = gsize * tiles;
        // whole groups per chunk (at least one, whatever the limit: a group's tiles are one GEMM's K)
        int step = Convolutions.imagesPerChunk(groups * gsize, (long) E * tiles * (2 * c + o), gsize, chunkBytes) / gsize;
        cl_mem v = scratch.get("winogradV", (long) E * step * t * c), dm = scratch.get("winogradM", (long) E * step * t * o);
        cl_mem vT = scratch.get("winogradVT", (long) E * step * t * c), part = scratch.get("winogradPart", (long) groups * E * o * c);
        for (int g0 = 0; g0 < groups; g0 += step) {
            int gc = Math.min(step, groups - g0), n0 = g0 * gsize, rows = gc * gsize * tilesH(g);
            // images at or beyond n in the last group read as zero and add nothing
            kernels.launch1d("winograd_input", (long) rows * c, x, v, n, c, g.h(), g.w(), g.padTop(), g.padLeft(), tilesH(g), tilesW(g),
                    gsize, n0, rows * c);
            gemm.transpose(v, 0, vT, c, t, gc * E);
            kernels.launch1d("winograd_output_grad", (long) rows * o, dy, dm, n, o, g.outH(), g.outW(), tilesH(g), tilesW(g), gsize, n0,
                    rows * o);
            gemm.run(GemmCall.of(o, c, t, Operand.rowMajor(dm, 0, t).perBatch((long) o * t), Operand.rowMajor(vT, 0, c).perBatch((long) t * c),
                    Operand.rowMajor(part, (long) g0 * E * o * c, c).perBatch((long) o * c)).batched(gc * E));
        }
        kernels.launch1d("winograd_weights_grad", (long) o * c, part, dw, o, c, groups);
    }
}
