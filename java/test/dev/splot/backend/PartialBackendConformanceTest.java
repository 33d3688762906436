package dev.splot.backend;

import dev.splot.testing.partial.PartialBackend;

/**
 * The conformance suite on a backend that provides ReLU only: the ReLU and memory tests pass, every
 * other op is reported as skipped with the reason (this backend is never in SPLOT_REQUIRE_BACKENDS).
 */
class PartialBackendConformanceTest extends BackendConformanceTest {
    @Override
    protected Backend createBackend() {
        return new PartialBackend();
    }
}
