package dev.splot.backend.opencl;

import dev.splot.backend.BackendUnavailableException;

/** How a dense layer's forward runs (system property {@value OpenClBackend#DENSE_PROPERTY}). */
enum DenseAlgorithm {
    /**
     * The default: on CPU devices dot products along the rows of x and W (kernels/gemm.cl's dense_dot, 0.63x the
     * time of the transpose and the GEMM on PoCL, docs/opencl.md); elsewhere the transpose and the GEMM, whose tiles
     * are tuned per GPU.
     */
    AUTO,
    /** W transposed and the GEMM on every device (lets the tests run the GPU path on a CPU). */
    GEMM;

    /** @throws BackendUnavailableException for a value that is neither "auto" nor "gemm", naming both */
    static DenseAlgorithm fromProperty() {
        String p = System.getProperty(OpenClBackend.DENSE_PROPERTY, "auto");
        return switch (p) {
            case "auto" -> AUTO;
            case "gemm" -> GEMM;
            default -> throw new BackendUnavailableException("OpenCL: unknown dense algorithm '" + p + "' ("
                    + OpenClBackend.DENSE_PROPERTY + " must be auto or gemm)", null);
        };
    }

    /** Whether the forward runs as dense_dot on this device. */
    boolean byDotProducts(boolean cpuDevice) {
        return this == AUTO && cpuDevice;
    }
}
