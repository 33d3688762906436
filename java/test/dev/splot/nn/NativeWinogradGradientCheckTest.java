package dev.splot.nn;

import dev.splot.backend.Backend;
import dev.splot.testing.RequiredBackends;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The finite-difference gradient checks through the native backend with Winograd forced on every
 * 3x3 stride-1 convolution (the default "auto" only takes it from 8 channels up, which these small
 * cases are not), once per tile size, so that the backward passes of F(2x2,3x3) and F(4x4,3x3)
 * are checked against an oracle that does not share the reference's code.
 */
@ParameterizedClass(name = "conv {0}")
@ValueSource(strings = {"winograd2", "winograd4"})
class NativeWinogradGradientCheckTest extends GradientCheckTest {
    @Parameter
    String convAlgorithm;

    @Override
    protected Backend createBackend() {
        return RequiredBackends.nativeBackend("auto", 0, convAlgorithm);
    }
}
