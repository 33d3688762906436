package dev.splot.testing;

import dev.splot.backend.Backend;
import dev.splot.backend.BackendUnavailableException;
import dev.splot.backend.Backends;
import dev.splot.backend.nativecpu.NativeBackend;
import dev.splot.backend.opencl.OpenClBackend;
import java.util.Arrays;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The one rule for tests of a backend that may not start on a machine: the test is skipped with
 * the reason (visible in the report), unless the environment variable SPLOT_REQUIRE_BACKENDS (a
 * comma list, set by CI) names the backend; then it fails, so CI never passes by skipping. Every
 * test that needs a backend other than the Java reference starts it through {@link #open} (the
 * helpers below call it); the suites every backend passes share one in a {@link BackendSuite}.
 */
public final class RequiredBackends {
    private RequiredBackends() {}

    public static boolean required(String backendName) {
        String env = System.getenv("SPLOT_REQUIRE_BACKENDS");
        return env != null && Arrays.stream(env.split(",")).map(String::trim).anyMatch(backendName::equalsIgnoreCase);
    }

    /**
     * Runs {@code start}; where it throws {@link BackendUnavailableException}, fails the test (the backend is
     * required) or aborts it with the reason. {@code start} may return what the backend offers besides itself
     * (a device list, say).
     */
    public static <T> T open(String backendName, Supplier<T> start) {
        try {
            return start.get();
        } catch (BackendUnavailableException e) {
            if (required(backendName)) {
                Assertions.fail("SPLOT_REQUIRE_BACKENDS names " + backendName + ", but it cannot start: " + e.getMessage(), e);
            }
            Assumptions.abort(backendName + " backend unavailable: " + e.getMessage());
            return null;
        }
    }

    /** A backend by its provider's name, as {@code --backend} takes it, started with no device. */
    public static Backend open(String backendName) {
        return open(backendName, () -> Backends.open(backendName, null, null));
    }

    /** The native backend on the path it picks by itself, with the thread count from the system properties. */
    public static NativeBackend nativeBackend() {
        return open("native", () -> NativeBackend.create());
    }

    /**
     * The native backend on a forced instruction-set path ("auto", "scalar", "avx2", "avx512"), thread count (0: from
     * the system properties) and convolution algorithm. A path this CPU cannot run is a skip even where native is
     * required: the requirement is that the backend runs here, not that the CPU has every extension.
     */
    public static NativeBackend nativeBackend(String isa, int threads, String convAlgorithm) {
        if ("auto".equals(isa) && threads == 0 && "auto".equals(convAlgorithm)) return nativeBackend();
        String best = NativeBackend.bestIsa();
        if (!"auto".equals(isa) && !"unavailable".equals(best) && !NativeBackend.cpuSupports(isa)) {
            Assumptions.abort("this CPU cannot run the native " + isa + " path (its best is " + best + ")");
        }
        return open("native", () -> NativeBackend.create(isa, threads, convAlgorithm));
    }

    /**
     * The OpenCL backend started with the given system properties set (each put back as it was afterwards), e.g. a forced
     * convolution algorithm or GEMM tile: the backend reads its settings when it starts.
     */
    public static OpenClBackend openCl(java.util.Map<String, String> properties) {
        java.util.Map<String, String> before = new java.util.HashMap<>();
        properties.forEach((key, value) -> {
            before.put(key, System.getProperty(key));
            System.setProperty(key, value);
        });
        try {
            return openCl();
        } finally {
            before.forEach((key, value) -> {
                if (value == null) System.clearProperty(key);
                else System.setProperty(key, value);
            });
        }
    }

    /** The OpenCL backend on the default device; prints which device and how long its programs took to build. */
    public static OpenClBackend openCl() {
        OpenClBackend be = open("opencl", () -> OpenClBackend.create(null));
        System.out.println("[opencl] " + be.description() + "; programs " + be.buildMillis() + " ms"
                + (be.programsFromCache() ? " (from cache)" : ""));
        return be;
    }
}
