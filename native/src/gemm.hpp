/* The GEMM drivers around an ISA's micro-kernels: packing, K blocking, the register tiles at the
 * edges, the threaded SGEMM, and tiles of dot products along a contiguous K. Part of the ops
 * written once per ISA (see ops.hpp). */
#pragma once
#include "common.hpp"
#include "scratch.hpp"

/* ---- standard GEMM: packed A (MR rows interleaved per k), packed B (NR columns per k) ------- */

/* The ISA's register tile ukernel_t<OFF, NRT> with B packed / read through row offsets. */
template <int NRT = NR>
static inline void ukernel(int K, const float* A, const float* B, float* C, long ldc, const float* rowbias, bool accumulate) {
    ukernel_t<false, NRT>(K, A, B, nullptr, C, ldc, rowbias, accumulate);
}
template <int NRT = NR, int MRT = MR>
static inline void ukernel_off(int K, const float* A, const float* B, const int* koff, float* C, long ldc, const float* rowbias,
                               bool accumulate) {
    ukernel_t<true, NRT, false, MRT>(K, A, B, koff, C, ldc, rowbias, accumulate);
}

/* ukernel with A's MR rows read in place: A(i, k) = A[i*lda + k] (B packed). */
template <int NRT = NR>
static inline void ukernel_rows(int K, const float* A, long lda, const float* B, float* C, long ldc, bool accumulate) {
    ukernel_t<false, NRT, true>(K, A, B, nullptr, C, ldc, nullptr, accumulate, lda);
}

/* A(i,k) = A[i*rsa + k*csa], rows [0, mr) of a panel, zero-padded to W (the tile's rows: MR, or WG_MR). */
template <int W = MR>
static void pack_a(int mr, int K, const float* A, long rsa, long csa, float* dst) {
    if (rsa == 1) {
        for (int k = 0; k < K; ++k) {
            const float* s = A + (long)k * csa;
            for (int i = 0; i < mr; ++i) dst[i] = s[i];
            for (int i = mr; i < W; ++i) dst[i] = 0.0f;
            dst += W;
        }
    } else {
        /* rows gathered in K blocks so that the interleaved destination block stays in L1 */
        for (int k0 = 0; k0 < K; k0 += 256) {
            const int k1 = imin(K, k0 + 256);
            for (int i = 0; i < W; ++i) {
                if (i < mr) {
                    const float* s = A + (long)i * rsa;
                    for (int k = k0; k < k1; ++k) dst[(long)k * W + i] = s[(long)k * csa];
                } else {
                    for (int k = k0; k < k1; ++k) dst[(long)k * W + i] = 0.0f;
                }
            }
        }
    }
}

/* B(k,j) = B[k*rsb + j*csb], columns [0, nr) of a panel, zero-padded to NRT. */
template <int NRT = NR>
static void pack_b(int nr, int K, const float* B, long rsb, long csb, float* dst) {
    if (csb == 1) {
        for (int k = 0; k < K; ++k) {
            const float* s = B + (long)k * rsb;
            for (int j = 0; j < nr; ++j) dst[j] = s[j];
            for (int j = nr; j < NRT; ++j) dst[j] = 0.0f;
            dst += NRT;
        }
    } else {
        for (int k0 = 0; k0 < K; k0 += 64) {
            const int k1 = imin(K, k0 + 64);
            for (int j = 0; j < NRT; ++j) {
                if (j < nr) {
                    const float* s = B + (long)j * csb;
                    for (int k = k0; k < k1; ++k) dst[(long)k * NRT + j] = s[(long)k * rsb];
                } else {
                    for (int k = k0; k < k1; ++k) dst[(long)k * NRT + j] = 0.0f;
                }
            }
        }
    }
}

/* Packs all row panels of A(M x K) into dst (ceil(M/W)*W*K floats), W rows a panel. */
template <int W = MR>
static void pack_a_all(int M, int K, const float* A, long rsa, long csa, float* dst) {
    for (int i = 0; i < M; i += W) pack_a<W>(imin(W, M - i), K, A + (long)i * rsa, rsa, csa, dst + (long)(i / W) * W * K);
}

/* One MR x NRT tile over a K block: C = (accumulate ? C : rowbias) + A B. */
template <int NRT = NR>
static void tile(int K, const float* Ap, const float* Bp, float* C, long ldc, int mr, int nr, const float* rowbias, bool accumulate) {
    if (mr == MR && nr == NRT) {
        ukernel<NRT>(K, Ap, Bp, C, ldc, rowbias, accumulate);
        return;
    }
    alignas(64) float tmp[MR * NRT];
    ukernel<NRT>(K, Ap, Bp, tmp, NRT, nullptr, false);
    for (int i = 0; i < mr; ++i) {
        const float bias = rowbias ? rowbias[i] : 0.0f;
        for (int j = 0; j < nr; ++j) {
            float* c = C + (long)i * ldc + j;
            *c = (accumulate ? *c : bias) + tmp[i * NRT + j];
        }
    }
}

/* tile for MR whole rows of A read in place (row i at A + i*lda), C += A B, or C = 0 + A B without
 * accumulate (the same bits as adding to a zeroed C): the same bits as packing them first and calling
 * tile; nr < NRT columns go through a temporary as there. */
template <int NRT = NR>
static void tile_rows(int K, const float* A, long lda, const float* Bp, float* C, long ldc, int nr, bool accumulate = true) {
    if (nr == NRT) {
        ukernel_rows<NRT>(K, A, lda, Bp, C, ldc, accumulate);
        return;
    }
    alignas(64) float tmp[MR * NRT];
    ukernel_rows<NRT>(K, A, lda, Bp, tmp, NRT, false);
    for (int i = 0; i < MR; ++i)
        for (int j = 0; j < nr; ++j) C[(long)i * ldc + j] = (accumulate ? C[(long)i * ldc + j] : 0.0f) + tmp[i * NRT + j];
}

/* The K blocks: a fixed split of K (it depends on K only, so the summation order is fixed). */
static inline int k_blocks(int K) { return (K + KCMAX - 1) / KCMAX; }
static inline int k_block_size(int K) { return (K + k_blocks(K) - 1) / k_blocks(K); }

/* C[rows i0..i1, nb columns] (+ rowbias) = packed A (full-K panels, starting at row panel i0/MR)
 * x packed B (full-K panels of this column block). K is walked in blocks so that a B micro-panel
 * stays in L1 while the tile walks down M; the blocks are added to C in order. */
template <int NRT = NR>
static void gemm_packed_rows(int i0, int i1, int nb, int K, const float* Ap, const float* Bp, float* C, long ldc,
                             const float* rowbias) {
    const int KC = k_block_size(K);
    for (int k0 = 0; k0 < K; k0 += KC) {
        const int kl = imin(KC, K - k0);
        for (int j = 0; j < nb; j += NRT) {
            const float* bp = Bp + (long)(j / NRT) * K * NRT + (long)k0 * NRT;
            for (int i = i0; i < i1; i += MR) {
                tile<NRT>(kl, Ap + (long)(i / MR) * K * MR + (long)k0 * MR, bp, C + (long)i * ldc + j, ldc, imin(MR, i1 - i),
                     imin(NRT, nb - j), (rowbias && k0 == 0) ? rowbias + i : nullptr, k0 > 0);
            }
        }
    }
}

static void gemm_packed(int M, int nb, int K, const float* Ap, const float* Bp, float* C, long ldc, const float* rowbias) {
    gemm_packed_rows(0, M, nb, K, Ap, Bp, C, ldc, rowbias);
}


static inline int gemm_block_cols() { return NR * imax(1, 256 / NR); }

/* C[M x N] (ldc) = A(M x K) B(K x N), general strides. Wide N: tasks are column blocks that each
 * pack their own part of B. Narrow N: B is packed once, shared, and tasks split the rows too.
 * Either way each element of C is summed in the same order (K blocks, then k), whatever the
 * threads. */
template <int NRT>
static void gemm_nr(int threads, int M, int N, int K, const float* A, long rsa, long csa, const float* B, long rsb, long csb,
                 float* C, long ldc, int prefetch_ahead) {
    threads = par_threads(threads, (double)M * N * K);
    const int mp = (M + MR - 1) / MR;
    Scratch<float> Ap(SCRATCH_OP_PACKED, (size_t)mp * MR * K);
    const int NB = (NRT * imax(1, 256 / NRT));
    const int ncb = (N + NB - 1) / NB;
    if (ncb >= 2 * threads) {
        pack_a_all(M, K, A, rsa, csa, Ap);
#pragma omp parallel for schedule(dynamic) num_threads(threads)
        for (int t = 0; t < ncb; ++t) {
            const int j0 = t * NB, nb = imin(NB, N - j0);
            const int np = (nb + NRT - 1) / NRT;
            Scratch<float> Bp(SCRATCH_TASK_INPUT, (size_t)np * NRT * K);
            if (csb == 1) {
                /* row by row across all panels of the block: long contiguous reads of B */
                for (int k = 0; k < K; ++k) {
                    const float* s = B + (long)k * rsb + j0;
                    if (prefetch_ahead > 0 && k + prefetch_ahead < K)
                        for (int j = 0; j < nb; j += 16) __builtin_prefetch(s + (long)prefetch_ahead * rsb + j);
                    for (int p = 0; p < np; ++p) {
                        float* d = Bp + (long)p * K * NRT + (long)k * NRT;
                        const int nr = imin(NRT, nb - p * NRT);
                        for (int j = 0; j < nr; ++j) d[j] = s[p * NRT + j];
                        for (int j = nr; j < NRT; ++j) d[j] = 0.0f;
                    }
                }
            } else {
                for (int p = 0; p < np; ++p)
                    pack_b<NRT>(imin(NRT, nb - p * NRT), K, B + (long)(j0 + p * NRT) * csb, rsb, csb, Bp + (long)p * K * NRT);
            }
            gemm_packed_rows<NRT>(0, M, nb, K, Ap, Bp, C + j0, ldc, nullptr);
        }
        return;
    }
    const int np = (N + NRT - 1) / NRT;
    Scratch<float> Bp(SCRATCH_OP_TABLE, (size_t)np * NRT * K);
    const int MB = MR * imax(1, 32 / MR);
    const int nrb = (M + MB - 1) / MB;
#pragma omp parallel num_threads(threads)
    {
#pragma omp for schedule(dynamic) nowait
        for (int i = 0; i < mp; ++i) pack_a(imin(MR, M - i * MR), K, A + (long)i * MR * rsa, rsa, csa, Ap + (long)i * MR * K);
#pragma omp for schedule(dynamic)
        for (int p = 0; p < np; ++p) pack_b<NRT>(imin(NRT, N - p * NRT), K, B + (long)p * NRT * csb, rsb, csb, Bp + (long)p * K * NRT);
#pragma omp for schedule(dynamic) collapse(2)
        for (int rb = 0; rb < nrb; ++rb) {
            for (int cb = 0; cb < ncb; ++cb) {
                const int j0 = cb * NB, nb = imin(NB, N - j0);
                gemm_packed_rows<NRT>(rb * MB, imin(M, (rb + 1) * MB), nb, K, Ap, Bp + (long)(j0 / NRT) * K * NRT, C + j0, ldc, nullptr);
            }
        }
    }
}

/* True when the narrower panel width NR_ALT wastes a smaller fraction of n's padded columns than NR. */
static inline bool prefer_nr_alt(int n) {
    const int waste = (n + NR - 1) / NR * NR - n, wasteAlt = (n + NR_ALT - 1) / NR_ALT * NR_ALT - n;
    return NR_ALT != NR && wasteAlt * NR < waste * NR_ALT;
}

/* Picks the panel width that wastes fewer padded columns of N. prefetch_ahead > 0: where tasks
 * pack their own block of a row-major B (wide N), each packed row prefetches the row that many
 * rows further down, so that the packing keeps several rows' misses in flight rather than waiting
 * for each (dense backward: B rows 36 KB apart, 1 KB read from each). */
static void gemm(int threads, int M, int N, int K, const float* A, long rsa, long csa, const float* B, long rsb, long csb,
                 float* C, long ldc, int prefetch_ahead = 0) {
    if (prefer_nr_alt(N))
        gemm_nr<NR_ALT>(threads, M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, prefetch_ahead);
    else
        gemm_nr<NR>(threads, M, N, K, A, rsa, csa, B, rsb, csb, C, ldc, prefetch_ahead);
}

/* tile() with B rows read in place at B + koff[k] (implicit GEMM and Winograd: rows of a padded
 * image or of transformed data) instead of from a packed panel. */
template <int NRT>
static void tile_off(int K, const float* Ap, const float* xb, const int* koff, float* C, long ldc, int mr, int nr,
                     const float* rowbias, bool accumulate) {
    if (mr == MR && nr == NRT) {
        ukernel_off<NRT>(K, Ap, xb, koff, C, ldc, rowbias, accumulate);
        return;
    }
    alignas(64) float tmp[MR * NRT];
    ukernel_off<NRT>(K, Ap, xb, koff, tmp, NRT, nullptr, false);
    for (int i = 0; i < mr; ++i) {
        const float bias = rowbias ? rowbias[i] : 0.0f;
        for (int j = 0; j < nr; ++j) {
            float* c = C + (long)i * ldc + j;
            *c = (accumulate ? *c : bias) + tmp[i * NRT + j];
        }
    }
}


/* Prefetches share `part` of `parts` of the cache lines of rows [0, rows) x floats [0, len) at src
 * (row stride ld): a loop over `parts` tiles spreads the loads of an operand's next block over
 * itself, so that they overlap the arithmetic instead of stalling the next packing. */
static inline void prefetch_rows_share(const float* src, long ld, int rows, int len, int part, int parts) {
    const int lpr = (len + 15) / 16;
    const long lines = (long)rows * lpr, l0 = part * lines / parts, l1 = (part + 1) * lines / parts;
    int r = (int)(l0 / lpr), c = (int)(l0 % lpr);
    for (long l = l0; l < l1; ++l) {
        __builtin_prefetch(src + (long)r * ld + c * 16);
        if (++c == lpr) c = 0, ++r;
    }
}

/* One panel of a register tile from `rows` rows of a K-contiguous matrix (row r at src + r*lds):
 * dst[k*W + r] = src[r*lds + k], rows [rows, W) zero (W = MR or NRT). Where the ISA has the 8x8
 * transpose, groups of 8 rows (rows_readable: how many rows at src may be read) go through it,
 * straight into dst: contiguous 32-byte reads of each row rather than a gather one float at a
 * time. A panel narrower than 8 (the AVX2 tile's 6 rows) takes its first 8 rows that way: each
 * stored row of 8 spills 8 - W floats into the next k's slots, which the next store or the rows
 * after overwrite; the last k's spill lands past the panel, so dst must have PACK_SPILL floats to
 * spare and panels must be packed in order. */
static const int PACK_SPILL = 8;
template <int W>
static void pack_rows_panel(int rows, int K, const float* src, long lds, int rows_readable, float* dst) {
    int r0 = 0;
#ifdef SPLOT_HAVE_TRANSPOSE8
    const int k8 = K & ~7;
    for (; r0 < rows && r0 + 8 <= rows_readable && (r0 + 8 <= W || W < 8); r0 += 8) {
        for (int k = 0; k < k8; k += 8) transpose8(src + (long)r0 * lds + k, lds, dst + (long)k * W + r0, W);
        const int nr = imin(8, rows - r0);
        for (int k = k8; k < K; ++k)
            for (int r = 0; r < nr; ++r) dst[(long)k * W + r0 + r] = src[(long)(r0 + r) * lds + k];
    }
#else
    (void)rows_readable;
#endif
    for (int r = r0; r < rows; ++r)
        for (int k = 0; k < K; ++k) dst[(long)k * W + r] = src[(long)r * lds + k];
    for (int r = rows; r < W; ++r)
        for (int k = 0; k < K; ++k) dst[(long)k * W + r] = 0.0f;
}

/* The fixed split of a long K into groups of whole K blocks for gemm_abt_long_k: a power of two
 * (at most 8, each at least two blocks) so that two threads get equal shares, and 1 when the
 * groups' partial products (G x M x N floats) would be large. Depends on the shapes only. */
static inline int long_k_groups(int M, int N, int kb) {
    int g = 1;
    while (g < 8 && 2 * g * 2 <= kb && (double)2 * g * M * N <= (1 << 22)) g *= 2;
    return g;
}

/* C[M x N] (ldc) = (colbias[j] if given) + A Bt^T, both K-contiguous (A(i,k) = A[i*lda + k],
 * B(k,j) = Bt[j*ldb + k]), for a K much longer than M and N (the dense layer's forward: 9216
 * inputs, a 128 x 128 output). K is split in long_k_groups() groups of K blocks; a task is one
 * group of one (row block, column block) of C and packs its own blocks of both operands, K block
 * by K block, so that each element is packed once per row / column block, the packed blocks stay
 * in the core's L2 and the threads share no data. Each group's partial product (its K blocks
 * added in order) goes to scratch; the task that finishes a block's last group (a counter per
 * block, so no barrier waits for the slowest task of the op) sets C = colbias + the groups'
 * partial products, in group order: fixed by the shapes, whatever the threads. */
template <int NRT>
static void gemm_abt_long_k_nr(int threads, int M, int N, int K, const float* A, long lda, const float* Bt, long ldb,
                               const float* colbias, float* C, long ldc) {
    threads = par_threads(threads, (double)M * N * K);
    /* K blocks of about KCMAX / 2: the two packed blocks (128 rows or columns each) fit in L2 */
    const int kb = (K + KCMAX / 2 - 1) / (KCMAX / 2), KC = (K + kb - 1) / kb, nkb = (K + KC - 1) / KC;
    const int G = long_k_groups(M, N, nkb);
    const int MB = MR * ((128 + MR - 1) / MR), NB = NRT * ((128 + NRT - 1) / NRT);
    const int nrb = (M + MB - 1) / MB, ncb = (N + NB - 1) / NB;
    const long part = (long)M * N;
    Scratch<float> P(SCRATCH_OP_PACKED, (size_t)G * part);
    Scratch<int> groups_done(SCRATCH_OP_TABLE, (size_t)nrb * ncb);
    for (int b = 0; b < nrb * ncb; ++b) groups_done[b] = 0;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int t = 0; t < G * nrb * ncb; ++t) {
        const int g = t / (nrb * ncb), i0 = (t / ncb % nrb) * MB, j0 = (t % ncb) * NB;
        const int mb = imin(MB, M - i0), nb = imin(NB, N - j0);
        const int tiles = ((nb + NRT - 1) / NRT) * ((mb + MR - 1) / MR);
        Scratch<float> Ap(SCRATCH_TASK_INPUT, (size_t)MB * KC + PACK_SPILL), Bp(SCRATCH_TASK_TEMP1, (size_t)NB * KC + PACK_SPILL);
        float* Pg = P + g * part;
        const int b1 = (g + 1) * nkb / G;
        for (int kbi = g * nkb / G; kbi < b1; ++kbi) {
            const int k0 = kbi * KC, kl = imin(KC, K - k0), kn = k0 + kl, kln = imin(KC, K - kn);
            for (int i = 0; i < mb; i += MR)
                pack_rows_panel<MR>(imin(MR, mb - i), kl, A + (long)(i0 + i) * lda + k0, lda, M - i0 - i, Ap + (long)i * kl);
            for (int j = 0; j < nb; j += NRT)
                pack_rows_panel<NRT>(imin(NRT, nb - j), kl, Bt + (long)(j0 + j) * ldb + k0, ldb, N - j0 - j, Bp + (long)j * kl);
            int ti = 0;
            for (int j = 0; j < nb; j += NRT)
                for (int i = 0; i < mb; i += MR, ++ti) {
                    if (kbi + 1 < b1) { /* the next K block of both operands, a share per tile */
                        prefetch_rows_share(A + (long)i0 * lda + kn, lda, mb, kln, ti, tiles);
                        prefetch_rows_share(Bt + (long)j0 * ldb + kn, ldb, nb, kln, ti, tiles);
                    }
                    tile<NRT>(kl, Ap + (long)i * kl, Bp + (long)j * kl, Pg + (long)(i0 + i) * N + j0 + j, N, imin(MR, mb - i),
                              imin(NRT, nb - j), nullptr, kbi > g * nkb / G);
                }
        }
        int done; /* seq_cst: the other groups' partial products are visible once their count is */
#pragma omp atomic capture seq_cst
        done = ++groups_done[t % (nrb * ncb)];
        if (done < G) continue;
        for (int i = i0; i < i0 + mb; ++i)
            for (int j = j0; j < j0 + nb; ++j) {
                const long e = (long)i * N + j;
                float s = colbias ? colbias[j] + P[e] : P[e];
                for (int gi = 1; gi < G; ++gi) s += P[gi * part + e];
                C[(long)i * ldc + j] = s;
            }
    }
}

/* gemm_abt_long_k_nr at the panel width that wastes fewer padded columns of N. */
static void gemm_abt_long_k(int threads, int M, int N, int K, const float* A, long lda, const float* Bt, long ldb, const float* colbias,
                            float* C, long ldc) {
    if (prefer_nr_alt(N))
        gemm_abt_long_k_nr<NR_ALT>(threads, M, N, K, A, lda, Bt, ldb, colbias, C, ldc);
    else
        gemm_abt_long_k_nr<NR>(threads, M, N, K, A, lda, Bt, ldb, colbias, C, ldc);
}

static void sgemm_api(int threads, int m, int n, int k, const float* a, const float* b, float* c) {
    gemm(threads, m, n, k, a, k, 1, b, n, 1, c, n);
}

/* ---- dot-product tiles: C[i][j] (+)= sum_k A[i][k] B[j][k], both K-contiguous ------------- */

/* C[i*ldc + j] += sum_k A[i*lda + k] * B[j*ldb + k] for i < M, j < N (serial). */
static void dot_accumulate(int M, int N, int K, const float* A, long lda, const float* B, long ldb, float* C, long ldc) {
    const float* ap[DR];
    const float* bp[DC];
    float out[DR * DC];
    for (int i0 = 0; i0 < M; i0 += DR) {
        const int mr = imin(DR, M - i0);
        for (int i = 0; i < DR; ++i) ap[i] = A + (long)(i0 + imin(i, mr - 1)) * lda; /* edge rows repeat, results dropped */
        for (int j0 = 0; j0 < N; j0 += DC) {
            const int nc = imin(DC, N - j0);
            for (int j = 0; j < DC; ++j) bp[j] = B + (long)(j0 + imin(j, nc - 1)) * ldb;
            dotkernel(K, ap, bp, out);
            for (int i = 0; i < mr; ++i)
                for (int j = 0; j < nc; ++j) C[(long)(i0 + i) * ldc + j0 + j] += out[i * DC + j];
        }
    }
}

/* dw[o][k] (k < K) and db[o] (k = K) = the sum over the G batch chunks, in chunk order, of the
 * chunks' O x (K+1) partial gradients (chunk gi at parts + gi*part): the fixed reduction of both
 * dot-product backward-weights paths. */
static void sum_chunk_grads(int threads, const float* parts, int G, long part, int K, float* dw, float* db) {
    const int K1 = K + 1;
#pragma omp parallel for schedule(static) num_threads(par_threads(threads, (double)G * part))
    for (long e = 0; e < part; ++e) {
        float s = parts[e];
        for (int gi = 1; gi < G; ++gi) s += parts[gi * part + e];
        const long o = e / K1, k = e % K1;
        if (k < K) dw[o * K + k] = s; else db[o] = s;
    }
}
