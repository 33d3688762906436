package dev.splot.backend;

import dev.splot.testing.RequiredBackends;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The conformance suite on the native backend: once on the path it picks by itself ("auto", with
 * the thread count from the system properties), once more on each forced instruction-set path
 * (scalar, AVX2, AVX-512) on two threads, and on each convolution algorithm forced (Winograd
 * F(4x4) also on the scalar path, whose transforms are the same code at another width). Where the
 * backend cannot start, or this CPU lacks a forced path, the tests are skipped or failed by the
 * rule of {@link RequiredBackends}.
 */
@ParameterizedClass(name = "isa {0}, threads {1}, conv {2}")
@CsvSource({"auto, 0, auto", "scalar, 2, auto", "avx2, 2, auto", "avx512, 2, auto", "auto, 3, winograd", "auto, 2, gemm",
    "auto, 2, winograd2", "scalar, 1, winograd4"})
class NativeBackendConformanceTest extends BackendConformanceTest {
    @Parameter(0)
    String isa;
    @Parameter(1)
    int threads;
    @Parameter(2)
    String convAlgorithm;

    @Override
    protected Backend createBackend() {
        return RequiredBackends.nativeBackend(isa, threads, convAlgorithm);
    }
}
