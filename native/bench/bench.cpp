/* Hand-run timing harness for the native kernels at the seed model's shapes, batch 128:
 * prints each op's time, GFLOP/s and fraction of the measured FMA peak of the same path, then
 * each fused op against the primitives it replaces, the two timed alternately.
 *   cmake --build target/native-build --target splot_bench
 *   target/native-build/splot_bench [isa ...] [--threads N] [--reps R] [--conv auto|gemm|winograd2|winograd4] [--only TEXT]
 * (--only: just the ops whose name contains TEXT, e.g. "conv2" under perf)
 * Not a JUnit test: machines are shared and noisy, compare variants within one run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <algorithm>
#include <string>
#include <vector>

#include "splot.h"

static double now() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static float* buf(long long n, unsigned seed) {
    float* p = (float*)splot_alloc(n * 4);
    for (long long i = 0; i < n; ++i) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (float)((seed >> 8) * (1.0 / 16777216.0) * 2.0 - 1.0);
    }
    return p;
}

static double cpu_now() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Best wall time and best process CPU time (all threads) of `reps` runs, in ms. On a shared
 * machine the CPU time divided by the thread count is what the op would take with the cores to
 * itself (OpenMP threads spin while they wait, so idle waiting still counts). "of peak" uses the
 * wall time: for calls of a few ms the process CPU time misses the worker threads' time since
 * their last scheduler tick (cpu ms/T then reads about half the wall time). */
template <class F>
static void best_ms(int reps, F f, double* wall, double* cpu) {
    f(); /* warm-up: scratch buffers, page faults */
    *wall = *cpu = 1e30;
    for (int r = 0; r < reps; ++r) {
        double t = now(), c = cpu_now();
        f();
        t = now() - t;
        c = cpu_now() - c;
        if (t < *wall) *wall = t;
        if (c < *cpu) *cpu = c;
    }
    *wall *= 1e3;
    *cpu *= 1e3;
}

int main(int argc, char** argv) {
    std::vector<std::string> isas;
    int threads = 0, reps = 10;
    const char* conv = "auto";
    const char* only = nullptr;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--conv") && i + 1 < argc) conv = argv[++i];
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else isas.push_back(argv[i]);
    }
    if (isas.empty()) isas.push_back("auto");
    const int N = 128;
    /* seed model tensors */
    float *x0 = buf((long long)N * 784, 1), *w1 = buf(32 * 9, 2), *b1 = buf(32, 3), *a1 = buf((long long)N * 32 * 676, 4);
    float *w2 = buf(64 * 288, 5), *b2 = buf(64, 6), *a2 = buf((long long)N * 64 * 576, 7), *d2 = buf((long long)N * 64 * 576, 8);
    float *da1 = buf((long long)N * 32 * 676, 9), *dw2 = buf(64 * 288, 10), *db2 = buf(64, 11), *dw1 = buf(32 * 9, 12), *db1 = buf(32, 13);
    float *p = buf((long long)N * 9216, 14), *dp = buf((long long)N * 9216, 15), *mask = buf((long long)N * 9216, 16);
    int* arg = (int*)splot_alloc((long long)N * 9216 * 4);
    float *wd = buf(128LL * 9216, 17), *bd = buf(128, 18), *h = buf(N * 128, 19), *dh = buf(N * 128, 20), *dwd = buf(128LL * 9216, 21),
          *dbd = buf(128, 22);
    float *sa = buf(64 * 288, 23), *sb = buf(288LL * 73728, 24), *sc = buf(64LL * 73728, 25);
    float *ap = buf(1199882, 29), *ag = buf(1199882, 30), *aa = buf(1199882, 31), *ad = buf(1199882, 32);
    for (int i = 0; i < 1199882; ++i) aa[i] = aa[i] * aa[i], ad[i] = ad[i] * ad[i];
    float* h2full = buf((long long)N * 9216, 33); /* the pooled gradient the unfused backward writes */
    float* pdrop = buf((long long)N * 9216, 34);  /* the dropout's output after the fused max-pool + dropout forward */
    float *da = buf(128LL * 9216, 26), *dbm = buf(9216LL * 128, 27), *dc = buf(128 * 128, 28);
    for (const std::string& isa : isas) {
        char err[256];
        void* ctx = splot_create(isa.c_str(), threads, err, sizeof err);
        if (!ctx) {
            printf("%s: %s\n", isa.c_str(), err);
            continue;
        }
        if (!splot_set_conv_algorithm(ctx, conv)) {
            printf("unknown --conv %s (expected auto, gemm, winograd2, winograd4 or winograd)\n", conv);
            return 2;
        }
        const int T = splot_threads(ctx);
        double c0 = cpu_now(), t0 = now();
        const double peak = splot_peak_gflops(ctx, T, 0.5);
        const double peakCpu = peak * (now() - t0) / (cpu_now() - c0) * T; /* per core-second x T */
        printf("== %s path, %d threads: measured FMA peak %.1f GFLOP/s wall, %.1f GFLOP/s by CPU time x %d\n", splot_isa(ctx), T,
               peak, peakCpu, T);
        printf("%-34s %9s %9s %9s %9s %7s\n", "op (batch 128)", "wall ms", "cpu ms/T", "GFLOP/s", "GF/s cpu", "of peak");
        double total = 0, totalCpu = 0;
        auto timed = [&](const char* name, double flop, auto f, bool step = true) {
            if (only && !strstr(name, only)) return;
            double ms, cms;
            best_ms(reps, f, &ms, &cms);
            cms /= T;
            if (step) total += ms, totalCpu += cms;
            if (flop > 0)
                printf("%-34s %9.3f %9.3f %9.1f %9.1f %6.1f%%\n", name, ms, cms, flop / ms * 1e-6, flop / cms * 1e-6,
                       100.0 * flop / ms * 1e-6 / peak);
            else
                printf("%-34s %9.3f %9.3f\n", name, ms, cms);
        };
        timed("sgemm 64x288 . 288x73728", 2.0 * 64 * 288 * 73728, [&] { splot_sgemm(ctx, 64, 73728, 288, sa, sb, sc); }, false);
        timed("sgemm 128x9216 . 9216x128", 2.0 * 128 * 9216 * 128, [&] { splot_sgemm(ctx, 128, 128, 9216, da, dbm, dc); }, false);
        const double c1 = 2.0 * N * 32 * 676 * 9, c2 = 2.0 * N * 64 * 576 * 288, d1 = 2.0 * N * 9216 * 128;
        timed("conv1 forward", c1, [&] { splot_conv2d_forward(ctx, x0, w1, b1, a1, N, 1, 28, 28, 32, 3, 3, 1, 1, 0, 0, 26, 26); });
        timed("relu1 forward", 0, [&] { splot_relu_forward(ctx, a1, a1, (long long)N * 32 * 676); });
        timed("conv2 forward", c2, [&] { splot_conv2d_forward(ctx, a1, w2, b2, a2, N, 32, 26, 26, 64, 3, 3, 1, 1, 0, 0, 24, 24); });
        timed("relu2 forward", 0, [&] { splot_relu_forward(ctx, a2, a2, (long long)N * 64 * 576); });
        timed("maxpool forward", 0, [&] { splot_maxpool_forward(ctx, a2, p, arg, N, 64, 24, 24, 2, 2, 2, 2, 12, 12); });
        timed("dropout forward (9216)", 0,
              [&] { splot_dropout_forward(ctx, p, p, mask, (long long)N * 9216, 0.25f, 42, 7, 1); });
        timed("dense1 forward", d1, [&] { splot_dense_forward(ctx, p, wd, bd, h, N, 9216, 128); });
        timed("dense1 backward (dW, db, dx)", 2 * d1, [&] { splot_dense_backward(ctx, dh, p, wd, dp, dwd, dbd, N, 9216, 128); });
        timed("dropout backward (9216)", 0, [&] { splot_dropout_backward(ctx, dp, mask, dp, (long long)N * 9216); });
        timed("maxpool backward", 0, [&] { splot_maxpool_backward(ctx, dp, arg, d2, N, 64, 24, 24, 12, 12); });
        timed("relu2 backward", 0, [&] { splot_relu_backward(ctx, d2, a2, d2, (long long)N * 64 * 576); });
        timed("conv2 backward-weights", c2,
              [&] { splot_conv2d_backward_weights(ctx, a1, d2, dw2, db2, N, 32, 26, 26, 64, 3, 3, 1, 1, 0, 0, 24, 24); });
        timed("conv2 backward-data", c2, [&] { splot_conv2d_backward_data(ctx, d2, w2, da1, N, 32, 26, 26, 64, 3, 3, 1, 1, 0, 0, 24, 24); });
        timed("relu1 backward", 0, [&] { splot_relu_backward(ctx, da1, a1, da1, (long long)N * 32 * 676); });
        timed("conv1 backward-weights", c1,
              [&] { splot_conv2d_backward_weights(ctx, x0, da1, dw1, db1, N, 1, 28, 28, 32, 3, 3, 1, 1, 0, 0, 26, 26); });
        timed("adadelta (1,199,882 params)", 0, [&] { splot_adadelta(ctx, ap, ag, aa, ad, 1199882, 1.0f, 0.95f, 1e-7f); });
        /* the small ops of the step: their time is mostly fixed per-call cost */
        float *h2 = buf(N * 128, 40), *m2 = buf(N * 128, 41), *w4 = buf(10 * 128, 42), *b4 = buf(10, 43), *lg = buf(N * 10, 44),
              *dl = buf(N * 10, 45), *gh2 = buf(N * 128, 46), *dw4 = buf(10 * 128, 47), *db4 = buf(10, 48);
        int* lab = (int*)splot_alloc(N * 4);
        for (int i = 0; i < N; ++i) lab[i] = i % 10;
        timed("relu3 forward (128x128)", 0, [&] { splot_relu_forward(ctx, h, h, (long long)N * 128); });
        timed("dropout2 forward (128x128)", 0, [&] { splot_dropout_forward(ctx, h, h2, m2, (long long)N * 128, 0.5f, 42, 7, 6); });
        timed("dense2 forward (128x128->10)", 2.0 * N * 128 * 10, [&] { splot_dense_forward(ctx, h2, w4, b4, lg, N, 128, 10); });
        timed("softmax xent (128x10)", 0, [&] {
            double l;
            int c;
            splot_softmax_xent(ctx, lg, lab, dl, N, 10, &l, &c);
        });
        timed("dense2 backward", 4.0 * N * 128 * 10, [&] { splot_dense_backward(ctx, dl, h2, w4, gh2, dw4, db4, N, 128, 10); });
        timed("dropout2 backward (128x128)", 0, [&] { splot_dropout_backward(ctx, gh2, m2, gh2, (long long)N * 128); });
        timed("relu3 backward (128x128)", 0, [&] { splot_relu_backward(ctx, gh2, h, gh2, (long long)N * 128); });
        {
            const long long sizes[8] = {288, 32, 18432, 64, 1179648, 128, 1280, 10};
            long long off = 0;
            for (int t = 0; t < 8; ++t) {
                char name[64];
                snprintf(name, sizeof name, "adadelta %lld", sizes[t]);
                const long long o = off;
                timed(name, 0, [&] { splot_adadelta(ctx, ap + o, ag + o, aa + o, ad + o, sizes[t], 1.0f, 0.95f, 1e-7f); }, false);
                off += sizes[t];
            }
        }
        printf("%-34s %9.3f %9.3f  (sum of the step's ops; x469 steps = %.1f s wall, %.1f s by CPU time per epoch)\n",
               "training step (ops only)", total, totalCpu, total * 469e-3, totalCpu * 469e-3);
        /* Each fused op (splot.h) against the primitives it replaces, on the same buffers: the two
         * alternate, rep by rep, so both see the same machine load; best cpu ms/T of each. */
        printf("%-34s %9s %9s %9s\n", "fused op vs its primitives", "prims cpu", "fused cpu", "fused/prims");
        double pairs = 0, fusedOps = 0;
        auto ab = [&](const char* name, auto primitives, auto fused) {
            if (only && !strstr(name, only)) return;
            primitives();
            fused();
            double best[2] = {1e30, 1e30};
            for (int r = 0; r < reps; ++r) {
                double c = cpu_now();
                primitives();
                best[0] = std::min(best[0], cpu_now() - c);
                c = cpu_now();
                fused();
                best[1] = std::min(best[1], cpu_now() - c);
            }
            pairs += best[0] * 1e3 / T;
            fusedOps += best[1] * 1e3 / T;
            printf("%-34s %9.3f %9.3f %9.3f\n", name, best[0] * 1e3 / T, best[1] * 1e3 / T, best[1] / best[0]);
        };
        ab("conv1 forward + relu1", [&] {
            splot_conv2d_forward(ctx, x0, w1, b1, a1, N, 1, 28, 28, 32, 3, 3, 1, 1, 0, 0, 26, 26);
            splot_relu_forward(ctx, a1, a1, (long long)N * 32 * 676);
        }, [&] { splot_conv2d_relu_forward(ctx, x0, w1, b1, a1, N, 1, 28, 28, 32, 3, 3, 1, 1, 0, 0, 26, 26); });
        ab("conv2 forward + relu2", [&] {
            splot_conv2d_forward(ctx, a1, w2, b2, a2, N, 32, 26, 26, 64, 3, 3, 1, 1, 0, 0, 24, 24);
            splot_relu_forward(ctx, a2, a2, (long long)N * 64 * 576);
        }, [&] { splot_conv2d_relu_forward(ctx, a1, w2, b2, a2, N, 32, 26, 26, 64, 3, 3, 1, 1, 0, 0, 24, 24); });
        ab("maxpool + dropout forward", [&] {
            splot_maxpool_forward(ctx, a2, p, arg, N, 64, 24, 24, 2, 2, 2, 2, 12, 12);
            splot_dropout_forward(ctx, p, pdrop, mask, (long long)N * 9216, 0.25f, 42, 7, 1);
        }, [&] { splot_maxpool_dropout_forward(ctx, a2, p, arg, pdrop, mask, N, 64, 24, 24, 2, 2, 2, 2, 12, 12, 0.25f, 42, 7, 1, 0); });
        ab("dropout+maxpool+relu2 backward", [&] {
            splot_dropout_backward(ctx, dp, mask, h2full, (long long)N * 9216);
            splot_maxpool_backward(ctx, h2full, arg, d2, N, 64, 24, 24, 12, 12);
            splot_relu_backward(ctx, d2, a2, d2, (long long)N * 64 * 576);
        }, [&] { splot_dropout_maxpool_relu_backward(ctx, dp, mask, arg, p, d2, N, 64, 24, 24, 12, 12); });
        ab("conv2 backward-data + relu1", [&] {
            splot_conv2d_backward_data(ctx, d2, w2, da1, N, 32, 26, 26, 64, 3, 3, 1, 1, 0, 0, 24, 24);
            splot_relu_backward(ctx, da1, a1, da1, (long long)N * 32 * 676);
        }, [&] { splot_conv2d_backward_data_relu(ctx, d2, w2, a1, da1, N, 32, 26, 26, 64, 3, 3, 1, 1, 0, 0, 24, 24); });
        printf("%-34s %9.3f %9.3f %9.3f  (step with the fused ops: %.3f cpu ms/T)\n", "all five", pairs, fusedOps,
               fusedOps / pairs, totalCpu - pairs + fusedOps);
        /* the forward from conv2's input to the pooled values, the ReLU output never stored (it overlaps the
         * second and third rows above, so it is outside their sum) */
        ab("conv2 forward + relu2 + maxpool", [&] {
            splot_conv2d_relu_forward(ctx, a1, w2, b2, a2, N, 32, 26, 26, 64, 3, 3, 1, 1, 0, 0, 24, 24);
            splot_maxpool_forward(ctx, a2, p, arg, N, 64, 24, 24, 2, 2, 2, 2, 12, 12);
        }, [&] { splot_conv2d_relu_maxpool_forward(ctx, a1, w2, b2, p, arg, N, 32, 26, 26, 64, 3, 3, 1, 1, 0, 0, 24, 24); });
        /* the whole backward from the pooled gradient to conv2's dx, dW and db (it overlaps the last two above);
         * argmax from a forward pass first (--only may have skipped them all) */
        splot_maxpool_forward(ctx, a2, p, arg, N, 64, 24, 24, 2, 2, 2, 2, 12, 12);
        ab("pool+relu2+conv2+relu1 backward", [&] {
            splot_dropout_backward(ctx, dp, mask, h2full, (long long)N * 9216);
            splot_maxpool_backward(ctx, h2full, arg, d2, N, 64, 24, 24, 12, 12);
            splot_relu_backward(ctx, d2, a2, d2, (long long)N * 64 * 576);
            splot_conv2d_backward_weights(ctx, a1, d2, dw2, db2, N, 32, 26, 26, 64, 3, 3, 1, 1, 0, 0, 24, 24);
            splot_conv2d_backward_data(ctx, d2, w2, da1, N, 32, 26, 26, 64, 3, 3, 1, 1, 0, 0, 24, 24);
            splot_relu_backward(ctx, da1, a1, da1, (long long)N * 32 * 676);
        }, [&] {
            splot_pool_relu_conv2d_backward(ctx, dp, mask, arg, p, 12, 12, a1, w2, da1, a1, dw2, db2, N, 32, 26, 26, 64, 3, 3, 1, 1,
                                            0, 0, 24, 24);
        });
        splot_destroy(ctx);
    }
    return 0;
}
