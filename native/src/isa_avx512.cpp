/* AVX-512 path (compiled with -mavx512f -mavx512vl -mavx512bw -mavx512dq -mfma): 8x48 packed
 * SGEMM tile (24 zmm accumulators) and 4x6 dot-product tile. Only reached when the dispatcher
 * has seen the CPU support AVX-512F/VL/BW/DQ. */
#include <immintrin.h>
#include <math.h>
#include <string.h>
#include "splot_internal.h"

namespace {

#define ISA_NAME "avx512"
constexpr int MR = 8, NR = 48;
/* K block: a KCMAX x NR panel of packed B stays in L1 while the tile walks down M */
constexpr int KCMAX = 576;
/* A second, narrower panel width for GEMMs whose N it divides better (e.g. N = 128). */
constexpr int NR_ALT = 32;
constexpr int DR = 4, DC = 6;
/* The Winograd GEMMs' tile (winograd.hpp, wg_gemm_rows): the SGEMM's */
constexpr int WG_MR = MR, WG_NR = NR;
#include "microkernels.hpp"

/* Ten Philox4x32-10 rounds on 16 counters at once (see philox16 in elementwise.hpp for the scalar form). */
#define SPLOT_HAVE_PHILOX_ROUNDS16 1
static inline __m512i mulhi32(__m512i a, __m512i m) {
    const __m512i even = _mm512_srli_epi64(_mm512_mul_epu32(a, m), 32);
    const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);
    return _mm512_mask_blend_epi32((__mmask16)0xAAAA, even, odd);
}
static inline void philox_rounds16(uint32_t* x0p, uint32_t* x1p, uint32_t* x2p, uint32_t* x3p, uint32_t k0, uint32_t k1) {
    __m512i x0 = _mm512_load_si512(x0p), x1 = _mm512_load_si512(x1p), x2 = _mm512_load_si512(x2p), x3 = _mm512_load_si512(x3p);
    const __m512i m0 = _mm512_set1_epi32((int)0xD2511F53u), m1 = _mm512_set1_epi32((int)0xCD9E8D57u);
    for (int r = 0; r < 10; ++r) {
        const __m512i kk0 = _mm512_set1_epi32((int)k0), kk1 = _mm512_set1_epi32((int)k1);
        const __m512i hi0 = mulhi32(x0, m0), lo0 = _mm512_mullo_epi32(x0, m0);
        const __m512i hi1 = mulhi32(x2, m1), lo1 = _mm512_mullo_epi32(x2, m1);
        x0 = _mm512_xor_si512(_mm512_xor_si512(hi1, x1), kk0);
        x2 = _mm512_xor_si512(_mm512_xor_si512(hi0, x3), kk1);
        x1 = lo1;
        x3 = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    _mm512_store_si512(x0p, x0);
    _mm512_store_si512(x1p, x1);
    _mm512_store_si512(x2p, x2);
    _mm512_store_si512(x3p, x3);
}

/* Max-pool 2x2 stride 2 over one output row, 16 outputs per step (tail masked): returns ow. */
#define SPLOT_HAVE_POOL2X2 1
static inline int pool2x2_row(const float* x0, const float* x1, int r0, int w, int ow, float* yr, int* ar) {
    const __m512i evens = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i odds = _mm512_add_epi32(evens, _mm512_set1_epi32(1));
    for (int j = 0; j < ow; j += 16) {
        const int rem = ow - j < 16 ? ow - j : 16;
        const __mmask16 mo = (__mmask16)((1u << rem) - 1u);
        const int lo = 2 * rem < 16 ? 2 * rem : 16, hi = 2 * rem - lo;
        const __mmask16 ml = (__mmask16)((1u << lo) - 1u), mh = (__mmask16)((1u << hi) - 1u);
        const __m512 a0 = _mm512_maskz_loadu_ps(ml, x0 + 2 * j), a1 = _mm512_maskz_loadu_ps(mh, x0 + 2 * j + 16);
        const __m512 b0 = _mm512_maskz_loadu_ps(ml, x1 + 2 * j), b1 = _mm512_maskz_loadu_ps(mh, x1 + 2 * j + 16);
        const __m512 v[3] = {_mm512_permutex2var_ps(a0, odds, a1), _mm512_permutex2var_ps(b0, evens, b1),
                             _mm512_permutex2var_ps(b0, odds, b1)};
        __m512 m = _mm512_permutex2var_ps(a0, evens, a1);
        const __m512i base = _mm512_add_epi32(_mm512_set1_epi32(r0 + 2 * j), evens);
        __m512i id = base;
        const int off[3] = {1, w, w + 1};
        for (int s = 0; s < 3; ++s) {
            const __mmask16 t = _mm512_cmp_ps_mask(v[s], m, _CMP_GT_OQ) |
                                (_mm512_cmp_ps_mask(v[s], v[s], _CMP_UNORD_Q) & _mm512_cmp_ps_mask(m, m, _CMP_ORD_Q));
            m = _mm512_mask_blend_ps(t, m, v[s]);
            id = _mm512_mask_blend_epi32(t, id, _mm512_add_epi32(base, _mm512_set1_epi32(off[s])));
        }
        _mm512_mask_storeu_ps(yr + j, mo, m);
        _mm512_mask_storeu_epi32(ar + j, mo, id);
    }
    return ow;
}

#include "transpose8.hpp"
#include "ops.hpp"

}  // namespace

extern "C" const splot_ops* splot_ops_avx512(void) { return &OPS; }
