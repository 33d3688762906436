package dev.splot.backend;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What one backend has allocated and not yet freed: the count and bytes of its owning tensors,
 * and for each tensor the action that frees its memory exactly once, run by {@link Tensor#close}
 * or, for a tensor that became unreachable unclosed, by the {@link Leaks} cleaner thread.
 */
final class TensorLedger {
    private final AbstractBackend backend;
    private final AtomicLong tensors = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    TensorLedger(AbstractBackend backend) {
        this.backend = backend;
    }

    /** Counts a freshly allocated tensor and registers how to free it. */
    Tensor track(Tensor t, Object handle, long byteCount) {
        tensors.incrementAndGet();
        bytes.addAndGet(byteCount);
        t.onRelease(Leaks.register(t, new Release(handle, byteCount, Leaks.allocationSite(backend, t.shape()))));
        return t;
    }

    long tensors() {
        return tensors.get();
    }

    long bytes() {
        return bytes.get();
    }

    /** Holds the handle, never the tensor (which would then stay reachable and never be cleaned). */
    private final class Release implements Leaks.ReleaseAction {
        private final Object handle;
        private final long byteCount;
        private final Throwable allocatedAt; // null unless leak reports are on
        private volatile boolean explicit;

        Release(Object handle, long byteCount, Throwable allocatedAt) {
            this.handle = handle;
            this.byteCount = byteCount;
            this.allocatedAt = allocatedAt;
        }

        @Override
        public void run() {
            synchronized (backend) { // the backend's lock: the cleaner thread never frees beside an operation
                if (!backend.isClosed()) backend.freeMemory(handle); // after close() the backend has released everything
                tensors.decrementAndGet();
                bytes.addAndGet(-byteCount);
            }
            if (!explicit) Leaks.freedUnclosed(backend.name(), allocatedAt);
        }

        @Override
        public void markExplicit() {
            explicit = true;
        }
    }
}
