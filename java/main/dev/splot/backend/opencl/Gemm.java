package dev.splot.backend.opencl;

import org.jocl.cl_mem;

/**
 * Plans and launches {@link GemmCall}s on gemm.cl: which of the two builds (direct, or local-memory B panels) and
 * what launch shape; also gemm.cl's transpose for B operands. Fixed local sizes per kernel: PoCL compiles a kernel
 * again for every new one.
 */
final class Gemm {
    /** When to use the local-memory kernel (system property {@value OpenClBackend#GEMM_PANEL_PROPERTY}). */
    enum PanelUse {
        /** GPUs always; CPUs where rows of B lie far apart and a work-item's strip of B exceeds L1. */
        AUTO,
        ALWAYS,
        NEVER;

        static PanelUse fromProperty() {
            String p = System.getProperty(OpenClBackend.GEMM_PANEL_PROPERTY, "auto");
            return switch (p) {
                case "auto" -> AUTO;
                case "always" -> ALWAYS;
                case "never" -> NEVER;
                default -> throw new IllegalArgumentException(OpenClBackend.GEMM_PANEL_PROPERTY
                        + " must be auto, always or never, got '" + p + "'");
            };
        }
    }

    private final DeviceInfo info;
    private final Kernels kernels;
    private final GemmTile tile;
    /** The tile of "gemm_strip", the build that copies B strips (CPU devices only, else null), see {@link #stripTile}. */
    private final GemmTile stripTile;
    private final PanelUse panelUse;

    /**
     * The L1 data cache assumed on CPU devices (OpenCL does not report it; every x86 core since 2006 has at least
     * this): a work-item's column strip of B (k rows of one tile's columns) must fit for row tiles to reuse it.
     */
    static final long CPU_L1_BYTES = 32 << 10;
    /** Rows of B that gemm.cl's private strip copy holds (STRIP_K there, built so on CPU devices only). */
    static final int STRIP_ROWS = 128;

    /**
     * The kernels "gemm", on CPU devices "gemm_strip" ({@link #stripTile}) and, where the tile has a panel, "gemm_local"
     * must be built with {@link GemmTile#defines} ({@link KernelFiles}).
     */
    Gemm(DeviceInfo info, Kernels kernels, GemmTile tile, PanelUse panelUse) {
        this.info = info;
        this.kernels = kernels;
        this.tile = tile;
        this.stripTile = info.isCpu() ? stripTile(tile) : null;
        this.panelUse = panelUse;
    }

    /**
     * The tile of the strip-copying build ("gemm_strip"): the same accumulators as {@code tile}, in rows of two
     * {@code float16} (8x16 becomes 4x32, AVX2's 4x16 becomes 2x32). Its GEMMs (K &lt;= {@value #STRIP_ROWS}, dense1's
     * backward) read their strip of B from L1 and A from L2 (64 KiB at dense1's 128 x 128): half the rows per work-item
     * halve A's loads per multiply-add. Measured on Zen 3 (PoCL 3.1, dense1's backward at batch 128): 0.78-0.81 of the
     * time of the 4x16 tile; 1x32, 2x16, 3x32, 4x32 and 6x16 were slower (docs/opencl.md).
     */
    static GemmTile stripTile(GemmTile tile) {
        return new GemmTile(Math.max(1, tile.rows() * tile.vectors() / 2), 2, 0, 1);
    }

    GemmTile tile() {
        return tile;
    }

    /** E.g. "GEMM tile 4x16, 8 work-items per 128-row local B panel, 2x32 where it copies strips of B". */
    String describe() {
        return tile.describe() + (stripTile == null ? "" : ", " + stripTile.rows() + "x" + stripTile.columns() + " where it copies strips of B");
    }

    void run(GemmCall g) {
        // gemm_strip copies each work-item's strip of B before its row tiles read it (gemm.cl's STRIP_K: rows of B
        // 16 KiB or more apart would share L1 sets)
        if (stripTile != null && g.slices() == 1 && g.k() <= STRIP_ROWS && g.b().rowStride() >= 4096) {
            long[] localSize = directLocalSize("gemm_strip");
            int rowTiles = rowTiles(g, stripTile, localSize[0]);
            if (rowTiles > 1) {
                launch("gemm_strip", g, stripTile, localSize, rowTiles);
                return;
            }
        }
        // On CPUs local-memory B panels pay off where rows of B lie far apart (16 KiB and more, where strided rows
        // also collide in the same cache sets) and a work-item's strip of B is too long to stay in L1 over its row
        // tiles; elsewhere on CPUs the direct kernel is faster (dense1's backward GEMMs, k = 128: 0.6x the time).
        boolean local = tile.hasPanel() && switch (panelUse) {
            case ALWAYS -> true;
            case NEVER -> false;
            case AUTO -> !info.isCpu() || (g.b().rowStride() >= 4096 && !stripFitsL1(g, tile));
        };
        long[] localSize = local ? new long[] {1, tile.panelItems(), 1} : directLocalSize("gemm");
        launch(local ? "gemm_local" : "gemm", g, tile, localSize, local ? 1 : rowTiles(g, tile, localSize[0]));
    }

    /** Work-groups of up to 8 work-items along N for the kernels without local memory: one size per kernel, as PoCL compiles per size. */
    private long[] directLocalSize(String kernel) {
        return new long[] {Math.min(8, Math.min(kernels.maxWorkGroup(kernel), info.maxItemSizes()[0])), 1, 1};
    }

    /** Tiles of t along C's columns (N) and rows (M). */
    private static long[] tiles(GemmCall g, GemmTile t) {
        return new long[] {(g.n() + (long) t.columns() - 1) / t.columns(), (g.m() + (long) t.rows() - 1) / t.rows()};
    }

    /** One work-item per tile of t along N, per rowTiles of its tiles along M, per batch. */
    private void launch(String kernel, GemmCall g, GemmTile t, long[] localSize, int rowTiles) {
        long[] tiles = tiles(g, t);
        GemmCall.Operand a = g.a(), b = g.b(), c = g.c();
        // the argument order of gemm.cl's gemm(...)
        kernels.launch(kernel, new long[] {tiles[0], (tiles[1] + rowTiles - 1) / rowTiles, g.batches()}, localSize,
                g.m(), g.n(), g.k(), a.mem(), a.offset(), a.rowStride(), a.colStride(), a.batchStride(), a.sliceStride(),
                b.mem(), b.offset(), b.rowStride(), b.batchStride(), b.sliceStride(),
                c.mem(), c.offset(), c.rowStride(), c.batchStride(), g.slices(), g.sliceLimit(),
                g.bias() == null ? a.mem() : g.bias(), g.biasMode().code, rowTiles, g.relu() ? 1 : 0);
    }

    /**
     * How many of its TM-row tiles one work-item of the direct kernel computes, one after the other. On a CPU device a
     * work-item runs as a plain loop on one core, so all the row tiles of its column strip of B in one work-item read
     * that strip from L1 after the first (conv2's im2col GEMMs: k = 288 and 64 rows of 16 floats, 18 and 4 KiB); a
     * strip larger than L1 gains nothing, and the work is still split into at least 4 work-groups per compute unit so
     * that every core gets some. GPUs run work-items in lock-step and want many: one tile each.
     */
    private int rowTiles(GemmCall g, GemmTile t, long groupWidth) {
        if (!info.isCpu() || !stripFitsL1(g, t)) return 1;
        long[] tiles = tiles(g, t);
        long tilesN = tiles[0], tilesM = tiles[1];
        long groupsAcross = (tilesN + groupWidth - 1) / groupWidth * g.batches();
        long wanted = 4L * info.computeUnits();
        long rowGroups = Math.min(tilesM, Math.max(1, (wanted + groupsAcross - 1) / groupsAcross));
        return (int) ((tilesM + rowGroups - 1) / rowGroups);
    }

    /** Whether a work-item's column strip of B (k rows of its 16 * NV columns) fits a CPU's L1 data cache. */
    private static boolean stripFitsL1(GemmCall g, GemmTile t) {
        return (long) g.k() * t.columns() * Float.BYTES <= CPU_L1_BYTES;
    }

    /**
     * out[z][c][r] = in[inOff + (z*rows + r)*cols + c] for z &lt; batch, r &lt; rows, c &lt; cols, in 16x16 blocks: lays
     * out a B operand (whose rows gemm.cl reads contiguously) from its transpose.
     */
    void transpose(cl_mem in, long inOff, cl_mem out, int rows, int cols, int batch) {
        kernels.launch("transpose", new long[] {(cols + 15) / 16, (rows + 15) / 16, batch}, new long[] {4, 1, 1},
                in, out, rows, cols, batch, inOff);
    }
}
