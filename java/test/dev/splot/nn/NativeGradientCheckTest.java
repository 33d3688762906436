package dev.splot.nn;

import dev.splot.backend.Backend;
import dev.splot.testing.RequiredBackends;

/** The finite-difference gradient checks through the native backend. */
class NativeGradientCheckTest extends GradientCheckTest {
    @Override
    protected Backend createBackend() {
        return RequiredBackends.nativeBackend();
    }
}
