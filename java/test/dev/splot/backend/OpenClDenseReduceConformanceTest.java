package dev.splot.backend;

import dev.splot.backend.opencl.OpenClBackend;
import dev.splot.testing.RequiredBackends;
import java.util.Map;

/**
 * The conformance suite once more with dense layers' forward as kernels/gemm.cl's dense_reduce (a work-group per 4x4
 * block of outputs, the NVIDIA GPU default), so that its edges (rows past N and O, K shorter than the work-group, K
 * not a multiple of it) run on PoCL too.
 */
class OpenClDenseReduceConformanceTest extends OpenClBackendConformanceTest {
    @Override
    protected Backend createBackend() {
        return RequiredBackends.openCl(Map.of(OpenClBackend.DENSE_PROPERTY, "reduce"));
    }
}
