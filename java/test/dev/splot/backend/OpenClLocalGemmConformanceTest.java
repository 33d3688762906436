package dev.splot.backend;

import dev.splot.backend.opencl.OpenClBackend;
import dev.splot.testing.RequiredBackends;
import java.util.Map;

/**
 * The conformance suite once more with every GEMM on the local-memory kernel (the GPU default) and an odd tile
 * (5 rows x 16 columns per work-item, 3 work-items per 16-row B panel), so edge tiles and several K panels run on PoCL,
 * with a 16 KiB convolution scratch limit, so that convolutions run in chunks of images, and with dense layers'
 * forward as the transpose and the GEMM (the GPU path; CPU devices take dot products by default).
 */
class OpenClLocalGemmConformanceTest extends OpenClBackendConformanceTest {
    @Override
    protected Backend createBackend() {
        return RequiredBackends.openCl(Map.of(OpenClBackend.GEMM_PROPERTY, "5x1/3/16", OpenClBackend.GEMM_PANEL_PROPERTY, "always",
                OpenClBackend.SCRATCH_PROPERTY, String.valueOf(16 << 10), OpenClBackend.DENSE_PROPERTY, "gemm"));
    }
}
