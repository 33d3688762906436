package dev.splot.backend.opencl;

/**
 * One set of {@code gemm.cl}'s tuning defines. Each work-item owns {@code rows} (TM) x {@code 16 * vectors} (16 * NV)
 * elements of C in {@code float16} registers; with {@code panelItems} (WGM) &gt; 0 a second build of the kernel runs
 * work-groups of (1, WGM, 1) work-items that share one column panel of B, copied to local memory {@code panelRows}
 * (KB) rows at a time. The work-group therefore covers WGM * TM rows by 16 * NV columns of C.
 */
record GemmTile(int rows, int vectors, int panelItems, int panelRows) {
    GemmTile {
        if (rows < 1 || rows > 16) throw new IllegalArgumentException("GEMM tile: rows per work-item (TM) must be 1..16, got " + rows);
        if (vectors != 1 && vectors != 2) throw new IllegalArgumentException("GEMM tile: float16 vectors per row (NV) must be 1 or 2, got " + vectors);
        if (panelItems < 0) throw new IllegalArgumentException("GEMM tile: work-items per panel (WGM) must be >= 0, got " + panelItems);
        if (panelRows < 1) throw new IllegalArgumentException("GEMM tile: rows per panel (KB) must be >= 1, got " + panelRows);
    }

    /** Columns of C per work-item (TN in gemm.cl). */
    int columns() {
        return 16 * vectors;
    }

    /** Whether the local-memory variant of the kernel is built at all. */
    boolean hasPanel() {
        return panelItems > 0;
    }

    /** Bytes of local memory one work-group of the local-memory variant uses (gemm.cl's {@code bs[KB * TN]}). */
    long panelBytes() {
        return 4L * panelRows * columns();
    }

    /** The -D options for the direct kernel (no local memory) or the local-memory variant. */
    String defines(boolean panel) {
        String tile = "-DTM=" + rows + " -DNV=" + vectors;
        return panel ? tile + " -DWGM=" + panelItems + " -DKB=" + panelRows : tile + " -DWGM=0";
    }

    /** E.g. "GEMM tile 8x16, 8 work-items per 128-row local B panel". */
    String describe() {
        return "GEMM tile " + rows + "x" + columns() + (hasPanel() ? ", " + panelItems + " work-items per "
                + panelRows + "-row local B panel" : ", no local memory");
    }

    /**
     * The tile an override "TMxNV[/WGM[/KB]]" (system property {@value OpenClBackend#GEMM_PROPERTY}) gives: the
     * values it names replace those of {@code base}, e.g. "8x2" keeps the base's panel.
     */
    static GemmTile override(String spec, GemmTile base) {
        if (!spec.matches("\\d+x[12](/\\d+(/\\d+)?)?")) {
            throw new IllegalArgumentException(OpenClBackend.GEMM_PROPERTY + " must look like 8x2, 8x2/8 or 8x2/8/128, got '" + spec + "'");
        }
        int[] t = {base.rows, base.vectors, base.panelItems, base.panelRows};
        String[] parts = spec.split("[x/]");
        for (int i = 0; i < parts.length; i++) t[i] = Integer.parseInt(parts[i]);
        try {
            return new GemmTile(t[0], t[1], t[2], t[3]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(OpenClBackend.GEMM_PROPERTY + ": bad values in '" + spec + "': " + e.getMessage(), e);
        }
    }
}
