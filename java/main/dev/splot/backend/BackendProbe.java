package dev.splot.backend;

/**
 * What a {@link BackendProvider} found out about this machine without starting a backend: whether it
 * can run here, how well ({@code rank}: "auto" opens the available provider of highest rank), and
 * one line saying why (shown when "auto" explains its choice and in diagnostics).
 *
 * <p>The ranks of the built-in providers: an OpenCL GPU (or a device asked for by name) 300, the
 * native CPU library 200, the Java reference 100, OpenCL on a CPU 50 (PoCL is slower than the
 * native library on the same cores).
 *
 * @param available whether the backend can start here
 * @param rank how well it runs here (higher is preferred); {@link Integer#MIN_VALUE} when unavailable
 * @param detail one line saying what was found or why it is unavailable
 */
public record BackendProbe(boolean available, int rank, String detail) {
    /**
     * A probe; {@link #available(int, String)} and {@link #unavailable} are the usual ways to make one.
     *
     * @param available whether the backend can start here
     * @param rank how well it runs here, compared with the other providers (higher is preferred)
     * @param detail one line saying what was found or why it is unavailable
     * @throws IllegalArgumentException when detail is null or blank: every probe says why
     */
    public BackendProbe {
        if (detail == null || detail.isBlank()) throw new IllegalArgumentException("a probe needs a detail line");
    }

    /**
     * A provider that can run here.
     *
     * @param rank how well, compared with the other providers (see the ranks above)
     * @param detail what was found, e.g. the device or the instruction set
     * @return the probe
     */
    public static BackendProbe available(int rank, String detail) {
        return new BackendProbe(true, rank, detail);
    }

    /**
     * A provider that cannot run here; ranked below every available one.
     *
     * @param reason why, in words a user can act on
     * @return the probe, of rank {@link Integer#MIN_VALUE}
     */
    public static BackendProbe unavailable(String reason) {
        return new BackendProbe(false, Integer.MIN_VALUE, reason);
    }
}
