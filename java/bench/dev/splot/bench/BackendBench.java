package dev.splot.bench;

import dev.splot.backend.Backend;
import dev.splot.backend.Backends;
import dev.splot.backend.DType;
import dev.splot.backend.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What every per-backend benchmark shares: the backend, chosen by name (JMH parameter; the
 * report's driver passes only the backends that start on this machine, so a later backend needs
 * no change here), and random inputs from a fixed seed. Subclasses open the backend and allocate
 * in their own {@code @Setup(Level.Trial)} and end every measured method with a synchronisation
 * or a read-back, so queued device work is inside the time.
 *
 * <p>The annotations are defaults for running a class directly; {@link BenchmarkReport} sets the
 * iterations per mode.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public abstract class BackendBench {
    /** System property with the OpenCL device selector (index or name substring). */
    public static final String DEVICE_PROPERTY = "splot.bench.device";

    /**
     * The device selector to open {@code backend} with: the report's {@code --device} names an OpenCL
     * device, and the backends without devices refuse any selector, so they get none (a GPU check
     * with {@code --backends opencl,native --device 0} must still run native beside the GPU).
     *
     * @param backend the provider name
     * @param device the selector given (null: none)
     * @return {@code device} for "opencl", else null
     */
    static String deviceFor(String backend, String device) {
        return "opencl".equals(backend) ? device : null;
    }

    /**
     * The backend's provider name. {@link BenchmarkReport} sets it to every provider that starts here;
     * running JMH directly, pass {@code -p backend=native,opencl} (the default is the reference only,
     * so no list of backends is kept here).
     */
    @Param({"java"})
    public String backend;

    protected Backend be;
    private final List<Tensor> owned = new ArrayList<>();
    private final SplittableRandom random = new SplittableRandom(20261128L);

    /** Opens the backend named by the parameter. */
    protected void open() {
        be = Backends.open(backend, deviceFor(backend, System.getProperty(DEVICE_PROPERTY)), System.out::println);
    }

    /** A tensor of uniform values in [lo, hi). */
    protected Tensor uniform(float lo, float hi, int... shape) {
        Tensor t = tensor(shape);
        float[] v = new float[t.size()];
        for (int i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * (float) random.nextDouble();
        be.upload(t, v);
        return t;
    }

    protected Tensor uniform(int... shape) {
        return uniform(-1f, 1f, shape);
    }

    /** A zero tensor freed at tear-down. */
    protected Tensor tensor(int... shape) {
        return tensor(DType.FLOAT32, shape);
    }

    protected Tensor tensor(DType dtype, int... shape) {
        Tensor t = be.allocate(dtype, shape);
        owned.add(t);
        return t;
    }

    /** INT32 class labels in [0, classes). */
    protected Tensor labels(int n, int classes) {
        Tensor t = tensor(DType.INT32, n);
        int[] v = new int[n];
        for (int i = 0; i < n; i++) v[i] = random.nextInt(classes);
        be.upload(t, v);
        return t;
    }

    protected SplittableRandom random() {
        return random;
    }

    /** Frees the tensors and the backend; subclasses call it from their {@code @TearDown}. */
    protected void closeAll() {
        for (Tensor t : owned) t.close();
        owned.clear();
        if (be != null) be.close();
        be = null;
    }
}
