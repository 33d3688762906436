package dev.splot.nn;

import dev.splot.backend.Backend;
import dev.splot.testing.RequiredBackends;

/** The finite-difference gradient checks through the OpenCL backend. */
class OpenClGradientCheckTest extends GradientCheckTest {
    @Override
    protected Backend createBackend() {
        return RequiredBackends.openCl();
    }
}
