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
    public static native Pointer splot_create(String isa, int threads, @Cast("char*") BytePointer err, int errlen);
    public static native void splot_destroy(Pointer ctx);
    public static native @Cast("const char*") BytePointer splot_isa(Pointer ctx);
    public static native int splot_threads(Pointer ctx);
    public static native int splot_set_conv_algorithm(Pointer ctx, String name);
    public static native @Cast("const char*") BytePointer splot_conv_algorithm(Pointer ctx);
    public static native @Cast("const char*") BytePointer splot_best_isa();
    public static native int splot_cpu_supports(String isa);
    public static native int splot_max_threads();
    public static native double splot_peak_gflops(Pointer ctx, int threads, double seconds);

    // ---- memory -------------------------------------------------------------------------------
    public static native Pointer splot_alloc(long bytes);
    public static native void splot_free(Pointer p);
    public static native void splot_fill(Pointer ctx, FloatPointer t, long n, float value);
    public static native void splot_copy(Pointer ctx, FloatPointer src, FloatPointer dst, long n);

    // ---- operations ---------------------------------------------------------------------------
    public static native void splot_conv2d_forward(Pointer ctx, FloatPointer x, FloatPointer w, FloatPointer b, FloatPointer y,
            int n, int c, int h, int wd, int o, int kh, int kw, int sh, int sw, int pt, int pl, int oh, int ow);
    public static native void splot_conv2d_backward_data(Pointer ctx, FloatPointer dy, FloatPointer w, FloatPointer dx,
            int n, int c, int h, int wd, int o, int kh, int kw, int sh, int sw, int pt, int pl, int oh, int ow);
    public static native void splot_conv2d_backward_weights(Pointer ctx, FloatPointer x, FloatPointer dy, FloatPointer dw,
            FloatPointer db, int n, int c, int h, int wd, int o, int kh, int kw, int sh, int sw, int pt, int pl, int oh, int ow);
    public static native void splot_maxpool_forward(Pointer ctx, FloatPointer x, FloatPointer y, IntPointer argmax,
            int n, int c, int h, int w, int ph, int pw, int sh, int sw, int oh, int ow);
    public static native void splot_maxpool_backward(Pointer ctx, FloatPointer dy, IntPointer argmax, FloatPointer dx,
            int n, int c, int h, int w, int oh, int ow);
    public static native void splot_relu_forward(Pointer ctx, FloatPointer x, FloatPointer y, long n);
    public static native void splot_relu_backward(Pointer ctx, FloatPointer dy, FloatPointer y, FloatPointer dx, long n);
    public static native void splot_dropout_forward(Pointer ctx, FloatPointer x, FloatPointer y, FloatPointer mask, long n,
            float rate, long seed, long step, int layer);
    public static native void splot_dropout_backward(Pointer ctx, FloatPointer dy, FloatPointer mask, FloatPointer dx, long n);
    public static native void splot_dropout_forward_at(Pointer ctx, FloatPointer x, FloatPointer y, FloatPointer mask, long n,
            float rate, long seed, long step, int layer, long first);
    public static native void splot_dense_forward(Pointer ctx, FloatPointer x, FloatPointer w, FloatPointer b, FloatPointer y,
            int n, int in, int out);
    public static native void splot_dense_backward(Pointer ctx, FloatPointer dy, FloatPointer x, FloatPointer w, FloatPointer dx,
            FloatPointer dw, FloatPointer db, int n, int in, int out);
    public static native int splot_softmax_xent(Pointer ctx, FloatPointer logits, IntPointer labels, FloatPointer dlogits,
            int n, int k, DoublePointer lossOut, IntPointer correctOut);
    public static native void splot_softmax(Pointer ctx, FloatPointer logits, FloatPointer probs, int n, int k);
    public static native void splot_adadelta(Pointer ctx, FloatPointer param, FloatPointer grad, FloatPointer accGrad,
            FloatPointer accDelta, long n, float lr, float rho, float eps);
    public static native void splot_sgemm(Pointer ctx, int m, int n, int k, FloatPointer a, FloatPointer b, FloatPointer c);
}
