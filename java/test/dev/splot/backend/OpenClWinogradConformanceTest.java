package dev.splot.backend;

import dev.splot.backend.opencl.OpenClBackend;
import dev.splot.testing.RequiredBackends;
import java.util.Map;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The conformance suite once more with Winograd F(2x2,3x3) and then F(4x4,3x3) forced on every 3x3 stride-1
 * convolution, so that their transforms meet odd sizes (outputs that are not multiples of the tile), 'same' padding,
 * batch 1 and a single channel; and with a 64 KiB convolution scratch limit, so that batches run in chunks of images
 * and the weight gradient's groups in several chunks; F(4x4) runs twice, with its forward pass as one kernel per
 * block of tiles (the default on CPU devices, where chunks do not apply) and as three kernels in chunks ("-unfused"),
 * and once more with backward-weights by im2col + GEMM beside F(4x4)'s other two passes (what "auto" takes on NVIDIA
 * GPUs: the fused backward operations must then give the bits of their passes one by one). The same
 * {@link BackendConformanceTest#TOLERANCE} as every path:
 * F(2x2)'s transforms add, subtract and halve values (a few more ulp); F(4x4)'s scale them by up to 10 and 19 per
 * dimension, which leaves its measured error 10-20x F(2x2)'s and still inside the tolerance (docs/opencl.md).
 */
@ParameterizedClass(name = "conv {0}")
@ValueSource(strings = {"winograd2", "winograd4", "winograd4-unfused", "winograd4,winograd4,gemm"})
class OpenClWinogradConformanceTest extends OpenClBackendConformanceTest {
    @Parameter
    String algorithm;

    @Override
    protected Backend createBackend() {
        boolean unfused = algorithm.endsWith("-unfused");
        return RequiredBackends.openCl(Map.of(OpenClBackend.CONV_PROPERTY, unfused ? "winograd4" : algorithm,
                OpenClBackend.WINOGRAD4_FUSED_PROPERTY, unfused ? "off" : "auto", OpenClBackend.SCRATCH_PROPERTY,
                String.valueOf(64 << 10)));
    }
}
