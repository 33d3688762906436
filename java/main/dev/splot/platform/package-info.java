/**
 * Helpers for talking to the operating system that more than one backend needs and that belong to
 * none of them: loading a JavaCPP-built JNI library with a precise reason when it is missing
 * ({@link dev.splot.platform.JniLibrary}), reading C strings ({@link dev.splot.platform.CString}),
 * and keeping the JVM's signal handlers in place while an OpenCL driver runs
 * ({@link dev.splot.platform.JvmSignalHandlers}, native side {@code libsplot_signals}). This package
 * imports no backend.
 */
package dev.splot.platform;
