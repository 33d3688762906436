package dev.splot.backend.opencl;

import static org.jocl.CL.*;

import dev.splot.backend.AbstractBackend;
import dev.splot.backend.BackendUnavailableException;
import dev.splot.backend.ConvGeometry;
import dev.splot.backend.DType;
import dev.splot.backend.LossResult;
import dev.splot.backend.Philox;
import dev.splot.backend.PoolGeometry;
import dev.splot.backend.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_platform_id;
import org.jocl.cl_program;

/**
 * The OpenCL backend: every operation runs as a hand-written kernel ({@code kernels/*.cl}) on one
 * device through JOCL; tensors are {@code cl_mem} buffers that stay on the device. Convolutions
 * are im2col + a register-blocked batched SGEMM; every reduction runs in a fixed order without
 * float atomics, so results are bit-for-bit repeatable on the same device.
 *
 * <p>Device choice ({@link #create}): an index into {@link #listDevices()} ("0"), a
 * "platform:device" pair ("0:1") or a case-insensitive substring of the device or platform name;
 * null means the system property {@value #DEVICE_PROPERTY}, else the environment variable
 * {@value #DEVICE_ENV}, else the best GPU, else the first CPU device. Programs are built once per
 * backend and their binaries cached on disk ({@link ProgramCache}).
 *
 * <p>Not thread-safe beyond what the enqueue calls need: use one backend from one thread at a time.
 */
public final class OpenClBackend extends AbstractBackend {
    public static final String DEVICE_PROPERTY = "splot.opencl.device";
    public static final String DEVICE_ENV = "SPLOT_OPENCL_DEVICE";
    /**
     * GEMM tuning "TMxNV[/WGM[/KB]]": rows per work-item x float16 vectors per row, work-items per work-group sharing
     * a local-memory B panel (0: no local memory) and rows per panel, e.g. "8x2/8/128"; overrides the per-device default.
     */
    public static final String GEMM_PROPERTY = "splot.opencl.gemm";
    /** When to use the local-memory GEMM: "auto" (default: GPUs always, CPUs for far-apart rows of B), "always", "never". */
    public static final String GEMM_PANEL_PROPERTY = "splot.opencl.gemm.panel";

    private static final String KERNEL_DIR = "/dev/splot/opencl/kernels/";
    private static final String INSTALL_HINT = "On Debian/Ubuntu: sudo apt-get install --no-install-recommends "
            + "ocl-icd-libopencl1 ocl-icd-opencl-dev pocl-opencl-icd (the loader, the unversioned libOpenCL.so that JOCL "
            + "loads, and the PoCL CPU driver; or your GPU vendor's OpenCL driver). Alternatively run with --backend java "
            + "or --backend native.";
    /**
     * Largest convolution scratch (im2col) buffer in bytes, default 256 MiB; larger batches are processed in chunks of
     * images. Small values force chunking (tests).
     */
    public static final String SCRATCH_PROPERTY = "splot.opencl.scratchBytes";

    private static volatile String probeFailure; // set once the OpenCL library failed to load

    private final DeviceInfo info;
    private final cl_context context;
    private final cl_command_queue queue;
    private final List<cl_program> programs = new ArrayList<>();
    private final Map<String, Kernel> kernels = new HashMap<>();
    private final int gemmTm, gemmNv, gemmWgm, gemmKb;
    private final String gemmPanel;
    private final long scratchLimit = Long.getLong(SCRATCH_PROPERTY, 256L << 20);
    private final long buildMillis;
    private final boolean fromCache;
    private final List<String> buildReport = new ArrayList<>();
    private final Map<String, Scratch> scratch = new HashMap<>();

    // ---- device discovery -------------------------------------------------------------------

    /** One OpenCL device with what is needed to choose it and to describe it. */
    record DeviceInfo(int index, int platformIndex, int deviceIndex, cl_platform_id platform, cl_device_id device,
                      String platformName, String platformVersion, String deviceName, String driverVersion,
                      String deviceVersion, long type, int computeUnits, int clockMhz, long maxWorkGroup,
                      long[] maxItemSizes, long globalMem, boolean correctlyRoundedSqrt) {
        boolean isGpu() {
            return (type & CL_DEVICE_TYPE_GPU) != 0;
        }

        boolean isCpu() {
            return (type & CL_DEVICE_TYPE_CPU) != 0;
        }

        String typeName() {
            return isGpu() ? "GPU" : isCpu() ? "CPU" : (type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "accelerator" : "other";
        }

        String line() {
            return String.format(Locale.ROOT, "%d (%d:%d) %s | %s [%s, %d compute units, %d MHz, %d MiB, %s, driver %s]",
                    index, platformIndex, deviceIndex, deviceName, platformName, typeName(), computeUnits, clockMhz,
                    globalMem >> 20, deviceVersion, driverVersion);
        }
    }

    /** Loads the OpenCL library once; throws a {@link BackendUnavailableException} that says what to install. */
    private static void probeLibrary() {
        JvmSignalHandlers.save(); // before anything loads an OpenCL driver
        if (probeFailure != null) {
            throw new BackendUnavailableException(probeFailure, null);
        }
        try {
            CL.setExceptionsEnabled(true);
        } catch (LinkageError e) {
            probeFailure = "OpenCL is not available: the OpenCL library (libOpenCL.so) could not be loaded (" + e + "). "
                    + INSTALL_HINT;
            throw new BackendUnavailableException(probeFailure, e);
        }
    }

    private static List<DeviceInfo> devices() {
        probeLibrary();
        int[] count = new int[1];
        try {
            clGetPlatformIDs(0, null, count);
        } catch (CLException e) {
            if (e.getStatus() == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */) count[0] = 0;
            else throw new BackendUnavailableException("OpenCL: clGetPlatformIDs failed with " + errorName(e.getStatus())
                    + ". " + INSTALL_HINT, e);
        }
        if (count[0] == 0) {
            throw new BackendUnavailableException("OpenCL: the OpenCL loader is installed but no platform (driver) was found. "
                    + INSTALL_HINT, null);
        }
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        clGetPlatformIDs(platforms.length, platforms, null);
        JvmSignalHandlers.restore();
        List<DeviceInfo> out = new ArrayList<>();
        for (int p = 0; p < platforms.length; p++) {
            int[] n = new int[1];
            try {
                clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 0, null, n);
            } catch (CLException e) {
                continue; // CL_DEVICE_NOT_FOUND: a platform without devices
            }
            cl_device_id[] ds = new cl_device_id[n[0]];
            clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, ds.length, ds, null);
            for (int d = 0; d < ds.length; d++) {
                cl_device_id dev = ds[d];
                long fp = deviceLong(dev, CL_DEVICE_SINGLE_FP_CONFIG, Sizeof.cl_ulong);
                int dims = (int) deviceLong(dev, CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS, Sizeof.cl_uint);
                long[] items = new long[dims];
                clGetDeviceInfo(dev, CL_DEVICE_MAX_WORK_ITEM_SIZES, (long) Sizeof.size_t * dims, Pointer.to(items), null);
                out.add(new DeviceInfo(out.size(), p, d, platforms[p], dev,
                        platformString(platforms[p], CL_PLATFORM_NAME), platformString(platforms[p], CL_PLATFORM_VERSION),
                        deviceString(dev, CL_DEVICE_NAME), deviceString(dev, CL_DRIVER_VERSION),
                        deviceString(dev, CL_DEVICE_VERSION), deviceLong(dev, CL_DEVICE_TYPE, Sizeof.cl_ulong),
                        (int) deviceLong(dev, CL_DEVICE_MAX_COMPUTE_UNITS, Sizeof.cl_uint),
                        (int) deviceLong(dev, CL_DEVICE_MAX_CLOCK_FREQUENCY, Sizeof.cl_uint),
                        deviceLong(dev, CL_DEVICE_MAX_WORK_GROUP_SIZE, Sizeof.size_t), items,
                        deviceLong(dev, CL_DEVICE_GLOBAL_MEM_SIZE, Sizeof.cl_ulong),
                        (fp & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0));
            }
        }
        if (out.isEmpty()) {
            throw new BackendUnavailableException("OpenCL: " + platforms.length + " platform(s) found but no device. "
                    + INSTALL_HINT, null);
        }
        return out;
    }

    /** The names of the visible OpenCL GPUs; throws BackendUnavailableException where OpenCL cannot start. */
    public static List<String> gpuNames() {
        List<String> gpus = new ArrayList<>();
        for (DeviceInfo d : devices()) if (d.isGpu()) gpus.add(d.deviceName());
        return gpus;
    }

    /** One line per OpenCL device: its index, "platform:device", name, platform, type and versions. */
    public static List<String> listDevices() {
        List<String> lines = new ArrayList<>();
        for (DeviceInfo d : devices()) lines.add(d.line());
        return lines;
    }

    static DeviceInfo select(List<DeviceInfo> all, String selector) {
        if (selector == null || selector.isBlank()) {
            DeviceInfo best = null;
            for (DeviceInfo d : all) {
                if (d.isGpu() && (best == null || (long) d.computeUnits() * d.clockMhz() > (long) best.computeUnits() * best.clockMhz())) {
                    best = d;
                }
            }
            if (best != null) return best;
            for (DeviceInfo d : all) if (d.isCpu()) return d;
            return all.get(0);
        }
        String s = selector.trim();
        if (s.matches("\\d+")) {
            int i = Integer.parseInt(s);
            if (i < all.size()) return all.get(i);
        } else if (s.matches("\\d+:\\d+")) {
            int p = Integer.parseInt(s.substring(0, s.indexOf(':'))), d = Integer.parseInt(s.substring(s.indexOf(':') + 1));
            for (DeviceInfo x : all) if (x.platformIndex() == p && x.deviceIndex() == d) return x;
        } else {
            String needle = s.toLowerCase(Locale.ROOT);
            for (DeviceInfo x : all) if (x.deviceName().toLowerCase(Locale.ROOT).contains(needle)) return x;
            for (DeviceInfo x : all) if (x.platformName().toLowerCase(Locale.ROOT).contains(needle)) return x;
        }
        StringBuilder sb = new StringBuilder("OpenCL: no device matches '" + selector
                + "' (use an index, platform:device, or part of the name). Devices:");
        for (DeviceInfo d : all) sb.append("\n  ").append(d.line());
        throw new BackendUnavailableException(sb.toString(), null);
    }

    // ---- creation -----------------------------------------------------------------------------

    /** Starts the backend on the chosen device (see the class comment), with the program cache from the environment. */
    public static OpenClBackend create(String deviceSelector) {
        return create(deviceSelector, ProgramCache.fromEnvironment());
    }

    /** As {@link #create(String)} with an explicit program cache ({@code new ProgramCache(null)} turns it off). */
    public static OpenClBackend create(String deviceSelector, ProgramCache cache) {
        String sel = deviceSelector;
        if (sel == null) sel = System.getProperty(DEVICE_PROPERTY);
        if (sel == null) sel = System.getenv(DEVICE_ENV);
        DeviceInfo d = select(devices(), sel);
        return new OpenClBackend(d, cache);
    }

    @SuppressWarnings("deprecation")
    private OpenClBackend(DeviceInfo info, ProgramCache cache) {
        this.info = info;
        int[] tile = gemmTile(info);
        gemmTm = tile[0];
        gemmNv = tile[1];
        gemmWgm = tile[2];
        gemmKb = tile[3];
        gemmPanel = System.getProperty(GEMM_PANEL_PROPERTY, "auto");
        if (!List.of("auto", "always", "never").contains(gemmPanel)) {
            throw new IllegalArgumentException(GEMM_PANEL_PROPERTY + " must be auto, always or never, got '" + gemmPanel + "'");
        }
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, info.platform());
        try {
            context = clCreateContext(props, 1, new cl_device_id[] {info.device()}, null, null, null);
            queue = clCreateCommandQueue(context, info.device(), 0, null);
        } catch (CLException e) {
            throw new BackendUnavailableException("OpenCL: cannot create a context on " + info.line() + ": "
                    + errorName(e.getStatus()), e);
        }
        long t0 = System.nanoTime();
        String base = info.correctlyRoundedSqrt() ? "-cl-fp32-correctly-rounded-divide-sqrt" : "";
        String tileOpts = " -DTM=" + gemmTm + " -DNV=" + gemmNv;
        List<ProgramSpec> specs = new ArrayList<>(List.of(
                new ProgramSpec("gemm.cl", (base + tileOpts + " -DWGM=0").trim(), "gemm", "reduce_partials", "transpose"),
                new ProgramSpec("conv.cl", base, "im2col", "col2im", "bias_partial"),
                new ProgramSpec("pool.cl", base, "maxpool_forward", "maxpool_backward", "maxpool2_forward", "maxpool2_backward"),
                new ProgramSpec("elementwise.cl", base, "relu_forward", "relu_backward", "multiply", "dropout_forward", "adadelta"),
                new ProgramSpec("softmax.cl", base, "xent_rows", "xent_reduce", "softmax_rows")));
        if (gemmWgm > 0) {
            // gemm.cl once more with local-memory panels, its kernel registered as "gemm_local"
            specs.add(new ProgramSpec("gemm.cl", (base + tileOpts + " -DWGM=" + gemmWgm + " -DKB=" + gemmKb).trim(),
                    "gemm>gemm_local"));
        }
        boolean allCached = cache.enabled();
        try {
            for (Built b : compileAll(specs, cache)) {
                programs.add(b.program());
                allCached &= b.cached();
                buildReport.add(String.format(Locale.ROOT, "%s%s %d ms%s", b.spec().file(),
                        b.spec().kernelNames()[0].contains(">") ? " (local-memory variant)" : "", b.millis(),
                        b.cached() ? " (cached)" : ""));
                createKernels(b);
            }
        } catch (RuntimeException e) {
            releaseAll();
            throw e;
        }
        buildMillis = (System.nanoTime() - t0) / 1_000_000;
        fromCache = allCached;
    }

    /** One kernel file with its build options and the kernels to create ("name>alias" registers a kernel under another key). */
    private record ProgramSpec(String file, String options, String... kernelNames) {}

    private record Built(ProgramSpec spec, cl_program program, boolean cached, long millis) {}

    /** Builds the programs in parallel (the driver compiles each on its own thread); all or nothing. */
    private List<Built> compileAll(List<ProgramSpec> specs, ProgramCache cache) {
        int threads = Math.max(1, Math.min(specs.size(), Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "splot-opencl-build");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Built>> futures = new ArrayList<>();
            for (ProgramSpec spec : specs) {
                futures.add(pool.submit(() -> compile(spec, readKernelSource(spec.file()), cache)));
            }
            List<Built> built = new ArrayList<>();
            RuntimeException failure = null;
            for (Future<Built> f : futures) {
                try {
                    built.add(f.get());
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException re ? re
                                : new BackendUnavailableException("OpenCL: program build failed: " + e.getCause(), e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    if (failure == null) failure = new BackendUnavailableException("OpenCL: interrupted while building programs", e);
                }
            }
            if (failure != null) {
                for (Built b : built) clReleaseProgram(b.program());
                throw failure;
            }
            return built;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Builds one program from the binary cache when possible, else from source (and stores the binary). A build
     * failure throws with the file name, the options and the driver's full build log.
     */
    private Built compile(ProgramSpec spec, String source, ProgramCache cache) {
        String file = spec.file(), options = spec.options();
        String key = ProgramCache.key(source, options, info.deviceName(), info.driverVersion(), info.platformVersion());
        long t0 = System.nanoTime();
        cl_device_id[] devs = {info.device()};
        byte[] binary = cache.load(key);
        if (binary != null) {
            cl_program program = null;
            try {
                int[] status = new int[1];
                program = clCreateProgramWithBinary(context, 1, devs, new long[] {binary.length}, new byte[][] {binary}, status, null);
                clBuildProgram(program, 1, devs, options, null, null);
                JvmSignalHandlers.restore();
                return new Built(spec, program, true, (System.nanoTime() - t0) / 1_000_000);
            } catch (CLException e) {
                if (program != null) clReleaseProgram(program);
                cache.discard(key); // stale or rejected by the driver: rebuild from source
            }
        }
        cl_program program = clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        try {
            clBuildProgram(program, 1, devs, options, null, null);
        } catch (CLException e) {
            JvmSignalHandlers.restore();
            String log = buildLog(program);
            clReleaseProgram(program);
            throw new BackendUnavailableException("OpenCL: kernel file " + file + " failed to build (" + errorName(e.getStatus())
                    + ") on " + info.deviceName() + " with options '" + options + "'. Build log:\n" + log, e);
        }
        JvmSignalHandlers.restore();
        cache.store(key, programBinary(program));
        return new Built(spec, program, false, (System.nanoTime() - t0) / 1_000_000);
    }

    private void createKernels(Built b) {
        for (String spec : b.spec().kernelNames()) {
            String name = spec.contains(">") ? spec.substring(0, spec.indexOf('>')) : spec;
            String alias = spec.contains(">") ? spec.substring(spec.indexOf('>') + 1) : spec;
            cl_kernel k = clCreateKernel(b.program(), name, null);
            long[] wg = new long[1];
            clGetKernelWorkGroupInfo(k, info.device(), CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t, Pointer.to(wg), null);
            kernels.put(alias, new Kernel(alias, b.spec().file(), k, Math.min(wg[0], info.maxWorkGroup())));
        }
    }

    /** Builds a program from the given source without caching and releases it: for tests of build-failure reports. */
    void compileForTest(String file, String source, String options) {
        clReleaseProgram(compile(new ProgramSpec(file, options), source, new ProgramCache(null)).program());
    }

    /**
     * GEMM tuning {TM, NV, WGM, KB}: {@value #GEMM_PROPERTY} when set, else the per-device-type default: on CPUs an
     * 8x16 tile (8 zmm accumulators: measured fastest on PoCL/AVX-512, 8x32 was 1.5x slower) and 8 work-items
     * sharing a 128-row B panel; elsewhere a 4x16 tile and 16.
     */
    private static int[] gemmTile(DeviceInfo info) {
        int[] t = info.isCpu() ? new int[] {8, 1, 8, 128} : new int[] {4, 1, 16, 64};
        String p = System.getProperty(GEMM_PROPERTY);
        if (p != null && p.matches("\\d+x[12](/\\d+(/\\d+)?)?")) {
            String[] parts = p.split("[x/]");
            for (int i = 0; i < parts.length; i++) t[i] = Integer.parseInt(parts[i]);
        } else if (p != null) {
            throw new IllegalArgumentException(GEMM_PROPERTY + " must look like 8x2, 8x2/8 or 8x2/8/128, got '" + p + "'");
        }
        if (t[0] < 1 || t[0] > 16 || t[3] < 1) throw new IllegalArgumentException(GEMM_PROPERTY + ": bad values in '" + p + "'");
        return t;
    }

    private static String readKernelSource(String file) {
        try (InputStream in = OpenClBackend.class.getResourceAsStream(KERNEL_DIR + file)) {
            if (in == null) {
                throw new BackendUnavailableException("OpenCL: kernel source " + KERNEL_DIR + file
                        + " is missing from the class path (is the jar complete?)", null);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BackendUnavailableException("OpenCL: cannot read kernel source " + file, e);
        }
    }

    private String buildLog(cl_program program) {
        try {
            long[] size = new long[1];
            clGetProgramBuildInfo(program, info.device(), CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] buf = new byte[(int) size[0]];
            clGetProgramBuildInfo(program, info.device(), CL_PROGRAM_BUILD_LOG, buf.length, Pointer.to(buf), null);
            return new String(buf, 0, Math.max(0, buf.length - 1), StandardCharsets.UTF_8);
        } catch (CLException e) {
            return "(no build log: " + errorName(e.getStatus()) + ")";
        }
    }

    private static byte[] programBinary(cl_program program) {
        try {
            long[] sizes = new long[1];
            clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(sizes), null);
            if (sizes[0] <= 0) return null;
            byte[] bin = new byte[(int) sizes[0]];
            clGetProgramInfo(program, CL_PROGRAM_BINARIES, Sizeof.POINTER, Pointer.to(new Pointer[] {Pointer.to(bin)}), null);
            return bin;
        } catch (CLException e) {
            return null; // a driver without binaries: no disk cache
        }
    }

    // ---- reporting ----------------------------------------------------------------------------

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String description() {
        return "OpenCL " + info.typeName() + " " + info.deviceName() + " (" + info.computeUnits() + " compute units) on "
                + info.platformName() + " (" + info.platformVersion() + "), driver " + info.driverVersion()
                + ", GEMM tile " + gemmTm + "x" + (16 * gemmNv) + (gemmWgm > 0 ? ", " + gemmWgm + " work-items per "
                + gemmKb + "-row local B panel" : ", no local memory");
    }

    /** Milliseconds this backend spent building (or loading) its programs. */
    public long buildMillis() {
        return buildMillis;
    }

    /** True when every program came from the on-disk binary cache. */
    public boolean programsFromCache() {
        return fromCache;
    }

    /** Per kernel file: build or load time, and whether it came from the cache. */
    public List<String> buildReport() {
        return List.copyOf(buildReport);
    }

    /** For benchmarks in this package: the context, queue and device. */
    cl_context context() {
        return context;
    }

    cl_command_queue queue() {
        return queue;
    }

    cl_device_id device() {
        return info.device();
    }

    /** True for a CPU device (e.g. PoCL). */
    public boolean isCpuDevice() {
        return info.isCpu();
    }

    // ---- memory -------------------------------------------------------------------------------

    static cl_mem mem(Tensor t) {
        return (cl_mem) t.handle();
    }

    @Override
    protected Object allocateMemory(DType dtype, long elements) {
        long bytes = elements * 4;
        try {
            cl_mem m = clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
            clEnqueueFillBuffer(queue, m, Pointer.to(new int[] {0}), 4, 0, bytes, 0, null, null);
            return m;
        } catch (CLException e) {
            throw new IllegalStateException("OpenCL: cannot allocate " + bytes + " bytes (" + elements + " " + dtype
                    + " elements) on " + info.deviceName() + ": " + errorName(e.getStatus()), e);
        }
    }

    @Override
    protected void freeMemory(Object handle) {
        clReleaseMemObject((cl_mem) handle); // AbstractBackend frees nothing after close()
    }

    @Override
    protected void uploadImpl(Tensor dst, float[] src) {
        clEnqueueWriteBuffer(queue, mem(dst), CL_TRUE, 0, 4L * src.length, Pointer.to(src), 0, null, null);
    }

    @Override
    protected void uploadImpl(Tensor dst, int[] src) {
        clEnqueueWriteBuffer(queue, mem(dst), CL_TRUE, 0, 4L * src.length, Pointer.to(src), 0, null, null);
    }

    @Override
    protected void downloadImpl(Tensor src, float[] dst) {
        clEnqueueReadBuffer(queue, mem(src), CL_TRUE, 0, 4L * dst.length, Pointer.to(dst), 0, null, null);
        JvmSignalHandlers.restore();
    }

    @Override
    protected void downloadImpl(Tensor src, int[] dst) {
        clEnqueueReadBuffer(queue, mem(src), CL_TRUE, 0, 4L * dst.length, Pointer.to(dst), 0, null, null);
        JvmSignalHandlers.restore();
    }

    @Override
    protected void fillImpl(Tensor t, float value) {
        clEnqueueFillBuffer(queue, mem(t), Pointer.to(new float[] {value}), 4, 0, 4L * t.size(), 0, null, null);
    }

    @Override
    protected void copyImpl(Tensor src, Tensor dst) {
        if (mem(src) == mem(dst)) return; // a view of itself
        clEnqueueCopyBuffer(queue, mem(src), mem(dst), 0, 0, 4L * src.size(), 0, null, null);
    }

    @Override
    public void synchronize() {
        clFinish(queue);
        JvmSignalHandlers.restore();
    }

    /** A device buffer reused between operations (in-order queue), grown on demand. */
    private static final class Scratch {
        cl_mem mem;
        long bytes;
    }

    private cl_mem scratch(String name, long floats) {
        long bytes = Math.max(4, floats * 4);
        Scratch s = scratch.computeIfAbsent(name, k -> new Scratch());
        if (s.bytes < bytes) {
            if (s.mem != null) clReleaseMemObject(s.mem);
            s.mem = null;
            try {
                s.mem = clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
            } catch (CLException e) {
                throw new IllegalStateException("OpenCL: cannot allocate a scratch buffer '" + name + "' of " + bytes
                        + " bytes on " + info.deviceName() + ": " + errorName(e.getStatus()), e);
            }
            s.bytes = bytes;
        }
        return s.mem;
    }

    @Override
    protected void closeImpl() {
        try {
            clFinish(queue);
            JvmSignalHandlers.restore();
        } finally {
            releaseAll();
        }
    }

    private void releaseAll() {
        for (Scratch s : scratch.values()) if (s.mem != null) clReleaseMemObject(s.mem);
        scratch.clear();
        for (Kernel k : kernels.values()) clReleaseKernel(k.kernel);
        kernels.clear();
        for (cl_program p : programs) clReleaseProgram(p);
        programs.clear();
        if (queue != null) clReleaseCommandQueue(queue);
        if (context != null) clReleaseContext(context);
    }

    // ---- kernel launches ------------------------------------------------------------------------

    private record Kernel(String name, String file, cl_kernel kernel, long maxWorkGroup) {}

    private Kernel kernel(String name) {
        Kernel k = kernels.get(name);
        if (k == null) throw new IllegalStateException("OpenCL: kernel " + name + " was not built");
        return k;
    }

    /** Sets the arguments (cl_mem, Integer, Long, Float) and enqueues; an error names the kernel and all sizes. */
    private synchronized void launch(String kernelName, long[] global, long[] local, Object... args) {
        Kernel k = kernel(kernelName);
        long product = 1;
        for (int d = 0; d < local.length; d++) {
            if (local[d] > info.maxItemSizes()[d]) {
                throw new IllegalStateException("OpenCL: local size " + Arrays.toString(local) + " of kernel " + kernelName
                        + " exceeds the device's limit " + Arrays.toString(info.maxItemSizes()));
            }
            product *= local[d];
            global[d] = (global[d] + local[d] - 1) / local[d] * local[d];
        }
        if (product > k.maxWorkGroup()) {
            throw new IllegalStateException("OpenCL: work-group size " + product + " of kernel " + kernelName
                    + " exceeds its limit " + k.maxWorkGroup() + " on " + info.deviceName());
        }
        try {
            for (int i = 0; i < args.length; i++) {
                Object a = args[i];
                if (a instanceof cl_mem m) clSetKernelArg(k.kernel(), i, Sizeof.cl_mem, Pointer.to(m));
                else if (a instanceof Integer v) clSetKernelArg(k.kernel(), i, Sizeof.cl_int, Pointer.to(new int[] {v}));
                else if (a instanceof Long v) clSetKernelArg(k.kernel(), i, Sizeof.cl_long, Pointer.to(new long[] {v}));
                else if (a instanceof Float v) clSetKernelArg(k.kernel(), i, Sizeof.cl_float, Pointer.to(new float[] {v}));
                else throw new IllegalArgumentException("unsupported kernel argument " + a);
            }
            clEnqueueNDRangeKernel(queue, k.kernel(), global.length, null, global, local, 0, null, null);
            JvmSignalHandlers.restore(); // PoCL compiles a kernel for each new work-group size at its first launch
        } catch (CLException e) {
            StringBuilder sizes = new StringBuilder();
            for (Object a : args) if (!(a instanceof cl_mem)) sizes.append(sizes.length() == 0 ? "" : ", ").append(a);
            String hint = e.getStatus() == CL_OUT_OF_RESOURCES || e.getStatus() == CL_MEM_OBJECT_ALLOCATION_FAILURE
                    || e.getStatus() == CL_OUT_OF_HOST_MEMORY ? " (the device ran out of resources: try a smaller batch)" : "";
            throw new IllegalStateException("OpenCL: kernel " + kernelName + " (" + k.file() + ") failed with "
                    + errorName(e.getStatus()) + hint + " on " + info.deviceName() + "; global size " + Arrays.toString(global)
                    + ", local size " + Arrays.toString(local) + ", scalar arguments [" + sizes + "]", e);
        }
    }

    private long local1d(String kernelName) {
        long pref = info.isCpu() ? 64 : 128;
        return Math.max(1, Math.min(pref, Math.min(kernel(kernelName).maxWorkGroup(), info.maxItemSizes()[0])));
    }

    void launch1d(String kernelName, long items, Object... args) {
        launch(kernelName, new long[] {Math.max(1, items)}, new long[] {local1d(kernelName)}, args);
    }

    /**
     * C[z] = bias + sum_s A[z,s] . B[z,s] for z < Z (see gemm.cl for the strides); each batch z sums over
     * min(S, sLimit - z*S) slices.
     */
    void gemm(int m, int n, int k, cl_mem a, long offA, int sAi, int sAk, long bsA, long ssA,
              cl_mem b, long offB, int ldb, long bsB, long ssB, cl_mem c, long offC, int ldc, long bsC,
              int z, int s, int sLimit, cl_mem bias, int biasMode) {
        long tilesN = (n + 16L * gemmNv - 1) / (16L * gemmNv), tilesM = (m + gemmTm - 1) / gemmTm;
        // Local-memory B panels pay off where rows of B lie far apart (on CPUs: 16 KiB and more, where strided rows
        // also collide in the same cache sets); elsewhere on CPUs the direct kernel is faster. Fixed local sizes:
        // PoCL compiles a kernel again for every new one.
        boolean local = gemmWgm > 0 && switch (gemmPanel) {
            case "always" -> true;
            case "never" -> false;
            default -> !info.isCpu() || ldb >= 4096;
        };
        long[] localSize = local ? new long[] {1, gemmWgm, 1}
                : new long[] {Math.min(8, Math.min(kernel("gemm").maxWorkGroup(), info.maxItemSizes()[0])), 1, 1};
        launch(local ? "gemm_local" : "gemm", new long[] {tilesN, tilesM, z}, localSize,
                m, n, k, a, offA, sAi, sAk, bsA, ssA, b, offB, ldb, bsB, ssB, c, offC, ldc, bsC, s, sLimit,
                bias == null ? a : bias, biasMode);
    }

    /** Batched C[z][m,n] = A[m,k] . B[z][k,n] (A shared, as conv forward): for benchmarks of the GEMM kernel alone. */
    void sgemmBatched(Tensor a, Tensor b, Tensor c, int m, int n, int k, int batch) {
        gemm(m, n, k, mem(a), 0, k, 1, 0, 0, mem(b), 0, n, (long) k * n, 0, mem(c), 0, n, (long) m * n, batch, 1, batch, null, 0);
    }

    /** Plain row-major C[m,n] = A[m,k] . B[k,n] (no bias): for benchmarks and tests of the GEMM kernel alone. */
    void sgemm(Tensor a, Tensor b, Tensor c, int m, int n, int k) {
        gemm(m, n, k, mem(a), 0, k, 1, 0, 0, mem(b), 0, n, 0, 0, mem(c), 0, n, 0, 1, 1, 1, null, 0);
    }

    /** out[z][c][r] = in[inOff + (z*rows + r)*cols + c] for z < batch, r < rows, c < cols, in 16x16 blocks. */
    void transpose(cl_mem in, long inOff, cl_mem out, int rows, int cols, int batch) {
        launch("transpose", new long[] {(cols + 15) / 16, (rows + 15) / 16, batch}, new long[] {4, 1, 1},
                in, out, rows, cols, batch, inOff);
    }

    /** Images per chunk so that a scratch buffer of floatsPerImage floats per image stays under the limit. */
    private int chunk(int n, long floatsPerImage, int multipleOf) {
        long fit = Math.max(1, scratchLimit / (4 * floatsPerImage));
        long c = Math.max(multipleOf, fit / multipleOf * multipleOf);
        return (int) Math.min(n, c);
    }

    private static boolean isPointwise(ConvGeometry g) {
        return g.kh() == 1 && g.kw() == 1 && g.strideH() == 1 && g.strideW() == 1 && g.padTop() == 0 && g.padLeft() == 0
                && g.outH() == g.h() && g.outW() == g.w();
    }

    private void im2col(cl_mem x, long xOffImages, cl_mem col, ConvGeometry g, int images) {
        int total = images * g.c() * g.kh() * g.kw() * g.outH();
        // the chunk starts at image xOffImages of x; col holds only the chunk's images
        launch1d("im2col", total, x, col, g.c(), g.h(), g.w(), g.kh(), g.kw(), g.strideH(), g.strideW(),
                g.padTop(), g.padLeft(), g.outH(), g.outW(), total, xOffImages * g.c() * g.h() * g.w());
    }

    // ---- convolution --------------------------------------------------------------------------

    @Override
    protected void conv2dForwardImpl(Tensor x, Tensor w, Tensor b, Tensor y, ConvGeometry g) {
        int ckk = g.c() * g.kh() * g.kw(), p = g.outH() * g.outW(), o = g.o();
        boolean direct = isPointwise(g);
        int step = direct ? g.n() : chunk(g.n(), (long) ckk * p, 1);
        for (int n0 = 0; n0 < g.n(); n0 += step) {
            int nb = Math.min(step, g.n() - n0);
            cl_mem col;
            long colOff;
            if (direct) {
                col = mem(x);
                colOff = (long) n0 * ckk * p;
            } else {
                col = scratch("col", (long) step * ckk * p);
                colOff = 0;
                im2col(mem(x), n0, col, g, nb);
            }
            gemm(o, p, ckk, mem(w), 0, ckk, 1, 0, 0, col, colOff, p, (long) ckk * p, 0,
                    mem(y), (long) n0 * o * p, p, (long) o * p, nb, 1, nb, mem(b), 1);
        }
    }

    @Override
    protected void conv2dBackwardDataImpl(Tensor dy, Tensor w, Tensor dx, ConvGeometry g) {
        int ckk = g.c() * g.kh() * g.kw(), p = g.outH() * g.outW(), o = g.o();
        if (isPointwise(g)) {
            gemm(ckk, p, o, mem(w), 0, 1, ckk, 0, 0, mem(dy), 0, p, (long) o * p, 0,
                    mem(dx), 0, p, (long) ckk * p, g.n(), 1, g.n(), null, 0);
            return;
        }
        int step = chunk(g.n(), (long) ckk * p, 1);
        cl_mem col = scratch("col", (long) step * ckk * p);
        for (int n0 = 0; n0 < g.n(); n0 += step) {
            int nb = Math.min(step, g.n() - n0);
            gemm(ckk, p, o, mem(w), 0, 1, ckk, 0, 0, mem(dy), (long) n0 * o * p, p, (long) o * p, 0,
                    col, 0, p, (long) ckk * p, nb, 1, nb, null, 0);
            int total = nb * g.c() * g.h();
            launch1d("col2im", total, col, mem(dx), g.c(), g.h(), g.w(), g.kh(), g.kw(), g.strideH(), g.strideW(),
                    g.padTop(), g.padLeft(), g.outH(), g.outW(), total, (long) n0 * g.c() * g.h() * g.w());
        }
    }

    /** Images per group in the split-K weight gradient: a fixed function of the batch, so results are repeatable. */
    static int imagesPerGroup(int n) {
        int groups = Math.min(n, 16);
        return (n + groups - 1) / groups;
    }

    @Override
    protected void conv2dBackwardWeightsImpl(Tensor x, Tensor dy, Tensor dw, Tensor db, ConvGeometry g) {
        int ckk = g.c() * g.kh() * g.kw(), p = g.outH() * g.outW(), o = g.o(), n = g.n();
        // db[o] = sum over n of (sum over p of dy[n][o][p])
        cl_mem biasPart = scratch("biasPart", (long) n * o);
        launch1d("bias_partial", (long) n * o, mem(dy), biasPart, p, n * o);
        launch1d("reduce_partials", o, biasPart, mem(db), n, 1, o, 0);
        // dw^T[ckk][o] = sum over groups of sum over images of col[img] (ckk x p) . dyT[img] (p x o)
        int gsize = imagesPerGroup(n);
        int groups = (n + gsize - 1) / gsize;
        boolean direct = isPointwise(g);
        int step = chunk(n, (long) ckk * p + (long) p * o, gsize);
        cl_mem part = scratch("part", (long) groups * ckk * o);
        for (int n0 = 0; n0 < n; n0 += step) {
            int nb = Math.min(step, n - n0);
            cl_mem col;
            long colOff;
            if (direct) {
                col = mem(x);
                colOff = (long) n0 * ckk * p;
            } else {
                col = scratch("col", (long) step * ckk * p);
                colOff = 0;
                im2col(mem(x), n0, col, g, nb);
            }
            cl_mem dyT = scratch("dyT", (long) step * p * o);
            transpose(mem(dy), (long) n0 * o * p, dyT, o, p, nb);
            int zCount = (nb + gsize - 1) / gsize;
            gemm(ckk, o, p, col, colOff, p, 1, (long) gsize * ckk * p, (long) ckk * p,
                    dyT, 0, o, (long) gsize * p * o, (long) p * o,
                    part, (long) (n0 / gsize) * ckk * o, o, (long) ckk * o, zCount, gsize, nb, null, 0);
        }
        launch1d("reduce_partials", (long) ckk * o, part, mem(dw), groups, ckk, o, 1);
    }

    // ---- pooling ------------------------------------------------------------------------------

    /** 2x2 windows with stride 2: the vectorised kernels. */
    private static boolean isPool2(PoolGeometry g) {
        return g.poolH() == 2 && g.poolW() == 2 && g.strideH() == 2 && g.strideW() == 2;
    }

    @Override
    protected void maxPoolForwardImpl(Tensor x, Tensor y, Tensor argmax, PoolGeometry g) {
        int total = g.n() * g.c() * g.outH();
        if (isPool2(g)) {
            launch1d("maxpool2_forward", total, mem(x), mem(y), mem(argmax), g.h(), g.w(), g.outH(), g.outW(), total);
            return;
        }
        launch1d("maxpool_forward", total, mem(x), mem(y), mem(argmax), g.h(), g.w(), g.poolH(), g.poolW(),
                g.strideH(), g.strideW(), g.outH(), g.outW(), total);
    }

    @Override
    protected void maxPoolBackwardImpl(Tensor dy, Tensor argmax, Tensor dx, PoolGeometry g) {
        int total = g.n() * g.c() * g.h();
        if (isPool2(g)) {
            launch1d("maxpool2_backward", total, mem(dy), mem(argmax), mem(dx), g.h(), g.w(), g.outH(), g.outW(), total);
            return;
        }
        launch1d("maxpool_backward", total, mem(dy), mem(argmax), mem(dx), g.h(), g.w(), g.poolH(), g.poolW(),
                g.strideH(), g.strideW(), g.outH(), g.outW(), total);
    }

    // ---- element-wise -------------------------------------------------------------------------

    @Override
    protected void reluForwardImpl(Tensor x, Tensor y) {
        launch1d("relu_forward", x.size(), mem(x), mem(y), x.size());
    }

    @Override
    protected void reluBackwardImpl(Tensor dy, Tensor y, Tensor dx) {
        launch1d("relu_backward", dy.size(), mem(dy), mem(y), mem(dx), dy.size());
    }

    @Override
    protected void dropoutForwardImpl(Tensor x, Tensor y, Tensor mask, float rate, long seed, long step, int layer) {
        int n = x.size();
        float keep = 1.0f / (1.0f - rate); // the same float expression as Philox.dropoutScale
        launch1d("dropout_forward", (n + 31L) / 32, mem(x), mem(y), mem(mask), n, rate, keep, layer, (int) step,
                Philox.PURPOSE_DROPOUT ^ (int) (step >>> 32), (int) seed, (int) (seed >>> 32));
    }

    @Override
    protected void dropoutBackwardImpl(Tensor dy, Tensor mask, Tensor dx) {
        launch1d("multiply", dy.size(), mem(dy), mem(mask), mem(dx), dy.size());
    }

    // ---- dense --------------------------------------------------------------------------------

    @Override
    protected void denseForwardImpl(Tensor x, Tensor w, Tensor b, Tensor y, int n, int in, int out) {
        cl_mem wT = scratch("wT", (long) in * out);
        transpose(mem(w), 0, wT, out, in, 1);
        gemm(n, out, in, mem(x), 0, in, 1, 0, 0, wT, 0, out, 0, 0, mem(y), 0, out, 0, 1, 1, 1, mem(b), 2);
    }

    @Override
    protected void denseBackwardImpl(Tensor dy, Tensor x, Tensor w, Tensor dx, Tensor dw, Tensor db, int n, int in, int out) {
        launch1d("reduce_partials", out, mem(dy), mem(db), n, 1, out, 0);
        // dw[out][in] = dy^T . x
        gemm(out, in, n, mem(dy), 0, 1, out, 0, 0, mem(x), 0, in, 0, 0, mem(dw), 0, in, 0, 1, 1, 1, null, 0);
        if (dx != null) {
            // dx[n][in] = dy . w
            gemm(n, in, out, mem(dy), 0, out, 1, 0, 0, mem(w), 0, in, 0, 0, mem(dx), 0, in, 0, 1, 1, 1, null, 0);
        }
    }

    // ---- loss ---------------------------------------------------------------------------------

    @Override
    protected LossResult softmaxCrossEntropyImpl(Tensor logits, Tensor labels, Tensor dlogits, int n, int k) {
        cl_mem rowLoss = scratch("rowLoss", n), rowFlag = scratch("rowFlag", n), result = scratch("xentResult", 4);
        launch1d("xent_rows", n, mem(logits), mem(labels), dlogits == null ? rowLoss : mem(dlogits), rowLoss, rowFlag,
                n, k, dlogits == null ? 0 : 1);
        launch("xent_reduce", new long[] {1}, new long[] {1}, rowLoss, rowFlag, mem(labels), result, n);
        int[] r = new int[4];
        clEnqueueReadBuffer(queue, result, CL_TRUE, 0, 16, Pointer.to(r), 0, null, null);
        JvmSignalHandlers.restore();
        if (r[2] >= 0) {
            throw new IllegalArgumentException("softmaxCrossEntropy: label " + r[3] + " of row " + r[2] + " is outside [0, " + k + ")");
        }
        return new LossResult(Float.intBitsToFloat(r[0]), r[1], n);
    }

    @Override
    protected void softmaxImpl(Tensor logits, Tensor probs, int n, int k) {
        launch1d("softmax_rows", n, mem(logits), mem(probs), n, k);
    }

    // ---- optimizer ----------------------------------------------------------------------------

    @Override
    protected void adadeltaUpdateImpl(Tensor param, Tensor grad, Tensor accGrad, Tensor accDelta, float lr, float rho, float eps) {
        int n = param.size();
        launch1d("adadelta", n, mem(param), mem(grad), mem(accGrad), mem(accDelta), lr, rho, eps, n);
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** The name of an OpenCL error code, e.g. "CL_OUT_OF_RESOURCES (-5)". */
    public static String errorName(int code) {
        String s;
        try {
            s = CL.stringFor_errorCode(code);
        } catch (LinkageError e) {
            s = "OpenCL error";
        }
        return s + " (" + code + ")";
    }

    private static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(d, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetDeviceInfo(d, param, buf.length, Pointer.to(buf), null);
        return new String(buf, 0, Math.max(0, buf.length - 1), StandardCharsets.UTF_8).trim();
    }

    private static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(p, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetPlatformInfo(p, param, buf.length, Pointer.to(buf), null);
        return new String(buf, 0, Math.max(0, buf.length - 1), StandardCharsets.UTF_8).trim();
    }

    private static long deviceLong(cl_device_id d, int param, int size) {
        if (size == Sizeof.cl_uint) {
            int[] v = new int[1];
            clGetDeviceInfo(d, param, size, Pointer.to(v), null);
            return v[0] & 0xFFFFFFFFL;
        }
        long[] v = new long[1];
        clGetDeviceInfo(d, param, size, Pointer.to(v), null);
        return v[0];
    }

    /** Diagnoses the OpenCL setup: lists the devices, then starts the chosen one (args[0] = selector) and reports build times. */
    public static void main(String[] args) {
        try {
            for (String line : listDevices()) System.out.println(line);
            try (OpenClBackend be = create(args.length > 0 ? args[0] : null)) {
                System.out.println("selected: " + be.description());
                System.out.println("programs: " + be.buildMillis() + " ms" + (be.programsFromCache() ? " (from cache)" : "")
                        + " " + be.buildReport());
            }
        } catch (BackendUnavailableException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
    }
}
