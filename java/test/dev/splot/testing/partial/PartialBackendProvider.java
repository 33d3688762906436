package dev.splot.testing.partial;

import dev.splot.backend.Backend;
import dev.splot.backend.BackendProbe;
import dev.splot.backend.BackendProvider;
import dev.splot.backend.BackendUnavailableException;

/**
 * The provider of {@link PartialBackend}. It is registered only in
 * {@code java/test-fixtures/partial-backend/META-INF/services}, which is not on the test class
 * path: {@link PartialBackends#discoverable} puts it there for one test, as another jar would, so
 * the other tests and the benchmarks never see it.
 */
public final class PartialBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return PartialBackend.NAME;
    }

    @Override
    public String summary() {
        return "a test-scope backend with ReLU only";
    }

    /** Rank 0: below every real backend, so "auto" never picks it while a real one starts. */
    @Override
    public BackendProbe probe(String device) {
        return BackendProbe.available(0, "a test-scope partial backend");
    }

    @Override
    public Backend open(String device) {
        if (device != null) throw new BackendUnavailableException("the partial backend has no devices", null);
        return new PartialBackend();
    }
}
