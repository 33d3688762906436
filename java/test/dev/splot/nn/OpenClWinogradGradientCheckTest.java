package dev.splot.nn;

import dev.splot.backend.Backend;
import dev.splot.backend.opencl.OpenClBackend;
import dev.splot.testing.RequiredBackends;
import java.util.Map;

/**
 * The finite-difference gradient checks through the OpenCL backend with Winograd forced on every 3x3 stride-1
 * convolution (the default "auto" only takes it from 8 channels up, which these small cases are not), so that its
 * backward passes are checked against an oracle that does not share the reference's code.
 */
class OpenClWinogradGradientCheckTest extends GradientCheckTest {
    @Override
    protected Backend createBackend() {
        return RequiredBackends.openCl(Map.of(OpenClBackend.CONV_PROPERTY, "winograd"));
    }
}
