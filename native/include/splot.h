/* splot native CPU backend: the C API that the Java side binds with JavaCPP.
 *
 * All tensors are row-major float32 (int32 for labels and max-pool argmax) in memory from
 * splot_alloc. Shapes are checked on the Java side (AbstractBackend); these functions trust them.
 * Every operation overwrites its outputs and gives bit-identical results for any thread count. */
#ifndef SPLOT_H
#define SPLOT_H

#ifdef __cplusplus
extern "C" {
#endif

/* ---- context: chosen instruction set + thread count ---------------------------------------- */

/* isa: "auto", "scalar", "avx2" or "avx512"; threads <= 0 means all cores.
 * Returns NULL and writes the reason into err (errlen bytes) when the ISA is unknown or the
 * CPU lacks it. */
void* splot_create(const char* isa, int threads, char* err, int errlen);
void splot_destroy(void* ctx);
/* The chosen path: "scalar", "avx2" or "avx512". */
const char* splot_isa(void* ctx);
int splot_threads(void* ctx);
/* Algorithm for 3x3 stride-1 convolutions: "auto" (the default: Winograd F(4x4,3x3) where both
 * channel counts are >= 8, GEMM otherwise), "gemm" (implicit GEMM / im2col), "winograd2" or
 * "winograd4" (Winograd F(2x2,3x3) / F(4x4,3x3) wherever it applies; "winograd" is accepted as
 * "winograd4"). Other kernel sizes and strides always use GEMM. Returns 0 when the name is
 * unknown (the setting is then unchanged). */
int splot_set_conv_algorithm(void* ctx, const char* name);
const char* splot_conv_algorithm(void* ctx);
/* The best path this CPU supports ("avx512", "avx2" or "scalar"). */
const char* splot_best_isa(void);
/* 1 when the CPU can run the named path, 0 otherwise. */
int splot_cpu_supports(const char* isa);
/* Number of cores OpenMP sees. */
int splot_max_threads(void);
/* Peak single-precision FMA throughput of the context's ISA, in GFLOP/s (2 FLOP per lane per
 * FMA), measured with an FMA loop on `threads` threads for about `seconds`. */
double splot_peak_gflops(void* ctx, int threads, double seconds);

/* ---- memory --------------------------------------------------------------------------------- */

/* 64-byte aligned, zero-filled; NULL when out of memory. Freed blocks of 128 KiB and more go back to
 * the operating system at once (tensor_memory.cpp says why). */
void* splot_alloc(long long bytes);
void splot_free(void* p);
void splot_fill(void* ctx, float* t, long long n, float value);
void splot_copy(void* ctx, const float* src, float* dst, long long n);

/* ---- operations ----------------------------------------------------------------------------- */

void splot_conv2d_forward(void* ctx, const float* x, const float* w, const float* b, float* y,
                          int n, int c, int h, int wd, int o, int kh, int kw, int sh, int sw,
                          int pt, int pl, int oh, int ow);
void splot_conv2d_backward_data(void* ctx, const float* dy, const float* w, float* dx,
                                int n, int c, int h, int wd, int o, int kh, int kw, int sh, int sw,
                                int pt, int pl, int oh, int ow);
void splot_conv2d_backward_weights(void* ctx, const float* x, const float* dy, float* dw, float* db,
                                   int n, int c, int h, int wd, int o, int kh, int kw, int sh, int sw,
                                   int pt, int pl, int oh, int ow);
void splot_maxpool_forward(void* ctx, const float* x, float* y, int* argmax,
                           int n, int c, int h, int w, int ph, int pw, int sh, int sw, int oh, int ow);
/* Returns 0, or 1 where an argmax entry lies outside its own plane of x (not maxpool_forward's): such
 * entries are skipped, never followed, and dx is then not the gradient. */
int splot_maxpool_backward(void* ctx, const float* dy, const int* argmax, float* dx,
                           int n, int c, int h, int w, int oh, int ow);
void splot_relu_forward(void* ctx, const float* x, float* y, long long n);
void splot_relu_backward(void* ctx, const float* dy, const float* y, float* dx, long long n);
void splot_dropout_forward(void* ctx, const float* x, float* y, float* mask, long long n,
                           float rate, long long seed, long long step, int layer);
void splot_dropout_backward(void* ctx, const float* dy, const float* mask, float* dx, long long n);
/* y[n,out] = x[n,in] w[out,in]^T + b */
void splot_dense_forward(void* ctx, const float* x, const float* w, const float* b, float* y,
                         int n, int in, int out);
/* dx = dy w (skipped when dx is NULL), dw = dy^T x, db = column sums of dy */
void splot_dense_backward(void* ctx, const float* dy, const float* x, const float* w, float* dx,
                          float* dw, float* db, int n, int in, int out);
/* Returns -1 on success, else the first row whose label is outside [0, k). dlogits may be NULL. */
int splot_softmax_xent(void* ctx, const float* logits, const int* labels, float* dlogits,
                       int n, int k, double* loss_out, int* correct_out);
void splot_softmax(void* ctx, const float* logits, float* probs, int n, int k);
void splot_adadelta(void* ctx, float* param, const float* grad, float* acc_grad, float* acc_delta,
                    long long n, float lr, float rho, float eps);
/* SGD as torch.optim.SGD; momentum_buffer is NULL exactly when momentum is 0; first_step sets the buffer to the
 * gradient instead of averaging it in. */
void splot_sgd(void* ctx, float* param, const float* grad, float* momentum_buffer, long long n, float lr,
               float momentum, float dampening, float weight_decay, int nesterov, int first_step);
/* Adam / AdamW: p = p * decay; d = g + l2 * p (when l2 != 0); exp_avg, exp_avg_sq averaged with beta1, beta2;
 * p -= step_size * (exp_avg / (sqrt(exp_avg_sq) / bias2_sqrt + eps)). */
void splot_adam(void* ctx, float* param, const float* grad, float* exp_avg, float* exp_avg_sq, long long n,
                float beta1, float beta2, float eps, float l2, float decay, float step_size, float bias2_sqrt);

/* Average pooling: each window's float sum in row-major order divided by ph*pw; backward adds
 * dy / (ph*pw) to every element of each window (dx overwritten). */
void splot_avgpool_forward(void* ctx, const float* x, float* y, int n, int c, int h, int w,
                           int ph, int pw, int sh, int sw, int oh, int ow);
void splot_avgpool_backward(void* ctx, const float* dy, float* dx, int n, int c, int h, int w,
                            int ph, int pw, int sh, int sw, int oh, int ow);
/* Batch normalisation per channel of x[n,c,h,w] (semantics: Backend.batchNormForwardTraining and
 * the two methods after it in the Java interface). Training writes the batch mean and 1/sqrt(var+eps)
 * for backward and updates the running statistics in place; it needs n*h*w > 1. */
void splot_batchnorm_forward_training(void* ctx, const float* x, const float* gamma, const float* beta,
                                      float* y, float* mean, float* invstd, float* running_mean,
                                      float* running_var, int n, int c, int h, int w, float momentum,
                                      float eps);
void splot_batchnorm_forward_inference(void* ctx, const float* x, const float* gamma, const float* beta,
                                       const float* running_mean, const float* running_var, float* y,
                                       int n, int c, int h, int w, float eps);
void splot_batchnorm_backward(void* ctx, const float* dy, const float* x, const float* gamma,
                              const float* mean, const float* invstd, float* dx, float* dgamma,
                              float* dbeta, int n, int c, int h, int w);

/* Dropout on elements first, first+1, ... of the mask stream (a data-parallel worker's slice of a
 * larger batch): mask[i] = Philox.dropoutScale(seed, step, layer, first + i, rate), any alignment of
 * first; splot_dropout_forward is first = 0. */
void splot_dropout_forward_at(void* ctx, const float* x, float* y, float* mask, long long n,
                              float rate, long long seed, long long step, int layer, long long first);

/* ---- fused operations: the bits of the primitives they stand for, in one pass --------------- */

/* y = relu(conv2d_forward(x, w, b)): the ReLU applied where the convolution stores its output. */
void splot_conv2d_relu_forward(void* ctx, const float* x, const float* w, const float* b, float* y,
                               int n, int c, int h, int wd, int o, int kh, int kw, int sh, int sw,
                               int pt, int pl, int oh, int ow);
/* dx = relu_backward(conv2d_backward_data(dy, w), relu_y): relu_y is the output of the ReLU whose
 * output is the convolution's input (shaped as dx); dx is zero wherever relu_y is not positive. */
void splot_conv2d_backward_data_relu(void* ctx, const float* dy, const float* w, const float* relu_y, float* dx,
                                     int n, int c, int h, int wd, int o, int kh, int kw, int sh, int sw,
                                     int pt, int pl, int oh, int ow);
/* maxpool_forward(relu(conv2d_forward(x, w, b))) with 2x2 windows at stride 2 into pooled and argmax
 * ([n, o, oh/2, ow/2]; argmax: flat indices into the convolution's [n, o, oh, ow] output), without
 * storing the convolution's output. Returns 0 when done, 1 (nothing written) where the convolution takes
 * no F(4x4) Winograd path: the caller then runs the ops one by one. */
int splot_conv2d_relu_maxpool_forward(void* ctx, const float* x, const float* w, const float* b, float* pooled, int* argmax,
                                      int n, int c, int h, int wd, int o, int kh, int kw, int sh, int sw, int pt, int pl,
                                      int oh, int ow);
/* maxpool_forward into pooled and argmax, then dropout_forward_at of pooled into y (mask written), in one pass. */
void splot_maxpool_dropout_forward(void* ctx, const float* x, float* pooled, int* argmax, float* y, float* mask,
                                   int n, int c, int h, int w, int ph, int pw, int sh, int sw, int oh, int ow,
                                   float rate, long long seed, long long step, int layer, long long first);
/* dx = relu_backward(maxpool_backward(dy * mask, argmax), relu_y), where relu_y is the pooling's input,
 * from pooled, the pooling's output (shaped as dy): relu_y at each argmax is the pooled value there, so
 * the gradient passes where pooled is positive, the same bits. Returns 0, or 1 for an argmax outside
 * its plane, as splot_maxpool_backward. */
int splot_dropout_maxpool_relu_backward(void* ctx, const float* dy, const float* mask, const int* argmax,
                                        const float* pooled, float* dx, int n, int c, int h, int w, int oh, int ow);
/* The convolution's backward passes from the gradient of a max-pool + dropout after its ReLU:
 * d = dropout_maxpool_relu_backward(pdy, mask, argmax, pooled) (the convolution's output gradient,
 * [n, o, oh, ow]; pooled size pooled_h x pooled_w; never stored), then conv2d_backward_weights(x, d) into dw, db
 * and, where dx is not NULL, conv2d_backward_data(d, w) into dx, zero wherever in_relu_y (the ReLU
 * before the convolution, shaped as x; NULL: none) is not positive. Returns 0 when done, 1 (nothing
 * written) where this convolution has no fused path (not a Winograd one): the caller then runs the
 * ops one by one; 2 where an argmax entry lies outside its plane (skipped, as splot_maxpool_backward). */
int splot_pool_relu_conv2d_backward(void* ctx, const float* pdy, const float* mask, const int* argmax,
                                    const float* pooled, int pooled_h, int pooled_w, const float* x, const float* w,
                                    float* dx, const float* in_relu_y, float* dw, float* db, int n, int c,
                                    int h, int wd, int o, int kh, int kw, int sh, int sw, int pt, int pl,
                                    int oh, int ow);

/* Plain SGEMM for benchmarks: C[m,n] = A[m,k] B[k,n], all row-major. */
void splot_sgemm(void* ctx, int m, int n, int k, const float* a, const float* b, float* c);

#ifdef __cplusplus
}
#endif
#endif
