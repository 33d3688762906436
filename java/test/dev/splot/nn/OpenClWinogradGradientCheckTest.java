package dev.splot.nn;

import dev.splot.backend.Backend;
import dev.splot.backend.opencl.OpenClBackend;
import dev.splot.testing.RequiredBackends;
import java.util.Map;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The finite-difference gradient checks through the OpenCL backend with Winograd forced on every 3x3 stride-1
 * convolution, once per tile size, so that the backward passes of F(2x2,3x3) and F(4x4,3x3) are checked against an
 * oracle that does not share the reference's code.
 */
@ParameterizedClass(name = "conv {0}")
@ValueSource(strings = {"winograd2", "winograd4"})
class OpenClWinogradGradientCheckTest extends GradientCheckTest {
    @Parameter
    String algorithm;

    @Override
    protected Backend createBackend() {
        return RequiredBackends.openCl(Map.of(OpenClBackend.CONV_PROPERTY, algorithm));
    }
}
