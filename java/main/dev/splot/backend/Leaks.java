package dev.splot.backend;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The safety net under {@link Tensor#close}: a tensor that becomes unreachable without being
 * closed is freed by a cleaner thread, so forgotten models do not hold native or device memory
 * for the life of the process. Closing remains the way to free memory at a known moment (the
 * garbage collector may run late, and it does not see native or device memory pressure).
 *
 * <p>With {@code -Dsplot.leaks=report} each tensor records where it was allocated, and one freed
 * by the cleaner is logged as a warning (SLF4J logger {@code dev.splot.backend.Leaks}) with that
 * stack trace; recording costs a stack walk per allocation, so it is off by default.
 */
public final class Leaks {
    /** The system property that turns leak reports on: {@code report}. */
    public static final String PROPERTY = "splot.leaks";

    private static final boolean REPORT = "report".equalsIgnoreCase(System.getProperty(PROPERTY, "").trim());
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "splot-tensor-cleaner");
        t.setDaemon(true);
        return t;
    });
    private static final AtomicLong FREED_BY_CLEANER = new AtomicLong();
    private static final Logger LOG = LoggerFactory.getLogger(Leaks.class);

    private Leaks() {}

    /**
     * How many tensors the cleaner has freed in this process (tensors never closed).
     *
     * @return the count since the JVM started, over all backends
     */
    public static long freedByCleaner() {
        return FREED_BY_CLEANER.get();
    }

    /** The action that frees one tensor; told whether it runs because of close() or of the cleaner. */
    interface ReleaseAction extends Runnable {
        void markExplicit();
    }

    /** One tensor's registration with the cleaner. */
    static final class Registration {
        private final Cleaner.Cleanable cleanable;
        private final ReleaseAction action;

        private Registration(Cleaner.Cleanable cleanable, ReleaseAction action) {
            this.cleanable = cleanable;
            this.action = action;
        }

        /** Frees now, from close(); the cleaner will not run the action again. */
        void runExplicitly() {
            action.markExplicit();
            cleanable.clean();
        }
    }

    static Registration register(Tensor tensor, ReleaseAction action) {
        return new Registration(CLEANER.register(tensor, action), action);
    }

    /** Where a tensor was allocated, when leak reports are on; else null (no stack walk). */
    static Throwable allocationSite(Backend backend, int[] shape) {
        return REPORT ? new Throwable("tensor " + Shapes.toString(shape) + " allocated on the " + backend.name() + " backend here") : null;
    }

    /** Counts a tensor freed by the cleaner, and logs it when reports are on. */
    static void freedUnclosed(String backend, Throwable allocatedAt) {
        FREED_BY_CLEANER.incrementAndGet();
        if (allocatedAt != null) {
            LOG.warn("a tensor of the {} backend was never closed; the garbage collector freed it. Close tensors, models and "
                    + "predictors (try-with-resources) to free memory when you choose.", backend, allocatedAt);
        }
    }
}
