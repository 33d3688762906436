package dev.splot.backend.opencl;

import dev.splot.backend.BackendUnavailableException;
import dev.splot.backend.ConvGeometry;
import dev.splot.backend.opencl.GemmCall.Operand;
import org.jocl.cl_mem;

/**
 * 3x3 stride-1 convolutions by Winograd F(2x2,3x3) ({@code kernels/winograd.cl}) or F(4x4,3x3)
 * ({@code kernels/winograd4.cl}): the transforms as kernels around (m+2)^2 batched GEMMs on gemm.cl, one per element of
 * the transformed tile; F(2x2) makes 16 multiply-adds per 2x2 outputs and channel instead of 36 (2.25x fewer), F(4x4) 36
 * per 4x4 outputs instead of 144 (4x fewer). Forward and backward-data run in chunks of images whose transformed
 * tensors fit the scratch limit and {@value #CHUNK_TARGET_BYTES} bytes (so that a chunk's transforms are still in cache
 * when the GEMM reads them); backward-weights sums fixed groups of images ({@link Convolutions#imagesPerGroup}), so its
 * results do not depend on the chunking, and adds the groups in order: no atomics, bit-for-bit repeatable. On CPU
 * devices F(4x4)'s forward pass, and backward-data's GEMM and B dV B^T, run as one kernel per block of
 * {@value #FUSED_TILES} tiles instead ({@link OpenClBackend#WINOGRAD4_FUSED_PROPERTY}), the transformed tiles in local
 * memory: the same bits.
 */
final class Winograd {
    /** Transformed-tensor bytes per chunk of images aimed at: a chunk's transforms should still be in cache for its GEMM. */
    static final long CHUNK_TARGET_BYTES = 16L << 20;

    /** The output tile size m of F(mxm,3x3), with its kernels. */
    enum Tile {
        // A's row 1 is all ones (interpolation point 1), so element (1, 1) of dM = A dY A^T is the sum of the tile's dY
        F2(2, "winograd_", 4 + 1),
        F4(4, "winograd4_", 6 + 1);

        /** Output tile side. */
        final int m;
        /** Elements of a transformed (m+2)x(m+2) tile: the number of batched GEMMs. */
        final int e;
        /** The element of a transformed output gradient dM that is the sum of its tile's dY (db from dM, not dy). */
        final int sumElement;
        private final String prefix;

        Tile(int m, String prefix, int sumElement) {
            this.m = m;
            this.e = (m + 2) * (m + 2);
            this.sumElement = sumElement;
            this.prefix = prefix;
        }

        String kernel(String name) {
            return prefix + name;
        }
    }

    /** Tiles per work-group of winograd4_forward_fused and winograd4_data_fused (FT vectors of 8 in winograd4.cl). */
    static final int FUSED_TILES = 24;
    /**
     * Local memory a fused kernel may take for its block's V or dV (36 x C x 24 floats, 110.6 KB at conv2's 32
     * channels): within a core's L2 on current CPUs (512 KB on Zen 3 and 4, 1 MB on Zen 5), where its GEMM reads it.
     */
    static final long FUSED_MAX_LOCAL_BYTES = 256L << 10;
    /** Floats after U that winograd4_data_fused may read (FO in winograd4.cl, input channels per pass, less one). */
    private static final int FUSED_U_PADDING = 3;

    private final Tile tile;
    private final Kernels kernels;
    private final Gemm gemm;
    private final ScratchBuffers scratch;
    private final long chunkBytes;
    /** Local memory a work-group of the fused kernels may take on this device: 0 where they are not used. */
    private final long fusedLocalLimit;

    /**
     * @param fusedLocalLimit local memory one work-group of the fused kernels may take (0: F(4x4)'s passes always as
     *                        separate transforms and GEMMs; F(2x2) has no fused kernels)
     */
    Winograd(Tile tile, Kernels kernels, Gemm gemm, ScratchBuffers scratch, long scratchLimit, long fusedLocalLimit) {
        this.tile = tile;
        this.kernels = kernels;
        this.gemm = gemm;
        this.scratch = scratch;
        this.chunkBytes = Math.min(scratchLimit, CHUNK_TARGET_BYTES);
        this.fusedLocalLimit = tile == Tile.F4 ? fusedLocalLimit : 0;
    }

    /**
     * Local memory a work-group of the fused kernels may take on this device, from
     * {@link OpenClBackend#WINOGRAD4_FUSED_PROPERTY}: 0 (never fused) on GPUs, where one work-item per block would leave
     * the device idle, and where the property is "off".
     */
    static long fusedLocalLimit(DeviceInfo info) {
        String p = System.getProperty(OpenClBackend.WINOGRAD4_FUSED_PROPERTY, "auto");
        return switch (p) {
            case "auto" -> info.isCpu() ? Math.min(info.localMem(), FUSED_MAX_LOCAL_BYTES) : 0;
            case "off" -> 0;
            default -> throw new BackendUnavailableException("OpenCL: unknown value '" + p + "' of "
                    + OpenClBackend.WINOGRAD4_FUSED_PROPERTY + " (must be auto or off)", null);
        };
    }

    /**
     * Local memory of a fused kernel's transformed tiles: the forward kernel's V and backward-data's dV, 36 x channels x
     * FUSED_TILES floats for the convolution's input channels.
     */
    private static long blockBytes(int channels) {
        return 4L * Tile.F4.e * channels * FUSED_TILES;
    }

    /**
     * Whether g runs on the fused kernels: its forward pass as winograd4_forward_fused, backward-data's GEMM and
     * B dV B^T as winograd4_data_fused (both keep a block's transformed tiles, blockBytes, in local memory).
     */
    private boolean usesFusedKernels(ConvGeometry g) {
        return fusedLocalLimit > 0 && blockBytes(g.c()) <= fusedLocalLimit;
    }

    Tile tile() {
        return tile;
    }

    /** Whether Winograd can compute this convolution: 3x3 kernel, stride 1 (any padding). */
    static boolean applies(ConvGeometry g) {
        return g.kh() == 3 && g.kw() == 3 && g.strideH() == 1 && g.strideW() == 1;
    }

    private int tilesH(ConvGeometry g) {
        return (g.outH() + tile.m - 1) / tile.m;
    }

    private int tilesW(ConvGeometry g) {
        return (g.outW() + tile.m - 1) / tile.m;
    }

    /**
     * Work-items of a transform between the activations (or their gradients) and transformed tiles, for `groups` groups
     * of `imagesPerGroup` images: F(2x2)'s kernels take a row of tiles of one channel each, F(4x4)'s 8 consecutive tiles
     * of a group ({@code kernels/winograd4.cl}).
     */
    private long transformItems(ConvGeometry g, int channels, int imagesPerGroup, int groups) {
        if (tile == Tile.F2) return (long) groups * imagesPerGroup * tilesH(g) * channels;
        long tiles = (long) imagesPerGroup * tilesH(g) * tilesW(g);
        return (tiles + 7) / 8 * channels * groups;
    }

    /** U[e][o][c] = G w[o][c] G^T into the scratch buffer "winogradU". */
    private cl_mem transformedWeights(cl_mem w, ConvGeometry g) {
        // FUSED_U_PADDING floats more: winograd4_data_fused reads up to that far beyond U's last row (into unused lanes)
        cl_mem u = scratch.get("winogradU", (long) tile.e * g.o() * g.c() + FUSED_U_PADDING);
        kernels.launch1d(tile.kernel("weights"), (long) g.o() * g.c(), w, u, g.o(), g.c());
        return u;
    }

    /** y = conv(x, w) + b, then max(0, y) where relu: per chunk, V = B^T d B, M[e] = U[e] . V[e], y = A^T M A + b. */
    void forward(cl_mem x, cl_mem w, cl_mem b, cl_mem y, ConvGeometry g, boolean relu) {
        forward(x, w, b, y, g, relu, null, null);
    }

    /**
     * The 2x2 max-pool at stride 2 of relu(conv(x, w) + b) into pooled and argmax (as maxpool2_forward computes them),
     * pooled in F(4x4)'s output transform, whose 4x4 tiles hold whole windows: the ReLU's output is never stored.
     */
    void forwardReluMaxPool(cl_mem x, cl_mem w, cl_mem b, cl_mem pooled, cl_mem argmax, ConvGeometry g) {
        if (!poolsInOutputTransform()) throw new IllegalStateException("OpenCL: Winograd " + tile + " does not pool in its output transform");
        forward(x, w, b, null, g, true, pooled, argmax);
    }

    /** Whether the output transform can pool 2x2 windows at stride 2: F(4x4)'s can, F(2x2)'s does not. */
    boolean poolsInOutputTransform() {
        return tile == Tile.F4;
    }

    private void forward(cl_mem x, cl_mem w, cl_mem b, cl_mem y, ConvGeometry g, boolean relu, cl_mem pooled, cl_mem argmax) {
        int c = g.c(), o = g.o(), e = tile.e, tiles = tilesH(g) * tilesW(g);
        cl_mem u = transformedWeights(w, g);
        if (usesFusedKernels(g)) {
            boolean pool = pooled != null;
            long blocks = ((long) g.n() * tiles + FUSED_TILES - 1) / FUSED_TILES;
            // unused buffer arguments point at U, which the kernel then does not write
            kernels.launch("winograd4_forward_fused", new long[] {blocks}, new long[] {1}, x, u, b, pool ? u : y, pool ? pooled : u,
                    pool ? argmax : u, new Kernels.LocalBytes(blockBytes(g.c())), g.n(), c, g.h(), g.w(), g.padTop(), g.padLeft(), o,
                    g.outH(), g.outW(), tilesH(g), tilesW(g), relu ? 1 : 0, pool ? 1 : 0);
            return;
        }
        int step = Convolutions.imagesPerChunk(g.n(), (long) e * tiles * (c + o), 1, chunkBytes);
        cl_mem v = scratch.get("winogradV", (long) e * step * tiles * c), m = scratch.get("winogradM", (long) e * step * tiles * o);
        for (int n0 = 0; n0 < g.n(); n0 += step) {
            int nb = Math.min(step, g.n() - n0), t = nb * tiles;
            long inputItems = transformItems(g, c, nb, 1), outputItems = transformItems(g, o, nb, 1);
            kernels.launch1d(tile.kernel("input"), inputItems, x, v, g.n(), c, g.h(), g.w(), g.padTop(), g.padLeft(),
                    tilesH(g), tilesW(g), nb, n0, (int) inputItems);
            gemm.run(GemmCall.of(o, t, c, Operand.rowMajor(u, 0, c).perBatch((long) o * c), Operand.rowMajor(v, 0, t).perBatch((long) c * t),
                    Operand.rowMajor(m, 0, t).perBatch((long) o * t)).batched(e));
            if (tile == Tile.F2) {
                kernels.launch1d(tile.kernel("output"), outputItems, m, b, y, o, g.outH(), g.outW(), tilesH(g), tilesW(g), n0, t,
                        (int) outputItems, relu ? 1 : 0);
            } else {
                boolean pool = pooled != null;
                // unused buffer arguments point at M, which the kernel then does not touch
                kernels.launch1d(tile.kernel("output"), outputItems, m, b, pool ? m : y, o, g.outH(), g.outW(), tilesH(g), tilesW(g), n0,
                        t, (int) outputItems, relu ? 1 : 0, pool ? pooled : m, pool ? argmax : m, pool ? 1 : 0);
            }
        }
    }

    /**
     * dx: per chunk, dM = A dY A^T, dV[e] = U[e]^T . dM[e], dx = the sum of B dV B^T over the tiles covering each pixel
     * (F(4x4): B dV B^T per tile first, into the scratch buffer "winogradP", then the sums per 4x4 block of dx); then,
     * where reluOut is not null (F(4x4) only), the ReLU's backward before the convolution in the same pass.
     */
    void backwardData(cl_mem dy, cl_mem w, cl_mem dx, cl_mem reluOut, ConvGeometry g) {
        requireReluSupport(reluOut);
        int c = g.c(), o = g.o(), e = tile.e, tiles = tilesH(g) * tilesW(g);
        cl_mem u = transformedWeights(w, g);
        int step = Convolutions.imagesPerChunk(g.n(), (long) e * tiles * (c + o) + gatherFloatsPerImage(g), 1, chunkBytes);
        cl_mem dm = scratch.get("winogradM", (long) e * step * tiles * o);
        cl_mem dv = usesFusedKernels(g) ? null : scratch.get("winogradV", (long) e * step * tiles * c);
        cl_mem p = gatherBuffer(g, step);
        for (int n0 = 0; n0 < g.n(); n0 += step) {
            int nb = Math.min(step, g.n() - n0), t = nb * tiles;
            long dyItems = transformItems(g, o, nb, 1);
            kernels.launch1d(tile.kernel("output_grad"), dyItems, dy, dm, g.n(), o, g.outH(), g.outW(), tilesH(g), tilesW(g), nb, n0,
                    (int) dyItems);
            dataFromTransformedGradient(u, dm, 0, t, nb, n0, dv, p, dx, reluOut, g);
        }
    }

    /**
     * dw and db: per group of images, dU[e] = dM[e] . V[e]^T (O x C, the sum over the group's tiles; V transposed, as
     * gemm.cl reads rows of B contiguously: F(4x4)'s transform writes it so), then dw = G^T (the sum of the groups' dU,
     * in order) G; db = the sum over the groups, in order, of the sums over their tiles of dM's element
     * {@link Tile#sumElement}, which is each tile's sum of dY (read from 1/e of dM instead of another pass over dy).
     */
    void backwardWeights(cl_mem x, cl_mem dy, cl_mem dw, cl_mem db, ConvGeometry g) {
        backward(x, dy, null, dw, db, null, null, g);
    }

    /**
     * dw as {@link #backwardWeights} and, where dx is not null, dx as {@link #backwardData} (with reluOut's ReLU backward
     * where it is not null), both from one dM = A dY A^T per group of images: the same GEMMs and transforms on the same
     * values as the two passes one by one, so the same bits, with one transform of dy fewer.
     */
    void backward(cl_mem x, cl_mem dy, cl_mem w, cl_mem dw, cl_mem db, cl_mem dx, cl_mem reluOut, ConvGeometry g) {
        backward(x, (items, dm, gsize, n0) -> kernels.launch1d(tile.kernel("output_grad"), items, dy, dm, g.n(), g.o(), g.outH(),
                g.outW(), tilesH(g), tilesW(g), gsize, n0, (int) items), w, dw, db, dx, reluOut, g);
    }

    /** The gradient of a 2x2, stride-2 max-pool after a dropout, over the output of a ReLU after the convolution. */
    record PooledGradient(cl_mem dy, cl_mem mask, cl_mem argmax, cl_mem pooled) {}

    /**
     * {@link #backward} where the convolution's output gradient is the dropout, max-pool (2x2 windows at stride 2) and
     * ReLU backward of the pooled gradient p (what pool.cl's dropout_maxpool2_relu_backward writes): F(4x4)'s dy
     * transform builds each tile's dy from p's windows, so that gradient is never stored; the same dM bits.
     */
    void backwardFromPooled(cl_mem x, PooledGradient p, cl_mem w, cl_mem dw, cl_mem db, cl_mem dx, cl_mem reluOut, ConvGeometry g) {
        if (!poolsInOutputTransform()) throw new IllegalStateException("OpenCL: Winograd " + tile + " does not take a pooled gradient");
        backward(x, (items, dm, gsize, n0) -> kernels.launch1d(tile.kernel("output_grad_pooled"), items, p.dy(), p.mask(), p.argmax(),
                p.pooled(), dm, g.n(), g.o(), g.outH(), g.outW(), tilesH(g), tilesW(g), gsize, n0, (int) items), w, dw, db, dx, reluOut, g);
    }

    /** Launches the transform dM = A dY A^T of items work-items for images n0 .. into dm, groups of gsize images. */
    private interface DyTransform {
        void launch(long items, cl_mem dm, int gsize, int n0);
    }

    private void backward(cl_mem x, DyTransform dyTransform, cl_mem w, cl_mem dw, cl_mem db, cl_mem dx, cl_mem reluOut, ConvGeometry g) {
        requireReluSupport(reluOut);
        int c = g.c(), o = g.o(), n = g.n(), e = tile.e, tiles = tilesH(g) * tilesW(g);
        int gsize = Convolutions.imagesPerGroup(n), groups = (n + gsize - 1) / gsize, t = gsize * tiles;
        // whole groups per chunk (at least one, whatever the limit: a group's tiles are one GEMM's K)
        int step = Convolutions.imagesPerChunk(groups * gsize, (long) e * tiles * (2 * c + o), gsize, chunkBytes) / gsize;
        cl_mem dm = scratch.get("winogradM", (long) e * step * t * o), vT = scratch.get("winogradVT", (long) e * step * t * c);
        cl_mem part = scratch.get("winogradPart", (long) groups * e * o * c), biasPart = scratch.get("biasPart", (long) groups * o);
        // V itself: F(2x2) transforms into it before transposing; both tile sizes take its buffer for dV (but
        // winograd4_data_fused, which keeps dV in local memory)
        cl_mem v = tile == Tile.F2 || (dx != null && !usesFusedKernels(g)) ? scratch.get("winogradV", (long) e * step * t * c) : null;
        cl_mem u = dx == null ? null : transformedWeights(w, g), p = dx == null ? null : gatherBuffer(g, gsize);
        for (int g0 = 0; g0 < groups; g0 += step) {
            int gc = Math.min(step, groups - g0), n0 = g0 * gsize;
            long dyItems = transformItems(g, o, gsize, gc);
            // images at or beyond n in the last group read as zero and add nothing
            if (tile == Tile.F4) {
                // V^T straight from x: 8 tiles x 8 channels per work-item, transposed in registers
                long items = ((long) t + 7) / 8 * ((c + 7) / 8) * gc;
                kernels.launch1d(tile.kernel("input_transposed"), items, x, vT, n, c, g.h(), g.w(), g.padTop(), g.padLeft(), tilesH(g),
                        tilesW(g), gsize, n0, (int) items);
            } else {
                long inputItems = transformItems(g, c, gsize, gc);
                kernels.launch1d(tile.kernel("input"), inputItems, x, v, n, c, g.h(), g.w(), g.padTop(), g.padLeft(), tilesH(g),
                        tilesW(g), gsize, n0, (int) inputItems);
                gemm.transpose(v, 0, vT, c, t, gc * e);
            }
            dyTransform.launch(dyItems, dm, gsize, n0);
            gemm.run(GemmCall.of(o, c, t, Operand.rowMajor(dm, 0, t).perBatch((long) o * t), Operand.rowMajor(vT, 0, c).perBatch((long) t * c),
                    Operand.rowMajor(part, (long) g0 * e * o * c, c).perBatch((long) o * c)).batched(gc * e));
            // db's partial sums per group: the rows of dM's sum element (1/e of dM), instead of another pass over dy
            kernels.launch1d("bias_partial", (long) gc * o, dm, biasPart, t, gc * o, (long) tile.sumElement * o * t, o,
                    (long) e * o * t, g0 * o);
            if (dx == null) continue;
            // v's buffer takes dV, group by group (the images of a last group beyond n are left out)
            for (int j = 0; j < gc; j++) {
                int first = n0 + j * gsize, nb = Math.min(gsize, n - first);
                dataFromTransformedGradient(u, dm, (long) j * e * o * t, t, nb, first, v, p, dx, reluOut, g);
            }
        }
        kernels.launch1d("reduce_partials", o, biasPart, db, groups, 1, o, 0);
        // F(4x4)'s kernel takes 8 weights per work-item
        kernels.launch1d(tile.kernel("weights_grad"), tile == Tile.F2 ? (long) o * c : ((long) o * c + 7) / 8, part, dw, o, c, groups);
    }

    /**
     * dx for images n0 .. n0 + nb - 1 from their dM ([e][o][t], row stride ld, starting at dmOffset): dV[e] = U[e]^T .
     * dM[e] into dv, then F(2x2)'s gather, or F(4x4)'s B dV B^T per tile into p and its sums per block of dx; where
     * {@link #usesFusedKernels}, dV and B dV B^T in one kernel, without dv.
     */
    private void dataFromTransformedGradient(cl_mem u, cl_mem dm, long dmOffset, int ld, int nb, int n0, cl_mem dv, cl_mem p,
                                             cl_mem dx, cl_mem reluOut, ConvGeometry g) {
        int c = g.c(), o = g.o(), t = nb * tilesH(g) * tilesW(g);
        int blockRows = (g.h() + g.padTop() + tile.m - 1) / tile.m, blockCols = (g.w() + g.padLeft() + tile.m - 1) / tile.m;
        if (usesFusedKernels(g)) {
            kernels.launch("winograd4_data_fused", new long[] {(t + FUSED_TILES - 1) / FUSED_TILES}, new long[] {1}, dm, dmOffset, ld, u, p,
                    new Kernels.LocalBytes(blockBytes(c)), c, o, t);
        } else {
            gemm.run(GemmCall.of(c, t, o, Operand.transposed(u, 0, c).perBatch((long) o * c),
                    Operand.rowMajor(dm, dmOffset, ld).perBatch((long) o * ld), Operand.rowMajor(dv, 0, t).perBatch((long) c * t)).batched(tile.e));
            if (tile == Tile.F2) {
                kernels.launch1d(tile.kernel("input_grad"), (long) nb * c * blockRows, dv, dx, c, g.h(), g.w(), g.padTop(), g.padLeft(),
                        tilesH(g), tilesW(g), n0, t, nb * c * blockRows);
                return;
            }
            long tileItems = transformItems(g, c, nb, 1);
            kernels.launch1d(tile.kernel("input_grad_tiles"), tileItems, dv, p, c, t, (int) tileItems);
        }
        long blocks = (long) nb * c * blockRows * blockCols;
        kernels.launch1d(tile.kernel("input_grad"), blocks, p, dx, reluOut == null ? dx : reluOut, reluOut == null ? 0 : 1, c, g.h(),
                g.w(), g.padTop(), g.padLeft(), tilesH(g), tilesW(g), n0, t, (int) blocks);
    }

    /** F(4x4)'s B dV B^T per tile: 6 rows of 8 floats per tile and input channel ("winogradP"); F(2x2) gathers without it. */
    private long gatherFloatsPerImage(ConvGeometry g) {
        return tile == Tile.F4 ? 48L * tilesH(g) * tilesW(g) * g.c() : 0;
    }

    private cl_mem gatherBuffer(ConvGeometry g, int images) {
        return tile == Tile.F4 ? scratch.get("winogradP", gatherFloatsPerImage(g) * images) : null;
    }

    /** Whether the ReLU's backward can go into dx's store: F(4x4)'s sums per block take it, F(2x2)'s gather does not. */
    boolean storesReluBackward() {
        return tile == Tile.F4;
    }

    private void requireReluSupport(cl_mem reluOut) {
        if (reluOut != null && !storesReluBackward()) {
            throw new IllegalStateException("OpenCL: Winograd " + tile + " does not fold the ReLU backward into dx");
        }
    }
}
