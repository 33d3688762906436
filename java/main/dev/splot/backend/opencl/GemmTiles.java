package dev.splot.backend.opencl;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * The default {@link GemmTile} per {@link DeviceClass}, and the override through the system property
 * {@value OpenClBackend#GEMM_PROPERTY}.
 *
 * <p>Only the CPU entry is measured (PoCL on AVX-512, and scaled for AVX2 by {@link #entry}). The GPU entries are reasoned starting points, not measured on
 * any GPU here. They start from CLBlast's published single-precision tuning for the NVIDIA A100 (a 32x64 work-group
 * tile of C computed by 8x16 work-items, i.e. 4x4 outputs each; KWG = 32; vector width 4; A and B tiles in local
 * memory) and map it onto what gemm.cl can express, which is approximate in three ways:
 * <ul>
 *   <li>gemm.cl's work-groups are one work-item wide along N, (1, WGM, 1), and a work-item owns at least 16 columns
 *       (one {@code float16}): a 64-column work-group tile of 8x16 work-items cannot be written. The entries keep
 *       CLBlast's 32-row work-group tile (WGM * TM = 32; the M of this project's GEMMs is 32-288: output channels,
 *       c*kh*kw, batch, so taller tiles would leave work-items idle) and 16 accumulators per work-item (TM x 16 =
 *       1x16 against CLBlast's 4x4), and make the work-group a whole warp or wavefront.</li>
 *   <li>The vector width is 16 ({@code vload16}/{@code float16}), fixed in gemm.cl, not 4.</li>
 *   <li>Only B is staged in local memory; A is read from global memory by each work-item.</li>
 * </ul>
 * KB takes CLBlast's KWG = 32 where WGM divides it (each work-item then copies the same number of panel rows).
 */
final class GemmTiles {
    private GemmTiles() {}

    static final Map<DeviceClass, GemmTile> TABLE;

    static {
        Map<DeviceClass, GemmTile> t = new EnumMap<>(DeviceClass.class);
        // Measured fastest on PoCL/AVX-512: an 8x16 tile (8 zmm accumulators; 8x32 ran 1.5x slower) and 8 work-items
        // sharing a 128-row B panel (used where rows of B lie 16 KiB and more apart, see Gemm).
        t.put(DeviceClass.CPU, new GemmTile(8, 1, 8, 128));
        // A100 mapping above: 32 rows = one warp of 1x16 work-items, KB = KWG = 32 (2 KiB of local memory).
        t.put(DeviceClass.NVIDIA_GPU, new GemmTile(1, 1, 32, 32));
        // One 64-wide wavefront of 1x16 work-items: a 64-row work-group tile, KB 64 so that each copies one row (4 KiB).
        t.put(DeviceClass.AMD_GPU, new GemmTile(1, 1, 64, 64));
        // One 16-wide sub-group of 2x16 work-items (32 accumulators fit Intel's 64 floats per SIMD16 lane): 32 rows, KB 32.
        t.put(DeviceClass.INTEL_GPU, new GemmTile(2, 1, 16, 32));
        // Unknown vendor: the backend's earlier default for every non-CPU device, 4x16 tiles, 16 work-items per
        // 64-row panel (4 KiB of local memory, far under the 32 KiB OpenCL 1.2 guarantees).
        t.put(DeviceClass.GENERIC, new GemmTile(4, 1, 16, 64));
        TABLE = Collections.unmodifiableMap(t);
    }

    /** The tile for this device: the property's override when set, else {@link #entry}. */
    static GemmTile forDevice(DeviceInfo info) {
        GemmTile base = entry(DeviceClass.of(info), info.floatVectorWidth());
        String override = System.getProperty(OpenClBackend.GEMM_PROPERTY);
        return override == null ? base : GemmTile.override(override, base);
    }

    /**
     * The table's entry for a device class; on CPUs scaled to the device's native float vector width (OpenCL's
     * CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT). The CPU entry's 8 rows of one {@code float16} are 8 accumulator registers
     * where a register holds 16 floats (AVX-512); with 8-float registers (AVX2) the same 8 rows would take 16, every
     * register x86 has, and spill, so there the tile has 4 rows (8 registers again): measured 0.64-0.76 of 8 rows' time
     * on conv2's three passes (Zen 3, PoCL 3.1, docs/opencl.md).
     */
    static GemmTile entry(DeviceClass dc, int floatVectorWidth) {
        GemmTile t = TABLE.get(dc);
        if (dc != DeviceClass.CPU || floatVectorWidth >= 16) return t;
        int rows = Math.max(1, t.rows() * Math.max(1, floatVectorWidth) / 16);
        return new GemmTile(rows, t.vectors(), t.panelItems(), t.panelRows());
    }
}
