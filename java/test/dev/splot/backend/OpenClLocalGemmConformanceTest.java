package dev.splot.backend;

import dev.splot.backend.opencl.OpenClBackend;
import dev.splot.testing.RequiredBackends;

/**
 * The conformance suite once more with every GEMM on the local-memory kernel (the GPU default) and an odd tile
 * (5 rows x 16 columns per work-item, 3 work-items per 16-row B panel), so edge tiles and several K panels run on PoCL,
 * and with a 16 KiB convolution scratch limit, so that convolutions run in chunks of images.
 */
class OpenClLocalGemmConformanceTest extends OpenClBackendConformanceTest {
    @Override
    protected Backend createBackend() {
        String tile = System.getProperty(OpenClBackend.GEMM_PROPERTY), panel = System.getProperty(OpenClBackend.GEMM_PANEL_PROPERTY);
        String scratch = System.getProperty(OpenClBackend.SCRATCH_PROPERTY);
        System.setProperty(OpenClBackend.GEMM_PROPERTY, "5x1/3/16");
        System.setProperty(OpenClBackend.GEMM_PANEL_PROPERTY, "always");
        System.setProperty(OpenClBackend.SCRATCH_PROPERTY, String.valueOf(16 << 10));
        try {
            return RequiredBackends.openCl();
        } finally {
            restore(OpenClBackend.GEMM_PROPERTY, tile);
            restore(OpenClBackend.GEMM_PANEL_PROPERTY, panel);
            restore(OpenClBackend.SCRATCH_PROPERTY, scratch);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }
}
