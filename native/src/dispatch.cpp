/* The C API (splot.h): chooses the instruction-set path once per context with
 * __builtin_cpu_supports, forwards each call to that path's table, owns memory and scratch
 * buffers. Compiled without -m flags so that it runs on any x86-64 CPU. On other architectures
 * (cmake/SplotIsa.cmake builds isa_scalar.cpp only there) the x86 parts below are compiled out
 * and "scalar" is the one path. */
#include "splot.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "splot_internal.h"

namespace {

struct Context {
    const splot_ops* ops;
    int threads;
    int conv_algo; /* SPLOT_CONV_* */
};
const char* const CONV_ALGOS[] = {"auto", "gemm", "winograd2", "winograd4"};
/* "winograd" names the Winograd tile size that measured fastest for conv2 (native/README.md) */
const char* const CONV_ALIAS_WINOGRAD = "winograd4";

bool cpu_has(const char* isa) {
    if (strcmp(isa, "scalar") == 0) return true;
#if defined(__x86_64__) /* the same condition as ops_for's AVX tables: the best path must have a table */
    __builtin_cpu_init();
    if (strcmp(isa, "avx2") == 0) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (strcmp(isa, "avx512") == 0)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma");
#endif
    return false;
}

const splot_ops* ops_for(const char* isa) {
    if (strcmp(isa, "scalar") == 0) return splot_ops_scalar();
#if defined(__x86_64__)
    if (strcmp(isa, "avx2") == 0) return splot_ops_avx2();
    if (strcmp(isa, "avx512") == 0) return splot_ops_avx512();
#endif
    return nullptr;
}

inline const splot_ops* O(void* ctx) { return static_cast<Context*>(ctx)->ops; }
inline int T(void* ctx) { return static_cast<Context*>(ctx)->threads; }

struct ScratchSlots {
    float* p[SCRATCH_SLOTS];
    size_t cap[SCRATCH_SLOTS];
    unsigned held; /* bit s: slot s is held (splot_scratch_hold .. splot_scratch_release) */
};
const char* const SCRATCH_NAMES[SCRATCH_SLOTS] = {"TASK_INPUT", "TASK_TEMP1", "TASK_TEMP2", "TASK_TEMP3",
                                                  "TASK_TEMP4", "OP_WEIGHTS", "OP_TABLE",   "OP_PACKED"};
thread_local ScratchSlots tls_scratch;

}  // namespace

extern "C" {

float* splot_scratch_hold(splot_scratch_slot slot, size_t floats) {
    ScratchSlots& s = tls_scratch;
    if (s.held & (1u << slot)) {
        fprintf(stderr, "splot: scratch slot %s taken twice on one thread (two live buffers would share it)\n",
                SCRATCH_NAMES[slot]);
        abort();
    }
    s.held |= 1u << slot;
    if (floats == 0) floats = 1;
#ifdef SPLOT_SCRATCH_EXACT /* sanitizer builds: every request gets a buffer of exactly its size */
    if (s.cap[slot] != floats) {
#else
    if (s.cap[slot] < floats) {
#endif
        free(s.p[slot]);
#ifdef SPLOT_SCRATCH_EXACT
        size_t bytes = floats * sizeof(float);
        void* p = nullptr;
        s.p[slot] = posix_memalign(&p, 64, bytes) == 0 ? static_cast<float*>(p) : nullptr;
#else
        size_t bytes = ((floats * sizeof(float) + 63) / 64) * 64;
        s.p[slot] = static_cast<float*>(aligned_alloc(64, bytes));
#endif
        if (!s.p[slot]) {
            fprintf(stderr, "splot: out of memory for a %zu-byte scratch buffer\n", bytes);
            abort();
        }
        s.cap[slot] = floats;
    }
    return s.p[slot];
}

void splot_scratch_release(splot_scratch_slot slot) { tls_scratch.held &= ~(1u << slot); }

double splot_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

const char* splot_best_isa(void) {
    if (cpu_has("avx512")) return "avx512";
    if (cpu_has("avx2")) return "avx2";
    return "scalar";
}

int splot_cpu_supports(const char* isa) { return isa && ops_for(isa) && cpu_has(isa) ? 1 : 0; }

int splot_max_threads(void) { return omp_get_num_procs(); }

void* splot_create(const char* isa, int threads, char* err, int errlen) {
    if (!isa || !*isa || strcmp(isa, "auto") == 0) isa = splot_best_isa();
    const splot_ops* ops = ops_for(isa);
    if (!ops) {
        const bool x86_path = strcmp(isa, "avx2") == 0 || strcmp(isa, "avx512") == 0;
        if (err && errlen > 0 && x86_path)
            snprintf(err, errlen, "the '%s' path is x86-64 code, not built for this architecture (its one path is scalar)", isa);
        else if (err && errlen > 0)
            snprintf(err, errlen, "unknown instruction set '%s' (expected auto, scalar, avx2 or avx512)", isa);
        return nullptr;
    }
    if (!cpu_has(isa)) {
        if (err && errlen > 0)
            snprintf(err, errlen, "this CPU does not support the '%s' path (best supported: %s)", isa, splot_best_isa());
        return nullptr;
    }
    Context* c = static_cast<Context*>(malloc(sizeof(Context)));
    c->ops = ops;
    c->threads = threads > 0 ? threads : omp_get_num_procs();
    c->conv_algo = SPLOT_CONV_AUTO;
    return c;
}

void splot_destroy(void* ctx) { free(ctx); }
const char* splot_isa(void* ctx) { return O(ctx)->name; }
int splot_threads(void* ctx) { return T(ctx); }
int splot_set_conv_algorithm(void* ctx, const char* name) {
    if (name && strcmp(name, "winograd") == 0) name = CONV_ALIAS_WINOGRAD;
    for (int a = 0; a < (int)(sizeof CONV_ALGOS / sizeof *CONV_ALGOS); ++a)
        if (name && strcmp(name, CONV_ALGOS[a]) == 0) {
            static_cast<Context*>(ctx)->conv_algo = a;
            return 1;
        }
    return 0;
}
const char* splot_conv_algorithm(void* ctx) { return CONV_ALGOS[static_cast<Context*>(ctx)->conv_algo]; }

double splot_peak_gflops(void* ctx, int threads, double seconds) {
    if (threads <= 0) threads = T(ctx);
    const splot_ops* ops = O(ctx);
    double flops = 0.0;
    const double t0 = splot_now();
#pragma omp parallel num_threads(threads) reduction(+ : flops)
    { flops += ops->fma_loop(seconds); }
    return flops / (splot_now() - t0) * 1e-9;
}

void splot_fill(void* ctx, float* t, long long n, float value) { O(ctx)->fill(T(ctx), t, n, value); }
void splot_copy(void* ctx, const float* src, float* dst, long long n) { O(ctx)->copy(T(ctx), src, dst, n); }

#define GEOM splot_conv_geom g = {n, c, h, wd, o, kh, kw, sh, sw, pt, pl, oh, ow, static_cast<Context*>(ctx)->conv_algo, 0, nullptr, nullptr, nullptr}

void splot_conv2d_forward(void* ctx, const float* x, const float* w, const float* b, float* y, int n, int c, int h, int wd,
                          int o, int kh, int kw, int sh, int sw, int pt, int pl, int oh, int ow) {
    GEOM;
    O(ctx)->conv_fwd(T(ctx), x, w, b, y, &g);
}

void splot_conv2d_backward_data(void* ctx, const float* dy, const float* w, float* dx, int n, int c, int h, int wd, int o,
                                int kh, int kw, int sh, int sw, int pt, int pl, int oh, int ow) {
    GEOM;
    O(ctx)->conv_bwd_data(T(ctx), dy, w, dx, &g);
}

void splot_conv2d_backward_weights(void* ctx, const float* x, const float* dy, float* dw, float* db, int n, int c, int h,
                                   int wd, int o, int kh, int kw, int sh, int sw, int pt, int pl, int oh, int ow) {
    GEOM;
    O(ctx)->conv_bwd_weights(T(ctx), x, dy, dw, db, &g);
}

void splot_maxpool_forward(void* ctx, const float* x, float* y, int* argmax, int n, int c, int h, int w, int ph, int pw,
                           int sh, int sw, int oh, int ow) {
    O(ctx)->maxpool_fwd(T(ctx), x, y, argmax, n, c, h, w, ph, pw, sh, sw, oh, ow);
}

int splot_maxpool_backward(void* ctx, const float* dy, const int* argmax, float* dx, int n, int c, int h, int w, int oh,
                           int ow) {
    return O(ctx)->maxpool_bwd(T(ctx), dy, argmax, dx, n, c, h, w, oh, ow);
}

void splot_relu_forward(void* ctx, const float* x, float* y, long long n) { O(ctx)->relu_fwd(T(ctx), x, y, n); }
void splot_relu_backward(void* ctx, const float* dy, const float* y, float* dx, long long n) {
    O(ctx)->relu_bwd(T(ctx), dy, y, dx, n);
}

void splot_dropout_forward(void* ctx, const float* x, float* y, float* mask, long long n, float rate, long long seed,
                           long long step, int layer) {
    O(ctx)->dropout_fwd(T(ctx), x, y, mask, n, rate, (uint64_t)seed, (uint64_t)step, layer, 0);
}

void splot_dropout_forward_at(void* ctx, const float* x, float* y, float* mask, long long n, float rate, long long seed,
                              long long step, int layer, long long first) {
    O(ctx)->dropout_fwd(T(ctx), x, y, mask, n, rate, (uint64_t)seed, (uint64_t)step, layer, (uint64_t)first);
}

void splot_dropout_backward(void* ctx, const float* dy, const float* mask, float* dx, long long n) {
    O(ctx)->dropout_bwd(T(ctx), dy, mask, dx, n);
}

void splot_dense_forward(void* ctx, const float* x, const float* w, const float* b, float* y, int n, int in, int out) {
    O(ctx)->dense_fwd(T(ctx), x, w, b, y, n, in, out);
}

void splot_dense_backward(void* ctx, const float* dy, const float* x, const float* w, float* dx, float* dw, float* db, int n,
                          int in, int out) {
    O(ctx)->dense_bwd(T(ctx), dy, x, w, dx, dw, db, n, in, out);
}

int splot_softmax_xent(void* ctx, const float* logits, const int* labels, float* dlogits, int n, int k, double* loss_out,
                       int* correct_out) {
    return O(ctx)->softmax_xent(logits, labels, dlogits, n, k, loss_out, correct_out);
}

void splot_softmax(void* ctx, const float* logits, float* probs, int n, int k) { O(ctx)->softmax(logits, probs, n, k); }

void splot_adadelta(void* ctx, float* param, const float* grad, float* acc_grad, float* acc_delta, long long n, float lr,
                    float rho, float eps) {
    O(ctx)->adadelta(T(ctx), param, grad, acc_grad, acc_delta, n, lr, rho, eps);
}

void splot_sgd(void* ctx, float* param, const float* grad, float* momentum_buffer, long long n, float lr, float momentum,
               float dampening, float weight_decay, int nesterov, int first_step) {
    O(ctx)->sgd(T(ctx), param, grad, momentum_buffer, n, lr, momentum, dampening, weight_decay, nesterov, first_step);
}

void splot_adam(void* ctx, float* param, const float* grad, float* exp_avg, float* exp_avg_sq, long long n, float beta1,
                float beta2, float eps, float l2, float decay, float step_size, float bias2_sqrt) {
    O(ctx)->adam(T(ctx), param, grad, exp_avg, exp_avg_sq, n, beta1, beta2, eps, l2, decay, step_size, bias2_sqrt);
}

void splot_sgemm(void* ctx, int m, int n, int k, const float* a, const float* b, float* c) {
    O(ctx)->sgemm(T(ctx), m, n, k, a, b, c);
}

void splot_avgpool_forward(void* ctx, const float* x, float* y, int n, int c, int h, int w, int ph, int pw, int sh, int sw,
                           int oh, int ow) {
    O(ctx)->avgpool_fwd(T(ctx), x, y, n, c, h, w, ph, pw, sh, sw, oh, ow);
}

void splot_avgpool_backward(void* ctx, const float* dy, float* dx, int n, int c, int h, int w, int ph, int pw, int sh, int sw,
                            int oh, int ow) {
    O(ctx)->avgpool_bwd(T(ctx), dy, dx, n, c, h, w, ph, pw, sh, sw, oh, ow);
}

void splot_batchnorm_forward_training(void* ctx, const float* x, const float* gamma, const float* beta, float* y, float* mean,
                                      float* invstd, float* running_mean, float* running_var, int n, int c, int h, int w,
                                      float momentum, float eps) {
    O(ctx)->batchnorm_fwd_train(T(ctx), x, gamma, beta, y, mean, invstd, running_mean, running_var, n, c, h, w, momentum, eps);
}

void splot_batchnorm_forward_inference(void* ctx, const float* x, const float* gamma, const float* beta,
                                       const float* running_mean, const float* running_var, float* y, int n, int c, int h,
                                       int w, float eps) {
    O(ctx)->batchnorm_fwd_infer(T(ctx), x, gamma, beta, running_mean, running_var, y, n, c, h, w, eps);
}

void splot_batchnorm_backward(void* ctx, const float* dy, const float* x, const float* gamma, const float* mean,
                              const float* invstd, float* dx, float* dgamma, float* dbeta, int n, int c, int h, int w) {
    O(ctx)->batchnorm_bwd(T(ctx), dy, x, gamma, mean, invstd, dx, dgamma, dbeta, n, c, h, w);
}

void splot_conv2d_relu_forward(void* ctx, const float* x, const float* w, const float* b, float* y, int n, int c, int h, int wd,
                               int o, int kh, int kw, int sh, int sw, int pt, int pl, int oh, int ow) {
    GEOM;
    g.relu = 1;
    O(ctx)->conv_fwd(T(ctx), x, w, b, y, &g);
}

int splot_conv2d_relu_maxpool_forward(void* ctx, const float* x, const float* w, const float* b, float* pooled, int* argmax,
                                      int n, int c, int h, int wd, int o, int kh, int kw, int sh, int sw, int pt, int pl,
                                      int oh, int ow) {
    GEOM;
    g.relu = 1;
    g.pool_y = pooled;
    g.pool_arg = argmax;
    return O(ctx)->conv_relu_pool_fwd(T(ctx), x, w, b, &g);
}

void splot_conv2d_backward_data_relu(void* ctx, const float* dy, const float* w, const float* relu_y, float* dx, int n, int c,
                                     int h, int wd, int o, int kh, int kw, int sh, int sw, int pt, int pl, int oh, int ow) {
    GEOM;
    g.relu_y = relu_y;
    O(ctx)->conv_bwd_data(T(ctx), dy, w, dx, &g);
}

void splot_maxpool_dropout_forward(void* ctx, const float* x, float* pooled, int* argmax, float* y, float* mask, int n, int c,
                                   int h, int w, int ph, int pw, int sh, int sw, int oh, int ow, float rate, long long seed,
                                   long long step, int layer, long long first) {
    O(ctx)->maxpool_dropout_fwd(T(ctx), x, pooled, argmax, y, mask, n, c, h, w, ph, pw, sh, sw, oh, ow, rate, (uint64_t)seed,
                                (uint64_t)step, layer, (uint64_t)first);
}

int splot_dropout_maxpool_relu_backward(void* ctx, const float* dy, const float* mask, const int* argmax, const float* pooled,
                                        float* dx, int n, int c, int h, int w, int oh, int ow) {
    return O(ctx)->dropout_maxpool_relu_bwd(T(ctx), dy, mask, argmax, pooled, dx, n, c, h, w, oh, ow);
}

int splot_pool_relu_conv2d_backward(void* ctx, const float* pdy, const float* mask, const int* argmax, const float* pooled, int pooled_h,
                                    int pooled_w, const float* x, const float* w, float* dx, const float* in_relu_y, float* dw,
                                    float* db, int n, int c, int h, int wd, int o, int kh, int kw, int sh, int sw, int pt,
                                    int pl, int oh, int ow) {
    GEOM;
    g.relu_y = in_relu_y;
    return O(ctx)->pool_relu_conv_bwd(T(ctx), pdy, mask, argmax, pooled, pooled_h, pooled_w, x, w, dx, dw, db, &g);
}

}  // extern "C"
