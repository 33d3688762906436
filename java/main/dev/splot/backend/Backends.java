package dev.splot.backend;

import dev.splot.backend.java.JavaBackend;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * Starts a backend by name. "auto" picks the fastest backend that starts on this machine and
 * says why it chose it; an explicitly named backend that cannot start is an error with the
 * reason, never a silent fallback.
 */
public final class Backends {
    public static final List<String> NAMES = List.of("auto", "java", "native", "opencl");

    private Backends() {}

    /**
     * @param name   auto, java, native or opencl
     * @param device OpenCL device selector (index or name substring), or null for the default
     * @param log    where "auto" explains its choice
     */
    public static Backend open(String name, String device, PrintStream log) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "java":
                return new JavaBackend();
            case "auto":
                return auto(device, log);
            default:
                throw new IllegalArgumentException("unknown backend '" + name + "': expected one of " + NAMES);
        }
    }

    private static Backend auto(String device, PrintStream log) {
        log.println("backend auto: java (the only backend built into this version)");
        return new JavaBackend();
    }
}
