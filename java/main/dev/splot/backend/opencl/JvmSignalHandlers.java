package dev.splot.backend.opencl;

import dev.splot.backend.nativecpu.SplotNative;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;

/**
 * Keeps the JVM's handlers for SIGSEGV, SIGBUS, SIGFPE and SIGILL installed while an OpenCL driver
 * runs in this process. The JVM relies on them (implicit null checks, safepoint polls, stack
 * banging, integer division by zero). PoCL loads LLVM, which installs its own crash handlers the
 * first time it compiles a kernel, and PoCL installs a SIGFPE handler; after that the JVM dies at
 * its next implicit null check or safepoint poll, with "Segmentation fault" and no hs_err file.
 * The backend records the handlers before its first OpenCL call and puts back any that were
 * replaced after every program build and around kernel launches and reads (a sigaction query
 * each, microseconds).
 *
 * <p>The sigaction calls are in the native library (libjniSplotNative). Where it cannot load,
 * a warning says so once, with the JVM's own remedy: start java with
 * {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so} (signal chaining).
 */
final class JvmSignalHandlers {
    private static final Object LOCK = new Object();
    private static boolean saved;
    private static boolean reported;
    private static final String UNAVAILABLE = tryLoad();

    private JvmSignalHandlers() {}

    private static String tryLoad() {
        try {
            Loader.load(SplotNative.class);
            return null;
        } catch (Throwable e) {
            return e.toString();
        }
    }

    /** Records the current handlers (once per process); call before the first OpenCL call. */
    static void save() {
        synchronized (LOCK) {
            if (saved) return;
            saved = true;
            if (UNAVAILABLE != null) {
                System.err.println("[opencl] WARNING: cannot guard the JVM's signal handlers (the native library does not load: "
                        + UNAVAILABLE + "). An OpenCL driver that replaces them (PoCL's LLVM does) can crash this JVM; "
                        + "start java with LD_PRELOAD=$JAVA_HOME/lib/libjsig.so to prevent that.");
                return;
            }
            try (BytePointer owner = new BytePointer(256)) {
                SplotNative.splot_signals_save(owner, 256);
                String lib = SplotNative.cString(owner);
                if (!lib.contains("libjvm") && !lib.contains("libjsig")) {
                    System.err.println("[opencl] WARNING: the SIGSEGV handler is not the JVM's when OpenCL starts (it is in " + lib
                            + "): another native library replaced it earlier, and the JVM may crash.");
                }
            }
        }
    }

    /** Puts back the recorded handlers that were replaced; reports the first replacement once. */
    static void restore() {
        if (UNAVAILABLE != null) return;
        synchronized (LOCK) {
            if (!saved) return;
            try (BytePointer report = new BytePointer(512)) {
                if (SplotNative.splot_signals_restore(report, 512) != 0 && !reported) {
                    reported = true;
                    System.err.println("[opencl] the OpenCL driver replaced the JVM's signal handlers (" + SplotNative.cString(report)
                            + "); the JVM's are back in place (see docs/opencl.md)");
                }
            }
        }
    }

    /** The library holding the current handler of SIGSEGV (0), SIGBUS (1), SIGFPE (2) or SIGILL (3); for tests. */
    static String owner(int which) {
        if (UNAVAILABLE != null) throw new IllegalStateException("native library unavailable: " + UNAVAILABLE);
        return SplotNative.splot_signal_owner(which).getString();
    }

}
