package dev.splot.train;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;

/** The training suite on the reference itself: proves the suite runs end to end, and the reference leaks nothing. */
class JavaBackendTrainingTest extends BackendTrainingTest {
    @Override
    protected Backend createBackend() {
        return new JavaBackend();
    }
}
