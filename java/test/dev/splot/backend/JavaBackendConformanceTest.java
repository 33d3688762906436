package dev.splot.backend;

import dev.splot.backend.java.JavaBackend;

/** Runs the conformance suite on the reference itself: proves the suite runs end to end and the reference is self-consistent. */
class JavaBackendConformanceTest extends BackendConformanceTest {
    @Override
    protected Backend createBackend() {
        return new JavaBackend();
    }
}
