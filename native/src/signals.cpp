/* Keeps the JVM's handlers for the signals it relies on (SIGSEGV, SIGBUS: implicit null checks,
 * safepoint polls, stack banging; SIGFPE: integer division by zero; SIGILL) in place while an
 * OpenCL driver runs in the same process. PoCL loads LLVM, which installs its own crash handlers
 * (SA_RESETHAND) the first time it compiles, and PoCL installs a SIGFPE handler; a JVM whose
 * handler was replaced dies at its next implicit null check or safepoint poll, without an
 * hs_err file ("Segmentation fault"). The OpenCL backend records the handlers before it touches
 * OpenCL and puts back any that were replaced after each build and launch. */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "splot_signals.h"

namespace {
const int SIGNALS[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
const char* const NAMES[] = {"SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL"};
constexpr int COUNT = 4;
struct sigaction saved[COUNT];
bool have_saved = false;

void* handler_of(const struct sigaction& a) {
    return (a.sa_flags & SA_SIGINFO) ? reinterpret_cast<void*>(a.sa_sigaction) : reinterpret_cast<void*>(a.sa_handler);
}

/* The shared object a handler lives in ("?" when unknown). */
const char* owner(void* handler) {
    Dl_info info;
    if (handler && dladdr(handler, &info) && info.dli_fname) {
        const char* slash = strrchr(info.dli_fname, '/');
        return slash ? slash + 1 : info.dli_fname;
    }
    return "?";
}
}  // namespace

extern "C" {
int splot_signals_save(char* owner_out, int len) {
    for (int i = 0; i < COUNT; ++i) sigaction(SIGNALS[i], nullptr, &saved[i]);
    have_saved = true;
    if (owner_out && len > 0) snprintf(owner_out, len, "%s", owner(handler_of(saved[0])));
    return 1;
}

int splot_signals_restore(char* report, int len) {
    if (!have_saved) return 0;
    int mask = 0, used = 0;
    if (report && len > 0) report[0] = '\0';
    for (int i = 0; i < COUNT; ++i) {
        struct sigaction now;
        sigaction(SIGNALS[i], nullptr, &now);
        if (handler_of(now) == handler_of(saved[i]) && now.sa_flags == saved[i].sa_flags) continue;
        if (report && len > used)
            used += snprintf(report + used, len - used, "%s%s (by %s)", mask ? ", " : "", NAMES[i], owner(handler_of(now)));
        sigaction(SIGNALS[i], &saved[i], nullptr);
        mask |= 1 << i;
    }
    return mask;
}

const char* splot_signal_owner(int which) {
    if (which < 0 || which >= COUNT) return "?";
    struct sigaction now;
    sigaction(SIGNALS[which], nullptr, &now);
    return owner(handler_of(now));
}
}
