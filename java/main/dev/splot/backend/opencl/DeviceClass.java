package dev.splot.backend.opencl;

import java.util.Locale;

/** The kinds of device that get their own GEMM tile ({@link GemmTiles}), told apart by device type and vendor. */
enum DeviceClass {
    /** Any CPU device (PoCL here; also Intel's or AMD's CPU runtimes). */
    CPU(1),
    /** NVIDIA GPUs: warps of 32 threads. */
    NVIDIA_GPU(32),
    /** AMD GPUs: wavefronts of 64 on GCN and CDNA (RDNA runs 32 or 64). */
    AMD_GPU(64),
    /** Intel GPUs: the compiler picks sub-groups of 8, 16 or 32; 16 is the usual one for float kernels. */
    INTEL_GPU(16),
    /** GPUs of other vendors and devices that are neither CPU nor GPU (accelerators). */
    GENERIC(1);

    /** Work-items that the hardware runs in lock-step: a work-group should be a multiple of it. */
    final int lanes;

    DeviceClass(int lanes) {
        this.lanes = lanes;
    }

    static DeviceClass of(DeviceInfo d) {
        return of(d.isCpu(), d.isGpu(), d.vendor());
    }

    /** From the device type and the CL_DEVICE_VENDOR string ("NVIDIA Corporation", "Advanced Micro Devices, Inc.", ...). */
    static DeviceClass of(boolean cpu, boolean gpu, String vendor) {
        if (cpu) return CPU;
        if (!gpu) return GENERIC;
        String v = vendor.toLowerCase(Locale.ROOT);
        if (v.contains("nvidia")) return NVIDIA_GPU;
        if (v.contains("advanced micro devices") || v.matches(".*\\bamd\\b.*")) return AMD_GPU;
        if (v.contains("intel")) return INTEL_GPU;
        return GENERIC;
    }
}
