package dev.splot.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * The allreduce alone, on N threads of this JVM over loopback sockets: sums equal a rank-order
 * reference bit for bit (for every vector length, including empty ones and ones shorter than N,
 * so that some chunks are empty), and a worker that hangs or dies makes the others fail with its
 * name within the timeout instead of waiting forever.
 */
class SocketAllreduceTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    /** Connects n workers on threads and runs {@code body(worker, rank)} on each; returns what each returned, by rank. */
    private static <T> List<Object> onWorkers(int n, Duration timeout, BiFunction<SocketAllreduce, Integer, T> body) throws Exception {
        List<ServerSocket> servers = new ArrayList<>();
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            ServerSocket s = SocketAllreduce.listen("127.0.0.1");
            servers.add(s);
            addresses.add(new InetSocketAddress("127.0.0.1", s.getLocalPort()));
        }
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Object>> futures = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    try (SocketAllreduce a = SocketAllreduce.connect(rank, addresses, servers.get(rank), timeout)) {
                        return (Object) body.apply(a, rank);
                    } catch (RuntimeException e) {
                        return e;
                    }
                }));
            }
            List<Object> results = new ArrayList<>();
            for (Future<Object> f : futures) results.add(f.get(2 * timeout.toSeconds() + 30, TimeUnit.SECONDS));
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Values of widely different magnitudes, so that the order of summation changes the rounded result. */
    private static float[] vector(int rank, int length) {
        SplittableRandom r = new SplittableRandom(1000L * rank + length);
        float[] v = new float[length];
        for (int i = 0; i < length; i++) v[i] = (float) ((r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(-3, 4)));
        return v;
    }

    @Test
    void sumsEqualTheRankOrderSumBitForBit() throws Exception {
        for (int n : new int[] {1, 2, 3, 5}) {
            for (int length : new int[] {0, 1, n - 1, n, n + 1, 1001}) {
                if (length < 0) continue;
                float[] expected = vector(0, length);
                for (int r = 1; r < n; r++) {
                    float[] v = vector(r, length);
                    for (int i = 0; i < length; i++) expected[i] += v[i]; // ((v0 + v1) + v2) + ...
                }
                List<Object> results = onWorkers(n, TIMEOUT, (a, rank) -> {
                    float[] v = vector(rank, length);
                    a.sum(v);
                    return v;
                });
                for (int r = 0; r < n; r++) {
                    Object got = results.get(r);
                    if (got instanceof RuntimeException e) throw new AssertionError("worker " + r + " of " + n + " failed", e);
                    assertArrayEquals(bits(expected), bits((float[]) got), n + " workers, length " + length + ": worker " + r + "'s sum");
                }
            }
        }
    }

    @Test
    void doublesAreSummedInRankOrderToo() throws Exception {
        int n = 3;
        List<Object> results = onWorkers(n, TIMEOUT, (a, rank) -> {
            double[] v = {0.1 * (rank + 1), 1e16 * (rank == 1 ? -1 : 1), rank};
            a.sum(v);
            return v;
        });
        double[] expected = {(0.1 + 0.2) + 0.30000000000000004, (1e16 - 1e16) + 1e16, 3};
        for (Object got : results) assertArrayEquals(expected, (double[]) got, 0.0);
    }

    @Test
    void aWorkerThatHangsFailsTheOthersNamingIt() throws Exception {
        long t0 = System.nanoTime();
        List<Object> results = onWorkers(3, Duration.ofSeconds(2), (a, rank) -> {
            if (rank == 2) {
                sleep(6000); // hangs: connected, but never takes part
                return null;
            }
            a.sum(new float[100]);
            return null;
        });
        double seconds = (System.nanoTime() - t0) / 1e9;
        for (int r = 0; r < 2; r++) {
            IllegalStateException e = assertInstanceOf(IllegalStateException.class, results.get(r), "worker " + r);
            assertTrue(e.getMessage().contains("worker 2 at ") && e.getMessage().contains("sent nothing for 2.0 s")
                    || e.getMessage().contains("closed its connection"), e.getMessage());
        }
        IllegalStateException first = (IllegalStateException) results.get(0);
        assertTrue(((IllegalStateException) results.get(0)).getMessage().contains("worker 2")
                || ((IllegalStateException) results.get(1)).getMessage().contains("worker 2"), first.getMessage());
        assertTrue(seconds < 15, "the hang was detected in " + seconds + " s, not within the 2 s timeout (plus the hanging worker's 6 s)");
    }

    @Test
    void aWorkerThatDiesFailsTheOthersAtOnceNamingIt() throws Exception {
        long t0 = System.nanoTime();
        List<Object> results = onWorkers(3, Duration.ofSeconds(60), (a, rank) -> {
            a.sum(new float[10]); // one sum together, then worker 1 dies in the middle of the next
            if (rank == 1) {
                a.close();
                throw new IllegalStateException("worker 1 died");
            }
            a.sum(new float[10]);
            return null;
        });
        double seconds = (System.nanoTime() - t0) / 1e9;
        // a failing worker closes its connections, so the failure spreads at once: the worker that noticed
        // first names worker 1; the other may name the worker that passed the failure on
        StringBuilder messages = new StringBuilder();
        for (int r : new int[] {0, 2}) {
            IllegalStateException e = assertInstanceOf(IllegalStateException.class, results.get(r), "worker " + r);
            assertTrue(e.getMessage().contains("closed its connection"), e.getMessage());
            messages.append(e.getMessage()).append('\n');
        }
        assertTrue(messages.toString().contains("worker 1 at "), messages.toString());
        assertTrue(seconds < 30, "a closed connection must fail at once, not after the 60 s timeout: " + seconds + " s");
    }

    @Test
    void vectorsOfDifferentLengthsAreRefusedNamingTheWorker() throws Exception {
        List<Object> results = onWorkers(2, TIMEOUT, (a, rank) -> {
            a.sum(new float[rank == 0 ? 10 : 12]);
            return null;
        });
        IllegalStateException e = assertInstanceOf(IllegalStateException.class, results.get(0));
        assertTrue(e.getMessage().contains("worker 1") && e.getMessage().contains("differ in length"), e.getMessage());
    }

    @Test
    void aWorkerThatNeverConnectsIsNamed() throws Exception {
        ServerSocket s0 = SocketAllreduce.listen("127.0.0.1"), s1 = SocketAllreduce.listen("127.0.0.1");
        List<InetSocketAddress> addresses = List.of(new InetSocketAddress("127.0.0.1", s0.getLocalPort()),
                new InetSocketAddress("127.0.0.1", s1.getLocalPort()));
        try (s1) {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> SocketAllreduce.connect(0, addresses, s0, Duration.ofSeconds(1)));
            assertTrue(e.getMessage().contains("worker(s) [1] did not connect within 1 s"), e.getMessage());
        }
        assertEquals(true, s0.isClosed(), "connect closes the listening socket");
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
        return b;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
