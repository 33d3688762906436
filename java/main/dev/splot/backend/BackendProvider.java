package dev.splot.backend;

import java.util.List;
import java.util.function.Supplier;

/**
 * A backend implementation as splot finds it: through {@link java.util.ServiceLoader}, from a
 * {@code META-INF/services/dev.splot.backend.BackendProvider} file in any jar on the class path (or
 * a {@code provides} clause on the module path). {@link Backends} lists, ranks and opens providers by
 * name, so adding a backend needs no edit to splot itself.
 *
 * <p>Implementations need a public no-argument constructor and must be cheap to construct: every
 * listing of backends constructs every provider.
 */
public interface BackendProvider {

    /**
     * The provider's name, what {@code --backend} and {@link Backends#open} take.
     *
     * @return a short unique lower-case name: "java", "native", "opencl", ...
     */
    String name();

    /**
     * One line for usage texts and listings.
     *
     * @return what runs the work, e.g. "plain Java loops: the reference that defines every operation ..."
     */
    String summary();

    /**
     * Whether and how well this backend can run here, without holding anything open. Never
     * throws: a failure to look is an unavailable probe with the reason.
     *
     * @param device the device the user asked for (null: none); a provider that has no devices ignores it
     * @return whether it is available, its rank and one line saying why
     */
    BackendProbe probe(String device);

    /**
     * Starts the backend.
     *
     * @param device a device selector (null: the provider's default); a provider without devices
     *     refuses a non-null selector
     * @return a new backend, owned by the caller, who must {@link Backend#close()} it
     * @throws BackendUnavailableException naming the reason when it cannot start here
     */
    Backend open(String device);

    /**
     * What {@code Mnist --list-devices} checks for this provider: by default the backend as
     * {@link #open}ed with no device; providers with several devices or code paths list each.
     * May throw when even looking fails (the diagnostics report that as a failure of the provider).
     *
     * @return the targets, in the order they are listed
     */
    default List<SelfTestTarget> selfTestTargets() {
        return List.of(SelfTestTarget.of(name(), () -> open(null)));
    }

    /**
     * One thing to start and self-test: a label, an optional line of facts printed before it, and
     * how to start it (null: listed as skipped, the note saying why).
     *
     * @param label what the listing calls the target, e.g. "opencl device 0"
     * @param note a line printed before the target's result, or why it is skipped; may be null
     * @param start starts a new backend, which the caller closes; null for a skipped target
     */
    record SelfTestTarget(String label, String note, Supplier<Backend> start) {
        /**
         * A target to start and test, with no note.
         *
         * @param label what the listing calls it
         * @param start starts a new backend, which the caller closes
         * @return the target
         */
        public static SelfTestTarget of(String label, Supplier<Backend> start) {
            return new SelfTestTarget(label, null, start);
        }

        /**
         * A target listed but not started.
         *
         * @param label what the listing calls it
         * @param why the reason printed instead of a result
         * @return the target
         */
        public static SelfTestTarget skipped(String label, String why) {
            return new SelfTestTarget(label, why, null);
        }
    }
}
