// Batched SGEMM C[z] = bias + sum_s A[z,s] . B[z,s]: TM x (16*NV) register tiles, float16 vector loads, and (WGM > 0)
// local-memory B panels. The host builds this file twice: -DWGM=0 (the direct kernel) and -DWGM=n -DKB=m.
//
// Element (i, k) of A[z, s] is A[offA + z*bsA + s*ssA + i*sAi + k*sAk] (any strides, so A may be transposed);
// element (k, j) of B[z, s] is B[offB + z*bsB + s*ssB + k*ldb + j] (rows contiguous along N);
// C[z](i, j) is C[offC + z*bsC + i*ldc + j]. Work-item (jt, it, z) owns columns jt*16*NV.. and (see rowTiles) rows;
// batch z sums over s = 0 .. min(S, sLimit - z*S) - 1 (used to split a long K over images).
// Each element is summed over s, then k, in ascending order: results do not depend on the launch shape.
// rowTiles: in the direct kernel (WGM = 0) work-item (jt, it, z) computes the rowTiles TM-row tiles from row
// it*TM*rowTiles on, one after the other, so that on a CPU its column strip of B is read from L1 after the first
// (Gemm.rowTiles); the local-memory kernel takes 1.
// biasMode: 0 none, 1 bias[i] (per row), 2 bias[j] (per column); relu: 1 stores relu(C) (relu_forward's select).
// Tunables (-D): TM rows per work-item, NV float16 vectors per row (1 or 2), WGM work-items per work-group sharing a
// local-memory B panel (0: none), KB rows of B per local tile. The host always passes TM, NV and WGM (and KB when
// WGM > 0), from its table per device class (GemmTiles.java) or the splot.opencl.gemm override; the values below
// are the CPU entry (8, 1, 8, 128) and only matter when this file is compiled on its own.
#ifndef TM
#define TM 8
#endif
#ifndef NV
#define NV 1
#endif
// WGM > 0: work-groups of (1, WGM, 1) work-items that share one column panel of B, copied to local memory
// KB rows at a time (contiguous, so no cache-set conflicts for large ldb); WGM = 0: no local memory.
#ifndef WGM
#define WGM 8
#endif
#ifndef KB
#define KB 128
#endif
#define TN (16 * NV)
// STRIP_K > 0 (the host's "gemm_strip" build on CPU devices, Gemm.STRIP_ROWS, with a tile of its own): the direct
// kernel copies a work-item's strip of B, up to STRIP_K rows, into a private array first (below); the host launches
// that build only for one slice, K <= STRIP_K and rows of B 16 KiB or more apart. 0 (the other builds) leaves the
// array out (on GPUs it would take registers).
#ifndef STRIP_K
#define STRIP_K 0
#endif

#if WGM > 0
__kernel __attribute__((reqd_work_group_size(1, WGM, 1)))
#else
__kernel
#endif
void gemm(const int M, const int N, const int K,
          __global const float* restrict A, const long offA, const int sAi, const int sAk,
          const long bsA, const long ssA,
          __global const float* restrict B, const long offB, const int ldb, const long bsB, const long ssB,
          __global float* restrict C, const long offC, const int ldc, const long bsC,
          const int S, const int sLimit,
          __global const float* restrict bias, const int biasMode, const int rowTiles, const int relu) {
    const int jt = get_global_id(0), it = get_global_id(1), z = get_global_id(2);
    const int j0 = jt * TN;
#if WGM > 0
    // every work-item must reach the barriers: out-of-range ones only help copying
    const int i0 = it * TM;
    const int rows = (j0 < N && i0 < M) ? min(TM, M - i0) : 0;
    const int cols = j0 < N ? min(TN, N - j0) : 0;
    const int ly = get_local_id(1);
    __local float bs[KB * TN];
    {
#else
    // rowTiles TM-row tiles per work-item, one after the other: the work-item's column strip of B stays in cache
    if (j0 >= N) return;
    const int cols = min(TN, N - j0);
    const int iEnd = min(M, (it + 1) * TM * rowTiles);
    // STRIP_K > 0: the strip is copied once into a private array (zeros beyond N), which its row tiles then read
    // contiguously. Read in place, rows a multiple of 4 KiB apart all fall in one set of the L1 cache and evict each
    // other before the next row tile (dense1's backward GEMMs: 128 rows 36 KiB apart).
#if STRIP_K > 0
    float16 strip[STRIP_K * NV];
    {
        const __global float* bs = B + offB + z * bsB + j0;
        for (int k = 0; k < K; k++) {
            if (cols == TN) {
#pragma unroll
                for (int v = 0; v < NV; v++) strip[k * NV + v] = vload16(v, bs + (long)k * ldb);
            } else {
                float tmp[TN];
                for (int q = 0; q < TN; q++) tmp[q] = q < cols ? bs[(long)k * ldb + q] : 0.0f;
#pragma unroll
                for (int v = 0; v < NV; v++) strip[k * NV + v] = vload16(v, tmp);
            }
        }
    }
#endif
    for (int i0 = it * TM * rowTiles; i0 < iEnd; i0 += TM) {
    const int rows = min(TM, M - i0);
#endif
    const int sCount = min(S, sLimit - z * S);

    float16 acc[TM][NV];
#pragma unroll
    for (int r = 0; r < TM; r++) {
#pragma unroll
        for (int v = 0; v < NV; v++) acc[r][v] = (float16)(0.0f);
    }

    for (int s = 0; s < sCount; s++) {
        const __global float* a = A + offA + z * bsA + s * ssA + (long)i0 * sAi;
        const __global float* b = B + offB + z * bsB + s * ssB + j0;
#if WGM > 0
        for (int k0 = 0; k0 < K; k0 += KB) {
            const int kb = min(KB, K - k0);
            for (int kk = ly; kk < kb; kk += WGM) {
                const __global float* src = b + (long)(k0 + kk) * ldb;
                __local float* dst = bs + kk * TN;
                if (cols == TN) {
#pragma unroll
                    for (int v = 0; v < NV; v++) vstore16(vload16(v, src), v, dst);
                } else {
                    for (int q = 0; q < TN; q++) dst[q] = q < cols ? src[q] : 0.0f;
                }
            }
            barrier(CLK_LOCAL_MEM_FENCE);
            const __global float* ak = a + (long)k0 * sAk;
            if (rows == TM) {
                for (int kk = 0; kk < kb; kk++) {
                    float16 bv[NV];
#pragma unroll
                    for (int v = 0; v < NV; v++) bv[v] = vload16(v, bs + kk * TN);
#pragma unroll
                    for (int r = 0; r < TM; r++) {
                        const float av = ak[r * sAi];
#pragma unroll
                        for (int v = 0; v < NV; v++) acc[r][v] = fma((float16)(av), bv[v], acc[r][v]);
                    }
                    ak += sAk;
                }
            } else if (rows > 0) {
                for (int kk = 0; kk < kb; kk++) {
                    float16 bv[NV];
#pragma unroll
                    for (int v = 0; v < NV; v++) bv[v] = vload16(v, bs + kk * TN);
#pragma unroll
                    for (int r = 0; r < TM; r++) {
                        const float av = r < rows ? ak[r * sAi] : 0.0f;
#pragma unroll
                        for (int v = 0; v < NV; v++) acc[r][v] = fma((float16)(av), bv[v], acc[r][v]);
                    }
                    ak += sAk;
                }
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
#else
#if STRIP_K > 0
        for (int k = 0; k < K; k++) {
            const __global float* ak = a + (long)k * sAk;
#pragma unroll
            for (int r = 0; r < TM; r++) {
                const float av = r < rows ? ak[r * sAi] : 0.0f;
#pragma unroll
                for (int v = 0; v < NV; v++) acc[r][v] = fma((float16)(av), strip[k * NV + v], acc[r][v]);
            }
        }
#else
        if (rows == TM && cols == TN) {
            for (int k = 0; k < K; k++) {
                float16 bv[NV];
#pragma unroll
                for (int v = 0; v < NV; v++) bv[v] = vload16(v, b);
                const __global float* ak = a + (long)k * sAk;
#pragma unroll
                for (int r = 0; r < TM; r++) {
                    const float av = ak[r * sAi];
#pragma unroll
                    for (int v = 0; v < NV; v++) acc[r][v] = fma((float16)(av), bv[v], acc[r][v]);
                }
                b += ldb;
            }
        } else {
            for (int k = 0; k < K; k++) {
                float tmp[TN];
                for (int c = 0; c < TN; c++) tmp[c] = c < cols ? b[c] : 0.0f;
                float16 bv[NV];
#pragma unroll
                for (int v = 0; v < NV; v++) bv[v] = vload16(v, tmp);
                const __global float* ak = a + (long)k * sAk;
#pragma unroll
                for (int r = 0; r < TM; r++) {
                    const float av = r < rows ? ak[r * sAi] : 0.0f;
#pragma unroll
                    for (int v = 0; v < NV; v++) acc[r][v] = fma((float16)(av), bv[v], acc[r][v]);
                }
                b += ldb;
            }
        }
#endif
#endif
    }
    if (rows > 0) {
    __global float* c = C + offC + z * bsC + (long)i0 * ldc + j0;
    float16 colBias[NV];
#pragma unroll
    for (int v = 0; v < NV; v++) colBias[v] = (float16)(0.0f);
    if (biasMode == 2) {
        float tmp[TN];
        for (int q = 0; q < TN; q++) tmp[q] = q < cols ? bias[j0 + q] : 0.0f;
#pragma unroll
        for (int v = 0; v < NV; v++) colBias[v] = vload16(v, tmp);
    }
#pragma unroll
    for (int r = 0; r < TM; r++) {
        if (r < rows) {
            const float rowBias = biasMode == 1 ? bias[i0 + r] : 0.0f;
            float16 out[NV];
#pragma unroll
            for (int v = 0; v < NV; v++) {
                out[v] = acc[r][v] + colBias[v] + (float16)(rowBias);
                // relu_forward's select: NaN passes through
                if (relu) out[v] = select(out[v], (float16)(0.0f), out[v] <= (float16)(0.0f));
            }
            if (cols == TN) {
#pragma unroll
                for (int v = 0; v < NV; v++) vstore16(out[v], v, c + (long)r * ldc);
            } else {
                float tmp[TN];
#pragma unroll
                for (int v = 0; v < NV; v++) vstore16(out[v], v, tmp);
                for (int q = 0; q < cols; q++) c[(long)r * ldc + q] = tmp[q];
            }
        }
    }
    }
    }
}

// out[j*M + i] (transposeOut) or out[i*N + j] = sum over z = 0..Z-1, in ascending order, of part[z][i][j].
__kernel void reduce_partials(__global const float* restrict part, __global float* restrict out,
                              const int Z, const int M, const int N, const int transposeOut) {
    const int g = get_global_id(0);
    if (g >= M * N) return;
    const int i = g / N, j = g % N;
    const long plane = (long)M * N;
    float s = 0.0f;
    for (int z = 0; z < Z; z++) s += part[z * plane + g];
    out[transposeOut ? j * M + i : g] = s;
}

// Batched transpose: out[z][c][r] = in[z][r][c] for r < R, c < Cc. One work-item per 16x16 block: sixteen 16-wide
// row loads, sixteen 16-wide column stores (strided single-element access thrashes cache sets for large strides).
__kernel void transpose(__global const float* restrict in, __global float* restrict out,
                        const int R, const int Cc, const int Z, const long inOff) {
    const int bc = get_global_id(0), br = get_global_id(1), z = get_global_id(2);
    const int r0 = br * 16, c0 = bc * 16;
    if (r0 >= R || c0 >= Cc || z >= Z) return;
    const __global float* src = in + inOff + (long)z * R * Cc;
    __global float* dst = out + (long)z * R * Cc;
    float t[16][16];
    if (r0 + 16 <= R && c0 + 16 <= Cc) {
        for (int r = 0; r < 16; r++) vstore16(vload16(0, src + (long)(r0 + r) * Cc + c0), 0, t[r]);
        for (int c = 0; c < 16; c++) {
            float col[16];
            for (int r = 0; r < 16; r++) col[r] = t[r][c];
            vstore16(vload16(0, col), 0, dst + (long)(c0 + c) * R + r0);
        }
    } else {
        const int rows = min(16, R - r0), cols = min(16, Cc - c0);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[r][c] = src[(long)(r0 + r) * Cc + c0 + c];
        for (int c = 0; c < cols; c++)
            for (int r = 0; r < rows; r++) dst[(long)(c0 + c) * R + r0 + r] = t[r][c];
    }
}

// Dense forward on CPU devices without transposing W: y[n][o] = bias[o] + sum over k of x[n][k] * w[o][k], both
// operands read along their contiguous rows. Work-item (ot, nt) computes the 3 x 4 outputs n0 = 3*nt.., o0 = 4*ot..
// with one float8 accumulator each along k (12 accumulators and 3 + 1 operand registers: the 16 of AVX2; a row past N
// or O is read as the last one and not stored), then each accumulator's lanes in a fixed tree, the rest of K, and the
// bias. Against transposing W (4.7 MB at the seed model's dense1) and running the 4x16 GEMM it took 0.58-0.63x the
// time (best of 21, 2-core Zen 3, PoCL 3.1); splitting K into chunks summed afterwards only added work (docs/opencl.md).
inline float dense_lanes(const float8 v) {
    const float4 h = v.lo + v.hi;
    return (h.s0 + h.s2) + (h.s1 + h.s3);
}

// One output of a tile: its accumulator's lanes, the rest of K (k .. K-1), then the bias.
inline float dense_finish(const float8 acc, const __global float* xr, const __global float* wr, const int k, const int K,
                          const float bias) {
    float s = dense_lanes(acc);
    for (int r = k; r < K; r++) s = fma(xr[r], wr[r], s);
    return s + bias;
}

// The accumulators are named, not an array: PoCL kept an array of them in memory (a load and a store per FMA).
#define DENSE_FMA3(b, j) c0##j = fma(a0, b, c0##j); c1##j = fma(a1, b, c1##j); c2##j = fma(a2, b, c2##j);
#define DENSE_STORE(i, j) \
    if (n0 + i < N && o0 + j < O) y[(long)(n0 + i) * O + o0 + j] = dense_finish(c##i##j, x##i, w##j, k, K, bias[o0 + j]);

__kernel void dense_dot(__global const float* restrict x, __global const float* restrict w, __global const float* restrict bias,
                        __global float* restrict y, const int N, const int O, const int K) {
    const int o0 = get_global_id(0) * 4, n0 = get_global_id(1) * 3;
    if (o0 >= O || n0 >= N) return;
    const __global float *x0 = x + (long)n0 * K, *x1 = x + (long)min(n0 + 1, N - 1) * K, *x2 = x + (long)min(n0 + 2, N - 1) * K;
    const __global float *w0 = w + (long)o0 * K, *w1 = w + (long)min(o0 + 1, O - 1) * K, *w2 = w + (long)min(o0 + 2, O - 1) * K,
                         *w3 = w + (long)min(o0 + 3, O - 1) * K;
    float8 c00 = 0.0f, c01 = 0.0f, c02 = 0.0f, c03 = 0.0f, c10 = 0.0f, c11 = 0.0f, c12 = 0.0f, c13 = 0.0f, c20 = 0.0f,
           c21 = 0.0f, c22 = 0.0f, c23 = 0.0f;
    int k = 0;
    for (; k + 8 <= K; k += 8) {
        const float8 a0 = vload8(0, x0 + k), a1 = vload8(0, x1 + k), a2 = vload8(0, x2 + k);
        float8 b = vload8(0, w0 + k);
        DENSE_FMA3(b, 0)
        b = vload8(0, w1 + k);
        DENSE_FMA3(b, 1)
        b = vload8(0, w2 + k);
        DENSE_FMA3(b, 2)
        b = vload8(0, w3 + k);
        DENSE_FMA3(b, 3)
    }
    DENSE_STORE(0, 0) DENSE_STORE(0, 1) DENSE_STORE(0, 2) DENSE_STORE(0, 3)
    DENSE_STORE(1, 0) DENSE_STORE(1, 1) DENSE_STORE(1, 2) DENSE_STORE(1, 3)
    DENSE_STORE(2, 0) DENSE_STORE(2, 1) DENSE_STORE(2, 2) DENSE_STORE(2, 3)
}

// Dense forward on GPUs: one work-group of DENSE_WG work-items per 4 x 4 block of y, each work-item summing every
// DENSE_WG-th k of the block's 4 rows of x and 4 rows of W (neighbouring work-items read neighbouring floats), then
// the work-group's partial sums added in a fixed tree in local memory and the bias: the same bits on every run. The
// transpose and the GEMM left dense1 (128 x 9216 . 9216 x 128) with 1,024 work-items of 9,216 steps each, too few
// for a GPU (1.16 ms on an H200, docs/opencl.md); this launches 1,024 work-groups of 128.
#define DENSE_WG 128
__kernel __attribute__((reqd_work_group_size(DENSE_WG, 1, 1)))
void dense_reduce(__global const float* restrict x, __global const float* restrict w, __global const float* restrict bias,
                  __global float* restrict y, const int N, const int O, const int K) {
    __local float part[16][DENSE_WG];
    const int lid = get_local_id(0), o0 = get_group_id(0) * 4, n0 = get_group_id(1) * 4;
    // a row past N or O is read as the last one and not stored
    const __global float *x0 = x + (long)n0 * K, *x1 = x + (long)min(n0 + 1, N - 1) * K, *x2 = x + (long)min(n0 + 2, N - 1) * K,
                         *x3 = x + (long)min(n0 + 3, N - 1) * K;
    const __global float *w0 = w + (long)o0 * K, *w1 = w + (long)min(o0 + 1, O - 1) * K, *w2 = w + (long)min(o0 + 2, O - 1) * K,
                         *w3 = w + (long)min(o0 + 3, O - 1) * K;
    float4 c0 = 0.0f, c1 = 0.0f, c2 = 0.0f, c3 = 0.0f; // c_i.s_j: row n0 + i, column o0 + j
    for (int k = lid; k < K; k += DENSE_WG) {
        const float4 b = (float4)(w0[k], w1[k], w2[k], w3[k]);
        c0 = fma((float4)(x0[k]), b, c0);
        c1 = fma((float4)(x1[k]), b, c1);
        c2 = fma((float4)(x2[k]), b, c2);
        c3 = fma((float4)(x3[k]), b, c3);
    }
    part[0][lid] = c0.s0; part[1][lid] = c0.s1; part[2][lid] = c0.s2; part[3][lid] = c0.s3;
    part[4][lid] = c1.s0; part[5][lid] = c1.s1; part[6][lid] = c1.s2; part[7][lid] = c1.s3;
    part[8][lid] = c2.s0; part[9][lid] = c2.s1; part[10][lid] = c2.s2; part[11][lid] = c2.s3;
    part[12][lid] = c3.s0; part[13][lid] = c3.s1; part[14][lid] = c3.s2; part[15][lid] = c3.s3;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int span = DENSE_WG / 2; span > 0; span >>= 1) {
        if (lid < span) {
            for (int e = 0; e < 16; e++) part[e][lid] += part[e][lid + span];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid < 16) {
        const int i = lid / 4, j = lid % 4;
        if (n0 + i < N && o0 + j < O) y[(long)(n0 + i) * O + o0 + j] = part[lid][0] + bias[o0 + j];
    }
}
