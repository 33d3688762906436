package dev.splot.bench;

import dev.splot.backend.Backend;
import dev.splot.backend.Backends;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * The machine's limits that the report divides by: the single-precision FMA peak (GFLOP/s) and
 * the memory bandwidth (GB/s). A measured figure is used where this run has one; otherwise the
 * figure from ../shared/TOOLCHAIN.md for this machine type (2-core Zen 5), labelled as such.
 */
public final class Peaks {
    /** TOOLCHAIN.md: AVX-512 FMA peak on 2 cores, 352–440 GFLOP/s; the upper end, so no fraction is flattered. */
    public static final double TOOLCHAIN_FMA_GFLOPS = 440;
    /** TOOLCHAIN.md: copy/triad bandwidth on 2 cores, 68–71 GB/s; the upper end. */
    public static final double TOOLCHAIN_BANDWIDTH_GBS = 71;

    /** A limit and where it came from. */
    public record Peak(double value, String unit, boolean measured, String source) {
        public String describe() {
            return String.format(Locale.ROOT, "%.0f %s (%s)", value, unit, source);
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
    public static final List<FmaPeakProvider> FMA_PROVIDERS = List.of(backendPeak("native"));

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

    /**
     * The peak loop of a backend that offers {@code double peakGflops(int threads, double seconds)}
     * and {@code int threads()} — the native backend's wrapper of {@code splot_peak_gflops} (C API,
     * native/include/splot.h). Reached by reflection so this suite compiles without that backend.
     * TODO(native merge): once Backends.open("native") returns NativeBackend, this measures; if its
     * signature changes, adapt here (the report then falls back to TOOLCHAIN.md, labelled).
     */
    public static FmaPeakProvider backendPeak(String name) {
        return (seconds, log) -> {
            try (Backend be = Backends.open(name, null, log)) {
                Method peak = be.getClass().getMethod("peakGflops", int.class, double.class);
                int threads = Runtime.getRuntime().availableProcessors();
                try {
                    threads = (Integer) be.getClass().getMethod("threads").invoke(be);
                } catch (NoSuchMethodException e) {
                    // all cores
                }
                double g = (Double) peak.invoke(be, threads, seconds);
                if (!(g > 0) || Double.isInfinite(g)) return Measured.notAvailable(name + " peak loop returned " + g);
                return new Measured(OptionalDouble.of(g), String.format(Locale.ROOT, "measured: %s backend's FMA loop "
                        + "(splot_peak_gflops), %d threads, %.1f s", name, threads, seconds));
            } catch (NoSuchMethodException e) {
                return Measured.notAvailable("the " + name + " backend has no peakGflops(int, double)");
            } catch (RuntimeException | LinkageError e) {
                return Measured.notAvailable(name + " backend not available: " + e.getMessage());
            } catch (ReflectiveOperationException e) {
                return Measured.notAvailable(name + " peak loop failed: " + e.getCause());
            }
        };
    }

    /** The FMA peak the fractions use: measured if possible, else TOOLCHAIN.md's. */
    public static Peak fma(Measured m) {
        if (m.gflops().isPresent()) {
            double g = m.gflops().getAsDouble();
            String low = g < 0.5 * TOOLCHAIN_FMA_GFLOPS
                    ? "; **below half of TOOLCHAIN.md's 352–440 GFLOP/s (AVX-512, 2 cores) for this machine type: a busy machine, "
                      + "another instruction set or machine type — fractions of peak are relative to this lower figure**"
                    : "";
            return new Peak(g, "GFLOP/s", true, m.note() + low);
        }
        return new Peak(TOOLCHAIN_FMA_GFLOPS, "GFLOP/s", false, "not measured in this run (" + m.note()
                + "); TOOLCHAIN.md figure for this machine type: AVX-512 FMA on 2 cores, 352–440 GFLOP/s, upper end used");
    }

    /** The bandwidth the fractions use: this run's memory copy if it ran, else TOOLCHAIN.md's. */
    public static Peak bandwidth(OptionalDouble memcopyGBs) {
        if (memcopyGBs.isPresent()) {
            double g = memcopyGBs.getAsDouble();
            String low = g < 0.5 * TOOLCHAIN_BANDWIDTH_GBS
                    ? "; **below half of TOOLCHAIN.md's 68–71 GB/s for this machine type: a busy machine (or another machine type) — "
                      + "fractions of bandwidth are relative to this lower figure and so overstated**"
                    : "";
            return new Peak(g, "GB/s", true,
                    "measured: memcopy in this run, best iteration, 64 MiB System.arraycopy on all cores, read + write counted" + low);
        }
        return new Peak(TOOLCHAIN_BANDWIDTH_GBS, "GB/s", false,
                "not measured in this run; TOOLCHAIN.md figure for this machine type: copy on 2 cores, 68–71 GB/s, upper end used");
    }
}
