package dev.splot.nn;

import dev.splot.backend.Backend;
import dev.splot.testing.RequiredBackends;

/**
 * The finite-difference gradient checks through the native backend with Winograd forced on every
 * 3x3 stride-1 convolution (the default "auto" only takes it from 8 channels up, which these small
 * cases are not), so that its backward passes are checked against an oracle that does not share
 * the reference's code.
 */
class NativeWinogradGradientCheckTest extends GradientCheckTest {
    @Override
    protected Backend createBackend() {
        return RequiredBackends.nativeBackend("auto", 0, "winograd");
    }
}
