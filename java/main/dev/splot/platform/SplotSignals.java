package dev.splot.platform;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The JavaCPP binding of {@code native/include/splot_signals.h}: the JVM signal-handler guard,
 * built by CMake as the static {@code libsplot_signals} and linked by the JavaCPP Maven plugin into
 * {@code target/classes/dev/splot/platform/<platform>/libjniSplotSignals.so}. Its own library, so
 * that using it loads neither the native backend's {@code libsplot} nor OpenMP. Use through
 * {@link JvmSignalHandlers}.
 */
@Platform(include = "splot_signals.h", link = "splot_signals")
final class SplotSignals {
    static {
        Loader.load();
    }

    private SplotSignals() {}

    static native int splot_signals_save(@Cast("char*") BytePointer owner, int len);
    static native int splot_signals_restore(@Cast("char*") BytePointer report, int len);
    static native @Cast("const char*") BytePointer splot_signal_owner(int which);
}
