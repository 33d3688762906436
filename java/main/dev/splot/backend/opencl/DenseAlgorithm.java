package dev.splot.backend.opencl;

import dev.splot.backend.BackendUnavailableException;

/** How a dense layer's forward runs (system property {@value OpenClBackend#DENSE_PROPERTY}). */
enum DenseAlgorithm {
    /**
     * The default: on CPU devices dot products along the rows of x and W (kernels/gemm.cl's dense_dot, 0.63x the
     * time of the transpose and the GEMM on PoCL), on NVIDIA GPUs a work-group per block of outputs summing along the
     * rows (dense_reduce, measured on an H200), elsewhere the transpose and the GEMM, whose tiles are tuned per GPU
     * (docs/opencl.md).
     */
    AUTO,
    /** dense_dot on every device (lets the tests run the CPU kernel anywhere). */
    DOT,
    /** dense_reduce on every device (lets the tests run the GPU kernel on a CPU). */
    REDUCE,
    /** W transposed and the GEMM on every device (lets the tests run that path on a CPU). */
    GEMM;

    /** @throws BackendUnavailableException for a value other than "auto", "dot", "reduce" and "gemm", naming them */
    static DenseAlgorithm fromProperty() {
        String p = System.getProperty(OpenClBackend.DENSE_PROPERTY, "auto");
        return switch (p) {
            case "auto" -> AUTO;
            case "dot" -> DOT;
            case "reduce" -> REDUCE;
            case "gemm" -> GEMM;
            default -> throw new BackendUnavailableException("OpenCL: unknown dense algorithm '" + p + "' ("
                    + OpenClBackend.DENSE_PROPERTY + " must be auto, dot, reduce or gemm)", null);
        };
    }

    /** What the forward runs as on a device of class {@code device}: DOT, REDUCE or GEMM ("auto" resolved). */
    DenseAlgorithm resolve(DeviceClass device) {
        if (this != AUTO) return this;
        return device == DeviceClass.CPU ? DOT : device == DeviceClass.NVIDIA_GPU ? REDUCE : GEMM;
    }
}
