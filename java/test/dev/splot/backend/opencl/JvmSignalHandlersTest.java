package dev.splot.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.ConvGeometry;
import dev.splot.backend.Padding;
import dev.splot.backend.Tensor;
import dev.splot.platform.JvmSignalHandlers;
import dev.splot.testing.RequiredBackends;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM's SIGSEGV / SIGBUS / SIGFPE / SIGILL handlers are still its own after the OpenCL backend
 * compiled its programs from source (an empty cache, so PoCL runs LLVM, which installs crash
 * handlers of its own) and launched kernels (PoCL compiles again for each new work-group size).
 * Without the guard the JVM dies at its next implicit null check or safepoint poll; this test
 * failed that way (SIGSEGV and SIGBUS held by libLLVM) before JvmSignalHandlers existed.
 *
 * <p>The guard's native library (libjniSplotSignals) comes with the native build; where splot was
 * built without it ({@code -Dsplot.native.skip=true}) the handlers cannot be read, and the test
 * is skipped with that reason, unless SPLOT_REQUIRE_BACKENDS names native (the native build is
 * then on, so the guard must load).
 */
class JvmSignalHandlersTest {
    private static final String[] SIGNALS = {"SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL"};

    @Test
    void theJvmKeepsItsSignalHandlersThroughBuildsAndLaunches(@TempDir Path emptyCache) {
        String unavailable = JvmSignalHandlers.unavailableReason();
        if (unavailable != null) {
            if (RequiredBackends.required("native")) Assertions.fail("the signal-handler guard does not load: " + unavailable);
            Assumptions.abort("cannot read the signal handlers: " + unavailable);
        }
        try (OpenClBackend be = RequiredBackends.open("opencl", () -> OpenClBackend.create(null, new ProgramCache(emptyCache)))) {
            ConvGeometry g = ConvGeometry.of(2, 3, 9, 8, 5, 3, 3, 1, Padding.SAME);
            try (Tensor x = be.allocate(g.inputShape()); Tensor w = be.allocate(g.weightShape()); Tensor b = be.allocate(g.o());
                 Tensor y = be.allocate(g.outputShape())) {
                be.conv2dForward(x, w, b, y, g);
                y.toFloatArray();
            }
            for (int s = 0; s < SIGNALS.length; s++) {
                String owner = JvmSignalHandlers.owner(s);
                assertTrue(owner.contains("libjvm") || owner.contains("libjsig"), SIGNALS[s] + " handler is in " + owner);
            }
        }
    }
}
