package dev.splot.testing;

import dev.splot.backend.BackendUnavailableException;
import java.util.Arrays;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The one rule for tests of a backend that may not start on a machine: the test is skipped with
 * the reason (visible in the report), unless the environment variable SPLOT_REQUIRE_BACKENDS (a
 * comma list, set by CI) names the backend; then it fails, so CI never passes by skipping.
 */
public final class RequiredBackends {
    private RequiredBackends() {}

    public static boolean required(String backend) {
        String env = System.getenv("SPLOT_REQUIRE_BACKENDS");
        return env != null && Arrays.stream(env.split(",")).map(String::trim).anyMatch(backend::equalsIgnoreCase);
    }

    /** Runs {@code start}; where the backend is unavailable, fails (required) or aborts the test with the reason. */
    public static <T> T startOrSkip(String backend, Supplier<T> start) {
        try {
            return start.get();
        } catch (BackendUnavailableException e) {
            if (required(backend)) {
                Assertions.fail("SPLOT_REQUIRE_BACKENDS names " + backend + ", but it cannot start: " + e.getMessage(), e);
            }
            Assumptions.abort(backend + " backend unavailable: " + e.getMessage());
            return null;
        }
    }
}
