package dev.splot.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's memory bandwidth: a 64 MiB copy split over all cores (one slice per thread, far
 * beyond the caches), counted as read + write. The FMA peak comes from {@link Peaks}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PeakBench {
    float[] src, dst;
    int threads;
    ExecutorService pool;

    @Setup(Level.Trial)
    public void setUp() {
        int n = (int) (Workloads.MEMCOPY_BYTES / Float.BYTES);
        src = new float[n];
        dst = new float[n];
        for (int i = 0; i < n; i++) src[i] = i;
        threads = Runtime.getRuntime().availableProcessors();
        pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "memcopy");
            t.setDaemon(true);
            return t;
        });
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.shutdownNow();
    }

    @Benchmark
    public float[] memcopy() throws Exception {
        int n = src.length, chunk = (n + threads - 1) / threads;
        List<Future<?>> parts = new ArrayList<>(threads);
        for (int t = 0; t < threads; t++) {
            int from = t * chunk, len = Math.min(chunk, n - from);
            if (len > 0) parts.add(pool.submit(() -> System.arraycopy(src, from, dst, from, len)));
        }
        for (Future<?> f : parts) f.get();
        return dst;
    }
}
