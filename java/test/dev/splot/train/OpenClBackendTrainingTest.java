package dev.splot.train;

import dev.splot.backend.Backend;
import dev.splot.testing.RequiredBackends;

/** The training suite on the OpenCL backend (PoCL in CI). */
class OpenClBackendTrainingTest extends BackendTrainingTest {
    @Override
    protected Backend createBackend() {
        return RequiredBackends.openCl();
    }
}
