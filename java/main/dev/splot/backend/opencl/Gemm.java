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
        /** GPUs always; CPUs where rows of B lie far apart. */
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
        // Local-memory B panels pay off where rows of B lie far apart (on CPUs: 16 KiB and more, where strided rows
        // also collide in the same cache sets); elsewhere on CPUs the direct kernel is faster.
        boolean local = tile.hasPanel() && switch (panelUse) {
            case ALWAYS -> true;
            case NEVER -> false;
            case AUTO -> !info.isCpu() || g.b().rowStride() >= 4096;
        };
        long[] localSize = local ? new long[] {1, tile.panelItems(), 1}
                : new long[] {Math.min(8, Math.min(kernels.maxWorkGroup("gemm"), info.maxItemSizes()[0])), 1, 1};
        GemmCall.Operand a = g.a(), b = g.b(), c = g.c();
        // the argument order of gemm.cl's gemm(...)
        kernels.launch(local ? "gemm_local" : "gemm", new long[] {tilesN, tilesM, g.batches()}, localSize,
                g.m(), g.n(), g.k(), a.mem(), a.offset(), a.rowStride(), a.colStride(), a.batchStride(), a.sliceStride(),
                b.mem(), b.offset(), b.rowStride(), b.batchStride(), b.sliceStride(),
                c.mem(), c.offset(), c.rowStride(), c.batchStride(), g.slices(), g.sliceLimit(),
                g.bias() == null ? a.mem() : g.bias(), g.biasMode().code);
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
