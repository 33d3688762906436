package dev.splot.backend;

/**
 * What a {@link BackendProvider} found out about this machine without starting a backend: whether it
 * can run here, how well ({@code rank}: "auto" opens the available provider of highest rank), and
 * one line saying why (shown when "auto" explains its choice and in diagnostics).
 *
 * <p>The ranks of the built-in providers: an OpenCL GPU (or a device asked for by name) 300, the
 * native CPU library 200, the Java reference 100, OpenCL on a CPU 50 (PoCL is slower than the
 * native library on the same cores).
 */
public record BackendProbe(boolean available, int rank, String detail) {
    public BackendProbe {
        if (detail == null || detail.isBlank()) throw new IllegalArgumentException("a probe needs a detail line");
    }

    public static BackendProbe available(int rank, String detail) {
        return new BackendProbe(true, rank, detail);
    }

    public static BackendProbe unavailable(String reason) {
        return new BackendProbe(false, Integer.MIN_VALUE, reason);
    }
}
