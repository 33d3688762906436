/* Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions (Lavin & Gray, "Fast Algorithms for
 * Convolutional Neural Networks", 2016), included by conv.hpp.
 *
 * Per 2x2 output tile (ty, tx), with d the 4x4 input patch whose top-left is input pixel
 * (2ty - pt, 2tx - pl):   Y = A^T [ U (.) V ] A,   U = G g G^T,   V = B^T d B.
 * The sum over input channels then becomes 16 independent GEMMs, one per element e of the 4x4
 * transformed tile: M[e] (O x tiles) = U[e] (O x C) V[e] (C x tiles), 16*O*C multiply-adds per
 * tile instead of 36*O*C (2.25x fewer). The backward passes are the adjoints of the same linear
 * maps: dM = A dY A^T, dV[e] = U[e]^T dM[e], dX += B dV B^T (neighbouring patches overlap and
 * add), dU[e] = sum over tiles of dM[e] V[e]^T, dW = G^T dU G.
 *
 * Rounding: the transforms only add, subtract and halve, so the result differs from the direct
 * sum by a few float32 roundings of the transformed values (|V| <= 4 max|x|, |dM| <= 4 max|dy|);
 * BackendConformanceTest holds it to 1e-5 of the output's scale on every path.
 *
 * Blocking: each image's tiles are processed wg_block() (96) at a time (transform, 16 GEMMs, inverse
 * transform) so that a block's transformed data stays in L2; images of at most one block share one
 * block's GEMMs, side by side (wg_tasks_of). Every output element is computed by
 * one task in an order fixed by the shapes: results do not depend on the thread count.
 * Backward-weights is in winograd_bwd_weights.hpp. The drivers at the end of this file (and of
 * winograd_bwd_weights.hpp) serve F(4x4,3x3) as well (winograd4.hpp): they take a tile type with
 * the transforms, and F(2x2)'s is Wg2. */
#pragma once
#include "gemm.hpp"
#include "scratch.hpp"
#include "vec.hpp"

/* Tiles per block; a multiple of NR so that forward and backward-data panels are full. */
static inline int wg_block() { return NR * imax(1, 96 / NR); }

/* Distance between the 16 planes of a block: `floats` rounded up to a cache line, plus one line.
 * Plane sizes are often multiples of 4 KiB (e.g. 96 tiles x 32 channels), and 16 streams at such
 * a stride all map to the same L1 sets and evict each other. */
static inline long wg_plane_stride(long floats) { return (floats + 15) / 16 * 16 + 16; }

/* The transforms work on VW tiles at a time (vec.hpp), so the same code serves every path at its
 * width. A vector may run past the last tile of a row: its extra lanes are computed from the data
 * beyond (buffers carry VW floats of slack) and either land where a later tile row or block writes
 * again, or are masked. */

struct wg_shape {
    int TH, TW, T; /* tiles down, across, in all (per image) */
    int Hp, Wp;    /* padded input plane: every tile's (m+2)x(m+2) patch lies inside */
};

/* The tiling of g's output into m x m tiles (m = 2 or 4). Padded rows hold m phases of TW + 1
 * columns each, rounded up to a multiple of `align` (Wp = m * that >= m TW + 2): see the
 * deinterleaved layouts below. */
static inline wg_shape wg_shape_of(const splot_conv_geom& g, int m, int align) {
    wg_shape s;
    s.TH = (g.oh + m - 1) / m;
    s.TW = (g.ow + m - 1) / m;
    s.T = s.TH * s.TW;
    s.Hp = m * s.TH + 2;
    s.Wp = m * ((s.TW + align) / align * align);
    return s;
}

/* U[e][o][c] = (G g[o][c] G^T)[e], G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]; U holds 16*O*C floats. */
static void wg_weights(const float* w, int O, int C, float* U) {
    const long OC = (long)O * C;
    for (int o = 0; o < O; ++o)
        for (int c = 0; c < C; ++c) {
            const float* g = w + ((long)o * C + c) * 9;
            float t[4][3];
            for (int j = 0; j < 3; ++j) {
                t[0][j] = g[j];
                t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
                t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
                t[3][j] = g[6 + j];
            }
            float* u = U + (long)o * C + c;
            for (int i = 0; i < 4; ++i) {
                u[(i * 4 + 0) * OC] = t[i][0];
                u[(i * 4 + 1) * OC] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
                u[(i * 4 + 2) * OC] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
                u[(i * 4 + 3) * OC] = t[i][2];
            }
        }
}

/* dW[o][c] = G^T dU[o][c] G for a 4x4 dU given by its 16 values. */
static inline void wg_weight_grad(const float du[16], float* dw) {
    float t[3][4];
    for (int j = 0; j < 4; ++j) {
        const float x0 = du[j], x1 = du[4 + j], x2 = du[8 + j], x3 = du[12 + j];
        t[0][j] = x0 + 0.5f * (x1 + x2);
        t[1][j] = 0.5f * (x1 - x2);
        t[2][j] = 0.5f * (x1 + x2) + x3;
    }
    for (int a = 0; a < 3; ++a) {
        dw[a * 3 + 0] = t[a][0] + 0.5f * (t[a][1] + t[a][2]);
        dw[a * 3 + 1] = 0.5f * (t[a][1] - t[a][2]);
        dw[a * 3 + 2] = 0.5f * (t[a][1] + t[a][2]) + t[a][3];
    }
}

/* ---- forward and backward-data: transforms vectorised across the tiles of a tile row --------
 * Transformed data is kept "canonical": plane e, channel ch, tile j of the block at
 * P[e*sx + ch*ld + j], tiles contiguous. The GEMMs read these rows in place through a table of
 * row offsets (ukernel_off), as the implicit-GEMM convolution does. Padded planes are stored with
 * each row deinterleaved (even columns, then odd columns) so that the stride-2 patch starts
 * become contiguous loads. */

/* ev[k] = src[2k - pl], od[k] = src[2k + 1 - pl] for k < half, zero where the index is outside
 * [0, W): the edges one by one, the interior as a plain (vectorisable) deinterleave. */
static inline void wg_deinterleave(const float* src, int W, int pl, int half, float* __restrict ev, float* __restrict od) {
    const int lo = imin(half, (pl + 1) / 2), hi = imax(lo, imin(half, (W + pl) / 2));
    auto edge = [&](int k) {
        const int qe = 2 * k - pl, qo = qe + 1;
        ev[k] = qe >= 0 && qe < W ? src[qe] : 0.0f;
        od[k] = qo >= 0 && qo < W ? src[qo] : 0.0f;
    };
    for (int k = 0; k < lo; ++k) edge(k);
    const float* s = src - pl;
    for (int k = lo; k < hi; k += VW) {
        const int n = imin(VW, hi - k);
        vf e, o;
        vdeinterleave2(vload_n(s + 2 * k, imin(2 * n, VW)), vload_n(s + 2 * k + VW, imax(0, 2 * n - VW)), &e, &o);
        vstore_n(ev + k, e, n);
        vstore_n(od + k, o, n);
    }
    for (int k = hi; k < half; ++k) edge(k);
}

/* dst[c][r] = row r of x's padded plane (image at (pt, pl), Hp x Wp), deinterleaved into its
 * `half` even and `half` odd columns (Wp = 2*half). */
static void wg_pad_deint(const float* x, int C, int H, int W, int pt, int pl, int Hp, int half, float* dst) {
    for (int c = 0; c < C; ++c)
        for (int r = 0; r < Hp; ++r) {
            float* ev = dst + ((long)c * Hp + r) * 2 * half;
            const int ih = r - pt;
            if (ih < 0 || ih >= H) {
                for (int k = 0; k < 2 * half; ++k) ev[k] = 0.0f;
                continue;
            }
            wg_deinterleave(x + ((long)c * H + ih) * W, W, pl, half, ev, ev + half);
        }
}

/* The tile rows that block [t0, t0+nb) touches: row ty covers tiles [txa, txb), which are tiles
 * jb+txa .. jb+txb-1 of the block. */
#define WG_FOR_TILE_ROWS(s, t0, nb)                                                         \
    for (int ty = (t0) / (s).TW; ty * (s).TW < (t0) + (nb); ++ty)                          \
        for (int txa = imax(0, (t0)-ty * (s).TW), txb = imin((s).TW, (t0) + (nb)-ty * (s).TW), \
                 jb = ty * (s).TW - (t0), once_ = 1;                                        \
             once_; once_ = 0)

/* f(r0, dc, tx) for the input transform of tiles tx .. tx+VW-1 of each tile row of block
 * [t0, t0+nb), channel by channel: r0 = the tile row's first patch row in channel c's padded plane
 * (tiles m x m), dc = row c of V at the tile row's first tile in the block. */
template <class F>
static inline void wg_for_input_vectors(const float* xp, int C, const wg_shape& s, int m, int t0, int nb, float* V, int ld, F f) {
    WG_FOR_TILE_ROWS(s, t0, nb) {
        for (int c = 0; c < C; ++c) {
            const float* r0 = xp + ((long)c * s.Hp + m * ty) * s.Wp;
            float* dc = V + (long)c * ld + jb;
            for (int tx = txa; tx < txb; tx += VW) f(r0, dc, tx);
        }
    }
}

/* V = B^T d B, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], for the tiles of block [t0, t0+nb)
 * from the deinterleaved padded image xp (VW floats of slack). Patch columns 2tx .. 2tx+3 are
 * E[tx], O[tx], E[tx+1], O[tx+1] of each row. V rows need VW floats of slack past the block. */
static void wg_input_rows(const float* xp, int C, const wg_shape& s, int t0, int nb, float* V, long sx, int ld) {
    const int half = s.TW + 1;
    wg_for_input_vectors(xp, C, s, 2, t0, nb, V, ld, [&](const float* r0, float* dc, int tx) {
                vf u[4][4]; /* B^T d down the rows, at each patch column q */
#pragma GCC unroll 4
                for (int q = 0; q < 4; ++q) {
                    const float* p = r0 + (q & 1) * half + (q >> 1) + tx;
                    const vf d0 = vload(p), d1 = vload(p + s.Wp), d2 = vload(p + 2 * s.Wp), d3 = vload(p + 3 * s.Wp);
                    u[0][q] = d0 - d2;
                    u[1][q] = d1 + d2;
                    u[2][q] = d2 - d1;
                    u[3][q] = d1 - d3;
                }
#pragma GCC unroll 4
                for (int i = 0; i < 4; ++i) { /* (.) B along the columns */
                    float* d = dc + (i * 4) * sx + tx;
                    vstore(d, u[i][0] - u[i][2]);
                    vstore(d + sx, u[i][1] + u[i][2]);
                    vstore(d + 2 * sx, u[i][2] - u[i][1]);
                    vstore(d + 3 * sx, u[i][1] - u[i][3]);
                }
    });
}

/* dyp[o][a][b] (TH x TW each) = dy[o][2ty + a][2tx + b], zero beyond OH / OW: the four quarters of
 * each 2x2 output tile, so that tile t = ty*TW + tx is element t of each quarter plane. */
static void wg_pad_grad_quarters(const float* dyn, int O, const wg_shape& s, const splot_conv_geom& g, float* dyp) {
    const long q = (long)s.TH * s.TW;
    for (int o = 0; o < O; ++o)
        for (int r = 0; r < 2 * s.TH; ++r) {
            float* ev = dyp + (o * 4 + (r & 1) * 2) * q + (long)(r >> 1) * s.TW;
            float* od = ev + q;
            if (r >= g.oh) {
                for (int k = 0; k < s.TW; ++k) ev[k] = od[k] = 0.0f;
                continue;
            }
            wg_deinterleave(dyn + ((long)o * g.oh + r) * g.ow, g.ow, 0, s.TW, ev, od);
        }
}

/* dM = A dY A^T, A = [1 0; 1 1; 1 -1; 0 -1], for the tiles of block [t0, t0+nb), straight down the
 * quarter planes (aligned, whole block at once); dyp and Mg rows need VW floats of slack. */
static void wg_grad_flat(const float* dyp, int O, const wg_shape& s, int t0, int nb, float* Mg, long sx, int ld) {
    const long q = (long)s.TH * s.TW;
    for (int o = 0; o < O; ++o) {
        const float* d00 = dyp + o * 4 * q + t0;
        float* d = Mg + (long)o * ld;
        for (int j = 0; j < nb; j += VW) {
            const vf a0 = vload(d00 + j), a1 = vload(d00 + q + j), b0 = vload(d00 + 2 * q + j), b1 = vload(d00 + 3 * q + j);
            const vf x[4][2] = {{a0, a1}, {a0 + b0, a1 + b1}, {a0 - b0, a1 - b1}, {-b0, -b1}};
#pragma GCC unroll 4
            for (int i = 0; i < 4; ++i) {
                float* p = d + (i * 4) * sx + j;
                vstore(p, x[i][0]);
                vstore(p + sx, x[i][0] + x[i][1]);
                vstore(p + 2 * sx, x[i][0] - x[i][1]);
                vstore(p + 3 * sx, -x[i][1]);
            }
        }
    }
}

/* ReLU as relu_fwd, on the vector the output transform stores (the fused forward's epilogue):
 * 0 where v <= 0, v elsewhere (NaN passes). */
static inline vf wg_relu_if(vf v, bool relu) { return relu ? (v <= vf{} ? vf{} : v) : v; }

/* ReLU backward as relu_bwd, in place (the fused backward-data's epilogue): dx = 0 where the ReLU's
 * output y (shaped as dx) is not positive. */
static inline void wg_relu_mask(float* __restrict dx, const float* __restrict y, long count) {
    long i = 0;
    for (; i + VW <= count; i += VW) vstore(dx + i, vload(y + i) > vf{} ? vload(dx + i) : vf{});
    if (i < count) {
        const int rest = (int)(count - i);
        vstore_n(dx + i, vload_n(y + i, rest) > vf{} ? vload_n(dx + i, rest) : vf{}, rest);
    }
}

/* y[o][2ty+a][2tx+b] = bias[o] + (A^T M A)[a][b], A^T = [1 1 1 0; 0 1 -1 -1], for the in-image
 * outputs of the tiles of block [t0, t0+nb), clamped at 0 when g.relu. Rows are interleaved in
 * registers; exactly the in-image columns are written (y has no slack). */
static void wg_output_rows(const float* M, long sx, int ld, int O, const wg_shape& s, const splot_conv_geom& g, int t0, int nb,
                           const float* bias, float* y, float* tmp) {
    const int tl = (nb + 2 * VW - 1) / VW * VW; /* temp rows: every chunk of the block, plus one */
    float* yab[4] = {tmp, tmp + tl, tmp + 2 * tl, tmp + 3 * tl};
    for (int o = 0; o < O; ++o) {
        const float* m = M + (long)o * ld;
        float* yo = y + (long)o * g.oh * g.ow;
        const vf bo = vf{} + (bias ? bias[o] : 0.0f);
        for (int j = 0; j < nb; j += VW) { /* the whole block at once: aligned chunks of the 16 planes */
            vf x0[4], x1[4];
#pragma GCC unroll 4
            for (int q = 0; q < 4; ++q) {
                const vf m0 = vload(m + q * sx + j), m1 = vload(m + (4 + q) * sx + j), m2 = vload(m + (8 + q) * sx + j),
                            m3 = vload(m + (12 + q) * sx + j);
                x0[q] = m0 + m1 + m2;
                x1[q] = m1 - m2 - m3;
            }
            vstore(yab[0] + j, wg_relu_if(bo + (x0[0] + x0[1] + x0[2]), g.relu));
            vstore(yab[1] + j, wg_relu_if(bo + (x0[1] - x0[2] - x0[3]), g.relu));
            vstore(yab[2] + j, wg_relu_if(bo + (x1[0] + x1[1] + x1[2]), g.relu));
            vstore(yab[3] + j, wg_relu_if(bo + (x1[1] - x1[2] - x1[3]), g.relu));
        }
        WG_FOR_TILE_ROWS(s, t0, nb) {
            for (int a = 0; a < 2 && 2 * ty + a < g.oh; ++a) {
                const float* l = yab[2 * a] + jb;
                const float* r = yab[2 * a + 1] + jb;
                float* row = yo + (long)(2 * ty + a) * g.ow;
                for (int tx = txa; tx < txb; tx += VW) {
                    const int q0 = 2 * tx, count = imin(g.ow, 2 * imin(txb, tx + VW)) - q0;
                    vf lo, hi;
                    vinterleave(vload(l + tx), vload(r + tx), &lo, &hi);
                    if (count >= VW) {
                        vstore(row + q0, lo);
                        vstore_n(row + q0 + VW, hi, count - VW);
                    } else {
                        vstore_n(row + q0, lo, count);
                    }
                }
            }
        }
    }
}

/* dxp[c][2ty+r][2tx+q] += (B dV B^T)[r][q] for the tiles of block [t0, t0+nb), into the
 * deinterleaved padded plane dxp; neighbouring patches overlap, so each image runs serially, in
 * tile order. The transform runs over the whole block; tmp holds 16*nb floats. */
static void wg_input_grad_rows(const float* V, long sx, int ld, int C, const wg_shape& s, int t0, int nb, float* dxp, float* tmp) {
    const int half = s.TW + 1;
    for (int c = 0; c < C; ++c) {
        const float* __restrict v = V + (long)c * ld;
        float* __restrict sq = tmp; /* sq[(r*4 + q)*nb + j] = (B dV B^T)[r][q] of tile j */
#pragma GCC ivdep
        for (int j = 0; j < nb; ++j) {
            float z[4][4]; /* z = B dV, B = [1 0 0 0; 0 1 -1 1; -1 1 1 0; 0 0 0 -1] */
#pragma GCC unroll 4
            for (int q = 0; q < 4; ++q) {
                const float v0 = v[q * sx + j], v1 = v[(4 + q) * sx + j], v2 = v[(8 + q) * sx + j], v3 = v[(12 + q) * sx + j];
                z[0][q] = v0;
                z[1][q] = v1 - v2 + v3;
                z[2][q] = v1 + v2 - v0;
                z[3][q] = -v3;
            }
#pragma GCC unroll 4
            for (int r = 0; r < 4; ++r) {
                sq[(r * 4 + 0) * nb + j] = z[r][0];
                sq[(r * 4 + 1) * nb + j] = z[r][1] - z[r][2] + z[r][3];
                sq[(r * 4 + 2) * nb + j] = z[r][1] + z[r][2] - z[r][0];
                sq[(r * 4 + 3) * nb + j] = -z[r][3];
            }
        }
        WG_FOR_TILE_ROWS(s, t0, nb) {
            for (int r = 0; r < 4; ++r) {
                float* ev = dxp + ((long)c * s.Hp + 2 * ty + r) * s.Wp;
                float* od = ev + half;
                const float* s0 = sq + (r * 4) * nb + jb;
                const float *s1 = s0 + nb, *s2 = s1 + nb, *s3 = s2 + nb;
                /* one pass over columns k = txa .. txb of the even and odd halves: tile k's left pair and tile
                 * k-1's right pair, added in that order; lanes outside keep their value (real pixels) */
                for (int k = txa; k <= txb; k += VW) {
                    const vi own = vfirst(txb - k), left = vfirst(txb + 1 - k) & ~vfirst(txa + 1 - k);
                    const vf e = vload(ev + k), f = vload(od + k);
                    const vf e1 = own ? e + vload(s0 + k) : e, f1 = own ? f + vload(s1 + k) : f;
                    vstore(ev + k, left ? e1 + vload(s2 + k - 1) : e1);
                    vstore(od + k, left ? f1 + vload(s3 + k - 1) : f1);
                }
            }
        }
    }
}

/* Rows of a GEMM result plane: M rounded up to whole WG_MR tiles (see wg_gemm_rows). */
static inline long wg_gemm_plane_rows(int M) { return (M + WG_MR - 1) / WG_MR * WG_MR; }

/* Floats of A (M x K) packed for wg_gemm_rows: WG_MR rows a panel. */
static inline long wg_packed_a_floats(int M, int K) { return wg_gemm_plane_rows(M) * K; }

/* One column panel of wg_gemm_rows, NRT columns wide, over the K block of kl rows at A (the first
 * row panel's; panels lie K * WG_MR floats apart), tile by tile down M. */
template <int NRT>
static inline void wg_gemm_panel(int M, int K, int kl, const float* A, const float* B, const int* koff, float* C, long ldc,
                                 bool accumulate) {
    for (int i = 0; i < M; i += WG_MR)
        ukernel_off<NRT, WG_MR>(kl, A + (long)(i / WG_MR) * K * WG_MR, B, koff, C + (long)i * ldc, ldc, nullptr, accumulate);
}

/* C[M x nb] (ldc) = A (M x K, packed by pack_a_all<WG_MR>) x the K rows B + koff[k] (canonical rows,
 * nb columns used), in WG_MR x WG_NR tiles (the ISA file's Winograd tile). Edge tiles are computed
 * whole, straight into C: C has wg_gemm_plane_rows(M) rows, and rows of B and C have room for nb
 * rounded up to whole vectors; what lands beyond M x nb is never read. A last panel narrower than
 * WG_NR runs the kernel of its whole vectors (one or two). Each element's sum runs over k in order,
 * whatever the tile's shape. */
static void wg_gemm_rows(int M, int nb, int K, const float* Ap, const float* B, const int* koff, float* C, long ldc) {
    static_assert(WG_NR % VW == 0 && WG_NR <= 3 * VW, "Winograd panels are one to three vectors wide");
    const int KC = k_block_size(K);
    for (int j = 0; j < nb; j += WG_NR)
        for (int k0 = 0; k0 < K; k0 += KC) {
            const int kl = imin(KC, K - k0), vectors = imin(WG_NR, nb - j + VW - 1) / VW;
            const float* A = Ap + (long)k0 * WG_MR;
            if (vectors == 1)
                wg_gemm_panel<VW>(M, K, kl, A, B + j, koff + k0, C + j, ldc, k0 > 0);
            else if (vectors == 2 && 2 * VW < WG_NR)
                wg_gemm_panel<2 * VW>(M, K, kl, A, B + j, koff + k0, C + j, ldc, k0 > 0);
            else
                wg_gemm_panel<WG_NR>(M, K, kl, A, B + j, koff + k0, C + j, ldc, k0 > 0);
        }
}

/* dx (C x H x W) = the image part of the deinterleaved padded plane dxp (F(2x2)'s layout). */
static void wg_unpad_deint(const float* dxp, int C, const wg_shape& s, const splot_conv_geom& g, float* dxn) {
    const int half = s.TW + 1;
    for (int c = 0; c < C; ++c)
        for (int r = 0; r < g.h; ++r) {
            const float* ev = dxp + ((long)c * s.Hp + r + g.pt) * s.Wp;
            const float* od = ev + half;
            float* __restrict d = dxn + ((long)c * g.h + r) * g.w;
            /* input column q is padded column q + pl: even ones in ev, odd ones in od */
            const float* __restrict first = (g.pl & 1) ? od + (g.pl >> 1) : ev + (g.pl >> 1);
            const float* __restrict second = (g.pl & 1) ? ev + ((g.pl + 1) >> 1) : od + (g.pl >> 1);
            for (int k = 0; k < (g.w + 1) / 2; k += VW) { /* columns 2k.. from first[k..], 2k+1.. from second[k..] */
                const int n = imin(2 * VW, g.w - 2 * k);
                vf lo, hi;
                vinterleave(vload(first + k), vload(second + k), &lo, &hi);
                vstore_n(d + 2 * k, lo, imin(n, VW));
                if (n > VW) vstore_n(d + 2 * k + VW, hi, n - VW);
            }
        }
}

/* ---- the drivers, shared by F(2x2) and F(4x4) -------------------------------------------------
 * A tile type WG (Wg2 in winograd_bwd_weights.hpp, Wg4 in winograd4.hpp) gives the output tile
 * size M, the E = (M+2)^2 elements of a transformed tile, its tiles per block, and the transforms
 * in the layouts above; the drivers do the blocking, the E channel GEMMs and the scratch. */

/* Floats of the per-task temporary (TEMP3): the output / input-gradient transform's rows. */
template <class WG>
static long wg_tmp_floats(int TB) {
    return (long)WG::E * (TB + 2 * VW);
}

/* Images per task. An image whose tiles fit one block is a block by itself, and its last GEMM panel
 * is often partly empty (F(4x4) at conv2's 24x24 output: 36 tiles; with the SGEMM's 6 x 16 tile that
 * was two 16-column panels and a narrow one with 4 of its 8 columns used, a third of the GEMM time
 * for a ninth of the work): such images go up to 2 TB tiles to a block, side by side (72 tiles: three
 * whole panels of AVX2's 4 x 24 Winograd tile). Columns are independent sums in the GEMMs, so the
 * grouping does not change their bits; backward-weights sums a group's tiles as one K. */
struct wg_tasks {
    int ipg;   /* images per task */
    int count; /* tasks */
    int ld;    /* floats per GEMM row: whole NR panels of a task's columns, and VW of slack past them
                * for the transforms' vectors */
};
static inline wg_tasks wg_tasks_of(int T, int TB, int n) {
    wg_tasks t;
    t.ipg = T > TB ? 1 : imax(1, imin(n, 2 * TB / T));
    t.count = (n + t.ipg - 1) / t.ipg;
    const int cols = t.ipg > 1 ? t.ipg * T : TB;
    t.ld = (cols + NR - 1) / NR * NR + VW;
    return t;
}

template <class WG>
static void wg_conv_fwd(int threads, const float* x, const float* w, const float* b, float* y, const splot_conv_geom& g) {
    constexpr int E = WG::E;
    const wg_shape s = wg_shape_of(g, WG::M, WG::PHASE_ALIGN);
    const int O = g.o, C = g.c, TB = WG::block();
    const wg_tasks tk = wg_tasks_of(s.T, TB, g.n);
    const int ipg = tk.ipg, ld = tk.ld;
    const long apsz = wg_packed_a_floats(O, C), xps = (long)C * s.Hp * s.Wp + 2 * VW;
    Scratch<float> U(SCRATCH_OP_WEIGHTS, (size_t)E * O * C);
    WG::weights(w, O, C, U);
    Scratch<float> Ap(SCRATCH_OP_PACKED, (size_t)E * apsz);
    for (int e = 0; e < E; ++e) pack_a_all<WG_MR>(O, C, U + (long)e * O * C, C, 1, Ap + e * apsz);
    Scratch<int> koff(SCRATCH_OP_TABLE, (size_t)C);
    for (int c = 0; c < C; ++c) koff[c] = c * ld;
    const long vsx = wg_plane_stride((long)C * ld), msx = wg_plane_stride(wg_gemm_plane_rows(O) * ld);
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int task = 0; task < tk.count; ++task) {
        const int n0 = task * ipg, ni = imin(ipg, g.n - n0);
        Scratch<float> xp(SCRATCH_TASK_INPUT, (size_t)ipg * xps);
        Scratch<float> V(SCRATCH_TASK_TEMP1, (size_t)E * vsx);
        Scratch<float> M(SCRATCH_TASK_TEMP2, (size_t)E * msx);
        Scratch<float> tmp(SCRATCH_TASK_TEMP3, (size_t)wg_tmp_floats<WG>(TB));
        for (int i = 0; i < ni; ++i) WG::pad_input(x + (long)(n0 + i) * C * g.h * g.w, C, g, s, xp + i * xps);
        for (int t0 = 0; t0 < s.T; t0 += TB) { /* grouped images (ipg > 1) are one block each */
            const int nb = imin(TB, s.T - t0);
            /* image i's tiles at columns i*nb..; each transform's slack past its columns is rewritten by the next */
            for (int i = 0; i < ni; ++i) WG::input_rows(xp + i * xps, C, s, t0, nb, V + i * nb, vsx, ld);
            for (int e = 0; e < E; ++e) wg_gemm_rows(O, ni * nb, C, Ap + e * apsz, V + e * vsx, koff, M + e * msx, ld);
            if constexpr (WG::M == 4) {
                if (g.pool_y) { /* the fused max-pool (conv_relu_pool_fwd): y is not stored */
                    WG::output_rows_pooled(M, msx, ld, O, s, g, t0, nb, ni, b, n0, tmp);
                    continue;
                }
            }
            for (int i = 0; i < ni; ++i)
                WG::output_rows(M + i * nb, msx, ld, O, s, g, t0, nb, b, y + (long)(n0 + i) * O * g.oh * g.ow, tmp);
        }
    }
}

template <class WG>
static void wg_conv_bwd_data(int threads, const float* dy, const float* w, float* dx, const splot_conv_geom& g) {
    constexpr int E = WG::E;
    const wg_shape s = wg_shape_of(g, WG::M, WG::PHASE_ALIGN);
    const int O = g.o, C = g.c, TB = WG::block();
    const wg_tasks tk = wg_tasks_of(s.T, TB, g.n);
    const int ipg = tk.ipg, ld = tk.ld;
    const long apsz = wg_packed_a_floats(C, O);
    const long dyps = (long)O * (WG::M * s.TH) * (WG::M * s.TW) + VW, dxps = (long)C * s.Hp * s.Wp + 2 * VW + 1;
    Scratch<float> U(SCRATCH_OP_WEIGHTS, (size_t)E * O * C);
    WG::weights(w, O, C, U);
    Scratch<float> Ap(SCRATCH_OP_PACKED, (size_t)E * apsz);
    for (int e = 0; e < E; ++e) pack_a_all<WG_MR>(C, O, U + (long)e * O * C, 1, C, Ap + e * apsz); /* U[e]^T */
    Scratch<int> koff(SCRATCH_OP_TABLE, (size_t)O);
    for (int o = 0; o < O; ++o) koff[o] = o * ld;
    const long gsx = wg_plane_stride((long)O * ld), vsx = wg_plane_stride(wg_gemm_plane_rows(C) * ld);
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int task = 0; task < tk.count; ++task) {
        const int n0 = task * ipg, ni = imin(ipg, g.n - n0);
        Scratch<float> dyp(SCRATCH_TASK_INPUT, (size_t)ipg * dyps);
        Scratch<float> Mg(SCRATCH_TASK_TEMP1, (size_t)E * gsx);
        Scratch<float> V(SCRATCH_TASK_TEMP2, (size_t)E * vsx);
        Scratch<float> tmp(SCRATCH_TASK_TEMP3, (size_t)wg_tmp_floats<WG>(TB));
        Scratch<float> dxp(SCRATCH_TASK_TEMP4, (size_t)ipg * dxps);
        for (int i = 0; i < ni; ++i) {
            WG::pad_grad(dy + (long)(n0 + i) * O * g.oh * g.ow, O, s, g, dyp + i * dyps);
            for (long k = 0; k < (long)C * s.Hp * s.Wp; ++k) dxp[i * dxps + k] = 0.0f;
        }
        for (int t0 = 0; t0 < s.T; t0 += TB) { /* grouped images (ipg > 1) are one block each */
            const int nb = imin(TB, s.T - t0);
            for (int i = 0; i < ni; ++i) WG::grad_flat(dyp + i * dyps, O, s, t0, nb, Mg + i * nb, gsx, ld);
            for (int e = 0; e < E; ++e) wg_gemm_rows(C, ni * nb, O, Ap + e * apsz, Mg + e * gsx, koff, V + e * vsx, ld);
            for (int i = 0; i < ni; ++i) WG::input_grad_rows(V + i * nb, vsx, ld, C, s, t0, nb, dxp + i * dxps, tmp);
        }
        for (int i = 0; i < ni; ++i) {
            const long off = (long)(n0 + i) * C * g.h * g.w;
            WG::unpad(dxp + i * dxps, C, s, g, dx + off);
            /* the fused ReLU backward, on the image's dx while it is in cache */
            if (g.relu_y) wg_relu_mask(dx + off, g.relu_y + off, (long)C * g.h * g.w);
        }
    }
}
