package dev.splot.backend.java;

import dev.splot.backend.Backend;
import dev.splot.backend.BackendProbe;
import dev.splot.backend.BackendProvider;
import dev.splot.backend.BackendUnavailableException;

/** The Java reference: runs everywhere Java does, ranked last among CPU backends because it is the slowest. */
public final class JavaBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "java";
    }

    @Override
    public String summary() {
        return "plain Java loops: the reference that defines every operation (slow, runs everywhere)";
    }

    @Override
    public BackendProbe probe(String device) {
        return BackendProbe.available(100, "the Java reference, the slowest backend");
    }

    @Override
    public Backend open(String device) {
        if (device != null) {
            throw new BackendUnavailableException("the java backend has no devices; --device '" + device + "' applies to opencl", null);
        }
        return new JavaBackend();
    }
}
