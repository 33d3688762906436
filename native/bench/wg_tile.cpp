/* The Winograd GEMMs' register tile on AVX2, two shapes against each other in one run (hand-run, not
 * built by Maven): `cmake --build target/native-build --target splot_wg_tile && target/native-build/splot_wg_tile`.
 * Conv2's F(4x4) shapes at batch 128, two images a task: 36 planes of C = A (M x K) B (K x 72 tiles),
 * forward M = 64, K = 32; backward-data M = 32, K = 64; B read through row offsets as wg_gemm_rows does.
 * 6 x 16 (the SGEMM's tile) computes whole tiles, 66 or 36 rows, and ends in an 8-column panel; 4 x 24
 * (WG_MR x WG_NR in isa_avx2.cpp) divides both exactly. One core, best of 300, GFLOP/s of useful work. */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <chrono>
#include "../src/splot_internal.h"

namespace {
constexpr int MR = 6, NR = 16, NR_ALT = 16, DR = 3, DC = 4;
#include "../src/microkernels.hpp"

template <int NRT, int MRT>
void panel(int M, int K, const float* A, const float* B, const int* koff, float* C, long ldc) {
    for (int i = 0; i < M; i += MRT)
        ukernel_t<true, NRT, false, MRT>(K, A + (long)(i / MRT) * K * MRT, B, koff, C + (long)i * ldc, ldc, nullptr, false);
}
/* the SGEMM tile as wg_gemm_rows ran it before: 16-column panels, a last one of at most 8 columns narrow */
void rows_6x16(int M, int nb, int K, const float* A, const float* B, const int* koff, float* C, long ldc) {
    for (int j = 0; j < nb; j += 16) {
        if (nb - j <= 8)
            panel<8, 6>(M, K, A, B + j, koff, C + j, ldc);
        else
            panel<16, 6>(M, K, A, B + j, koff, C + j, ldc);
    }
}
void rows_4x24(int M, int nb, int K, const float* A, const float* B, const int* koff, float* C, long ldc) {
    for (int j = 0; j < nb; j += 24) {
        const int vectors = ((nb - j < 24 ? nb - j : 24) + 7) / 8;
        if (vectors == 1)
            panel<8, 4>(M, K, A, B + j, koff, C + j, ldc);
        else if (vectors == 2)
            panel<16, 4>(M, K, A, B + j, koff, C + j, ldc);
        else
            panel<24, 4>(M, K, A, B + j, koff, C + j, ldc);
    }
}
} // namespace

int main() {
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        fprintf(stderr, "splot_wg_tile: this CPU has no AVX2 + FMA\n");
        return 1;
    }
    const int nb = 72, ld = 80, E = 36, reps = 300;
    const int shapes[2][2] = {{64, 32}, {32, 64}};
    for (const auto& shape : shapes) {
        const int M = shape[0], K = shape[1];
        const long bs = (long)K * ld + 64, cs = (long)(M + 8) * ld + 64, as = (long)(M + 8) * K;
        float* B = (float*)aligned_alloc(64, E * bs * 4);
        float* C = (float*)aligned_alloc(64, E * cs * 4);
        float* A = (float*)aligned_alloc(64, E * as * 4);
        for (long i = 0; i < E * bs; ++i) B[i] = (float)(i % 7) * 0.1f;
        for (long i = 0; i < E * as; ++i) A[i] = (float)(i % 5) * 0.1f;
        int koff[64];
        for (int k = 0; k < K; ++k) koff[k] = k * ld;
        for (int round = 0; round < 3; ++round)
            for (int tile = 0; tile < 2; ++tile) {
                double best = 1e9;
                for (int r = 0; r < reps; ++r) {
                    const auto t0 = std::chrono::steady_clock::now();
                    for (int e = 0; e < E; ++e) (tile ? rows_4x24 : rows_6x16)(M, nb, K, A + e * as, B + e * bs, koff, C + e * cs, ld);
                    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                    if (t < best) best = t;
                }
                printf("M=%d K=%d N=72 x 36 planes, %s: %.1f us, %.1f GFLOP/s\n", M, K, tile ? "4x24" : "6x16", best * 1e6,
                       2.0 * M * nb * K * E / best / 1e9);
            }
        free(A);
        free(B);
        free(C);
    }
    return 0;
}
