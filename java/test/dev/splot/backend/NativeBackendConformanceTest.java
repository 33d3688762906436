package dev.splot.backend;

import dev.splot.testing.RequiredBackends;
import dev.splot.backend.nativecpu.NativeBackend;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Nested;

/**
 * The conformance suite on the native backend: once on the path it picks by itself ("auto", with
 * the thread count from the system properties), and once more on each forced instruction-set path
 * (scalar, AVX2, AVX-512) that this CPU can run, on two threads.
 *
 * <p>A backend that cannot start aborts the tests with its reason (a visible skip), or fails them
 * when the environment variable SPLOT_REQUIRE_BACKENDS (a comma list) names "native". A forced
 * path that this CPU lacks is always a skip, with the reason.
 */
class NativeBackendConformanceTest extends BackendConformanceTest {

    @Override
    protected Backend createBackend() {
        return startNative("auto", 0);
    }

    static Backend startNative(String isa, int threads) {
        return startNative(isa, threads, "auto");
    }

    static Backend startNative(String isa, int threads, String conv) {
        try {
            return "auto".equals(isa) && threads == 0 && "auto".equals(conv) ? NativeBackend.create()
                    : NativeBackend.create(isa, threads, conv);
        } catch (BackendUnavailableException e) {
            boolean cpuLacksForcedPath = !"auto".equals(isa) && !"unavailable".equals(NativeBackend.bestIsa());
            if (!cpuLacksForcedPath && RequiredBackends.required("native")) {
                Assertions.fail("SPLOT_REQUIRE_BACKENDS names native, but it cannot start: " + e.getMessage(), e);
            }
            Assumptions.abort(e.getMessage());
            return null;
        }
    }

    @Nested
    class Scalar extends BackendConformanceTest {
        @Override
        protected Backend createBackend() {
            return startNative("scalar", 2);
        }
    }

    @Nested
    class Avx2 extends BackendConformanceTest {
        @Override
        protected Backend createBackend() {
            return startNative("avx2", 2);
        }
    }

    @Nested
    class Avx512 extends BackendConformanceTest {
        @Override
        protected Backend createBackend() {
            return startNative("avx512", 2);
        }
    }

    @Nested
    class WinogradEverywhere extends BackendConformanceTest {
        @Override
        protected Backend createBackend() {
            return startNative("auto", 3, "winograd");
        }
    }

    @Nested
    class GemmOnly extends BackendConformanceTest {
        @Override
        protected Backend createBackend() {
            return startNative("auto", 2, "gemm");
        }
    }
}
