package dev.splot.platform;

import org.bytedeco.javacpp.BytePointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p>The sigaction calls are in a small native library of their own (libjniSplotSignals, see
 * {@link SplotSignals}), not in the native backend's. Where it cannot load (e.g. splot was built
 * with the native build switched off), a warning says so once, with the JVM's own remedy: start
 * java with {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so} (signal chaining).
 */
public final class JvmSignalHandlers {
    private static final Object LOCK = new Object();
    private static boolean saved;
    private static boolean reported;
    private static final int REPORT_BYTES = 512;
    private static BytePointer report; // guarded by LOCK; kept for the life of the process
    private static final JniLibrary LIBRARY = JniLibrary.load(SplotSignals.class);

    private static final Logger LOG = LoggerFactory.getLogger(JvmSignalHandlers.class);

    private JvmSignalHandlers() {}

    /** Records the current handlers (once per process); call before the first OpenCL call. */
    public static void save() {
        synchronized (LOCK) {
            if (saved) return;
            saved = true;
            if (!LIBRARY.loaded()) {
                String preload = System.getenv("LD_PRELOAD");
                if (preload != null && preload.contains("libjsig")) {
                    LOG.info("the JVM's signal handlers are not guarded ({}); libjsig is preloaded, so the JVM keeps them itself "
                            + "(signal chaining)", LIBRARY.failure());
                } else {
                    LOG.warn("cannot guard the JVM's signal handlers ({}). An OpenCL driver that replaces them (PoCL's LLVM does) can "
                            + "crash this JVM; start java with LD_PRELOAD=$JAVA_HOME/lib/libjsig.so to prevent that.", LIBRARY.failure());
                }
                return;
            }
            try (BytePointer owner = new BytePointer(256)) {
                SplotSignals.splot_signals_save(owner, 256);
                String lib = CString.read(owner);
                if (!lib.contains("libjvm") && !lib.contains("libjsig")) {
                    LOG.warn("the SIGSEGV handler is not the JVM's when OpenCL starts (it is in {}): another native library "
                            + "replaced it earlier, and the JVM may crash.", lib);
                }
            }
        }
    }

    /** Puts back the recorded handlers that were replaced; reports the first replacement once. */
    public static void restore() {
        if (!LIBRARY.loaded()) return;
        synchronized (LOCK) {
            if (!saved) return;
            // one buffer for the process, used under LOCK: this runs after every kernel launch, and allocating it each
            // time (JavaCPP's native allocation and deallocator bookkeeping) cost more than the four sigaction queries
            if (report == null) report = new BytePointer(REPORT_BYTES);
            if (SplotSignals.splot_signals_restore(report, REPORT_BYTES) != 0 && !reported) {
                reported = true;
                LOG.info("the OpenCL driver replaced the JVM's signal handlers ({}); the JVM's are back in place "
                        + "(see docs/opencl.md)", CString.read(report));
            }
        }
    }

    /**
     * Whether the guard can work, for a warning when OpenCL starts without it.
     *
     * @return why the guard cannot work (its native library does not load), or null when it can
     */
    public static String unavailableReason() {
        return LIBRARY.failure();
    }

    /**
     * The library holding the current handler of SIGSEGV (0), SIGBUS (1), SIGFPE (2) or SIGILL (3); for tests.
     *
     * @param which the signal, 0 to 3 as above
     * @return the file name of the object (the JVM's libjvm, a driver's library) whose code handles the
     *     signal now; "?" when unknown or {@code which} is out of range
     * @throws IllegalStateException when the guard's native library did not load
     */
    public static String owner(int which) {
        if (!LIBRARY.loaded()) throw new IllegalStateException("cannot read the signal handlers: " + LIBRARY.failure());
        return SplotSignals.splot_signal_owner(which).getString();
    }

}
