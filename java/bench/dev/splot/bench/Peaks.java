package dev.splot.bench;

import dev.splot.backend.BackendUnavailableException;
import dev.splot.backend.nativecpu.NativeBackend;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * The machine's limits that the report divides by: the single-precision FMA peak (GFLOP/s) and
 * the memory bandwidth (GB/s), both measured in the run itself. The CPU behind one machine type
 * changes (Zen 4 and Zen 5 have both been seen, with peaks that differ by 2x), so no figure is
 * hard-coded: where a limit could not be measured, the report gives no fraction of it and says why.
 */
public final class Peaks {

    /** A limit and where it came from; {@code value} is NaN when it was not measured. */
    public record Peak(double value, String unit, boolean measured, String source) {
        public String describe() {
            return measured ? String.format(Locale.ROOT, "%.0f %s (%s)", value, unit, source) : "not measured (" + source + ")";
        }
    }

    /** A measured FMA peak, or empty with the reason. */
    public record Measured(OptionalDouble gflops, String note) {
        public static Measured notAvailable(String why) {
            return new Measured(OptionalDouble.empty(), why);
        }
    }

    /** Something that can measure the FMA peak of this machine. */
    @FunctionalInterface
    public interface FmaPeakProvider {
        Measured measure(double seconds, PrintStream log);
    }

    /**
     * The providers tried in order; the first measurement wins. Add one here for a backend with its
     * own peak loop (e.g. an OpenCL FMA kernel for a GPU).
     */
    public static final List<FmaPeakProvider> FMA_PROVIDERS = List.of(Peaks::nativeFmaLoop);

    private Peaks() {}

    public static Measured measureFma(double seconds, PrintStream log) {
        StringBuilder why = new StringBuilder();
        for (FmaPeakProvider p : FMA_PROVIDERS) {
            Measured m = p.measure(seconds, log);
            if (m.gflops().isPresent()) return m;
            if (why.length() > 0) why.append("; ");
            why.append(m.note());
        }
        return Measured.notAvailable(why.toString());
    }

    /** The native library's FMA loop ({@code splot_peak_gflops}) on all of the backend's threads. */
    static Measured nativeFmaLoop(double seconds, PrintStream log) {
        try (NativeBackend be = NativeBackend.create()) {
            double g = be.peakGflops(be.threads(), seconds);
            if (!(g > 0) || Double.isInfinite(g)) return Measured.notAvailable("the native FMA loop returned " + g);
            return new Measured(OptionalDouble.of(g), String.format(Locale.ROOT,
                    "measured: native backend's FMA loop (splot_peak_gflops, %s), %d threads, %.1f s", be.isa(), be.threads(), seconds));
        } catch (BackendUnavailableException | LinkageError e) {
            return Measured.notAvailable("native backend not available to measure the FMA peak: " + e.getMessage());
        }
    }

    /** The FMA peak the fractions use: measured in this run, or none (NaN) with the reason. */
    public static Peak fma(Measured m) {
        if (m.gflops().isPresent()) return new Peak(m.gflops().getAsDouble(), "GFLOP/s", true, m.note());
        return new Peak(Double.NaN, "GFLOP/s", false, m.note() + "; no fraction of the FMA peak is given");
    }

    /** The bandwidth the fractions use: this run's memory copy if it ran, or none (NaN). */
    public static Peak bandwidth(OptionalDouble memcopyGBs) {
        if (memcopyGBs.isPresent()) {
            return new Peak(memcopyGBs.getAsDouble(), "GB/s", true,
                    "measured: memcopy in this run, best iteration, 64 MiB System.arraycopy on all cores, read + write counted");
        }
        return new Peak(Double.NaN, "GB/s", false, "the memory-copy benchmark did not run; no fraction of bandwidth is given");
    }
}
