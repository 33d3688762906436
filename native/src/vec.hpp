/* Width-generic float vectors (GCC vector extensions) at the compiling path's width: 16 lanes
 * with AVX-512, 8 with AVX2, 4 (SSE2) on the portable path. The same source then serves every
 * path: the SGEMM and dot-product micro-kernels (microkernels.hpp, AVX2 and AVX-512) and the
 * Winograd transforms (all paths). Only what the extensions cannot say portably (masked loads and
 * stores, fused multiply-add, the horizontal sum) is written per width here. Included inside an ISA file's anonymous
 * namespace, after <immintrin.h> on the SIMD paths. */
#pragma once

#if defined(__AVX512F__)
#define VW 16
#elif defined(__AVX2__)
#define VW 8
#else
#define VW 4
#endif
typedef float vf __attribute__((vector_size(VW * 4)));
typedef int vi __attribute__((vector_size(VW * 4)));
static inline vf vload(const float* p) {
    vf v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void vstore(float* p, vf v) { memcpy(p, &v, sizeof v); }
/* lanes l < n set */
static inline vi vfirst(int n) {
#if VW == 16
    const vi lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
#elif VW == 8
    const vi lane = {0, 1, 2, 3, 4, 5, 6, 7};
#else
    const vi lane = {0, 1, 2, 3};
#endif
    return lane < n;
}
/* The first n lanes of p (the others zero) / stored to p; lanes past n are not touched in memory,
 * so these never fault past the end of a tensor. */
static inline vf vload_n(const float* p, int n) {
#if VW == 16
    return (vf)_mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1u), p);
#elif VW == 8
    return (vf)_mm256_maskload_ps(p, (__m256i)vfirst(n));
#else
    vf v = {};
    for (int l = 0; l < n; ++l) v[l] = p[l];
    return v;
#endif
}
static inline void vstore_n(float* p, vf v, int n) {
#if VW == 16
    _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1u), (__m512)v);
#elif VW == 8
    _mm256_maskstore_ps(p, (__m256i)vfirst(n), (__m256)v);
#else
    for (int l = 0; l < n; ++l) p[l] = v[l];
#endif
}
/* even lanes of (a b) and odd lanes of (a b) */
static inline void vdeinterleave2(vf a, vf b, vf* even, vf* odd) {
#if VW == 16
    *even = __builtin_shuffle(a, b, vi{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30});
    *odd = __builtin_shuffle(a, b, vi{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31});
#elif VW == 8
    *even = __builtin_shuffle(a, b, vi{0, 2, 4, 6, 8, 10, 12, 14});
    *odd = __builtin_shuffle(a, b, vi{1, 3, 5, 7, 9, 11, 13, 15});
#else
    *even = __builtin_shuffle(a, b, vi{0, 2, 4, 6});
    *odd = __builtin_shuffle(a, b, vi{1, 3, 5, 7});
#endif
}
/* (a0 b0 a1 b1 ...) as two vectors */
static inline void vinterleave(vf a, vf b, vf* lo, vf* hi) {
#if VW == 16
    *lo = __builtin_shuffle(a, b, vi{0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23});
    *hi = __builtin_shuffle(a, b, vi{8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31});
#elif VW == 8
    *lo = __builtin_shuffle(a, b, vi{0, 8, 1, 9, 2, 10, 3, 11});
    *hi = __builtin_shuffle(a, b, vi{4, 12, 5, 13, 6, 14, 7, 15});
#else
    *lo = __builtin_shuffle(a, b, vi{0, 4, 1, 5});
    *hi = __builtin_shuffle(a, b, vi{2, 6, 3, 7});
#endif
}

/* x in every lane (x - 0 folds to x: a plain broadcast, no arithmetic). */
static inline vf vbroadcast(float x) { return x - vf{}; }

#if VW >= 8 /* the SIMD paths' micro-kernels only */
/* a * b + c, fused (the library is built with -ffp-contract=off, so a * b + c would round twice). */
static inline vf vfma(vf a, vf b, vf c) {
#if VW == 16
    return (vf)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#else
    return (vf)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#endif
}

/* Sum of the lanes, halving: lane l + lane l + VW/2, ... down to one (a fixed order). */
static inline float vsum(vf v) {
#if VW == 16
    const __m512 x = (__m512)v;
    const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(x), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)));
#else
    const __m256 h = (__m256)v;
#endif
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    q = _mm_add_ss(q, _mm_movehdup_ps(q));
    return _mm_cvtss_f32(q);
}
#else
/* The portable path's vsum, in the same halving order. */
static inline float vsum(vf v) { return (v[0] + v[2]) + (v[1] + v[3]); }
#endif
