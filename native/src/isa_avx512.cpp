/* AVX-512 path (compiled with -mavx512f -mavx512vl -mavx512bw -mavx512dq -mfma): 8x48 packed
 * SGEMM tile (24 zmm accumulators) and 4x6 dot-product tile. Only reached when the dispatcher
 * has seen the CPU support AVX-512F/VL/BW/DQ. */
#include <immintrin.h>
#include <math.h>
#include <string.h>
#include "splot_internal.h"

namespace {

#define ISA_NAME "avx512"
constexpr int MR = 8, NV = 3, NR = 16 * NV;

/* C[MR x NR] (ldc) = sum_k A[k*MR + i] B[k*NR + j] (+ rowbias[i]); A, B packed, B 64-byte aligned. */
static inline void ukernel(int K, const float* __restrict A, const float* __restrict B, float* C, long ldc, const float* rowbias) {
    __m512 c[MR][NV];
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) c[i][v] = _mm512_setzero_ps();
    for (int k = 0; k < K; ++k) {
        __m512 b[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) b[v] = _mm512_load_ps(B + 16 * v);
#pragma GCC unroll 32
        for (int i = 0; i < MR; ++i) {
            const __m512 a = _mm512_set1_ps(A[i]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) c[i][v] = _mm512_fmadd_ps(a, b[v], c[i][v]);
        }
        A += MR;
        B += NR;
    }
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
        const __m512 bias = rowbias ? _mm512_set1_ps(rowbias[i]) : _mm512_setzero_ps();
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) _mm512_storeu_ps(C + i * ldc + 16 * v, _mm512_add_ps(c[i][v], bias));
    }
}

constexpr int DR = 4, DC = 6;

/* out[i*DC + j] = sum_k a[i][k] b[j][k]: 16 lanes of partial sums, then a fixed reduction. */
static inline void dotkernel(int K, const float* const* a, const float* const* b, float* out) {
    __m512 c[DR][DC];
#pragma GCC unroll 32
    for (int i = 0; i < DR; ++i)
#pragma GCC unroll 8
        for (int j = 0; j < DC; ++j) c[i][j] = _mm512_setzero_ps();
    const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3];
    int k = 0;
    for (; k + 16 <= K; k += 16) {
        const __m512 av[DR] = {_mm512_loadu_ps(a0 + k), _mm512_loadu_ps(a1 + k), _mm512_loadu_ps(a2 + k), _mm512_loadu_ps(a3 + k)};
#pragma GCC unroll 8
        for (int j = 0; j < DC; ++j) {
            const __m512 bv = _mm512_loadu_ps(b[j] + k);
#pragma GCC unroll 4
            for (int i = 0; i < DR; ++i) c[i][j] = _mm512_fmadd_ps(av[i], bv, c[i][j]);
        }
    }
    if (k < K) {
        const __mmask16 m = (__mmask16)((1u << (K - k)) - 1u);
        const __m512 av[DR] = {_mm512_maskz_loadu_ps(m, a0 + k), _mm512_maskz_loadu_ps(m, a1 + k),
                               _mm512_maskz_loadu_ps(m, a2 + k), _mm512_maskz_loadu_ps(m, a3 + k)};
#pragma GCC unroll 8
        for (int j = 0; j < DC; ++j) {
            const __m512 bv = _mm512_maskz_loadu_ps(m, b[j] + k);
#pragma GCC unroll 4
            for (int i = 0; i < DR; ++i) c[i][j] = _mm512_fmadd_ps(av[i], bv, c[i][j]);
        }
    }
#pragma GCC unroll 32
    for (int i = 0; i < DR; ++i)
#pragma GCC unroll 8
        for (int j = 0; j < DC; ++j) {
            const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(c[i][j]),
                                           _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(c[i][j]), 1)));
            __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
            q = _mm_add_ps(q, _mm_movehl_ps(q, q));
            q = _mm_add_ss(q, _mm_movehdup_ps(q));
            out[i * DC + j] = _mm_cvtss_f32(q);
        }
}

static double fma_loop(double seconds) {
    __m512 acc[12];
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(1.0f + 0.001f * i);
    const __m512 m = _mm512_set1_ps(0.9999999f), add = _mm512_set1_ps(1e-7f);
    const double t0 = splot_now();
    long long iters = 0;
    do {
        for (int r = 0; r < (1 << 16); ++r) {
#pragma GCC unroll 12
            for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], m, add);
        }
        iters += 1 << 16;
    } while (splot_now() - t0 < seconds);
    __m512 s = acc[0];
    for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, acc[i]);
    volatile float sink = _mm512_reduce_add_ps(s);
    (void)sink;
    return (double)iters * 12 * 16 * 2;
}

#include "ops.hpp"

}  // namespace

extern "C" const splot_ops* splot_ops_avx512(void) { return &OPS; }
