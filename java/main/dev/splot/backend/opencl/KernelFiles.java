package dev.splot.backend.opencl;

import dev.splot.backend.opencl.ProgramBuilder.ProgramSpec;
import java.util.ArrayList;
import java.util.List;

/** The kernel files the backend builds, with which options, and the kernels it takes from each. */
final class KernelFiles {
    private KernelFiles() {}

    static List<ProgramSpec> forBackend(DeviceInfo info, GemmTile tile) {
        // where the device can, sqrt and division round correctly, as in the Java reference (AdaDelta)
        String base = info.correctlyRoundedSqrt() ? "-cl-fp32-correctly-rounded-divide-sqrt" : "";
        List<ProgramSpec> specs = new ArrayList<>(List.of(
                new ProgramSpec("gemm.cl", (base + " " + tile.defines(false)).trim(), "gemm", "reduce_partials", "transpose",
                        "dense_dot", "dense_reduce"),
                new ProgramSpec("conv.cl", base, "im2col", "col2im", "bias_partial", "conv_weights_few_taps", "conv_weights_3x3_valid",
                        "conv_forward_3x3_valid"),
                new ProgramSpec("pool.cl", base, "maxpool_forward", "maxpool_backward", "maxpool2_forward", "maxpool2_backward",
                        "dropout_maxpool2_relu_backward",
                        "avgpool_forward", "avgpool_backward"),
                new ProgramSpec("elementwise.cl", base, "relu_forward", "relu_backward", "multiply", "dropout_forward", "adadelta",
                        "sgd", "adam"),
                new ProgramSpec("softmax.cl", base, "xent_rows", "xent_reduce", "softmax_rows"),
                new ProgramSpec("batchnorm.cl", base, "batchnorm_stats", "batchnorm_normalise", "batchnorm_backward_reduce",
                        "batchnorm_backward_data"),
                new ProgramSpec("winograd.cl", base, "winograd_weights", "winograd_input", "winograd_output", "winograd_output_grad",
                        "winograd_input_grad", "winograd_weights_grad"),
                new ProgramSpec("winograd4.cl", base, "winograd4_weights", "winograd4_input", "winograd4_output", "winograd4_output_grad",
                        "winograd4_input_grad", "winograd4_weights_grad", "winograd4_input_grad_tiles", "winograd4_input_transposed",
                        "winograd4_output_grad_pooled", "winograd4_forward_fused", "winograd4_data_fused")));
        if (info.isCpu()) {
            // gemm.cl once more with a wider tile that copies strips of B, its kernel registered as "gemm_strip" (Gemm.stripTile)
            specs.add(new ProgramSpec("gemm.cl", (base + " " + Gemm.stripTile(tile).defines(false) + " -DSTRIP_K=" + Gemm.STRIP_ROWS).trim(),
                    "gemm>gemm_strip"));
        }
        if (tile.hasPanel()) {
            // gemm.cl once more with local-memory panels, its kernel registered as "gemm_local"
            specs.add(new ProgramSpec("gemm.cl", (base + " " + tile.defines(true)).trim(), "gemm>gemm_local"));
        }
        return specs;
    }
}
