package dev.splot.backend.nativecpu;

import dev.splot.backend.AbstractBackend;
import dev.splot.backend.BackendUnavailableException;
import dev.splot.backend.ConvGeometry;
import dev.splot.backend.DType;
import dev.splot.backend.LossResult;
import dev.splot.backend.PoolGeometry;
import dev.splot.backend.Tensor;
import dev.splot.platform.CString;
import dev.splot.platform.JniLibrary;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The native CPU backend: C++ kernels (packed, register-blocked SGEMM micro-kernels for
 * convolution and dense layers; AVX-512, AVX2+FMA or portable scalar code chosen once from CPUID;
 * scalar only on other architectures than x86-64) on OpenMP threads. Tensors are 64-byte aligned off-heap memory owned by this backend; operations
 * pass pointers only. Results do not depend on the thread count.
 *
 * <p>System properties: {@code splot.native.isa} = auto (default) | scalar | avx2 | avx512 forces
 * a path (an error if the CPU lacks it); {@code splot.native.threads} = thread count (default: all
 * cores); {@code splot.native.conv} = auto (default) | gemm | winograd2 | winograd4 chooses the
 * algorithm for 3x3 stride-1 convolutions: auto takes Winograd where both channel counts are at
 * least 8, with the tile size that measured faster for each pass (F(4x4,3x3), 4x fewer
 * multiplications than direct, for all three passes on conv2's shape, against 2.25x for
 * F(2x2,3x3); see native/README.md), and the implicit GEMM elsewhere; gemm, winograd2 (F(2x2)) and winograd4
 * (F(4x4)) force one wherever it applies, and winograd is accepted as winograd4. Other kernel
 * sizes and strides always use GEMM.
 */
public final class NativeBackend extends AbstractBackend {
    private static final String ALTERNATIVES = "; use --backend java (the reference) or --backend opencl instead";
    private static final JniLibrary LIBRARY = JniLibrary.load(SplotNative.class);

    private final Pointer ctx;
    private final String isa;
    private final int threads;
    private final String convAlgorithm;
    private final DoublePointer lossOut = new DoublePointer(1);
    private final IntPointer correctOut = new IntPointer(1);
    private final Set<Pointer> owned = Collections.newSetFromMap(new IdentityHashMap<>());

    private NativeBackend(Pointer ctx) {
        this.ctx = ctx;
        this.isa = SplotNative.splot_isa(ctx).getString();
        this.threads = SplotNative.splot_threads(ctx);
        this.convAlgorithm = SplotNative.splot_conv_algorithm(ctx).getString();
    }

    /**
     * Starts the backend with the path, thread count and convolution algorithm from the system
     * properties (see the class comment).
     *
     * @return a new backend, owned by the caller, who must {@link #close()} it
     * @throws BackendUnavailableException when {@code splot.native.threads} is not a whole number, or
     *     for the reasons of {@link #create(String, int, String)}
     */
    public static NativeBackend create() {
        String isa = System.getProperty("splot.native.isa", "auto").trim();
        String t = System.getProperty("splot.native.threads", "0").trim();
        int threads;
        try {
            threads = Integer.parseInt(t);
        } catch (NumberFormatException e) {
            throw new BackendUnavailableException("native backend unavailable: -Dsplot.native.threads=" + t
                    + " is not a whole number" + ALTERNATIVES, e);
        }
        return create(isa, threads, System.getProperty("splot.native.conv", "auto"));
    }

    /**
     * Starts the backend on the given path ("auto", "scalar", "avx2", "avx512") with {@code threads}
     * threads (0: all cores).
     *
     * @param isa the instruction-set path, case-insensitive; null means "auto"
     * @param threads OpenMP threads; 0 or less: all cores
     * @return a new backend, owned by the caller, who must {@link #close()} it
     * @throws BackendUnavailableException naming the reason: wrong platform, a library that does
     *     not load (with the underlying error), or a CPU without the forced instruction set
     */
    public static NativeBackend create(String isa, int threads) {
        return create(isa, threads, "auto");
    }

    /**
     * As {@link #create(String, int)}, with the algorithm for 3x3 stride-1 convolutions: "auto",
     * "gemm", "winograd2", "winograd4" or "winograd" (= "winograd4"; see the class comment).
     *
     * @param isa the instruction-set path, case-insensitive; null means "auto"
     * @param threads OpenMP threads; 0 or less: all cores
     * @param conv the convolution algorithm, case-insensitive; null means "auto"
     * @return a new backend, owned by the caller, who must {@link #close()} it
     * @throws BackendUnavailableException also when the algorithm name is unknown
     */
    public static NativeBackend create(String isa, int threads, String conv) {
        isa = isa == null ? "auto" : isa.trim().toLowerCase(java.util.Locale.ROOT);
        conv = conv == null ? "auto" : conv.trim().toLowerCase(java.util.Locale.ROOT);
        if (!LIBRARY.loaded()) {
            throw new BackendUnavailableException("native backend unavailable: " + LIBRARY.failure() + ALTERNATIVES, LIBRARY.cause());
        }
        BytePointer err = new BytePointer(512);
        try {
            Pointer ctx = SplotNative.splot_create(isa, threads, err, 512);
            if (ctx == null || ctx.isNull()) {
                throw new BackendUnavailableException("native backend unavailable: " + CString.read(err)
                        + " (requested with splot.native.isa=" + isa + ")" + ALTERNATIVES, null);
            }
            if (SplotNative.splot_set_conv_algorithm(ctx, conv) != 1) {
                SplotNative.splot_destroy(ctx);
                throw new BackendUnavailableException("native backend unavailable: unknown convolution algorithm '" + conv
                        + "' (splot.native.conv must be auto, gemm, winograd2, winograd4 or winograd)" + ALTERNATIVES, null);
            }
            return new NativeBackend(ctx);
        } finally {
            err.close();
        }
    }


    /**
     * The instruction-set path in use ("auto" resolved to the best the CPU supports).
     *
     * @return "scalar", "avx2" or "avx512"
     */
    public String isa() {
        return isa;
    }

    /**
     * The OpenMP threads every operation runs on; results do not depend on it.
     *
     * @return the thread count, all cores when none was asked for
     */
    public int threads() {
        return threads;
    }

    /**
     * The algorithm setting for 3x3 stride-1 convolutions.
     *
     * @return "auto", "gemm", "winograd2" or "winograd4" ("winograd" is reported as "winograd4")
     */
    public String convAlgorithm() {
        return convAlgorithm;
    }

    /**
     * Why the native library cannot be used here, for probes and listings; loads it on first use.
     *
     * @return the reason, or null when the library loaded
     */
    public static String loadProblem() {
        return LIBRARY.loaded() ? null : "native backend unavailable: " + LIBRARY.failure();
    }

    /**
     * The best path this CPU supports, which "auto" chooses.
     *
     * @return "avx512", "avx2" or "scalar"; "unavailable" when the library did not load
     */
    public static String bestIsa() {
        if (!LIBRARY.loaded()) return "unavailable";
        return SplotNative.splot_best_isa().getString();
    }

    /**
     * Whether the named path can run here.
     *
     * @param isa "scalar", "avx2" or "avx512"
     * @return true when the library loads and the CPU can run the named path; false for an unknown name
     */
    public static boolean cpuSupports(String isa) {
        return LIBRARY.loaded() && SplotNative.splot_cpu_supports(isa) == 1;
    }

    /**
     * Measured single-precision FMA peak of this backend's path on {@code threads} threads, in GFLOP/s
     * (2 FLOP per lane per FMA), the ceiling the benchmark report compares kernels with. Runs a loop of
     * FMAs for about {@code seconds}, outside the backend's lock.
     *
     * @param threads threads to measure on
     * @param seconds roughly how long to measure
     * @return GFLOP/s
     */
    public double peakGflops(int threads, double seconds) {
        return SplotNative.splot_peak_gflops(ctx, threads, seconds);
    }

    /**
     * C[m,n] = A[m,k] B[k,n], all row-major (for benchmarks). Unlike the operations, this checks nothing
     * and takes no lock: the caller guarantees FLOAT32 tensors of this backend, open, of at least
     * m*k, k*n and m*n elements, and that no other thread uses the backend meanwhile.
     *
     * @param a left factor, {@code [m, k]}
     * @param b right factor, {@code [k, n]}
     * @param c the product, {@code [m, n]}; overwritten
     * @param m rows of A and C
     * @param n columns of B and C
     * @param k columns of A, rows of B
     */
    public void sgemm(Tensor a, Tensor b, Tensor c, int m, int n, int k) {
        SplotNative.splot_sgemm(ctx, m, n, k, f(a), f(b), f(c));
    }

    @Override
    public String name() {
        return "native";
    }

    @Override
    public String description() {
        return "C++ " + isa + " kernels on " + threads + " OpenMP threads, 3x3 convolutions: " + convAlgorithm
                + " (best on this CPU: " + bestIsa() + ")";
    }

    private static FloatPointer f(Tensor t) {
        return (FloatPointer) t.handle();
    }

    private static IntPointer i(Tensor t) {
        return (IntPointer) t.handle();
    }

    // ---- memory -------------------------------------------------------------------------------

    @Override
    protected Object allocateMemory(DType dtype, long elements) {
        Pointer p = SplotNative.splot_alloc(elements * 4);
        if (p == null || p.isNull()) {
            throw new OutOfMemoryError("native backend: could not allocate " + elements * 4 + " bytes");
        }
        Pointer typed = dtype == DType.FLOAT32 ? new FloatPointer(p).capacity(elements).limit(elements)
                : new IntPointer(p).capacity(elements).limit(elements);
        owned.add(typed);
        return typed;
    }

    @Override
    protected void freeMemory(Object handle) {
        Pointer p = (Pointer) handle;
        if (owned.remove(p)) SplotNative.splot_free(p);
    }

    @Override
    protected void uploadImpl(Tensor dst, float[] src) {
        f(dst).position(0).put(src, 0, src.length);
    }

    @Override
    protected void uploadImpl(Tensor dst, int[] src) {
        i(dst).position(0).put(src, 0, src.length);
    }

    @Override
    protected void downloadImpl(Tensor src, float[] dst) {
        f(src).position(0).get(dst, 0, dst.length);
    }

    @Override
    protected void downloadImpl(Tensor src, int[] dst) {
        i(src).position(0).get(dst, 0, dst.length);
    }

    @Override
    protected void fillImpl(Tensor t, float value) {
        SplotNative.splot_fill(ctx, f(t), t.size(), value);
    }

    @Override
    protected void copyImpl(Tensor src, Tensor dst) {
        SplotNative.splot_copy(ctx, f(src), f(dst), src.size());
    }

    @Override
    public void synchronize() {
        // every call returns when its work is done
    }

    @Override
    protected void closeImpl() {
        for (Pointer p : owned) SplotNative.splot_free(p);
        owned.clear();
        SplotNative.splot_destroy(ctx);
        lossOut.close();
        correctOut.close();
    }

    // ---- operations ---------------------------------------------------------------------------

    @Override
    protected void conv2dForwardImpl(Tensor x, Tensor w, Tensor b, Tensor y, ConvGeometry g) {
        SplotNative.splot_conv2d_forward(ctx, f(x), f(w), f(b), f(y), g.n(), g.c(), g.h(), g.w(), g.o(), g.kh(), g.kw(),
                g.strideH(), g.strideW(), g.padTop(), g.padLeft(), g.outH(), g.outW());
    }

    @Override
    protected void conv2dBackwardDataImpl(Tensor dy, Tensor w, Tensor dx, ConvGeometry g) {
        SplotNative.splot_conv2d_backward_data(ctx, f(dy), f(w), f(dx), g.n(), g.c(), g.h(), g.w(), g.o(), g.kh(), g.kw(),
                g.strideH(), g.strideW(), g.padTop(), g.padLeft(), g.outH(), g.outW());
    }

    @Override
    protected void conv2dBackwardWeightsImpl(Tensor x, Tensor dy, Tensor dw, Tensor db, ConvGeometry g) {
        SplotNative.splot_conv2d_backward_weights(ctx, f(x), f(dy), f(dw), f(db), g.n(), g.c(), g.h(), g.w(), g.o(), g.kh(),
                g.kw(), g.strideH(), g.strideW(), g.padTop(), g.padLeft(), g.outH(), g.outW());
    }

    @Override
    protected void maxPoolForwardImpl(Tensor x, Tensor y, Tensor argmax, PoolGeometry g) {
        SplotNative.splot_maxpool_forward(ctx, f(x), f(y), i(argmax), g.n(), g.c(), g.h(), g.w(), g.poolH(), g.poolW(),
                g.strideH(), g.strideW(), g.outH(), g.outW());
    }

    @Override
    protected void maxPoolBackwardImpl(Tensor dy, Tensor argmax, Tensor dx, PoolGeometry g) {
        int rc = SplotNative.splot_maxpool_backward(ctx, f(dy), i(argmax), f(dx), g.n(), g.c(), g.h(), g.w(), g.outH(), g.outW());
        if (rc != 0) throw argmaxOutsidePlane("maxPoolBackward", argmax, g);
    }

    /**
     * The error for a native scatter that reported (and skipped) an argmax entry outside its plane: the entry found
     * again here, on this error path only, so that the message names it.
     */
    private static RuntimeException argmaxOutsidePlane(String op, Tensor argmax, PoolGeometry g) {
        int[] a = new int[argmax.size()];
        i(argmax).get(a);
        g.checkArgmax(op, a);
        return new IllegalStateException(op + ": the native library reported an argmax entry outside its plane, but none is");
    }

    @Override
    protected void reluForwardImpl(Tensor x, Tensor y) {
        SplotNative.splot_relu_forward(ctx, f(x), f(y), x.size());
    }

    @Override
    protected void reluBackwardImpl(Tensor dy, Tensor y, Tensor dx) {
        SplotNative.splot_relu_backward(ctx, f(dy), f(y), f(dx), dy.size());
    }

    @Override
    protected void dropoutForwardImpl(Tensor x, Tensor y, Tensor mask, float rate, long seed, long step, int layer, long firstIndex) {
        SplotNative.splot_dropout_forward_at(ctx, f(x), f(y), f(mask), x.size(), rate, seed, step, layer, firstIndex);
    }

    @Override
    protected void dropoutBackwardImpl(Tensor dy, Tensor mask, Tensor dx) {
        SplotNative.splot_dropout_backward(ctx, f(dy), f(mask), f(dx), dy.size());
    }

    @Override
    protected void denseForwardImpl(Tensor x, Tensor w, Tensor b, Tensor y, int n, int in, int out) {
        SplotNative.splot_dense_forward(ctx, f(x), f(w), f(b), f(y), n, in, out);
    }

    @Override
    protected void denseBackwardImpl(Tensor dy, Tensor x, Tensor w, Tensor dx, Tensor dw, Tensor db, int n, int in, int out) {
        SplotNative.splot_dense_backward(ctx, f(dy), f(x), f(w), dx == null ? null : f(dx), f(dw), f(db), n, in, out);
    }

    @Override
    protected LossResult softmaxCrossEntropyImpl(Tensor logits, Tensor labels, Tensor dlogits, int n, int k) {
        int bad = SplotNative.splot_softmax_xent(ctx, f(logits), i(labels), dlogits == null ? null : f(dlogits), n, k,
                lossOut, correctOut);
        if (bad >= 0) {
            throw new IllegalArgumentException("softmaxCrossEntropy: label " + i(labels).get(bad) + " of row " + bad
                    + " is outside [0, " + k + ")");
        }
        return new LossResult(lossOut.get(0), correctOut.get(0), n);
    }

    @Override
    protected void softmaxImpl(Tensor logits, Tensor probs, int n, int k) {
        SplotNative.splot_softmax(ctx, f(logits), f(probs), n, k);
    }

    @Override
    protected void adadeltaUpdateImpl(Tensor param, Tensor grad, Tensor accGrad, Tensor accDelta, float lr, float rho, float eps) {
        SplotNative.splot_adadelta(ctx, f(param), f(grad), f(accGrad), f(accDelta), param.size(), lr, rho, eps);
    }

    @Override
    protected void sgdUpdateImpl(Tensor param, Tensor grad, Tensor momentumBuffer, float lr, float momentum, float dampening,
            float weightDecay, boolean nesterov, boolean firstStep) {
        SplotNative.splot_sgd(ctx, f(param), f(grad), momentumBuffer == null ? null : f(momentumBuffer), param.size(), lr, momentum,
                dampening, weightDecay, nesterov ? 1 : 0, firstStep ? 1 : 0);
    }

    @Override
    protected void adamUpdateImpl(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, float beta1, float beta2, float eps,
            float l2, float decay, float stepSize, float bias2Sqrt) {
        SplotNative.splot_adam(ctx, f(param), f(grad), f(expAvg), f(expAvgSq), param.size(), beta1, beta2, eps, l2, decay, stepSize,
                bias2Sqrt);
    }

    @Override
    protected void avgPoolForwardImpl(Tensor x, Tensor y, PoolGeometry g) {
        SplotNative.splot_avgpool_forward(ctx, f(x), f(y), g.n(), g.c(), g.h(), g.w(), g.poolH(), g.poolW(), g.strideH(),
                g.strideW(), g.outH(), g.outW());
    }

    @Override
    protected void avgPoolBackwardImpl(Tensor dy, Tensor dx, PoolGeometry g) {
        SplotNative.splot_avgpool_backward(ctx, f(dy), f(dx), g.n(), g.c(), g.h(), g.w(), g.poolH(), g.poolW(), g.strideH(),
                g.strideW(), g.outH(), g.outW());
    }

    @Override
    protected void batchNormForwardTrainingImpl(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor mean, Tensor invStd,
            Tensor runningMean, Tensor runningVar, float momentum, float eps) {
        SplotNative.splot_batchnorm_forward_training(ctx, f(x), f(gamma), f(beta), f(y), f(mean), f(invStd), f(runningMean),
                f(runningVar), x.dim(0), x.dim(1), x.dim(2), x.dim(3), momentum, eps);
    }

    @Override
    protected void batchNormForwardInferenceImpl(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
            Tensor y, float eps) {
        SplotNative.splot_batchnorm_forward_inference(ctx, f(x), f(gamma), f(beta), f(runningMean), f(runningVar), f(y), x.dim(0),
                x.dim(1), x.dim(2), x.dim(3), eps);
    }

    @Override
    protected void batchNormBackwardImpl(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor invStd, Tensor dx,
            Tensor dgamma, Tensor dbeta) {
        SplotNative.splot_batchnorm_backward(ctx, f(dy), f(x), f(gamma), f(mean), f(invStd), f(dx), f(dgamma), f(dbeta), x.dim(0),
                x.dim(1), x.dim(2), x.dim(3));
    }

    // ---- fused ops: one pass each (native/src/fused.hpp and the convolutions' store epilogues) ----

    @Override
    protected void conv2dReluForwardImpl(Tensor x, Tensor w, Tensor b, Tensor y, ConvGeometry g) {
        SplotNative.splot_conv2d_relu_forward(ctx, f(x), f(w), f(b), f(y), g.n(), g.c(), g.h(), g.w(), g.o(), g.kh(), g.kw(),
                g.strideH(), g.strideW(), g.padTop(), g.padLeft(), g.outH(), g.outW());
    }

    @Override
    protected void conv2dBackwardDataReluImpl(Tensor dy, Tensor w, Tensor reluOutput, Tensor dx, ConvGeometry g) {
        SplotNative.splot_conv2d_backward_data_relu(ctx, f(dy), f(w), f(reluOutput), f(dx), g.n(), g.c(), g.h(), g.w(), g.o(),
                g.kh(), g.kw(), g.strideH(), g.strideW(), g.padTop(), g.padLeft(), g.outH(), g.outW());
    }

    /** The pooling in the F(4x4) Winograd output transform where it takes that path; else the composition. */
    @Override
    protected void conv2dReluMaxPoolForwardImpl(Tensor x, Tensor w, Tensor b, Tensor pooled, Tensor argmax, Tensor scratch,
            ConvGeometry g, PoolGeometry pool) {
        if (pool.isTwoByTwoStrideTwo() && SplotNative.splot_conv2d_relu_maxpool_forward(ctx, f(x), f(w), f(b), f(pooled), i(argmax), g.n(), g.c(), g.h(),
                g.w(), g.o(), g.kh(), g.kw(), g.strideH(), g.strideW(), g.padTop(), g.padLeft(), g.outH(), g.outW()) == 0) {
            return;
        }
        super.conv2dReluMaxPoolForwardImpl(x, w, b, pooled, argmax, scratch, g, pool);
    }

    @Override
    protected void maxPoolDropoutForwardImpl(Tensor x, Tensor pooled, Tensor argmax, Tensor y, Tensor mask, PoolGeometry g, float rate,
            long seed, long step, int layer, long firstIndex) {
        SplotNative.splot_maxpool_dropout_forward(ctx, f(x), f(pooled), i(argmax), f(y), f(mask), g.n(), g.c(), g.h(), g.w(),
                g.poolH(), g.poolW(), g.strideH(), g.strideW(), g.outH(), g.outW(), rate, seed, step, layer, firstIndex);
    }

    @Override
    protected void dropoutMaxPoolReluBackwardImpl(Tensor dy, Tensor mask, Tensor argmax, Tensor pooled, Tensor dx, PoolGeometry g) {
        int rc = SplotNative.splot_dropout_maxpool_relu_backward(ctx, f(dy), f(mask), i(argmax), f(pooled), f(dx), g.n(), g.c(), g.h(),
                g.w(), g.outH(), g.outW());
        if (rc != 0) throw argmaxOutsidePlane("dropoutMaxPoolReluBackward", argmax, g);
    }

    @Override
    protected void dropoutMaxPoolReluConv2dBackwardImpl(Tensor dy, Tensor mask, Tensor argmax, Tensor pooled, PoolGeometry pool,
            Tensor x, Tensor w, Tensor dw, Tensor db, Tensor inputReluOutput, Tensor dx, ConvGeometry g) {
        int rc = SplotNative.splot_pool_relu_conv2d_backward(ctx, f(dy), f(mask), i(argmax), f(pooled), pool.outH(), pool.outW(),
                f(x), f(w), dx == null ? null : f(dx), inputReluOutput == null ? null : f(inputReluOutput), f(dw), f(db), g.n(),
                g.c(), g.h(), g.w(), g.o(), g.kh(), g.kw(), g.strideH(), g.strideW(), g.padTop(), g.padLeft(), g.outH(), g.outW());
        if (rc == 2) throw argmaxOutsidePlane("dropoutMaxPoolReluConv2dBackward", argmax, pool);
        // 1: no fused kernel for this convolution (it takes no Winograd path): the ops one by one, as fast as unfused
        if (rc != 0) super.dropoutMaxPoolReluConv2dBackwardImpl(dy, mask, argmax, pooled, pool, x, w, dw, db, inputReluOutput, dx, g);
    }
}
