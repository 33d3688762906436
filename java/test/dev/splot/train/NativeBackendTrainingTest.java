package dev.splot.train;

import dev.splot.backend.Backend;
import dev.splot.testing.RequiredBackends;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The training suite on the native backend: on the path it picks by itself (thread count from the
 * system properties), and once more on each forced instruction-set path on two threads; a path this
 * CPU lacks is skipped with the reason.
 */
@ParameterizedClass(name = "isa {0}, threads {1}")
@CsvSource({"auto, 0", "scalar, 2", "avx2, 2", "avx512, 2"})
class NativeBackendTrainingTest extends BackendTrainingTest {
    @Parameter(0)
    String isa;
    @Parameter(1)
    int threads;

    @Override
    protected Backend createBackend() {
        return RequiredBackends.nativeBackend(isa, threads, "auto");
    }
}
