/* The SIMD paths' micro-kernels, written once at the vector width VW (vec.hpp): AVX2 (8 lanes)
 * and AVX-512 (16 lanes) compile this same source. The ISA file sets the tile shapes first:
 * MR (rows of the SGEMM tile), NR = NV * VW (its columns), DR x DC (the dot-product tile).
 * Summation orders are those of the two hand-written intrinsic versions this replaced, so the
 * results are bit-identical to them. */
#pragma once
#include "vec.hpp"

static_assert(NR % VW == 0 && NR_ALT % VW == 0, "SGEMM panel widths must be whole vectors");

/* C[MR x NRT] (ldc) = (accumulate ? C : rowbias) + sum_k A[k*MR + i] B(k, j), A packed.
 * OFF = false: B is packed (row k at B + k*NRT, aligned). OFF = true: row k is at B + koff[k]
 * (implicit GEMM straight from a padded image or transformed data; unaligned). AROWS: A(i, k) is
 * A[i*lda + k] instead, MR rows read in place (no packing; the same operations in the same order).
 * MRT: rows of the tile (A packed MRT rows per k), MR unless a caller has a better shape (the
 * Winograd GEMMs: WG_MR x WG_NR). Each element's sum runs over k in order whatever the tile's shape. */
template <bool OFF, int NRT = NR, bool AROWS = false, int MRT = MR>
static inline void ukernel_t(int K, const float* __restrict A, const float* __restrict B, const int* __restrict koff, float* C,
                             long ldc, const float* rowbias, bool accumulate, long lda = 0) {
    constexpr int NVT = NRT / VW;
    vf c[MRT][NVT];
#pragma GCC unroll 32
    for (int i = 0; i < MRT; ++i)
#pragma GCC unroll 4
        for (int v = 0; v < NVT; ++v) c[i][v] = vf{};
    for (int k = 0; k < K; ++k) {
        vf b[NVT];
#pragma GCC unroll 4
        for (int v = 0; v < NVT; ++v) b[v] = vload((OFF ? B + koff[k] : B) + VW * v);
#pragma GCC unroll 32
        for (int i = 0; i < MRT; ++i) {
            const vf a = vbroadcast(AROWS ? A[i * lda + k] : A[i]);
#pragma GCC unroll 4
            for (int v = 0; v < NVT; ++v) c[i][v] = vfma(a, b[v], c[i][v]);
        }
        if (!AROWS) A += MRT;
        if (!OFF) B += NRT;
    }
#pragma GCC unroll 32
    for (int i = 0; i < MRT; ++i) {
        float* ci = C + i * ldc;
        if (accumulate) {
#pragma GCC unroll 4
            for (int v = 0; v < NVT; ++v) vstore(ci + VW * v, vload(ci + VW * v) + c[i][v]);
        } else {
            const vf bias = rowbias ? vbroadcast(rowbias[i]) : vf{};
#pragma GCC unroll 4
            for (int v = 0; v < NVT; ++v) vstore(ci + VW * v, bias + c[i][v]);
        }
    }
}

/* DV lanes of partial sums per output (lane l sums k = l mod DV); dotkernel_acc keeps them in
 * vacc[(i*DC + j)*DV + lane] across calls (summing a long K in pieces, e.g. image after image)
 * and dot_reduce sums them; dotkernel reduces at once: out[i*DC + j] = sum_k a[i][k] b[j][k]. */
constexpr int DV = VW;

template <bool ACC>
static inline void dotkernel_t(int K, const float* const* a, const float* const* b, float* out) {
    vf c[DR][DC];
#pragma GCC unroll 32
    for (int i = 0; i < DR; ++i)
#pragma GCC unroll 8
        for (int j = 0; j < DC; ++j) c[i][j] = ACC ? vload(out + (i * DC + j) * DV) : vf{};
    const float* ar[DR];
#pragma GCC unroll 8
    for (int i = 0; i < DR; ++i) ar[i] = a[i];
    int k = 0;
    for (; k + VW <= K; k += VW) {
        vf av[DR];
#pragma GCC unroll 8
        for (int i = 0; i < DR; ++i) av[i] = vload(ar[i] + k);
#pragma GCC unroll 8
        for (int j = 0; j < DC; ++j) {
            const vf bv = vload(b[j] + k);
#pragma GCC unroll 8
            for (int i = 0; i < DR; ++i) c[i][j] = vfma(av[i], bv, c[i][j]);
        }
    }
    if (k < K) { /* the last K - k < VW elements; the zero lanes add 0 * 0 */
        vf av[DR];
#pragma GCC unroll 8
        for (int i = 0; i < DR; ++i) av[i] = vload_n(ar[i] + k, K - k);
#pragma GCC unroll 8
        for (int j = 0; j < DC; ++j) {
            const vf bv = vload_n(b[j] + k, K - k);
#pragma GCC unroll 8
            for (int i = 0; i < DR; ++i) c[i][j] = vfma(av[i], bv, c[i][j]);
        }
    }
#pragma GCC unroll 32
    for (int i = 0; i < DR; ++i)
#pragma GCC unroll 8
        for (int j = 0; j < DC; ++j) {
            if (ACC)
                vstore(out + (i * DC + j) * DV, c[i][j]);
            else
                out[i * DC + j] = vsum(c[i][j]);
        }
}
static inline void dotkernel(int K, const float* const* a, const float* const* b, float* out) { dotkernel_t<false>(K, a, b, out); }
static inline void dotkernel_acc(int K, const float* const* a, const float* const* b, float* vacc) { dotkernel_t<true>(K, a, b, vacc); }
static inline float dot_reduce(const float* v) { return vsum(vload(v)); }

/* 12 independent FMA chains: runs for about `seconds` on this thread, returns the FLOPs done. */
static double fma_loop(double seconds) {
    vf acc[12];
    for (int i = 0; i < 12; ++i) acc[i] = vbroadcast(1.0f + 0.001f * i);
    const vf m = vbroadcast(0.9999999f), add = vbroadcast(1e-7f);
    const double t0 = splot_now();
    long long iters = 0;
    do {
        for (int r = 0; r < (1 << 16); ++r) {
#pragma GCC unroll 12
            for (int i = 0; i < 12; ++i) acc[i] = vfma(acc[i], m, add);
        }
        iters += 1 << 16;
    } while (splot_now() - t0 < seconds);
    vf s = acc[0];
    for (int i = 1; i < 12; ++i) s = s + acc[i];
    volatile float sink = vsum(s);
    (void)sink;
    return (double)iters * 12 * VW * 2;
}
