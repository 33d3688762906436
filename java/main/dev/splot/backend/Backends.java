package dev.splot.backend;

import dev.splot.backend.java.JavaBackend;
import dev.splot.backend.nativecpu.NativeBackend;
import dev.splot.backend.opencl.OpenClBackend;
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
            case "native":
                return NativeBackend.create();
            case "opencl":
                return OpenClBackend.create(device);
            case "auto":
                return auto(device, log);
            default:
                throw new IllegalArgumentException("unknown backend '" + name + "': expected one of " + NAMES);
        }
    }

    /** An OpenCL GPU if there is one, else the native CPU backend, else the Java reference; says why. */
    private static Backend auto(String device, PrintStream log) {
        StringBuilder why = new StringBuilder();
        try {
            List<String> gpus = OpenClBackend.gpuNames();
            if (!gpus.isEmpty() || device != null) {
                Backend b = OpenClBackend.create(device);
                log.println("backend auto: opencl (" + b.description() + ")"
                        + (device != null ? ", the device asked for with --device" : ", a GPU"));
                return b;
            }
            why.append("; no OpenCL GPU (OpenCL CPU devices are slower than the native backend)");
        } catch (BackendUnavailableException | LinkageError e) {
            why.append("; OpenCL unavailable: ").append(firstLine(e.getMessage()));
        }
        try {
            Backend b = NativeBackend.create();
            log.println("backend auto: native (" + b.description() + ")" + why);
            return b;
        } catch (BackendUnavailableException | LinkageError e) {
            why.append("; native unavailable: ").append(firstLine(e.getMessage()));
        }
        log.println("backend auto: java, the slow reference" + why);
        return new JavaBackend();
    }

    private static String firstLine(String s) {
        if (s == null) return "(no message)";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
