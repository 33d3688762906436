package dev.splot.distributed;

import dev.splot.train.Allreduce;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An {@link Allreduce} over plain TCP sockets between the workers, one connection per pair (no
 * driver, no Spark: testable with threads). A float vector is summed by reduce-scatter then
 * all-gather: worker {@code c} owns chunk {@code c} of the vector, every worker sends it its chunk
 * {@code c}, the owner adds the N chunks <b>in rank order</b> and sends the sum back to everyone.
 * Each worker sends and receives {@code 2 (N-1)/N} of the vector per call, as a ring allreduce, but
 * every element is summed as {@code ((v0 + v1) + v2) + ...}, so the result does not depend on the
 * number of connections or on timing: same inputs, same bits.
 *
 * <p>Every read waits at most the timeout: a worker that hangs or dies makes the others fail with
 * an {@link IllegalStateException} naming its rank and address, never wait forever. A failure
 * closes every connection, so the other workers fail at once too.
 */
public final class SocketAllreduce implements Allreduce, AutoCloseable {
    private static final int MAGIC = 0x53504C41; // "SPLA"
    private static final int HEADER_BYTES = Long.BYTES + Integer.BYTES;

    private final int rank;
    private final int workers;
    private final List<InetSocketAddress> addresses;
    private final Socket[] sockets;
    private final DataInputStream[] in;
    private final DataOutputStream[] out;
    private final ExecutorService senders;
    private final long timeoutMillis;
    private long calls;
    private long bytesSent;
    private long nanos;
    private volatile boolean closed;

    private SocketAllreduce(int rank, List<InetSocketAddress> addresses, Socket[] sockets, Duration timeout) throws IOException {
        this.rank = rank;
        this.workers = addresses.size();
        this.addresses = List.copyOf(addresses);
        this.sockets = sockets;
        this.timeoutMillis = timeout.toMillis();
        this.in = new DataInputStream[workers];
        this.out = new DataOutputStream[workers];
        for (int p = 0; p < workers; p++) {
            if (p == rank) continue;
            in[p] = new DataInputStream(new BufferedInputStream(sockets[p].getInputStream(), 1 << 16));
            out[p] = new DataOutputStream(new BufferedOutputStream(sockets[p].getOutputStream(), 1 << 16));
        }
        this.senders = workers > 1 ? Executors.newFixedThreadPool(workers - 1, r -> {
            Thread t = new Thread(r, "splot-allreduce-send-rank" + rank);
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /**
     * Opens the socket this worker listens on, before the workers exchange addresses.
     *
     * @param host the address to listen on and to tell the other workers (e.g. the executor's host)
     * @return a listening socket on a free port
     * @throws IOException if no socket can be opened
     */
    public static ServerSocket listen(String host) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(host, 0), 64);
        return server;
    }

    /**
     * Connects this worker to all others: it connects to every lower rank and accepts every higher
     * one, each connection opened by a handshake that says the rank and the number of workers.
     * Closes {@code server} when done.
     *
     * @param rank this worker's rank
     * @param addresses every worker's listening address, by rank (this worker's is {@code server}'s)
     * @param server this worker's listening socket, from {@link #listen}
     * @param timeout the longest wait for a connection or for any message from another worker
     * @return the connected allreduce; the caller closes it
     * @throws IllegalStateException naming the worker, if one cannot be reached or does not connect in time
     */
    public static SocketAllreduce connect(int rank, List<InetSocketAddress> addresses, ServerSocket server, Duration timeout) {
        int n = addresses.size();
        if (rank < 0 || rank >= n) throw new IllegalArgumentException("rank " + rank + " is outside [0, " + n + ")");
        Socket[] sockets = new Socket[n];
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        try (server) {
            for (int p = 0; p < rank; p++) {
                Socket s = new Socket();
                try {
                    s.connect(addresses.get(p), timeoutMs);
                } catch (IOException e) {
                    s.close();
                    throw new IllegalStateException("allreduce worker " + rank + " cannot connect to worker " + p + " at "
                            + addresses.get(p) + ": " + e.getMessage(), e);
                }
                configure(s, timeoutMs);
                DataOutputStream o = new DataOutputStream(s.getOutputStream());
                o.writeInt(MAGIC);
                o.writeInt(rank);
                o.writeInt(n);
                o.flush();
                sockets[p] = s;
            }
            server.setSoTimeout(timeoutMs);
            for (int accepted = 0; accepted < n - 1 - rank; accepted++) {
                Socket s;
                try {
                    s = server.accept();
                } catch (SocketTimeoutException e) {
                    List<Integer> missing = new ArrayList<>();
                    for (int p = rank + 1; p < n; p++) if (sockets[p] == null) missing.add(p);
                    throw new IllegalStateException("allreduce worker " + rank + ": worker(s) " + missing + " did not connect within "
                            + timeout.toSeconds() + " s (at " + missing.stream().map(addresses::get).toList() + ")", e);
                }
                configure(s, timeoutMs);
                DataInputStream i = new DataInputStream(s.getInputStream());
                int magic = i.readInt(), peer = i.readInt(), peerWorkers = i.readInt();
                if (magic != MAGIC || peer <= rank || peer >= n || peerWorkers != n || sockets[peer] != null) {
                    s.close();
                    throw new IllegalStateException("allreduce worker " + rank + ": unexpected connection from " + s.getRemoteSocketAddress()
                            + " (says worker " + peer + " of " + peerWorkers + ", expected one of workers " + (rank + 1) + ".." + (n - 1)
                            + " of " + n + ")");
                }
                sockets[peer] = s;
            }
            return new SocketAllreduce(rank, addresses, sockets, timeout);
        } catch (IOException e) {
            closeQuietly(sockets);
            throw new IllegalStateException("allreduce worker " + rank + ": connecting to the other workers failed: " + e, e);
        } catch (RuntimeException e) {
            closeQuietly(sockets);
            throw e;
        }
    }

    private static void configure(Socket s, int timeoutMs) throws IOException {
        s.setTcpNoDelay(true);
        s.setSoTimeout(timeoutMs);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int workers() {
        return workers;
    }

    /** @return the number of sums done so far */
    public long calls() {
        return calls;
    }

    /** @return the bytes this worker sent so far (payload and message headers) */
    public long bytesSent() {
        return bytesSent;
    }

    /** @return the nanoseconds spent inside {@link #sum} calls so far */
    public long nanos() {
        return nanos;
    }

    /** First element of chunk {@code c} of a vector of {@code length}; chunk c is [start(c), start(c+1)). */
    private long start(int c, int length) {
        return (long) c * length / workers;
    }

    @Override
    public void sum(float[] values) {
        long t0 = System.nanoTime();
        if (workers > 1) {
            int len = values.length;
            int lo = (int) start(rank, len), hi = (int) start(rank + 1, len);
            byte[][] chunks = new byte[workers][];
            for (int p = 0; p < workers; p++) {
                if (p != rank) chunks[p] = floatBytes(values, (int) start(p, len), (int) start(p + 1, len));
            }
            byte[][] received = exchange(chunks, "reduce-scatter");
            float[] sum = new float[hi - lo];
            float[] contribution = new float[hi - lo];
            for (int r = 0; r < workers; r++) { // rank order: ((v0 + v1) + v2) + ...
                if (r == rank) {
                    System.arraycopy(values, lo, contribution, 0, hi - lo);
                } else {
                    readFloats(received[r], contribution, r, "chunk " + rank);
                }
                if (r == 0) {
                    System.arraycopy(contribution, 0, sum, 0, sum.length);
                } else {
                    for (int k = 0; k < sum.length; k++) sum[k] += contribution[k];
                }
            }
            System.arraycopy(sum, 0, values, lo, sum.length);
            byte[] mine = floatBytes(values, lo, hi);
            for (int p = 0; p < workers; p++) chunks[p] = p == rank ? null : mine;
            received = exchange(chunks, "all-gather");
            for (int p = 0; p < workers; p++) {
                if (p == rank) continue;
                int plo = (int) start(p, len), phi = (int) start(p + 1, len);
                float[] part = new float[phi - plo];
                readFloats(received[p], part, p, "chunk " + p);
                System.arraycopy(part, 0, values, plo, part.length);
            }
        }
        calls++;
        nanos += System.nanoTime() - t0;
    }

    @Override
    public void sum(double[] values) {
        long t0 = System.nanoTime();
        if (workers > 1) {
            ByteBuffer b = ByteBuffer.allocate(values.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            b.asDoubleBuffer().put(values);
            byte[][] messages = new byte[workers][];
            for (int p = 0; p < workers; p++) messages[p] = p == rank ? null : b.array();
            byte[][] received = exchange(messages, "sum of " + values.length + " doubles");
            double[] mine = values.clone(), theirs = new double[values.length];
            for (int r = 0; r < workers; r++) {
                double[] v = mine;
                if (r != rank) {
                    if (received[r].length != b.capacity()) throw lengthMismatch(r, received[r].length / Double.BYTES, values.length);
                    ByteBuffer.wrap(received[r]).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(theirs);
                    v = theirs;
                }
                for (int k = 0; k < values.length; k++) values[k] = r == 0 ? v[k] : values[k] + v[k];
            }
        }
        calls++;
        nanos += System.nanoTime() - t0;
    }

    private static byte[] floatBytes(float[] v, int from, int to) {
        ByteBuffer b = ByteBuffer.allocate((to - from) * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v, from, to - from);
        return b.array();
    }

    private void readFloats(byte[] bytes, float[] into, int peer, String what) {
        if (bytes.length != into.length * Float.BYTES) throw lengthMismatch(peer, bytes.length / Float.BYTES, into.length);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(into);
    }

    private IllegalStateException lengthMismatch(int peer, int got, int expected) {
        close();
        return new IllegalStateException("allreduce worker " + rank + ": worker " + peer + " at " + addresses.get(peer) + " sent " + got
                + " values where " + expected + " were expected (the workers' vectors differ in length: different models?)");
    }

    /**
     * Sends {@code messages[p]} to every other worker p while reading one message from each, in
     * rank order (the sends run on their own threads, so two workers sending to each other never
     * wait on each other's full buffers).
     */
    private byte[][] exchange(byte[][] messages, String phase) {
        if (closed) throw new IllegalStateException("allreduce worker " + rank + " is closed (an earlier call failed or it was closed)");
        long sequence = calls;
        List<Future<?>> sends = new ArrayList<>();
        for (int p = 0; p < workers; p++) {
            if (p == rank) continue;
            int peer = p;
            byte[] m = messages[p];
            sends.add(senders.submit(() -> {
                out[peer].writeLong(sequence);
                out[peer].writeInt(m.length);
                out[peer].write(m);
                out[peer].flush();
                return null;
            }));
            bytesSent += HEADER_BYTES + m.length;
        }
        byte[][] received = new byte[workers][];
        for (int p = 0; p < workers; p++) {
            if (p == rank) continue;
            try {
                long theirs = in[p].readLong();
                int length = in[p].readInt();
                if (theirs != sequence || length < 0) {
                    throw fail(p, phase, "sent message " + theirs + " of " + length + " bytes while this worker is at message " + sequence
                            + " (the workers are out of step)", null);
                }
                received[p] = new byte[length];
                in[p].readFully(received[p]);
            } catch (SocketTimeoutException e) {
                throw fail(p, phase, "sent nothing for " + timeoutMillis / 1000.0 + " s (it hangs, died without closing its connection, "
                        + "or is far slower than this worker)", e);
            } catch (EOFException e) {
                throw fail(p, phase, "closed its connection (it failed or was stopped)", e);
            } catch (IOException e) {
                throw fail(p, phase, "connection failed: " + e, e);
            }
        }
        for (int k = 0, p = 0; p < workers; p++) {
            if (p == rank) continue;
            Future<?> f = sends.get(k++);
            try {
                f.get(timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw fail(p, phase, "did not take this worker's message within " + timeoutMillis / 1000.0 + " s (it hangs)", e);
            } catch (ExecutionException e) {
                throw fail(p, phase, "could not be sent to: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw fail(p, phase, "interrupted while sending to it", e);
            }
        }
        return received;
    }

    private IllegalStateException fail(int peer, String phase, String what, Throwable cause) {
        close(); // the other workers then fail at once instead of waiting for their timeouts
        return new IllegalStateException("allreduce worker " + rank + " of " + workers + ", call " + calls + " (" + phase + "): worker "
                + peer + " at " + addresses.get(peer) + " " + what, cause);
    }

    /** Closes every connection; a worker blocked on this one then fails at once. */
    @Override
    public void close() {
        closed = true;
        if (senders != null) senders.shutdownNow();
        closeQuietly(sockets);
    }

    private static void closeQuietly(Socket[] sockets) {
        for (Socket s : sockets) {
            if (s == null) continue;
            try {
                s.close();
            } catch (IOException ignored) {
                // closing after a failure: the failure is what gets reported
            }
        }
    }
}
