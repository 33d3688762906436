package dev.splot.nn;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;

class JavaGradientCheckTest extends GradientCheckTest {
    @Override
    protected Backend createBackend() {
        return new JavaBackend();
    }
}
