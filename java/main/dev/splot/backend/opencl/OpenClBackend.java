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
import dev.splot.backend.opencl.GemmCall.Bias;
import dev.splot.backend.opencl.GemmCall.Operand;
import dev.splot.backend.opencl.ProgramBuilder.Built;
import dev.splot.backend.opencl.ProgramBuilder.ProgramSpec;
import dev.splot.platform.JvmSignalHandlers;
import java.util.List;
import java.util.Map;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_mem;

/**
 * The OpenCL backend: every operation runs as a hand-written kernel ({@code kernels/*.cl}) on one
 * device through JOCL; tensors are {@code cl_mem} buffers that stay on the device. Convolutions
 * are im2col + a register-blocked batched SGEMM, or for 3x3 stride-1 ones Winograd F(4x4,3x3) or F(2x2,3x3) around
 * the same GEMM ({@value #CONV_PROPERTY}; F(4x4) by default on CPU devices from 8 channels up); every reduction runs in
 * a fixed order without float atomics, so results are bit-for-bit repeatable on the same device.
 *
 * <p>This class maps the backend's operations onto kernels. The rest has a class each: {@link Devices} (discovery and
 * selection), {@link ProgramBuilder} (building, with {@link ProgramCache}), {@link Kernels} (launching),
 * {@link Gemm} with {@link GemmCall} and {@link GemmTiles} (the GEMM's launch plan and tile per device class),
 * {@link Convolutions} (im2col + GEMM), {@link Winograd} (chosen by {@link ConvAlgorithm}) and {@link ScratchBuffers}; {@link OpenClSetupCheck} is the command-line diagnosis.
 *
 * <p>Device choice ({@link #create}): an index into {@link #listDevices()} ("0"), a
 * "platform:device" pair ("0:1") or a case-insensitive substring of the device or platform name;
 * null means the system property {@value #DEVICE_PROPERTY}, else the environment variable
 * {@value #DEVICE_ENV}, else the best GPU, else the first CPU device. Programs are built once per
 * backend and their binaries cached on disk ({@link ProgramCache}).
 *
 * <p>Threads: as on every backend built on {@link AbstractBackend}, operations, allocations and frees run
 * one at a time under the backend's lock, so threads may share it; they are serialised, not run in parallel.
 */
public final class OpenClBackend extends AbstractBackend {
    /** The system property naming the device when {@link #create} is given none; wins over {@link #DEVICE_ENV}. */
    public static final String DEVICE_PROPERTY = "splot.opencl.device";
    /** The environment variable naming the device when neither {@link #create} nor {@link #DEVICE_PROPERTY} does. */
    public static final String DEVICE_ENV = "SPLOT_OPENCL_DEVICE";
    /**
     * GEMM tuning "TMxNV[/WGM[/KB]]": rows per work-item x float16 vectors per row, work-items per work-group sharing
     * a local-memory B panel (0: no local memory) and rows per panel, e.g. "8x2/8/128"; overrides the per-device
     * default ({@link GemmTiles}).
     */
    public static final String GEMM_PROPERTY = "splot.opencl.gemm";
    /** When to use the local-memory GEMM: "auto" (default: GPUs always, CPUs for far-apart rows of B too long to stay in L1), "always", "never". */
    public static final String GEMM_PANEL_PROPERTY = "splot.opencl.gemm.panel";
    /**
     * Largest convolution scratch (im2col) buffer in bytes; larger batches are processed in chunks of images. Default
     * 256 MiB on GPUs and {@value #CPU_SCRATCH_BYTES} bytes (4 MiB) on CPU devices, where a chunk's columns then stay
     * in the last-level cache between im2col and the GEMM (docs/opencl.md). Small values force chunking (tests).
     */
    public static final String SCRATCH_PROPERTY = "splot.opencl.scratchBytes";
    /** The default of {@link #SCRATCH_PROPERTY} on CPU devices. */
    public static final long CPU_SCRATCH_BYTES = 4L << 20;
    /**
     * The algorithm for 3x3 stride-1 convolutions: "auto" (default: from 8 input channels up Winograd F(4x4,3x3) on CPU
     * devices, and on NVIDIA GPUs for the forward and backward-data passes; im2col + GEMM otherwise; see
     * docs/opencl.md), "gemm", "winograd2" or "winograd4" (Winograd F(2x2,3x3) or F(4x4,3x3) forced wherever it applies;
     * "winograd" is "winograd4"), the same values as the native backend's {@code splot.native.conv}; or three of them
     * separated by commas, for the forward, backward-data and backward-weights passes ("winograd4,winograd4,gemm" is
     * what "auto" takes on NVIDIA GPUs). Other kernel sizes and strides always take im2col + GEMM.
     */
    public static final String CONV_PROPERTY = "splot.opencl.conv";
    /**
     * How Winograd F(4x4,3x3)'s forward and backward-data passes run: "auto" (the default) each as one kernel per
     * block of 24 tiles on CPU devices where the block's transformed tiles fit {@value Winograd#FUSED_MAX_LOCAL_BYTES}
     * bytes of local memory (up to 75 input channels), else, and with "off", as the transforms around batched GEMMs
     * (see docs/opencl.md). Either way the same bits.
     */
    public static final String WINOGRAD4_FUSED_PROPERTY = "splot.opencl.winograd4.fused";
    /** How dense layers' forward runs: "auto" (default), "dot", "reduce" or "gemm", see {@link DenseAlgorithm}. */
    public static final String DENSE_PROPERTY = "splot.opencl.dense";

    /** gemm.cl's DENSE_WG: dense_reduce's work-group size. */
    static final int DENSE_REDUCE_ITEMS = 128;

    private final DeviceInfo info;
    /** The device's class, read once: every convolution call's algorithm depends on it. */
    private final DeviceClass deviceClass;
    private final cl_context context;
    private final cl_command_queue queue;
    private final Kernels kernels;
    private final Gemm gemm;
    private final ScratchBuffers scratch;
    private final Convolutions convolutions;
    private final Winograd winograd2;
    private final Winograd winograd4;
    private final Map<ConvAlgorithm.Pass, ConvAlgorithm> convAlgorithms;
    /** How dense layers' forward runs here: DOT, REDUCE or GEMM. */
    private final DenseAlgorithm dense;
    private final long buildMillis;
    private final boolean fromCache;
    private final List<String> buildReport;

    // ---- creation -----------------------------------------------------------------------------

    /**
     * The names of the visible OpenCL GPUs, for the provider's probe.
     *
     * @return the GPUs' {@code CL_DEVICE_NAME}s in device order; empty when the devices are CPUs only
     * @throws BackendUnavailableException where OpenCL cannot start (no loader, no platform, no device)
     */
    public static List<String> gpuNames() {
        return Devices.gpuNames();
    }

    /**
     * One line per OpenCL device: its index, "platform:device", name, platform, type and versions.
     *
     * @return the lines, in the order whose indices {@link #create} takes
     * @throws BackendUnavailableException where OpenCL cannot start
     */
    public static List<String> listDevices() {
        return Devices.listDevices();
    }

    /**
     * Starts the backend on the chosen device (see the class comment), with the program cache from the environment.
     *
     * @param deviceSelector an index, a "platform:device" pair or a name substring; null: the default choice
     * @return a new backend, owned by the caller, who must {@link #close()} it
     * @throws BackendUnavailableException naming the reason: no OpenCL, no device matching the selector (listing
     *     the devices), a context that cannot be created, a kernel that does not build
     */
    public static OpenClBackend create(String deviceSelector) {
        return create(deviceSelector, ProgramCache.fromEnvironment());
    }

    /**
     * As {@link #create(String)} with an explicit program cache ({@code new ProgramCache(null)} turns it off).
     *
     * @param deviceSelector an index, a "platform:device" pair or a name substring; null: the default choice
     * @param cache where compiled program binaries are looked up and stored
     * @return a new backend, owned by the caller, who must {@link #close()} it
     * @throws BackendUnavailableException as {@link #create(String)}
     */
    public static OpenClBackend create(String deviceSelector, ProgramCache cache) {
        DeviceInfo d = Devices.choose(deviceSelector);
        return new OpenClBackend(d, cache, GemmTiles.forDevice(d), Gemm.PanelUse.fromProperty());
    }

    /** As {@link #create(String, ProgramCache)} with an explicit GEMM tile and panel use: for tests of the tile table. */
    static OpenClBackend create(String deviceSelector, ProgramCache cache, GemmTile tile, Gemm.PanelUse panelUse) {
        return new OpenClBackend(Devices.choose(deviceSelector), cache, tile, panelUse);
    }

    @SuppressWarnings("deprecation")
    private OpenClBackend(DeviceInfo info, ProgramCache cache, GemmTile tile, Gemm.PanelUse panelUse) {
        this.info = info;
        this.deviceClass = DeviceClass.of(info);
        this.convAlgorithms = ConvAlgorithm.fromProperty();
        this.dense = DenseAlgorithm.fromProperty().resolve(deviceClass);
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, info.platform());
        try {
            context = clCreateContext(props, 1, new cl_device_id[] {info.device()}, null, null, null);
            queue = clCreateCommandQueue(context, info.device(), 0, null);
        } catch (CLException e) {
            throw new BackendUnavailableException("OpenCL: cannot create a context on " + info.line() + ": "
                    + ClErrors.name(e.getStatus()), e);
        }
        kernels = new Kernels(info, queue);
        gemm = new Gemm(info, kernels, tile, panelUse);
        scratch = new ScratchBuffers(context, info.deviceName());
        long scratchLimit = Long.getLong(SCRATCH_PROPERTY, info.isCpu() ? CPU_SCRATCH_BYTES : 256L << 20);
        convolutions = new Convolutions(kernels, gemm, scratch, scratchLimit, info.isCpu());
        winograd2 = new Winograd(Winograd.Tile.F2, kernels, gemm, scratch, scratchLimit, 0);
        winograd4 = new Winograd(Winograd.Tile.F4, kernels, gemm, scratch, scratchLimit, Winograd.fusedLocalLimit(info));
        long t0 = System.nanoTime();
        try {
            List<Built> built = new ProgramBuilder(info, context, cache).buildAll(KernelFiles.forBackend(info, tile));
            built.forEach(kernels::add);
            buildReport = built.stream().map(Built::describe).toList();
            fromCache = cache.enabled() && built.stream().allMatch(Built::cached);
        } catch (RuntimeException e) {
            releaseAll();
            throw e;
        }
        buildMillis = (System.nanoTime() - t0) / 1_000_000;
    }

    /** Builds a program from the given source without caching and releases it: for tests of build-failure reports. */
    void compileForTest(String file, String source, String options) {
        clReleaseProgram(new ProgramBuilder(info, context, new ProgramCache(null)).build(new ProgramSpec(file, options), source).program());
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
                + ", " + gemm.describe() + ", conv " + ConvAlgorithm.propertyValue(convAlgorithms);
    }

    /**
     * How long starting this backend spent on its programs.
     *
     * @return milliseconds spent building (or loading from the cache) all its programs
     */
    public long buildMillis() {
        return buildMillis;
    }

    /**
     * Whether the programs were loaded rather than compiled.
     *
     * @return true when the cache is on and every program came from the on-disk binary cache
     */
    public boolean programsFromCache() {
        return fromCache;
    }

    /**
     * What starting this backend did per kernel file, for diagnostics.
     *
     * @return one line per kernel file: build or load time, and whether it came from the cache; unmodifiable
     */
    public List<String> buildReport() {
        return buildReport;
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

    /**
     * Whether this backend runs on a CPU device rather than a GPU or accelerator.
     *
     * @return true for a CPU device (e.g. PoCL)
     */
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
                    + " elements) on " + info.deviceName() + ": " + ClErrors.name(e.getStatus()), e);
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
        if (scratch != null) scratch.release();
        kernels.release();
        if (queue != null) clReleaseCommandQueue(queue);
        if (context != null) clReleaseContext(context);
    }

    // ---- kernel launches (package-private ones also for the benchmarks in this package) ------------------------

    void launch1d(String kernelName, long items, Object... args) {
        kernels.launch1d(kernelName, items, args);
    }

    /** Elements per work-item of the kernels built on ELEMENTWISE8 in kernels/elementwise.cl (one float8). */
    private static final int ELEMENTS_PER_WORK_ITEM = 8;

    /** Launches an ELEMENTWISE8 kernel over {@code elements} elements: one work-item per eight of them. */
    private void launchPerVector(String kernelName, long elements, Object... args) {
        kernels.launch1d(kernelName, (elements + ELEMENTS_PER_WORK_ITEM - 1) / ELEMENTS_PER_WORK_ITEM, args);
    }

    Gemm gemm() {
        return gemm;
    }

    /** Batched C[z][m,n] = A[m,k] . B[z][k,n] (A shared, as conv forward): for benchmarks of the GEMM kernel alone. */
    void sgemmBatched(Tensor a, Tensor b, Tensor c, int m, int n, int k, int batch) {
        gemm.run(GemmCall.of(m, n, k, Operand.rowMajor(mem(a), 0, k), Operand.rowMajor(mem(b), 0, n).perBatch((long) k * n),
                Operand.rowMajor(mem(c), 0, n).perBatch((long) m * n)).batched(batch));
    }

    /** Plain row-major C[m,n] = A[m,k] . B[k,n] (no bias): for benchmarks and tests of the GEMM kernel alone. */
    void sgemm(Tensor a, Tensor b, Tensor c, int m, int n, int k) {
        gemm.run(GemmCall.of(m, n, k, Operand.rowMajor(mem(a), 0, k), Operand.rowMajor(mem(b), 0, n), Operand.rowMajor(mem(c), 0, n)));
    }

    // ---- convolution --------------------------------------------------------------------------

    /** The Winograd computation for g's {@code pass}, or null where it takes im2col + GEMM ({@link ConvAlgorithm}). */
    private Winograd winograd(ConvGeometry g, ConvAlgorithm.Pass pass) {
        Winograd.Tile t = convAlgorithms.get(pass).winogradTile(g, deviceClass, pass);
        return t == null ? null : t == Winograd.Tile.F2 ? winograd2 : winograd4;
    }

    @Override
    protected void conv2dForwardImpl(Tensor x, Tensor w, Tensor b, Tensor y, ConvGeometry g) {
        Winograd wg = winograd(g, ConvAlgorithm.Pass.FORWARD);
        if (wg != null) wg.forward(mem(x), mem(w), mem(b), mem(y), g, false);
        else convolutions.forward(mem(x), mem(w), mem(b), mem(y), g, false);
    }

    /** The ReLU where the convolution stores its output: the GEMM's store (im2col) or the output transform (Winograd). */
    @Override
    protected void conv2dReluForwardImpl(Tensor x, Tensor w, Tensor b, Tensor y, ConvGeometry g) {
        Winograd wg = winograd(g, ConvAlgorithm.Pass.FORWARD);
        if (wg != null) wg.forward(mem(x), mem(w), mem(b), mem(y), g, true);
        else convolutions.forward(mem(x), mem(w), mem(b), mem(y), g, true);
    }

    /**
     * On Winograd F(4x4) with 2x2 windows at stride 2, the pooling in the output transform: the ReLU's output (and the
     * scratch given for it) is not written. Elsewhere the composition: conv2dReluForward into scratch, then the max-pool.
     */
    @Override
    protected void conv2dReluMaxPoolForwardImpl(Tensor x, Tensor w, Tensor b, Tensor pooled, Tensor argmax, Tensor scratch,
            ConvGeometry conv, PoolGeometry pool) {
        Winograd wg = winograd(conv, ConvAlgorithm.Pass.FORWARD);
        if (wg != null && wg.poolsInOutputTransform() && pool.isTwoByTwoStrideTwo()) {
            wg.forwardReluMaxPool(mem(x), mem(w), mem(b), mem(pooled), mem(argmax), conv);
        } else {
            super.conv2dReluMaxPoolForwardImpl(x, w, b, pooled, argmax, scratch, conv, pool);
        }
    }

    @Override
    protected void conv2dBackwardDataImpl(Tensor dy, Tensor w, Tensor dx, ConvGeometry g) {
        Winograd wg = winograd(g, ConvAlgorithm.Pass.BACKWARD_DATA);
        if (wg != null) wg.backwardData(mem(dy), mem(w), mem(dx), null, g);
        else convolutions.backwardData(mem(dy), mem(w), mem(dx), g, null);
    }

    /**
     * The ReLU's mask applied where dx is stored: in col2im (im2col), in the sums per block (Winograd F(4x4)); F(2x2) and
     * other convolutions as the composition.
     */
    @Override
    protected void conv2dBackwardDataReluImpl(Tensor dy, Tensor w, Tensor reluOutput, Tensor dx, ConvGeometry g) {
        Winograd wg = winograd(g, ConvAlgorithm.Pass.BACKWARD_DATA);
        if (wg != null && wg.storesReluBackward()) wg.backwardData(mem(dy), mem(w), mem(dx), mem(reluOutput), g);
        else if (wg != null || !Convolutions.foldsRelu(g)) super.conv2dBackwardDataReluImpl(dy, w, reluOutput, dx, g);
        else convolutions.backwardData(mem(dy), mem(w), mem(dx), g, mem(reluOutput));
    }

    @Override
    protected void conv2dBackwardWeightsImpl(Tensor x, Tensor dy, Tensor dw, Tensor db, ConvGeometry g) {
        Winograd wg = winograd(g, ConvAlgorithm.Pass.BACKWARD_WEIGHTS);
        if (wg != null) {
            wg.backwardWeights(mem(x), mem(dy), mem(dw), mem(db), g);
        } else {
            convolutions.backwardWeights(mem(x), mem(dy), mem(dw), mem(db), g);
        }
    }

    // ---- pooling ------------------------------------------------------------------------------

    /** 2x2 windows at stride 2 take the vectorised kernel; other windows the general one. */
    @Override
    protected void maxPoolForwardImpl(Tensor x, Tensor y, Tensor argmax, PoolGeometry g) {
        int total = g.n() * g.c() * g.outH();
        if (g.isTwoByTwoStrideTwo()) {
            launch1d("maxpool2_forward", total, mem(x), mem(y), mem(argmax), g.h(), g.w(), g.outH(), g.outW(), total);
            return;
        }
        launch1d("maxpool_forward", total, mem(x), mem(y), mem(argmax), g.h(), g.w(), g.poolH(), g.poolW(),
                g.strideH(), g.strideW(), g.outH(), g.outW(), total);
    }

    @Override
    protected void maxPoolBackwardImpl(Tensor dy, Tensor argmax, Tensor dx, PoolGeometry g) {
        int total = g.n() * g.c() * g.h();
        if (g.isTwoByTwoStrideTwo()) {
            launch1d("maxpool2_backward", total, mem(dy), mem(argmax), mem(dx), g.h(), g.w(), g.outH(), g.outW(), total);
            return;
        }
        launch1d("maxpool_backward", total, mem(dy), mem(argmax), mem(dx), g.h(), g.w(), g.poolH(), g.poolW(),
                g.strideH(), g.strideW(), g.outH(), g.outW(), total);
    }

    /** 2x2 windows at stride 2 in one kernel (the seed model's); other windows as the composition of the primitives. */
    @Override
    protected void dropoutMaxPoolReluBackwardImpl(Tensor dy, Tensor mask, Tensor argmax, Tensor pooled, Tensor dx, PoolGeometry g) {
        if (!g.isTwoByTwoStrideTwo()) {
            super.dropoutMaxPoolReluBackwardImpl(dy, mask, argmax, pooled, dx, g);
            return;
        }
        dropoutMaxPool2ReluBackward(mem(dy), mem(mask), mem(argmax), mem(pooled), mem(dx), g);
    }

    private void dropoutMaxPool2ReluBackward(cl_mem dy, cl_mem mask, cl_mem argmax, cl_mem pooled, cl_mem dx, PoolGeometry g) {
        int total = g.n() * g.c() * g.h();
        launch1d("dropout_maxpool2_relu_backward", total, dy, mask, argmax, pooled, dx, g.h(), g.w(), g.outH(), g.outW(), total);
    }

    /**
     * On Winograd F(4x4) with 2x2 windows at stride 2: both convolution gradients from one transform per group of images
     * of the convolution's output gradient, which that transform builds tile by tile from the pooled gradient, so it is
     * never stored ({@link Winograd#backwardFromPooled}), and the ReLU before the convolution in dx's store. Elsewhere
     * the composition.
     */
    @Override
    protected void dropoutMaxPoolReluConv2dBackwardImpl(Tensor dy, Tensor mask, Tensor argmax, Tensor pooled, PoolGeometry pool,
            Tensor x, Tensor w, Tensor dw, Tensor db, Tensor inputReluOutput, Tensor dx, ConvGeometry conv) {
        // one kernel chain for both backward passes: only where both take the same Winograd (not on NVIDIA GPUs, whose
        // backward-weights is im2col + GEMM); else the composition, whose passes each take their own algorithm
        Winograd wg = winograd(conv, ConvAlgorithm.Pass.BACKWARD_DATA);
        if (wg == null || wg != winograd(conv, ConvAlgorithm.Pass.BACKWARD_WEIGHTS) || !wg.storesReluBackward()
                || !pool.isTwoByTwoStrideTwo()) {
            super.dropoutMaxPoolReluConv2dBackwardImpl(dy, mask, argmax, pooled, pool, x, w, dw, db, inputReluOutput, dx, conv);
            return;
        }
        wg.backwardFromPooled(mem(x), new Winograd.PooledGradient(mem(dy), mem(mask), mem(argmax), mem(pooled)), mem(w), mem(dw),
                mem(db), dx == null ? null : mem(dx), dx == null || inputReluOutput == null ? null : mem(inputReluOutput), conv);
    }

    // ---- element-wise -------------------------------------------------------------------------

    @Override
    protected void reluForwardImpl(Tensor x, Tensor y) {
        launchPerVector("relu_forward", x.size(), mem(x), mem(y), x.size());
    }

    @Override
    protected void reluBackwardImpl(Tensor dy, Tensor y, Tensor dx) {
        launchPerVector("relu_backward", dy.size(), mem(dy), mem(y), mem(dx), dy.size());
    }

    @Override
    protected void dropoutForwardImpl(Tensor x, Tensor y, Tensor mask, float rate, long seed, long step, int layer, long firstIndex) {
        int n = x.size();
        int shift = (int) (firstIndex & 3); // the kernel starts at the block boundary below firstIndex
        float keep = 1.0f / (1.0f - rate); // the same float expression as Philox.dropoutScale
        launch1d("dropout_forward", (n + shift + 31L) / 32, mem(x), mem(y), mem(mask), n, rate, keep, layer, (int) step,
                Philox.PURPOSE_DROPOUT ^ (int) (step >>> 32), (int) seed, (int) (seed >>> 32), (int) (firstIndex >>> 2), shift);
    }

    @Override
    protected void dropoutBackwardImpl(Tensor dy, Tensor mask, Tensor dx) {
        launchPerVector("multiply", dy.size(), mem(dy), mem(mask), mem(dx), dy.size());
    }

    // ---- dense --------------------------------------------------------------------------------

    @Override
    protected void denseForwardImpl(Tensor x, Tensor w, Tensor b, Tensor y, int n, int in, int out) {
        if (dense == DenseAlgorithm.DOT) {
            // CPUs: rows of x and W in dot products, no transpose (kernels/gemm.cl, dense_dot)
            kernels.launch("dense_dot", new long[] {(out + 3) / 4, (n + 2) / 3}, new long[] {8, 1}, mem(x), mem(w), mem(b), mem(y), n, out, in);
            return;
        }
        if (dense == DenseAlgorithm.REDUCE) {
            // GPUs: a work-group of DENSE_REDUCE_ITEMS per 4x4 block of y, summing along the rows (kernels/gemm.cl)
            kernels.launch("dense_reduce", new long[] {(out + 3) / 4 * DENSE_REDUCE_ITEMS, (n + 3) / 4}, new long[] {DENSE_REDUCE_ITEMS, 1},
                    mem(x), mem(w), mem(b), mem(y), n, out, in);
            return;
        }
        cl_mem wT = scratch.get("wT", (long) in * out);
        gemm.transpose(mem(w), 0, wT, out, in, 1);
        gemm.run(GemmCall.of(n, out, in, Operand.rowMajor(mem(x), 0, in), Operand.rowMajor(wT, 0, out), Operand.rowMajor(mem(y), 0, out))
                .withBias(mem(b), Bias.PER_COLUMN));
    }

    @Override
    protected void denseBackwardImpl(Tensor dy, Tensor x, Tensor w, Tensor dx, Tensor dw, Tensor db, int n, int in, int out) {
        launch1d("reduce_partials", out, mem(dy), mem(db), n, 1, out, 0);
        // dw[out][in] = dy^T . x
        gemm.run(GemmCall.of(out, in, n, Operand.transposed(mem(dy), 0, out), Operand.rowMajor(mem(x), 0, in), Operand.rowMajor(mem(dw), 0, in)));
        if (dx != null) {
            // dx[n][in] = dy . w
            gemm.run(GemmCall.of(n, in, out, Operand.rowMajor(mem(dy), 0, out), Operand.rowMajor(mem(w), 0, in), Operand.rowMajor(mem(dx), 0, in)));
        }
    }

    // ---- loss ---------------------------------------------------------------------------------

    @Override
    protected LossResult softmaxCrossEntropyImpl(Tensor logits, Tensor labels, Tensor dlogits, int n, int k) {
        cl_mem rowLoss = scratch.get("rowLoss", n), rowFlag = scratch.get("rowFlag", n), result = scratch.get("xentResult", 4);
        launch1d("xent_rows", n, mem(logits), mem(labels), dlogits == null ? rowLoss : mem(dlogits), rowLoss, rowFlag,
                n, k, dlogits == null ? 0 : 1);
        kernels.launch("xent_reduce", new long[] {1}, new long[] {1}, rowLoss, rowFlag, mem(labels), result, n);
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
        launchPerVector("adadelta", n, mem(param), mem(grad), mem(accGrad), mem(accDelta), lr, rho, eps, n);
    }

    @Override
    protected void sgdUpdateImpl(Tensor param, Tensor grad, Tensor momentumBuffer, float lr, float momentum, float dampening,
            float weightDecay, boolean nesterov, boolean firstStep) {
        int n = param.size();
        launch1d("sgd", n, mem(param), mem(grad), mem(momentumBuffer == null ? param : momentumBuffer), lr, momentum, dampening,
                weightDecay, momentumBuffer == null ? 0 : 1, nesterov ? 1 : 0, firstStep ? 1 : 0, n);
    }

    @Override
    protected void adamUpdateImpl(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, float beta1, float beta2, float eps,
            float l2, float decay, float stepSize, float bias2Sqrt) {
        int n = param.size();
        launch1d("adam", n, mem(param), mem(grad), mem(expAvg), mem(expAvgSq), beta1, beta2, eps, l2, decay, stepSize, bias2Sqrt, n);
    }

    // ---- average pooling and batch normalisation ---------------------------------------------

    /** Work-items per channel of the batch-norm reductions: BN_LOCAL in kernels/batchnorm.cl. */
    private static final int BATCH_NORM_GROUP = 64;

    @Override
    protected void avgPoolForwardImpl(Tensor x, Tensor y, PoolGeometry g) {
        int total = y.size();
        launch1d("avgpool_forward", total, mem(x), mem(y), g.h(), g.w(), g.poolH(), g.poolW(), g.strideH(), g.strideW(),
                g.outH(), g.outW(), total);
    }

    @Override
    protected void avgPoolBackwardImpl(Tensor dy, Tensor dx, PoolGeometry g) {
        int total = dx.size();
        launch1d("avgpool_backward", total, mem(dy), mem(dx), g.h(), g.w(), g.poolH(), g.poolW(), g.strideH(), g.strideW(),
                g.outH(), g.outW(), total);
    }

    @Override
    protected void batchNormForwardTrainingImpl(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor mean, Tensor invStd,
            Tensor runningMean, Tensor runningVar, float momentum, float eps) {
        int c = x.dim(1), plane = x.dim(2) * x.dim(3);
        kernels.launch("batchnorm_stats", new long[] {(long) c * BATCH_NORM_GROUP}, new long[] {BATCH_NORM_GROUP}, mem(x), mem(mean),
                mem(invStd), mem(runningMean), mem(runningVar), x.dim(0), c, plane, momentum, eps);
        launch1d("batchnorm_normalise", x.size(), mem(x), mem(y), mem(gamma), mem(beta), mem(mean), mem(invStd), c, plane, 0, eps,
                x.size());
    }

    @Override
    protected void batchNormForwardInferenceImpl(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
            Tensor y, float eps) {
        launch1d("batchnorm_normalise", x.size(), mem(x), mem(y), mem(gamma), mem(beta), mem(runningMean), mem(runningVar),
                x.dim(1), x.dim(2) * x.dim(3), 1, eps, x.size());
    }

    @Override
    protected void batchNormBackwardImpl(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor invStd, Tensor dx,
            Tensor dgamma, Tensor dbeta) {
        int c = x.dim(1), plane = x.dim(2) * x.dim(3);
        kernels.launch("batchnorm_backward_reduce", new long[] {(long) c * BATCH_NORM_GROUP}, new long[] {BATCH_NORM_GROUP}, mem(dy),
                mem(x), mem(mean), mem(invStd), mem(dgamma), mem(dbeta), x.dim(0), c, plane);
        launch1d("batchnorm_backward_data", x.size(), mem(dy), mem(x), mem(gamma), mem(mean), mem(invStd), mem(dgamma), mem(dbeta),
                mem(dx), c, plane, (float) ((long) x.dim(0) * plane), x.size());
    }
}
