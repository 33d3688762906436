/* Portable path: no intrinsics and no -m flags (x86-64 baseline, SSE2 at most by the
 * compiler's own choice). Same algorithms and blocking as the SIMD paths, with plain loops. */
#include <math.h>
#include <string.h>
#include "splot_internal.h"

namespace {

#define ISA_NAME "scalar"
constexpr int MR = 4, NR = 8;
/* K block: a KCMAX x NR panel of packed B stays in L1 while the tile walks down M */
constexpr int KCMAX = 256;

/* OFF = false: B is packed (row k at B + k*NR, aligned). OFF = true: row k is at B + koff[k]
 * (implicit GEMM straight from a padded image; unaligned). AROWS: A(i, k) at A[i*lda + k], rows
 * read in place instead of packed. */
template <bool OFF, int NRT = NR, bool AROWS = false, int MRT = MR>
static inline void ukernel_t(int K, const float* __restrict A, const float* __restrict B, const int* __restrict koff, float* C,
                             long ldc, const float* rowbias, bool accumulate, long lda = 0) {
    float c[MRT][NRT] = {};
    for (int k = 0; k < K; ++k) {
        for (int i = 0; i < MRT; ++i) {
            const float a = AROWS ? A[i * lda + k] : A[i];
            const float* b = OFF ? B + koff[k] : B;
            for (int j = 0; j < NRT; ++j) c[i][j] += a * b[j];
        }
        if (!AROWS) A += MRT;
        if (!OFF) B += NRT;
    }
    for (int i = 0; i < MRT; ++i) {
        const float bias = rowbias ? rowbias[i] : 0.0f;
        for (int j = 0; j < NRT; ++j) C[i * ldc + j] = (accumulate ? C[i * ldc + j] : bias) + c[i][j];
    }
}

/* A second, narrower panel width for GEMMs whose N it divides better (e.g. N = 128). */
constexpr int NR_ALT = 8;
constexpr int DR = 2, DC = 2;
/* The Winograd GEMMs' tile (winograd.hpp, wg_gemm_rows): the SGEMM's */
constexpr int WG_MR = MR, WG_NR = NR;

constexpr int DV = 4;

/* Four interleaved partial sums (k mod 4) per output, kept in vacc by dotkernel_acc. */
static inline void dotkernel_acc(int K, const float* const* a, const float* const* b, float* vacc) {
    for (int i = 0; i < DR; ++i)
        for (int j = 0; j < DC; ++j) {
            const float* x = a[i];
            const float* y = b[j];
            float* v = vacc + (i * DC + j) * DV;
            float s0 = v[0], s1 = v[1], s2 = v[2], s3 = v[3];
            int k = 0;
            for (; k + 4 <= K; k += 4) {
                s0 += x[k] * y[k];
                s1 += x[k + 1] * y[k + 1];
                s2 += x[k + 2] * y[k + 2];
                s3 += x[k + 3] * y[k + 3];
            }
            for (; k < K; ++k) s0 += x[k] * y[k];
            v[0] = s0, v[1] = s1, v[2] = s2, v[3] = s3;
        }
}
static inline float dot_reduce(const float* v) { return (v[0] + v[1]) + (v[2] + v[3]); }
static inline void dotkernel(int K, const float* const* a, const float* const* b, float* out) {
    float v[DR * DC * DV] = {};
    dotkernel_acc(K, a, b, v);
    for (int t = 0; t < DR * DC; ++t) out[t] = dot_reduce(v + t * DV);
}

/* Multiply + add (no FMA on this path); counts 2 FLOP per pair. */
static double fma_loop(double seconds) {
    float acc[16];
    volatile float mv = 0.9999999f, av = 1e-7f;
    const float m = mv, ad = av;
    for (int i = 0; i < 16; ++i) acc[i] = 1.0f + 0.001f * i;
    const double t0 = splot_now();
    long long iters = 0;
    do {
        for (int r = 0; r < (1 << 16); ++r)
            for (int i = 0; i < 16; ++i) acc[i] = acc[i] * m + ad;
        iters += 1 << 16;
    } while (splot_now() - t0 < seconds);
    float s = 0.0f;
    for (int i = 0; i < 16; ++i) s += acc[i];
    volatile float sink = s;
    (void)sink;
    return (double)iters * 16 * 2;
}

#include "ops.hpp"

}  // namespace

extern "C" const splot_ops* splot_ops_scalar(void) { return &OPS; }
