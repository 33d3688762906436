/* libsplot_signals: keeps the JVM's handlers of SIGSEGV, SIGBUS, SIGFPE and SIGILL in place while
 * an OpenCL driver runs in the same process (see src/signals.cpp). Its own small library, bound by
 * dev.splot.platform.SplotSignals, so that the OpenCL backend does not load the native backend's
 * library (libsplot, OpenMP) to get it. POSIX only: sigaction and dladdr. */
#ifndef SPLOT_SIGNALS_H
#define SPLOT_SIGNALS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Records the current handlers of SIGSEGV, SIGBUS, SIGFPE and SIGILL; writes the file name of the
 * object holding the SIGSEGV handler (libjvm.so under a JVM) into owner (len bytes). Returns 1. */
int splot_signals_save(char* owner, int len);
/* Re-installs every recorded handler that has been replaced since; returns a bit mask of those
 * (1 SIGSEGV, 2 SIGBUS, 4 SIGFPE, 8 SIGILL; 0: none) and describes them, with the library that had
 * replaced each, in report (len bytes). */
int splot_signals_restore(char* report, int len);
/* The file name of the object holding the current handler of signal `which` (0 SIGSEGV, 1 SIGBUS,
 * 2 SIGFPE, 3 SIGILL); "?" when unknown. */
const char* splot_signal_owner(int which);

#ifdef __cplusplus
}
#endif
#endif
