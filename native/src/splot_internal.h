/* Internal interface between the dispatcher (dispatch.cpp, compiled without -m flags) and the
 * per-ISA kernel files (isa_scalar.cpp, isa_avx2.cpp, isa_avx512.cpp), each of which fills one
 * table of function pointers. Only plain C types cross this boundary, so no inline code compiled
 * with one ISA's flags can be shared with (and run by) another path. */
#ifndef SPLOT_INTERNAL_H
#define SPLOT_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

/* Convolution algorithm for 3x3 stride-1 layers (other shapes always use the GEMM paths). */
enum { SPLOT_CONV_AUTO = 0, SPLOT_CONV_GEMM = 1, SPLOT_CONV_WINOGRAD2 = 2, SPLOT_CONV_WINOGRAD4 = 3 };

struct splot_conv_geom {
    int n, c, h, w, o, kh, kw, sh, sw, pt, pl, oh, ow;
    int algo; /* SPLOT_CONV_* */
    /* Epilogues of the fused ops, applied where the op stores its output (zero / NULL: none).
     * Forward: relu != 0 clamps y as relu_fwd. Backward-data: relu_y != NULL zeroes dx wherever
     * relu_y (the output of the ReLU before the convolution, shaped as x) is not positive, as relu_bwd.
     * Forward with pool_y (F(4x4) Winograd only, with relu): y is not stored; its 2x2 stride-2 max-pool goes
     * to pool_y [n, o, oh/2, ow/2] and the argmax (flat indices into the unstored y) to pool_arg, as maxpool_fwd. */
    int relu;
    const float* relu_y;
    float* pool_y;
    int* pool_arg;
};

struct splot_ops {
    const char* name;
    void (*conv_fwd)(int threads, const float* x, const float* w, const float* b, float* y, const splot_conv_geom* g);
    void (*conv_bwd_data)(int threads, const float* dy, const float* w, float* dx, const splot_conv_geom* g);
    void (*conv_bwd_weights)(int threads, const float* x, const float* dy, float* dw, float* db, const splot_conv_geom* g);
    void (*maxpool_fwd)(int threads, const float* x, float* y, int* arg, int n, int c, int h, int w, int ph, int pw,
                        int sh, int sw, int oh, int ow);
    int (*maxpool_bwd)(int threads, const float* dy, const int* arg, float* dx, int n, int c, int h, int w, int oh, int ow);
    void (*relu_fwd)(int threads, const float* x, float* y, long long n);
    void (*relu_bwd)(int threads, const float* dy, const float* y, float* dx, long long n);
    void (*dropout_fwd)(int threads, const float* x, float* y, float* mask, long long n, float rate, uint64_t seed,
                        uint64_t step, int layer, uint64_t first);
    void (*dropout_bwd)(int threads, const float* dy, const float* mask, float* dx, long long n);
    void (*dense_fwd)(int threads, const float* x, const float* w, const float* b, float* y, int n, int in, int out);
    void (*dense_bwd)(int threads, const float* dy, const float* x, const float* w, float* dx, float* dw, float* db,
                      int n, int in, int out);
    int (*softmax_xent)(const float* logits, const int* labels, float* dl, int n, int k, double* loss, int* correct);
    void (*softmax)(const float* logits, float* probs, int n, int k);
    void (*adadelta)(int threads, float* p, const float* g, float* ag, float* ad, long long n, float lr, float rho, float eps);
    void (*fill)(int threads, float* t, long long n, float v);
    void (*copy)(int threads, const float* s, float* d, long long n);
    void (*sgemm)(int threads, int m, int n, int k, const float* a, const float* b, float* c);
    /* FMA loop: runs for about `seconds` on this thread, returns the FLOPs done (2 per lane per FMA). */
    double (*fma_loop)(double seconds);
    void (*sgd)(int threads, float* p, const float* g, float* buf, long long n, float lr, float momentum, float dampening,
                float wd, int nesterov, int first);
    void (*adam)(int threads, float* p, const float* g, float* m, float* v, long long n, float beta1, float beta2, float eps,
                 float l2, float decay, float step_size, float bias2_sqrt);
    void (*avgpool_fwd)(int threads, const float* x, float* y, int n, int c, int h, int w, int ph, int pw, int sh, int sw,
                        int oh, int ow);
    void (*avgpool_bwd)(int threads, const float* dy, float* dx, int n, int c, int h, int w, int ph, int pw, int sh, int sw,
                        int oh, int ow);
    void (*batchnorm_fwd_train)(int threads, const float* x, const float* gamma, const float* beta, float* y, float* mean,
                                float* invstd, float* rmean, float* rvar, int n, int c, int h, int w, float momentum, float eps);
    void (*batchnorm_fwd_infer)(int threads, const float* x, const float* gamma, const float* beta, const float* rmean,
                                const float* rvar, float* y, int n, int c, int h, int w, float eps);
    void (*batchnorm_bwd)(int threads, const float* dy, const float* x, const float* gamma, const float* mean,
                          const float* invstd, float* dx, float* dgamma, float* dbeta, int n, int c, int h, int w);
    /* fused ops (fused.hpp): max-pool then dropout of its output; dropout, max-pool and ReLU backward */
    void (*maxpool_dropout_fwd)(int threads, const float* x, float* pooled, int* arg, float* y, float* mask, int n, int c, int h,
                                int w, int ph, int pw, int sh, int sw, int oh, int ow, float rate, uint64_t seed, uint64_t step,
                                int layer, uint64_t first);
    int (*dropout_maxpool_relu_bwd)(int threads, const float* dy, const float* mask, const int* arg, const float* pooled, float* dx,
                                     int n, int c, int h, int w, int oh, int ow);
    /* (conv.hpp) returns 1 where it does not apply, see splot_pool_relu_conv2d_backward */
    /* (conv.hpp) max-pool of relu(conv_fwd) via g->pool_y; returns 1 where it does not apply, see
     * splot_conv2d_relu_maxpool_forward */
    int (*conv_relu_pool_fwd)(int threads, const float* x, const float* w, const float* b, const splot_conv_geom* g);
    int (*pool_relu_conv_bwd)(int threads, const float* pdy, const float* mask, const int* arg, const float* pooled, int pooled_h, int pooled_w,
                              const float* x, const float* w, float* dx, float* dw, float* db, const splot_conv_geom* g);
};

/* Scratch slots by lifetime. Op-wide: taken on the calling thread before an op's parallel region,
 * shared by all its tasks until the op returns. Task: taken inside one task, private to it. */
enum splot_scratch_slot {
    SCRATCH_TASK_INPUT = 0, /* the task's copy of its input: padded plane, packed B panel, im2col columns */
    SCRATCH_TASK_TEMP1,     /* the task's intermediates (transformed data, partial results) */
    SCRATCH_TASK_TEMP2,
    SCRATCH_TASK_TEMP3,
    SCRATCH_TASK_TEMP4,
    SCRATCH_OP_WEIGHTS,     /* transformed weights: flipped (stride-1 backward-data), Winograd U */
    SCRATCH_OP_TABLE,       /* row-offset table (implicit GEMM, Winograd) or the packed B all tasks share */
    SCRATCH_OP_PACKED,      /* packed A (weights), or the batch chunks' partial weight gradients */
    SCRATCH_SLOTS
};

extern "C" {
const splot_ops* splot_ops_scalar(void);
const splot_ops* splot_ops_avx2(void);
const splot_ops* splot_ops_avx512(void);
/* A 64-byte aligned buffer of at least `floats` floats, private to the calling thread, in one of
 * SCRATCH_SLOTS slots; kept between calls (grown when needed), so hot loops do not allocate. The
 * slot is held until splot_scratch_release: holding a slot this thread already holds is an abort
 * naming the slot, never two live buffers in one. The ops take them through Scratch<T>
 * (scratch.hpp), which also lists what each op keeps in which slot. */
float* splot_scratch_hold(splot_scratch_slot slot, size_t floats);
void splot_scratch_release(splot_scratch_slot slot);
double splot_now(void);
}
#endif
