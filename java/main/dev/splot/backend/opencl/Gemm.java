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
    private final PanelUse panelUse;

    /**
     * The L1 data cache assumed on CPU devices (OpenCL does not report it; every x86 core since 2006 has at least
     * this): a work-item's column strip of B (k rows of one tile's columns) must fit for row tiles to reuse it.
     */
    static final long CPU_L1_BYTES = 32 << 10;
    /** Rows of B that gemm.cl's private strip copy holds (STRIP_K there, built so on CPU devices only). */
    static final int STRIP_ROWS = 128;

    /** The kernels "gemm" and, where the tile has a panel, "gemm_local" must be built with {@link GemmTile#defines}. */
    Gemm(DeviceInfo info, Kernels kernels, GemmTile tile, PanelUse panelUse) {
        this.info = info;
        this.kernels = kernels;
        this.tile = tile;
        this.panelUse = panelUse;
    }

    GemmTile tile() {
        return tile;
    }

    void run(GemmCall g) {
        long tilesN = (g.n() + (long) tile.columns() - 1) / tile.columns(), tilesM = (g.m() + tile.rows() - 1) / tile.rows();
        // On CPUs local-memory B panels pay off where rows of B lie far apart (16 KiB and more, where strided rows
        // also collide in the same cache sets) and a work-item's strip of B is too long to stay in L1 over its row
        // tiles; elsewhere on CPUs the direct kernel is faster (dense1's backward GEMMs, k = 128: 0.6x the time).
        boolean local = tile.hasPanel() && switch (panelUse) {
            case ALWAYS -> true;
            case NEVER -> false;
            case AUTO -> !info.isCpu() || (g.b().rowStride() >= 4096 && !stripFitsL1(g));
        };
        long[] localSize = local ? new long[] {1, tile.panelItems(), 1}
                : new long[] {Math.min(8, Math.min(kernels.maxWorkGroup("gemm"), info.maxItemSizes()[0])), 1, 1};
        int rowTiles = local ? 1 : rowTiles(g, tilesN, tilesM, localSize[0]);
        // gemm.cl's copyStrip: rows of B 16 KiB or more apart would share L1 sets over the row tiles; the strip is
        // copied contiguously first (dense1's backward GEMMs, K = 128)
        boolean copyStrip = info.isCpu() && rowTiles > 1 && g.slices() == 1 && g.k() <= STRIP_ROWS && g.b().rowStride() >= 4096;
        long rowGroups = (tilesM + rowTiles - 1) / rowTiles;
        GemmCall.Operand a = g.a(), b = g.b(), c = g.c();
        // the argument order of gemm.cl's gemm(...)
        kernels.launch(local ? "gemm_local" : "gemm", new long[] {tilesN, rowGroups, g.batches()}, localSize,
                g.m(), g.n(), g.k(), a.mem(), a.offset(), a.rowStride(), a.colStride(), a.batchStride(), a.sliceStride(),
                b.mem(), b.offset(), b.rowStride(), b.batchStride(), b.sliceStride(),
                c.mem(), c.offset(), c.rowStride(), c.batchStride(), g.slices(), g.sliceLimit(),
                g.bias() == null ? a.mem() : g.bias(), g.biasMode().code, rowTiles, g.relu() ? 1 : 0, copyStrip ? 1 : 0);
    }

    /**
     * How many of its TM-row tiles one work-item of the direct kernel computes, one after the other. On a CPU device a
     * work-item runs as a plain loop on one core, so all the row tiles of its column strip of B in one work-item read
     * that strip from L1 after the first (conv2's im2col GEMMs: k = 288 and 64 rows of 16 floats, 18 and 4 KiB); a
     * strip larger than L1 gains nothing, and the work is still split into at least 4 work-groups per compute unit so
     * that every core gets some. GPUs run work-items in lock-step and want many: one tile each.
     */
    int rowTiles(GemmCall g, long tilesN, long tilesM, long groupWidth) {
        if (!info.isCpu() || !stripFitsL1(g)) return 1;
        long groupsAcross = (tilesN + groupWidth - 1) / groupWidth * g.batches();
        long wanted = 4L * info.computeUnits();
        long rowGroups = Math.min(tilesM, Math.max(1, (wanted + groupsAcross - 1) / groupsAcross));
        return (int) ((tilesM + rowGroups - 1) / rowGroups);
    }

    /** Whether a work-item's column strip of B (k rows of its 16 * NV columns) fits a CPU's L1 data cache. */
    private boolean stripFitsL1(GemmCall g) {
        return (long) g.k() * tile.columns() * Float.BYTES <= CPU_L1_BYTES;
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
