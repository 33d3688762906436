package dev.splot.testing;

import dev.splot.backend.Backend;
import dev.splot.backend.Op;
import dev.splot.backend.Shapes;
import dev.splot.backend.java.JavaBackend;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.Parameter;

/**
 * The base of a suite every backend passes (conformance, gradient checks, training): one backend
 * under test shared by the suite's tests, and the Java reference beside it. A backend's test class
 * extends the suite and says how to start the backend, through {@link RequiredBackends#open} or one
 * of its helpers.
 *
 * <p>The backend starts on the first test, and that first outcome (the backend, a skip or a
 * failure, each with its reason) is repeated to every later test: starting it in {@code @BeforeAll}
 * instead would hide a skip, as JUnit reports an aborted class setup as no tests at all.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendSuite {
    /** The Java reference, which every backend is compared with. */
    protected Backend reference;
    /** The backend under test, set before each test. */
    protected Backend backend;

    private static final long INPUT_SEED = 20261128;
    private SplittableRandom random;

    private Backend started;
    private RuntimeException skipped; // the TestAbortedException with the reason (or whatever else start threw)
    private AssertionError failed; // the backend is required and cannot start
    private List<Object> startedWith = List.of(); // the @Parameter values the backend was started for

    /** Starts the backend under test through {@link RequiredBackends#open} (or one of its helpers). */
    protected abstract Backend createBackend();

    @BeforeAll
    void startTheReference() {
        reference = new JavaBackend();
    }

    /**
     * Seeds the test's own random inputs ({@link #rand}) by its method's name: what a test draws then depends on no
     * other test (a case added to one test changes no other test's data), and every forced path of a parameterised
     * suite sees the same data.
     */
    @BeforeEach
    void seedTheTestsInputs(TestInfo test) {
        random = new SplittableRandom(INPUT_SEED ^ test.getTestMethod().orElseThrow().getName().hashCode());
    }

    /** @return uniform values in [-1, 1) filling the shape, from the test's own stream */
    protected float[] rand(int... shape) {
        float[] a = new float[(int) Shapes.size(shape)];
        for (int k = 0; k < a.length; k++) a[k] = (float) (random.nextDouble() * 2 - 1);
        return a;
    }

    /** @return a uniform int in [0, bound), from the test's own stream */
    protected int randomInt(int bound) {
        return random.nextInt(bound);
    }

    @BeforeEach
    void startTheBackendOrSkip() {
        // a @ParameterizedClass suite (one invocation per forced path, say) runs every invocation on this one instance
        // (the lifecycle is per class), injecting its @Parameter fields anew: each invocation starts its own backend
        List<Object> parameters = parameters();
        if (!parameters.equals(startedWith)) {
            stopTheBackend();
            startedWith = parameters;
        }
        if (started == null && skipped == null && failed == null) {
            try {
                started = createBackend();
            } catch (RuntimeException e) {
                skipped = e;
            } catch (AssertionError e) {
                failed = e;
            }
        }
        if (skipped != null) throw skipped;
        if (failed != null) throw failed;
        backend = started;
    }

    private List<Object> parameters() {
        List<Object> values = new ArrayList<>();
        for (Class<?> c = getClass(); c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (!f.isAnnotationPresent(Parameter.class)) continue;
                try {
                    f.setAccessible(true);
                    values.add(f.get(this));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("cannot read @Parameter " + f, e);
                }
            }
        }
        return values;
    }

    /**
     * The rule for a partial backend: a test of an op the backend under test does not provide is
     * skipped with the reason, unless SPLOT_REQUIRE_BACKENDS names the backend (CI then fails: a
     * required backend must provide every op).
     */
    protected void requireOps(Op... ops) {
        for (Op op : ops) {
            if (backend.supports(op)) continue;
            String why = "the " + backend.name() + " backend does not provide " + op.methodName();
            if (RequiredBackends.required(backend.name())) Assertions.fail("SPLOT_REQUIRE_BACKENDS names " + backend.name() + ", but " + why);
            Assumptions.abort(why);
        }
    }

    /** Closes the backend under test and forgets how its start went, so that the next test starts it afresh. */
    private void stopTheBackend() {
        if (started != null) started.close();
        started = null;
        skipped = null;
        failed = null;
    }

    @AfterAll
    void stopBoth() {
        stopTheBackend();
        reference.close();
    }
}
