package dev.splot.backend;

import dev.splot.backend.opencl.OpenClBackend;
import dev.splot.testing.RequiredBackends;
import java.util.Map;

/**
 * The conformance suite once more with Winograd F(2x2,3x3) forced on every 3x3 stride-1 convolution (the default "auto"
 * takes it only from 8 channels up), so that its transforms meet odd sizes, 'same' padding, batch 1 and a single
 * channel; and with a 64 KiB convolution scratch limit, so that batches run in chunks of images and the weight
 * gradient's groups in several chunks. The same {@link BackendConformanceTest#TOLERANCE} as every path: the transforms
 * add, subtract and halve values (at most 4x the inputs' scale, so a few more ulp), far inside it (see docs/opencl.md
 * for the measured error).
 */
class OpenClWinogradConformanceTest extends OpenClBackendConformanceTest {
    @Override
    protected Backend createBackend() {
        return RequiredBackends.openCl(Map.of(OpenClBackend.CONV_PROPERTY, "winograd", OpenClBackend.SCRATCH_PROPERTY,
                String.valueOf(64 << 10)));
    }
}
