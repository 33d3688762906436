package dev.splot.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the backend providers on the class path (or module path) and starts a backend by name.
 * "auto" opens the available provider of highest {@link BackendProbe#rank} and says why it chose
 * it; an explicitly named backend that cannot start is an error with the reason, never a silent
 * fallback.
 */
public final class Backends {
    /** The name that makes {@link #open} choose: the available provider of highest rank. */
    public static final String AUTO = "auto";

    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    private Backends() {}

    /**
     * Every provider found, sorted by name; a provider jar that is broken is an error naming it.
     * Constructs every provider anew on each call (through the thread's context class loader).
     *
     * @return the providers, unmodifiable
     * @throws IllegalStateException when a provider cannot be loaded or two share a name
     */
    public static List<BackendProvider> providers() {
        Map<String, BackendProvider> byName = new TreeMap<>();
        try {
            // The context class loader, as ServiceLoader.load(Class) uses: it sees what an application
            // (or a container, or a test) added beyond splot's own jar.
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            if (loader == null) loader = Backends.class.getClassLoader();
            for (BackendProvider p : ServiceLoader.load(BackendProvider.class, loader)) {
                BackendProvider previous = byName.put(p.name(), p);
                if (previous != null) {
                    throw new IllegalStateException("two backend providers are named '" + p.name() + "': "
                            + previous.getClass().getName() + " and " + p.getClass().getName());
                }
            }
        } catch (ServiceConfigurationError e) {
            throw new IllegalStateException("a backend provider could not be loaded: " + e.getMessage(), e);
        }
        return List.copyOf(byName.values());
    }

    /**
     * The names {@link #open} takes: "auto" and every provider's name.
     *
     * @return "auto" first, then the providers' names in alphabetical order
     */
    public static List<String> names() {
        List<String> names = new ArrayList<>();
        names.add(AUTO);
        for (BackendProvider p : providers()) names.add(p.name());
        return names;
    }

    /**
     * The backend names for usage texts.
     *
     * @return {@link #names()} joined with '|', e.g. "auto|java|native|opencl"
     */
    public static String namesForUsage() {
        return String.join("|", names());
    }

    /**
     * The provider of that name.
     *
     * @param name a provider's name; case and surrounding blanks are ignored
     * @return the provider (not started)
     * @throws IllegalArgumentException naming the known backends when none has that name
     */
    public static BackendProvider provider(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        return providers().stream().filter(p -> p.name().equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown backend '" + name + "': expected one of " + names()));
    }

    /**
     * Starts a backend; "auto" logs its choice, and why, through SLF4J at INFO.
     *
     * @param name   "auto" or a provider's name
     * @param device device selector for providers with devices (e.g. an OpenCL index or name substring), or null
     * @return the started backend, owned by the caller, who must {@link Backend#close()} it
     * @throws IllegalArgumentException for an unknown name
     * @throws BackendUnavailableException when the named backend (or, for auto, every backend) cannot start
     */
    public static Backend open(String name, String device) {
        return open(name, device, null);
    }

    /**
     * Starts a backend; "auto" tells its choice, and why, to {@code choice} instead of the log: a
     * program's console ({@code System.out::println}).
     *
     * @param name   "auto" or a provider's name
     * @param device device selector for providers with devices (e.g. an OpenCL index or name substring), or null
     * @param choice receives the one line that explains what "auto" chose; null: the SLF4J log at INFO
     * @return the started backend; the caller closes it
     * @throws IllegalArgumentException for an unknown name
     * @throws BackendUnavailableException when the named backend (or, for auto, every backend) cannot start
     */
    public static Backend open(String name, String device, Consumer<String> choice) {
        if (name.trim().equalsIgnoreCase(AUTO)) return auto(device, choice != null ? choice : LOG::info);
        return provider(name).open(device);
    }

    /** Opens the best-ranked available provider; if it fails to start, the next, saying why. */
    private static Backend auto(String device, Consumer<String> choiceLine) {
        List<Ranked> ranked = new ArrayList<>();
        for (BackendProvider p : providers()) ranked.add(new Ranked(p, p.probe(device)));
        ranked.sort(Comparator.comparingInt((Ranked r) -> r.probe.rank()).reversed().thenComparing(r -> r.provider.name()));
        List<String> why = new ArrayList<>();
        for (Ranked r : ranked) {
            if (!r.probe.available()) why.add(r.provider.name() + " unavailable: " + firstLine(r.probe.detail()));
        }
        for (int i = 0; i < ranked.size(); i++) {
            Ranked r = ranked.get(i);
            if (!r.probe.available()) continue;
            try {
                Backend b = r.provider.open(device);
                for (Ranked lower : ranked.subList(i + 1, ranked.size())) {
                    if (lower.probe.available()) why.add(lower.provider.name() + " ranks lower (" + firstLine(lower.probe.detail()) + ")");
                }
                String choice = "backend auto: " + r.provider.name() + " (" + b.description() + "; " + firstLine(r.probe.detail()) + ")"
                        + (why.isEmpty() ? "" : "; " + String.join("; ", why));
                choiceLine.accept(choice);
                return b;
            } catch (BackendUnavailableException | LinkageError e) {
                why.add(r.provider.name() + " failed to start: " + firstLine(e.getMessage()));
            }
        }
        throw new BackendUnavailableException("no backend can start here: " + String.join("; ", why), null);
    }

    private record Ranked(BackendProvider provider, BackendProbe probe) {}

    static String firstLine(String s) {
        if (s == null) return "(no message)";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
