/* AVX2 + FMA path (compiled with -mavx2 -mfma): 6x16 packed SGEMM tile (12 ymm accumulators) and
 * 3x4 dot-product tile. Only reached when the dispatcher has seen the CPU support AVX2 and FMA. */
#include <immintrin.h>
#include <math.h>
#include <string.h>
#include "splot_internal.h"

namespace {

#define ISA_NAME "avx2"
constexpr int MR = 6, NV = 2, NR = 8 * NV;
/* K block: a KCMAX x NR panel of packed B stays in L1 while the tile walks down M */
constexpr int KCMAX = 384;

/* OFF = false: B is packed (row k at B + k*NR, aligned). OFF = true: row k is at B + koff[k]
 * (implicit GEMM straight from a padded image; unaligned). */
template <bool OFF, int NRT = NR>
static inline void ukernel_t(int K, const float* __restrict A, const float* __restrict B, const int* __restrict koff, float* C,
                             long ldc, const float* rowbias, bool accumulate) {
    constexpr int NVT = NRT / 8;
    __m256 c[MR][NVT];
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
        for (int v = 0; v < NVT; ++v) c[i][v] = _mm256_setzero_ps();
    for (int k = 0; k < K; ++k) {
        __m256 b[NVT];
#pragma GCC unroll 4
        for (int v = 0; v < NVT; ++v) b[v] = OFF ? _mm256_loadu_ps(B + koff[k] + 8 * v) : _mm256_load_ps(B + 8 * v);
#pragma GCC unroll 32
        for (int i = 0; i < MR; ++i) {
            const __m256 a = _mm256_broadcast_ss(A + i);
#pragma GCC unroll 4
            for (int v = 0; v < NVT; ++v) c[i][v] = _mm256_fmadd_ps(a, b[v], c[i][v]);
        }
        A += MR;
        if (!OFF) B += NRT;
    }
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
        if (accumulate) {
#pragma GCC unroll 4
            for (int v = 0; v < NVT; ++v)
                _mm256_storeu_ps(C + i * ldc + 8 * v, _mm256_add_ps(_mm256_loadu_ps(C + i * ldc + 8 * v), c[i][v]));
        } else {
            const auto bias = rowbias ? _mm256_set1_ps(rowbias[i]) : _mm256_setzero_ps();
#pragma GCC unroll 4
            for (int v = 0; v < NVT; ++v) _mm256_storeu_ps(C + i * ldc + 8 * v, _mm256_add_ps(bias, c[i][v]));
        }
    }
}

/* A second, narrower panel width for GEMMs whose N it divides better (e.g. N = 128). */
constexpr int NR_ALT = 16;
template <int NRT = NR>
static inline void ukernel(int K, const float* A, const float* B, float* C, long ldc, const float* rowbias, bool accumulate) {
    ukernel_t<false, NRT>(K, A, B, nullptr, C, ldc, rowbias, accumulate);
}
template <int NRT = NR>
static inline void ukernel_off(int K, const float* A, const float* B, const int* koff, float* C, long ldc, const float* rowbias,
                               bool accumulate) {
    ukernel_t<true, NRT>(K, A, B, koff, C, ldc, rowbias, accumulate);
}

constexpr int DR = 3, DC = 4;

constexpr int DV = 8;

template <bool ACC>
static inline void dotkernel_t(int K, const float* const* a, const float* const* b, float* out) {
    __m256 c[DR][DC];
#pragma GCC unroll 32
    for (int i = 0; i < DR; ++i)
#pragma GCC unroll 8
        for (int j = 0; j < DC; ++j) c[i][j] = ACC ? _mm256_loadu_ps(out + (i * DC + j) * DV) : _mm256_setzero_ps();
    const float *a0 = a[0], *a1 = a[1], *a2 = a[2];
    int k = 0;
    for (; k + 8 <= K; k += 8) {
        const __m256 av[DR] = {_mm256_loadu_ps(a0 + k), _mm256_loadu_ps(a1 + k), _mm256_loadu_ps(a2 + k)};
#pragma GCC unroll 8
        for (int j = 0; j < DC; ++j) {
            const __m256 bv = _mm256_loadu_ps(b[j] + k);
#pragma GCC unroll 4
            for (int i = 0; i < DR; ++i) c[i][j] = _mm256_fmadd_ps(av[i], bv, c[i][j]);
        }
    }
    if (k < K) {
        alignas(32) int lanes[8];
        for (int l = 0; l < 8; ++l) lanes[l] = (k + l < K) ? -1 : 0;
        const __m256i m = _mm256_load_si256((const __m256i*)lanes);
        const __m256 av[DR] = {_mm256_maskload_ps(a0 + k, m), _mm256_maskload_ps(a1 + k, m), _mm256_maskload_ps(a2 + k, m)};
#pragma GCC unroll 8
        for (int j = 0; j < DC; ++j) {
            const __m256 bv = _mm256_maskload_ps(b[j] + k, m);
#pragma GCC unroll 4
            for (int i = 0; i < DR; ++i) c[i][j] = _mm256_fmadd_ps(av[i], bv, c[i][j]);
        }
    }
#pragma GCC unroll 32
    for (int i = 0; i < DR; ++i)
#pragma GCC unroll 8
        for (int j = 0; j < DC; ++j) {
            if (ACC) {
                _mm256_storeu_ps(out + (i * DC + j) * DV, c[i][j]);
                continue;
            }
            __m128 q = _mm_add_ps(_mm256_castps256_ps128(c[i][j]), _mm256_extractf128_ps(c[i][j], 1));
            q = _mm_add_ps(q, _mm_movehl_ps(q, q));
            q = _mm_add_ss(q, _mm_movehdup_ps(q));
            out[i * DC + j] = _mm_cvtss_f32(q);
        }
}
static inline void dotkernel(int K, const float* const* a, const float* const* b, float* out) { dotkernel_t<false>(K, a, b, out); }
static inline void dotkernel_acc(int K, const float* const* a, const float* const* b, float* vacc) { dotkernel_t<true>(K, a, b, vacc); }
static inline float dot_reduce(const float* v) {
    const __m256 x = _mm256_loadu_ps(v);
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    q = _mm_add_ss(q, _mm_movehdup_ps(q));
    return _mm_cvtss_f32(q);
}

static double fma_loop(double seconds) {
    __m256 acc[12];
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(1.0f + 0.001f * i);
    const __m256 m = _mm256_set1_ps(0.9999999f), add = _mm256_set1_ps(1e-7f);
    const double t0 = splot_now();
    long long iters = 0;
    do {
        for (int r = 0; r < (1 << 16); ++r) {
#pragma GCC unroll 12
            for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], m, add);
        }
        iters += 1 << 16;
    } while (splot_now() - t0 < seconds);
    __m256 s = acc[0];
    for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
    alignas(32) float t[8];
    _mm256_store_ps(t, s);
    volatile float sink = t[0];
    (void)sink;
    return (double)iters * 12 * 8 * 2;
}

/* Ten Philox4x32-10 rounds on 16 counters (two ymm of 8) at once (see philox16 in ops.hpp). */
#define SPLOT_HAVE_PHILOX_ROUNDS16 1
static inline __m256i mulhi32(__m256i a, __m256i m) {
    const __m256i even = _mm256_srli_epi64(_mm256_mul_epu32(a, m), 32);
    const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
    return _mm256_blend_epi32(even, odd, 0xAA);
}
static inline void philox_rounds16(uint32_t* x0p, uint32_t* x1p, uint32_t* x2p, uint32_t* x3p, uint32_t k0, uint32_t k1) {
    const __m256i m0 = _mm256_set1_epi32((int)0xD2511F53u), m1 = _mm256_set1_epi32((int)0xCD9E8D57u);
    for (int h = 0; h < 16; h += 8) {
        __m256i x0 = _mm256_load_si256((const __m256i*)(x0p + h)), x1 = _mm256_load_si256((const __m256i*)(x1p + h));
        __m256i x2 = _mm256_load_si256((const __m256i*)(x2p + h)), x3 = _mm256_load_si256((const __m256i*)(x3p + h));
        uint32_t a = k0, b = k1;
        for (int r = 0; r < 10; ++r) {
            const __m256i kk0 = _mm256_set1_epi32((int)a), kk1 = _mm256_set1_epi32((int)b);
            const __m256i hi0 = mulhi32(x0, m0), lo0 = _mm256_mullo_epi32(x0, m0);
            const __m256i hi1 = mulhi32(x2, m1), lo1 = _mm256_mullo_epi32(x2, m1);
            x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), kk0);
            x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), kk1);
            x1 = lo1;
            x3 = lo0;
            a += 0x9E3779B9u;
            b += 0xBB67AE85u;
        }
        _mm256_store_si256((__m256i*)(x0p + h), x0);
        _mm256_store_si256((__m256i*)(x1p + h), x1);
        _mm256_store_si256((__m256i*)(x2p + h), x2);
        _mm256_store_si256((__m256i*)(x3p + h), x3);
    }
}

#include "transpose8.hpp"
#include "ops.hpp"

}  // namespace

extern "C" const splot_ops* splot_ops_avx2(void) { return &OPS; }
