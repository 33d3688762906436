/* AVX2 + FMA path (compiled with -mavx2 -mfma): 6x16 packed SGEMM tile (12 ymm accumulators) and
 * 3x4 dot-product tile. Only reached when the dispatcher has seen the CPU support AVX2 and FMA. */
#include <immintrin.h>
#include <math.h>
#include <string.h>
#include "splot_internal.h"

namespace {

#define ISA_NAME "avx2"
constexpr int MR = 6, NR = 16;
/* K block: a KCMAX x NR panel of packed B stays in L1 while the tile walks down M */
constexpr int KCMAX = 384;
/* A second, narrower panel width for GEMMs whose N it divides better (e.g. N = 128). */
constexpr int NR_ALT = 16;
constexpr int DR = 3, DC = 4;
/* The Winograd GEMMs' tile (winograd.hpp, wg_gemm_rows): 4 x 24, also 12 accumulators, with fewer A
 * broadcasts per multiply-add than 6 x 16 and a shape that divides their operands: conv2's 64 and 32
 * rows and two images' 72 tiles exactly, where 6 x 16 computed 66 / 36 rows (the second 12% zeros)
 * and a last 8-column panel at half the 16-wide tile's throughput. */
constexpr int WG_MR = 4, WG_NR = 24;
#include "microkernels.hpp"

/* Ten Philox4x32-10 rounds on 16 counters (two ymm of 8) at once (see philox16 in elementwise.hpp). */
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
