package dev.splot.backend.nativecpu;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The JavaCPP binding of {@code native/include/splot.h}. The JavaCPP Maven plugin generates and
 * compiles the JNI glue (linking the static libsplot built by CMake, and libgomp) into
 * {@code target/classes/dev/splot/backend/nativecpu/<platform>/} (e.g. linux-x86_64);
 * {@link Loader#load()} extracts and loads it from the class path or the jar, after the copy of
 * libgomp packaged beside it ({@code preload}), so no GCC runtime is needed on the machine. Use through
 * {@link NativeBackend}, which checks shapes.
 */
@Platform(include = "splot.h", link = {"gomp", "splot"}, preload = "gomp@.1")
public final class SplotNative {
    static {
        Loader.load();
    }

    private SplotNative() {}

    // ---- context ------------------------------------------------------------------------------
    /**
     * Creates a context: an instruction-set path and a thread count. Free it with {@link #splot_destroy}.
     *
     * @param isa "auto", "scalar", "avx2" or "avx512"
     * @param threads OpenMP threads; 0 or less: all cores
     * @param err receives the reason, NUL-terminated, when the context cannot be made
     * @param errlen the size of {@code err} in bytes
     * @return the context, or a null pointer when the path is unknown or the CPU lacks it
     */
    public static native Pointer splot_create(String isa, int threads, @Cast("char*") BytePointer err, int errlen);
    /**
     * Frees a context; it must not be used afterwards.
     *
     * @param ctx a context from {@link #splot_create}
     */
    public static native void splot_destroy(Pointer ctx);
    /**
     * The path a context runs.
     *
     * @param ctx a context from {@link #splot_create}
     * @return "scalar", "avx2" or "avx512", a static string
     */
    public static native @Cast("const char*") BytePointer splot_isa(Pointer ctx);
    /**
     * The thread count a context runs on.
     *
     * @param ctx a context from {@link #splot_create}
     * @return the thread count
     */
    public static native int splot_threads(Pointer ctx);
    /**
     * Chooses the algorithm for 3x3 stride-1 convolutions; other kernels always use GEMM.
     *
     * @param ctx a context from {@link #splot_create}
     * @param name "auto" (Winograd where both channel counts are at least 8, GEMM elsewhere), "gemm", "winograd2"
     *     (F(2x2,3x3)), "winograd4" (F(4x4,3x3)) or "winograd" (= "winograd4")
     * @return 1 when set, 0 when the name is unknown (the setting is then unchanged)
     */
    public static native int splot_set_conv_algorithm(Pointer ctx, String name);
    /**
     * The algorithm setting of a context.
     *
     * @param ctx a context from {@link #splot_create}
     * @return "auto", "gemm", "winograd2" or "winograd4", a static string
     */
    public static native @Cast("const char*") BytePointer splot_conv_algorithm(Pointer ctx);
    /**
     * The best path this CPU supports, which "auto" chooses.
     *
     * @return "avx512", "avx2" or "scalar", a static string
     */
    public static native @Cast("const char*") BytePointer splot_best_isa();
    /**
     * Whether this CPU can run a path.
     *
     * @param isa "scalar", "avx2" or "avx512"
     * @return 1 when it can, 0 otherwise (also for an unknown name)
     */
    public static native int splot_cpu_supports(String isa);
    /**
     * The number of cores OpenMP sees.
     *
     * @return the core count
     */
    public static native int splot_max_threads();
    /**
     * Measures the peak single-precision FMA throughput of the context's path with an FMA loop.
     *
     * @param ctx a context from {@link #splot_create}
     * @param threads threads to measure on
     * @param seconds roughly how long to measure
     * @return GFLOP/s, 2 FLOP per lane per FMA
     */
    public static native double splot_peak_gflops(Pointer ctx, int threads, double seconds);

    // ---- memory -------------------------------------------------------------------------------
    /**
     * Allocates 64-byte aligned, zero-filled memory. Free it with {@link #splot_free}.
     *
     * @param bytes the size; rounded up to a multiple of 64
     * @return the memory, or a null pointer when out of memory
     */
    public static native Pointer splot_alloc(long bytes);
    /**
     * Frees memory from {@link #splot_alloc}.
     *
     * @param p the memory; must not be used afterwards
     */
    public static native void splot_free(Pointer p);
    /**
     * Sets {@code n} floats to {@code value}.
     *
     * @param ctx a context from {@link #splot_create}
     * @param t the floats
     * @param n how many
     * @param value the value
     */
    public static native void splot_fill(Pointer ctx, FloatPointer t, long n, float value);
    /**
     * Copies {@code n} floats.
     *
     * @param ctx a context from {@link #splot_create}
     * @param src the source
     * @param dst the destination, not overlapping the source
     * @param n how many
     */
    public static native void splot_copy(Pointer ctx, FloatPointer src, FloatPointer dst, long n);

    // ---- operations ---------------------------------------------------------------------------
    /**
     * {@link dev.splot.backend.Backend#conv2dForward}: y[n,o,oh,ow] = conv(x[n,c,h,wd], w[o,c,kh,kw]) + b[o].
     *
     * @param ctx a context from {@link #splot_create}
     * @param x input
     * @param w weights
     * @param b bias
     * @param y output, overwritten
     * @param n batch size
     * @param c input channels
     * @param h input height
     * @param wd input width
     * @param o output channels
     * @param kh kernel height
     * @param kw kernel width
     * @param sh vertical stride
     * @param sw horizontal stride
     * @param pt zero rows above the input
     * @param pl zero columns left of the input
     * @param oh output height
     * @param ow output width
     */
    public static native void splot_conv2d_forward(Pointer ctx, FloatPointer x, FloatPointer w, FloatPointer b, FloatPointer y,
            int n, int c, int h, int wd, int o, int kh, int kw, int sh, int sw, int pt, int pl, int oh, int ow);
    /**
     * {@link dev.splot.backend.Backend#conv2dBackwardData}: dx[n,c,h,wd] from dy[n,o,oh,ow] and w[o,c,kh,kw].
     *
     * @param ctx a context from {@link #splot_create}
     * @param dy output gradient
     * @param w weights
     * @param dx input gradient, overwritten
     * @param n batch size
     * @param c input channels
     * @param h input height
     * @param wd input width
     * @param o output channels
     * @param kh kernel height
     * @param kw kernel width
     * @param sh vertical stride
     * @param sw horizontal stride
     * @param pt zero rows above the input
     * @param pl zero columns left of the input
     * @param oh output height
     * @param ow output width
     */
    public static native void splot_conv2d_backward_data(Pointer ctx, FloatPointer dy, FloatPointer w, FloatPointer dx,
            int n, int c, int h, int wd, int o, int kh, int kw, int sh, int sw, int pt, int pl, int oh, int ow);
    /**
     * {@link dev.splot.backend.Backend#conv2dBackwardWeights}: dw[o,c,kh,kw] and db[o], summed over the batch.
     *
     * @param ctx a context from {@link #splot_create}
     * @param x input
     * @param dy output gradient
     * @param dw weight gradient, overwritten
     * @param db bias gradient, overwritten
     * @param n batch size
     * @param c input channels
     * @param h input height
     * @param wd input width
     * @param o output channels
     * @param kh kernel height
     * @param kw kernel width
     * @param sh vertical stride
     * @param sw horizontal stride
     * @param pt zero rows above the input
     * @param pl zero columns left of the input
     * @param oh output height
     * @param ow output width
     */
    public static native void splot_conv2d_backward_weights(Pointer ctx, FloatPointer x, FloatPointer dy, FloatPointer dw,
            FloatPointer db, int n, int c, int h, int wd, int o, int kh, int kw, int sh, int sw, int pt, int pl, int oh, int ow);
    /**
     * {@link dev.splot.backend.Backend#maxPoolForward}: y and argmax [n,c,oh,ow] from x[n,c,h,w].
     *
     * @param ctx a context from {@link #splot_create}
     * @param x input
     * @param y output, overwritten
     * @param argmax flat indices into x of each maximum, overwritten
     * @param n batch size
     * @param c channels
     * @param h input height
     * @param w input width
     * @param ph window height
     * @param pw window width
     * @param sh vertical stride
     * @param sw horizontal stride
     * @param oh output height
     * @param ow output width
     */
    public static native void splot_maxpool_forward(Pointer ctx, FloatPointer x, FloatPointer y, IntPointer argmax,
            int n, int c, int h, int w, int ph, int pw, int sh, int sw, int oh, int ow);
    /**
     * {@link dev.splot.backend.Backend#maxPoolBackward}: dx[n,c,h,w] = zeros plus dy scattered through argmax.
     *
     * @param ctx a context from {@link #splot_create}
     * @param dy output gradient
     * @param argmax indices from the forward pass
     * @param dx input gradient, overwritten
     * @param n batch size
     * @param c channels
     * @param h input height
     * @param w input width
     * @param oh output height
     * @param ow output width
     * @return 0; 1 where an argmax entry lies outside its plane of x (skipped, never followed; dx is then not the gradient)
     */
    public static native int splot_maxpool_backward(Pointer ctx, FloatPointer dy, IntPointer argmax, FloatPointer dx,
            int n, int c, int h, int w, int oh, int ow);
    /**
     * {@link dev.splot.backend.Backend#reluForward}.
     *
     * @param ctx a context from {@link #splot_create}
     * @param x input
     * @param y output, overwritten; may be x
     * @param n elements
     */
    public static native void splot_relu_forward(Pointer ctx, FloatPointer x, FloatPointer y, long n);
    /**
     * {@link dev.splot.backend.Backend#reluBackward}.
     *
     * @param ctx a context from {@link #splot_create}
     * @param dy output gradient
     * @param y forward output
     * @param dx input gradient, overwritten
     * @param n elements
     */
    public static native void splot_relu_backward(Pointer ctx, FloatPointer dy, FloatPointer y, FloatPointer dx, long n);
    /**
     * {@link dev.splot.backend.Backend#dropoutForward}, the mask drawn by the C++ copy of {@link dev.splot.backend.Philox}.
     *
     * @param ctx a context from {@link #splot_create}
     * @param x input
     * @param y output, overwritten
     * @param mask the factors, overwritten
     * @param n elements
     * @param rate the fraction dropped
     * @param seed the run's seed
     * @param step the training step
     * @param layer the layer's index
     */
    public static native void splot_dropout_forward(Pointer ctx, FloatPointer x, FloatPointer y, FloatPointer mask, long n,
            float rate, long seed, long step, int layer);
    /**
     * {@link dev.splot.backend.Backend#dropoutBackward}: dx = dy * mask.
     *
     * @param ctx a context from {@link #splot_create}
     * @param dy output gradient
     * @param mask the factors
     * @param dx input gradient, overwritten
     * @param n elements
     */
    public static native void splot_dropout_backward(Pointer ctx, FloatPointer dy, FloatPointer mask, FloatPointer dx, long n);
    /**
     * {@link dev.splot.backend.Backend#dropoutForward(dev.splot.backend.Tensor, dev.splot.backend.Tensor,
     * dev.splot.backend.Tensor, float, long, long, int, long)}: the mask of elements first, first+1, ... of the stream.
     *
     * @param ctx a context from {@link #splot_create}
     * @param x input
     * @param y output, overwritten (may be x)
     * @param mask the scale factors, overwritten
     * @param n elements
     * @param rate the fraction dropped
     * @param seed the run's seed
     * @param step the training step
     * @param layer the layer's index
     * @param first the stream index of element 0
     */
    public static native void splot_dropout_forward_at(Pointer ctx, FloatPointer x, FloatPointer y, FloatPointer mask, long n,
            float rate, long seed, long step, int layer, long first);
    /**
     * {@link dev.splot.backend.Backend#denseForward}: y[n,out] = x[n,in] w[out,in]^T + b.
     *
     * @param ctx a context from {@link #splot_create}
     * @param x input
     * @param w weights
     * @param b bias
     * @param y output, overwritten
     * @param n batch size
     * @param in input features
     * @param out output features
     */
    public static native void splot_dense_forward(Pointer ctx, FloatPointer x, FloatPointer w, FloatPointer b, FloatPointer y,
            int n, int in, int out);
    /**
     * {@link dev.splot.backend.Backend#denseBackward}: dx = dy w (skipped when dx is null), dw = dy^T x, db = column sums of dy.
     *
     * @param ctx a context from {@link #splot_create}
     * @param dy output gradient
     * @param x input
     * @param w weights
     * @param dx input gradient, overwritten; or null
     * @param dw weight gradient, overwritten
     * @param db bias gradient, overwritten
     * @param n batch size
     * @param in input features
     * @param out output features
     */
    public static native void splot_dense_backward(Pointer ctx, FloatPointer dy, FloatPointer x, FloatPointer w, FloatPointer dx,
            FloatPointer dw, FloatPointer db, int n, int in, int out);
    /**
     * {@link dev.splot.backend.Backend#softmaxCrossEntropy}.
     *
     * @param ctx a context from {@link #splot_create}
     * @param logits [n, k]
     * @param labels [n]
     * @param dlogits [n, k], overwritten with the gradient; or null
     * @param n rows
     * @param k classes
     * @param lossOut receives the mean loss
     * @param correctOut receives the number of rows whose first maximum is the label
     * @return -1 on success, else the first row whose label is outside [0, k) (the outputs are then undefined)
     */
    public static native int splot_softmax_xent(Pointer ctx, FloatPointer logits, IntPointer labels, FloatPointer dlogits,
            int n, int k, DoublePointer lossOut, IntPointer correctOut);
    /**
     * {@link dev.splot.backend.Backend#softmax}, row by row.
     *
     * @param ctx a context from {@link #splot_create}
     * @param logits [n, k]
     * @param probs [n, k], overwritten
     * @param n rows
     * @param k classes
     */
    public static native void splot_softmax(Pointer ctx, FloatPointer logits, FloatPointer probs, int n, int k);
    /**
     * {@link dev.splot.backend.Backend#adadeltaUpdate}, in place.
     *
     * @param ctx a context from {@link #splot_create}
     * @param param the parameter
     * @param grad its gradient
     * @param accGrad running average of squared gradients
     * @param accDelta running average of squared updates
     * @param n elements
     * @param lr learning rate
     * @param rho decay
     * @param eps added inside the square roots
     */
    public static native void splot_adadelta(Pointer ctx, FloatPointer param, FloatPointer grad, FloatPointer accGrad,
            FloatPointer accDelta, long n, float lr, float rho, float eps);
    /**
     * {@link dev.splot.backend.Backend#sgdUpdate}, in place, as torch.optim.SGD.
     *
     * @param ctx a context from {@link #splot_create}
     * @param param the parameter
     * @param grad its gradient
     * @param momentumBuffer the momentum buffer, or null exactly when momentum is 0
     * @param n elements
     * @param lr learning rate
     * @param momentum momentum factor
     * @param dampening dampening of the gradient added to the buffer
     * @param weightDecay L2 penalty added to the gradient
     * @param nesterov 1 for Nesterov momentum, else 0
     * @param firstStep 1 on the first step (the buffer is set to the gradient), else 0
     */
    public static native void splot_sgd(Pointer ctx, FloatPointer param, FloatPointer grad, FloatPointer momentumBuffer, long n,
            float lr, float momentum, float dampening, float weightDecay, int nesterov, int firstStep);
    /**
     * {@link dev.splot.backend.Backend#adamUpdate}, in place: p = p * decay; d = g + l2 * p; moments averaged with
     * beta1, beta2; p -= stepSize * expAvg / (sqrt(expAvgSq) / bias2Sqrt + eps).
     *
     * @param ctx a context from {@link #splot_create}
     * @param param the parameter
     * @param grad its gradient
     * @param expAvg first moment
     * @param expAvgSq second moment
     * @param n elements
     * @param beta1 first-moment decay
     * @param beta2 second-moment decay
     * @param eps added outside the square root
     * @param l2 Adam's L2 penalty (0 for AdamW)
     * @param decay AdamW's decoupled factor 1 - lr * weight decay (1 for Adam)
     * @param stepSize lr / (1 - beta1^t)
     * @param bias2Sqrt sqrt(1 - beta2^t)
     */
    public static native void splot_adam(Pointer ctx, FloatPointer param, FloatPointer grad, FloatPointer expAvg,
            FloatPointer expAvgSq, long n, float beta1, float beta2, float eps, float l2, float decay, float stepSize, float bias2Sqrt);
    /**
     * Plain SGEMM for benchmarks: C[m,n] = A[m,k] B[k,n], all row-major.
     *
     * @param ctx a context from {@link #splot_create}
     * @param m rows of A and C
     * @param n columns of B and C
     * @param k columns of A, rows of B
     * @param a A
     * @param b B
     * @param c C, overwritten
     */
    public static native void splot_sgemm(Pointer ctx, int m, int n, int k, FloatPointer a, FloatPointer b, FloatPointer c);
    /**
     * {@link dev.splot.backend.Backend#avgPoolForward}: y[n,c,oh,ow] = mean of each window of x[n,c,h,w].
     *
     * @param ctx a context from {@link #splot_create}
     * @param x input
     * @param y output, overwritten
     * @param n batch size
     * @param c channels
     * @param h input height
     * @param w input width
     * @param ph window height
     * @param pw window width
     * @param sh vertical stride
     * @param sw horizontal stride
     * @param oh output height
     * @param ow output width
     */
    public static native void splot_avgpool_forward(Pointer ctx, FloatPointer x, FloatPointer y, int n, int c, int h, int w,
            int ph, int pw, int sh, int sw, int oh, int ow);
    /**
     * {@link dev.splot.backend.Backend#avgPoolBackward}: dx[n,c,h,w] = sum of the window shares of dy.
     *
     * @param ctx a context from {@link #splot_create}
     * @param dy output gradient
     * @param dx input gradient, overwritten
     * @param n batch size
     * @param c channels
     * @param h input height
     * @param w input width
     * @param ph window height
     * @param pw window width
     * @param sh vertical stride
     * @param sw horizontal stride
     * @param oh output height
     * @param ow output width
     */
    public static native void splot_avgpool_backward(Pointer ctx, FloatPointer dy, FloatPointer dx, int n, int c, int h, int w,
            int ph, int pw, int sh, int sw, int oh, int ow);
    /**
     * {@link dev.splot.backend.Backend#batchNormForwardTraining}: normalises with the batch statistics and
     * updates the running ones.
     *
     * @param ctx a context from {@link #splot_create}
     * @param x input [n,c,h,w]
     * @param gamma scale per channel
     * @param beta shift per channel
     * @param y output, overwritten
     * @param mean batch mean per channel, overwritten
     * @param invStd 1 / sqrt(batch variance + eps) per channel, overwritten
     * @param runningMean running mean, updated
     * @param runningVar running variance, updated
     * @param n batch size
     * @param c channels
     * @param h height
     * @param w width
     * @param momentum weight of the batch statistics in the running ones
     * @param eps added to the variance
     */
    public static native void splot_batchnorm_forward_training(Pointer ctx, FloatPointer x, FloatPointer gamma, FloatPointer beta,
            FloatPointer y, FloatPointer mean, FloatPointer invStd, FloatPointer runningMean, FloatPointer runningVar, int n, int c,
            int h, int w, float momentum, float eps);
    /**
     * {@link dev.splot.backend.Backend#batchNormForwardInference}: normalises with the running statistics.
     *
     * @param ctx a context from {@link #splot_create}
     * @param x input [n,c,h,w]
     * @param gamma scale per channel
     * @param beta shift per channel
     * @param runningMean running mean per channel
     * @param runningVar running variance per channel
     * @param y output, overwritten
     * @param n batch size
     * @param c channels
     * @param h height
     * @param w width
     * @param eps added to the variance
     */
    public static native void splot_batchnorm_forward_inference(Pointer ctx, FloatPointer x, FloatPointer gamma, FloatPointer beta,
            FloatPointer runningMean, FloatPointer runningVar, FloatPointer y, int n, int c, int h, int w, float eps);
    /**
     * {@link dev.splot.backend.Backend#batchNormBackward}: dx, dgamma and dbeta from dy and the forward
     * pass's batch statistics.
     *
     * @param ctx a context from {@link #splot_create}
     * @param dy output gradient [n,c,h,w]
     * @param x the forward pass's input
     * @param gamma scale per channel
     * @param mean the forward pass's batch mean
     * @param invStd the forward pass's 1 / sqrt(variance + eps)
     * @param dx input gradient, overwritten
     * @param dgamma gradient of gamma, overwritten
     * @param dbeta gradient of beta, overwritten
     * @param n batch size
     * @param c channels
     * @param h height
     * @param w width
     */
    public static native void splot_batchnorm_backward(Pointer ctx, FloatPointer dy, FloatPointer x, FloatPointer gamma,
            FloatPointer mean, FloatPointer invStd, FloatPointer dx, FloatPointer dgamma, FloatPointer dbeta, int n, int c, int h,
            int w);
    /**
     * {@link dev.splot.backend.Backend#conv2dReluForward}: the convolution's output clamped at 0 where it is stored.
     *
     * @param ctx a context from {@link #splot_create}
     * @param x input
     * @param w weights
     * @param b bias
     * @param y output, overwritten
     * @param n batch size
     * @param c input channels
     * @param h input height
     * @param wd input width
     * @param o output channels
     * @param kh kernel height
     * @param kw kernel width
     * @param sh vertical stride
     * @param sw horizontal stride
     * @param pt padding at the top
     * @param pl padding at the left
     * @param oh output height
     * @param ow output width
     */
    public static native void splot_conv2d_relu_forward(Pointer ctx, FloatPointer x, FloatPointer w, FloatPointer b, FloatPointer y,
            int n, int c, int h, int wd, int o, int kh, int kw, int sh, int sw, int pt, int pl, int oh, int ow);
    /**
     * {@link dev.splot.backend.Backend#conv2dBackwardDataRelu}: dx zero wherever reluY is not positive.
     *
     * @param ctx a context from {@link #splot_create}
     * @param dy output gradient
     * @param w weights
     * @param reluY the output of the ReLU before the convolution, shaped as dx
     * @param dx input gradient, overwritten
     * @param n batch size
     * @param c input channels
     * @param h input height
     * @param wd input width
     * @param o output channels
     * @param kh kernel height
     * @param kw kernel width
     * @param sh vertical stride
     * @param sw horizontal stride
     * @param pt padding at the top
     * @param pl padding at the left
     * @param oh output height
     * @param ow output width
     */
    public static native void splot_conv2d_backward_data_relu(Pointer ctx, FloatPointer dy, FloatPointer w, FloatPointer reluY,
            FloatPointer dx, int n, int c, int h, int wd, int o, int kh, int kw, int sh, int sw, int pt, int pl, int oh, int ow);
    /**
     * {@link dev.splot.backend.Backend#conv2dReluMaxPoolForward} with 2x2 windows at stride 2: the pooling in the
     * F(4x4) Winograd output transform, the convolution's output never stored.
     *
     * @param ctx a context from {@link #splot_create}
     * @param x input
     * @param w weights
     * @param b bias
     * @param pooled the pooled output {@code [n, o, oh / 2, ow / 2]}, overwritten
     * @param argmax flat indices into the convolution's output of each maximum, overwritten
     * @param n batch size
     * @param c input channels
     * @param h input height
     * @param wd input width
     * @param o output channels
     * @param kh kernel height
     * @param kw kernel width
     * @param sh vertical stride
     * @param sw horizontal stride
     * @param pt top padding
     * @param pl left padding
     * @param oh the convolution's output height
     * @param ow the convolution's output width
     * @return 0 when done; 1 (nothing written) where the convolution takes no F(4x4) path: run the ops one by one
     */
    public static native int splot_conv2d_relu_maxpool_forward(Pointer ctx, FloatPointer x, FloatPointer w, FloatPointer b,
            FloatPointer pooled, IntPointer argmax, int n, int c, int h, int wd, int o, int kh, int kw, int sh, int sw, int pt, int pl,
            int oh, int ow);
    /**
     * {@link dev.splot.backend.Backend#maxPoolDropoutForward}: max-pool, then dropout of its output, in one pass.
     *
     * @param ctx a context from {@link #splot_create}
     * @param x input
     * @param pooled the max-pool's output, overwritten
     * @param argmax flat indices into x of each maximum, overwritten
     * @param y output (pooled values times the mask), overwritten
     * @param mask the dropout factors, overwritten
     * @param n batch size
     * @param c channels
     * @param h input height
     * @param w input width
     * @param ph window height
     * @param pw window width
     * @param sh vertical stride
     * @param sw horizontal stride
     * @param oh output height
     * @param ow output width
     * @param rate the fraction dropped
     * @param seed the run's seed
     * @param step the training step
     * @param layer the dropout layer's index
     * @param first the stream index of element 0
     */
    public static native void splot_maxpool_dropout_forward(Pointer ctx, FloatPointer x, FloatPointer pooled, IntPointer argmax,
            FloatPointer y, FloatPointer mask, int n, int c, int h, int w, int ph, int pw, int sh, int sw, int oh, int ow, float rate, long seed,
            long step, int layer, long first);
    /**
     * {@link dev.splot.backend.Backend#dropoutMaxPoolReluBackward}: dropout, max-pool and ReLU backward in one pass.
     *
     * @param ctx a context from {@link #splot_create}
     * @param dy gradient of the dropout's output
     * @param mask the dropout factors
     * @param argmax the max-pool indices
     * @param pooled the max-pool's output (of the ReLU's output)
     * @param dx gradient of the ReLU's input, overwritten
     * @param n batch size
     * @param c channels
     * @param h input height
     * @param w input width
     * @param oh output height
     * @param ow output width
     * @return 0; 1 where an argmax entry lies outside its plane of the pooling's input (skipped, as in maxpool backward)
     */
    public static native int splot_dropout_maxpool_relu_backward(Pointer ctx, FloatPointer dy, FloatPointer mask, IntPointer argmax,
            FloatPointer pooled, FloatPointer dx, int n, int c, int h, int w, int oh, int ow);
    /**
     * {@link dev.splot.backend.Backend#dropoutMaxPoolReluConv2dBackward}: the convolution's gradients from
     * the pooled gradient, the convolution's output gradient built per image and never stored.
     *
     * @param ctx a context from {@link #splot_create}
     * @param dy gradient of the dropout's output
     * @param mask the dropout factors
     * @param argmax the max-pool indices
     * @param pooled the max-pool's output (of the ReLU's output)
     * @param pooledH the pooled height
     * @param pooledW the pooled width
     * @param x the convolution's input
     * @param w weights
     * @param dx input gradient, overwritten; null: not computed
     * @param inReluY the output of the ReLU before the convolution (dx zero wherever it is not positive); null: none
     * @param dw weight gradient, overwritten
     * @param db bias gradient, overwritten
     * @param n batch size
     * @param c input channels
     * @param h input height
     * @param wd input width
     * @param o output channels
     * @param kh kernel height
     * @param kw kernel width
     * @param sh vertical stride
     * @param sw horizontal stride
     * @param pt padding at the top
     * @param pl padding at the left
     * @param oh output height
     * @param ow output width
     * @return 0 when done; 1 (nothing written) where the convolution has no fused path: run the ops one by one; 2 where
     *         an argmax entry lies outside its plane (skipped, as in maxpool backward)
     */
    public static native int splot_pool_relu_conv2d_backward(Pointer ctx, FloatPointer dy, FloatPointer mask, IntPointer argmax,
            FloatPointer pooled, int pooledH, int pooledW, FloatPointer x, FloatPointer w, FloatPointer dx, FloatPointer inReluY,
            FloatPointer dw, FloatPointer db, int n, int c, int h, int wd, int o, int kh, int kw, int sh, int sw, int pt, int pl,
            int oh, int ow);
}
