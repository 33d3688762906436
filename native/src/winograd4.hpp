/* Winograd F(4x4, 3x3) for 3x3 stride-1 convolutions: the tile type Wg4 for the drivers of
 * winograd.hpp / winograd_bwd_weights.hpp, with Lavin & Gray's matrices (interpolation points
 * 0, 1, -1, 2, -2 and infinity):
 *
 *   B^T = [4  0 -5  0 1 0      G = [ 1/4     0     0      A^T = [1 1  1 1  1 0
 *          0 -4 -4  1 1 0            -1/6  -1/6  -1/6            0 1 -1 2 -2 0
 *          0  4 -4 -1 1 0            -1/6   1/6  -1/6            0 1  1 4  4 0
 *          0 -2 -1  2 1 0             1/24  1/12  1/6            0 1 -1 8 -8 1]
 *          0  2 -1 -2 1 0             1/24 -1/12  1/6
 *          0  4  0 -5 0 1]            0     0     1   ]
 *
 * Per 4x4 output tile, 36 element-wise products of a 6x6 transformed tile: 36*O*C multiply-adds
 * per 16 outputs instead of 144*O*C (4x fewer; F(2x2) saves 2.25x). The price is rounding: the
 * transforms scale values by up to 10 (the largest row sum of |B^T|) and 19 (of |A^T|) per
 * dimension, against 2 and 3 for F(2x2), so float32 roundings of the transformed values weigh
 * more: the measured error against a double-precision direct convolution is about 20x F(2x2)'s
 * (4.7e-6 of the output's scale at conv2's shape, native/README.md; bench/conv_error.cpp), still
 * inside BackendConformanceTest's 1e-5. The weight transforms (with their sixths) run in double
 * and round once.
 *
 * Layouts (the F(2x2) ones with 4 phases instead of 2): a padded row of Wp = 4q floats, q = TW + 1,
 * holds its columns deinterleaved by 4 (phase p: columns 4k + p at [p*q + k]), so that patch column
 * j of tiles tx .. tx+VW-1 is one contiguous load at phase j & 3, offset tx + (j >> 2). dy is kept
 * as 16 planes, dy[4ty + a][4tx + b] at plane 4a + b, element ty*TW + tx. Part of the ops written
 * once per ISA (see ops.hpp). */
#pragma once
#include "winograd_bwd_weights.hpp"

/* Each 1-D transform once, for float (channel-last transforms) and vf (across tiles) alike. */

/* out = B^T d */
template <class T>
static inline void wg4_bt(const T d[6], T out[6]) {
    const T t1 = d[4] - 4.0f * d[2], t2 = d[3] - 4.0f * d[1];
    const T t3 = d[4] - d[2], t4 = 2.0f * (d[3] - d[1]);
    out[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
    out[1] = t1 + t2;
    out[2] = t1 - t2;
    out[3] = t3 + t4;
    out[4] = t3 - t4;
    out[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
}

/* out = B v (the adjoint of wg4_bt) */
template <class T>
static inline void wg4_b(const T v[6], T out[6]) {
    const T s12 = v[1] + v[2], d12 = v[2] - v[1], s34 = v[3] + v[4], d34 = v[3] - v[4];
    out[0] = 4.0f * v[0];
    out[1] = 4.0f * (d12 + v[5]) - 2.0f * d34;
    out[2] = -5.0f * v[0] - 4.0f * s12 - s34;
    out[3] = 2.0f * d34 - d12 - 5.0f * v[5];
    out[4] = v[0] + s12 + s34;
    out[5] = v[5];
}

/* out = A^T m (6 -> 4) */
template <class T>
static inline void wg4_at(const T m[6], T out[4]) {
    const T a = m[1] + m[2], b = m[1] - m[2], c = m[3] + m[4], d = m[3] - m[4];
    out[0] = m[0] + a + c;
    out[1] = b + 2.0f * d;
    out[2] = a + 4.0f * c;
    out[3] = b + 8.0f * d + m[5];
}

/* out = A y (4 -> 6, the adjoint of wg4_at) */
template <class T>
static inline void wg4_a(const T y[4], T out[6]) {
    const T p = y[0] + y[2], q = y[1] + y[3], r = y[0] + 4.0f * y[2], s = 2.0f * y[1] + 8.0f * y[3];
    out[0] = y[0];
    out[1] = p + q;
    out[2] = p - q;
    out[3] = r + s;
    out[4] = r - s;
    out[5] = y[3];
}

/* out = F in F^T for a 1-D transform F from NI to NO values (wg4_bt, wg4_b: 6 -> 6; wg4_at: 6 -> 4;
 * wg4_a: 4 -> 6): F down each column of in(r, k), then along each row; out(i, k) receives the result. */
template <int NI, int NO, class T, class In, class F, class Out>
static inline __attribute__((always_inline)) void wg4_2d(In in, F f, Out out) {
    T u[NO][NI];
#pragma GCC unroll 6
    for (int k = 0; k < NI; ++k) {
        T col[NI], res[NO];
#pragma GCC unroll 6
        for (int r = 0; r < NI; ++r) col[r] = in(r, k);
        f(col, res);
#pragma GCC unroll 6
        for (int i = 0; i < NO; ++i) u[i][k] = res[i];
    }
#pragma GCC unroll 6
    for (int i = 0; i < NO; ++i) {
        T res[NO];
        f(u[i], res);
#pragma GCC unroll 6
        for (int k = 0; k < NO; ++k) out(i, k, res[k]);
    }
}

static const double WG4_G[6][3] = {{1.0 / 4, 0, 0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                   {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1}};

/* Lanes l of src[i0 + l] that lie in [0, W), the others zero; whole vectors in the interior. */
static inline vf wg4_load_in(const float* src, int i0, int W) {
    if (i0 >= 0 && i0 + VW <= W) return vload(src + i0);
    if (i0 >= W || i0 + VW <= 0) return vf{};
    if (i0 >= 0) return vload_n(src + i0, W - i0);
    vf v = {};
    for (int l = -i0; l < VW && i0 + l < W; ++l) v[l] = src[i0 + l];
    return v;
}

/* p[b][k] = src[4k + b - pl] for k < q, zero outside [0, W): 4 VW source floats at a time, split
 * into their four column phases by two rounds of even/odd deinterleaving. With `overrun`, the last
 * vector of each phase may write up to VW - 1 floats past q (the caller rewrites them later);
 * without, it stops at q exactly. */
static void wg4_deinterleave(const float* src, int W, int pl, int q, float* const p[4], bool overrun) {
    for (int k = 0; k < q; k += VW) {
        const int i0 = 4 * k - pl;
        vf e0, o0, e1, o1, ph[4];
        vdeinterleave2(wg4_load_in(src, i0, W), wg4_load_in(src, i0 + VW, W), &e0, &o0);
        vdeinterleave2(wg4_load_in(src, i0 + 2 * VW, W), wg4_load_in(src, i0 + 3 * VW, W), &e1, &o1);
        vdeinterleave2(e0, e1, &ph[0], &ph[2]);
        vdeinterleave2(o0, o1, &ph[1], &ph[3]);
        for (int b = 0; b < 4; ++b) {
            if (overrun || k + VW <= q)
                vstore(p[b] + k, ph[b]);
            else
                vstore_n(p[b] + k, ph[b], q - k);
        }
    }
}

/* (a0 b0 c0 d0 a1 b1 c1 d1 ...) as four vectors, the first `count` floats stored at dst. */
static inline void wg4_interleave_store(float* dst, vf a, vf b, vf c, vf d, int count) {
    vf ac_lo, ac_hi, bd_lo, bd_hi, v[4];
    vinterleave(a, c, &ac_lo, &ac_hi);
    vinterleave(b, d, &bd_lo, &bd_hi);
    vinterleave(ac_lo, bd_lo, &v[0], &v[1]);
    vinterleave(ac_hi, bd_hi, &v[2], &v[3]);
    for (int i = 0; i < 4 && count > 0; ++i, count -= VW) {
        if (count >= VW)
            vstore(dst + i * VW, v[i]);
        else
            vstore_n(dst + i * VW, v[i], count);
    }
}

/* Output columns 4tx .. 4tx+4VW of one row of y from its four column phases (bias added): the one
 * place the forward pass stores y. */
static inline void wg4_store_y(float* row, vf y0, vf y1, vf y2, vf y3, int count) { wg4_interleave_store(row, y0, y1, y2, y3, count); }

/* The F(4x4,3x3) tile type for the drivers of winograd.hpp and winograd_bwd_weights.hpp. */
struct Wg4 {
    /* phases start on whole vectors, so that backward-data's accumulation into one phase never
     * re-loads part of a vector just stored into the one before (a failed store-to-load forward) */
    static constexpr int M = 4, E = 36, PHASE_ALIGN = VW;
    /* as many tile planes in a block as F(2x2)'s 96 tiles x 16 (the block's V and M stay in L2),
     * rounded to whole panels: 48 on AVX2, so a 24x24 output's 36 tiles are one block */
    static int block() { return NR * imax(1, (96 * 16 / 36 + NR / 2) / NR); }

    /* U[e][o][c] = (G g[o][c] G^T)[e] in double, rounded once; U holds 36*O*C floats. */
    static void weights(const float* w, int O, int C, float* U) {
        const long OC = (long)O * C;
        for (long oc = 0; oc < OC; ++oc) {
            const float* g = w + oc * 9;
            double t[6][3];
            for (int i = 0; i < 6; ++i)
                for (int j = 0; j < 3; ++j) t[i][j] = WG4_G[i][0] * g[j] + WG4_G[i][1] * g[3 + j] + WG4_G[i][2] * g[6 + j];
            for (int i = 0; i < 6; ++i)
                for (int k = 0; k < 6; ++k) U[(i * 6 + k) * OC + oc] = (float)(t[i][0] * WG4_G[k][0] + t[i][1] * WG4_G[k][1] + t[i][2] * WG4_G[k][2]);
        }
    }

    /* dW = G^T dU G in double for a 6x6 dU given by its 36 values. */
    static void weight_grad(const float du[36], float* dw) {
        double t[3][6];
        for (int a = 0; a < 3; ++a)
            for (int k = 0; k < 6; ++k) {
                double sum = 0.0;
                for (int i = 0; i < 6; ++i) sum += WG4_G[i][a] * du[i * 6 + k];
                t[a][k] = sum;
            }
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) {
                double sum = 0.0;
                for (int k = 0; k < 6; ++k) sum += t[a][k] * WG4_G[k][b];
                dw[a * 3 + b] = (float)sum;
            }
    }

    static void pad_input(const float* xn, int C, const splot_conv_geom& g, const wg_shape& s, float* xp) {
        const int q = s.Wp / 4;
        for (int c = 0; c < C; ++c)
            for (int r = 0; r < s.Hp; ++r) {
                float* row = xp + ((long)c * s.Hp + r) * s.Wp;
                const int ih = r - g.pt;
                if (ih < 0 || ih >= g.h) {
                    for (int k = 0; k < s.Wp; ++k) row[k] = 0.0f;
                    continue;
                }
                float* const phases[4] = {row, row + q, row + 2 * q, row + 3 * q};
                wg4_deinterleave(xn + ((long)c * g.h + ih) * g.w, g.w, g.pl, q, phases, false); /* q: whole vectors */
            }
    }

    /* V = B^T d B for the tiles of block [t0, t0+nb), VW tiles at a time (as wg_input_rows). */
    static void input_rows(const float* xp, int C, const wg_shape& s, int t0, int nb, float* V, long sx, int ld) {
        const int q = s.Wp / 4;
        wg_for_input_vectors(xp, C, s, 4, t0, nb, V, ld, [&](const float* r0, float* dc, int tx) {
            /* patch column j: phase j & 3, element tx + (j >> 2) */
            wg4_2d<6, 6, vf>([&](int r, int j) { return vload(r0 + r * s.Wp + (j & 3) * q + (j >> 2) + tx); }, wg4_bt<vf>,
                             [&](int i, int k, vf v) { vstore(dc + (i * 6 + k) * sx + tx, v); });
        });
    }

    /* Row 4a + b of tmp (tl floats a row), column j = bias + A^T M A of tile j of one output channel (its M
     * elements at m + e*sx + j), clamped at 0 when relu: the nb tiles of a block, VW at a time. */
    static inline void output_tiles(const float* m, long sx, int nb, int tl, vf bo, bool relu, float* tmp) {
        for (int j = 0; j < nb; j += VW)
            wg4_2d<6, 4, vf>([&](int i, int k) { return vload(m + (i * 6 + k) * sx + j); }, wg4_at<vf>,
                             [&](int a, int b, vf v) { vstore(tmp + (a * 4 + b) * tl + j, wg_relu_if(bo + v, relu)); });
    }

    /* y = bias + A^T M A (clamped at 0 when g.relu, the fused forward) for the in-image outputs of the tiles of block [t0, t0+nb): transformed over
     * the whole block into 16 temp rows (tile j's y[a][b] at row 4a + b), then stored row by row. */
    static void output_rows(const float* M, long sx, int ld, int O, const wg_shape& s, const splot_conv_geom& g, int t0, int nb,
                                const float* bias, float* y, float* tmp) {
        const int tl = (nb + 2 * VW - 1) / VW * VW;
        for (int o = 0; o < O; ++o) {
            const float* m = M + (long)o * ld;
            float* yo = y + (long)o * g.oh * g.ow;
            const vf bo = vf{} + (bias ? bias[o] : 0.0f);
            output_tiles(m, sx, nb, tl, bo, g.relu, tmp);
            WG_FOR_TILE_ROWS(s, t0, nb) {
                for (int a = 0; a < 4 && 4 * ty + a < g.oh; ++a) {
                    const float* l = tmp + (a * 4) * tl + jb;
                    float* row = yo + (long)(4 * ty + a) * g.ow;
                    for (int tx = txa; tx < txb; tx += VW) {
                        const int q0 = 4 * tx, count = imin(g.ow, 4 * imin(txb, tx + VW)) - q0;
                        wg4_store_y(row + q0, vload(l + tx), vload(l + tl + tx), vload(l + 2 * tl + tx), vload(l + 3 * tl + tx), count);
                    }
                }
            }
        }
    }

    /* As output_rows with g.relu, for image n, into g.pool_y and g.pool_arg instead of y: the 2x2 stride-2
     * max-pool of each tile's four windows, as maxpool_fwd (pooling.hpp: the window in row-major order, '>'
     * keeps the first maximum, a NaN wins once and then stays); y never leaves the registers. The windows are
     * pooled right after the transform, VW tiles at a time across the block of all ni images of the group
     * (image i's tiles at columns i*nb; all lanes used, where a tile row of a 24-wide output fills 6 of 8 and
     * one image's 36 tiles 4.5 vectors), into 4 rows of maxima and 4 of the window positions in tmp; these
     * are then stored image by image, row by row, with their flat indices into y (images n0 ..). Pooled
     * rows and columns past (oh/2, ow/2) (a window reaching past y) are not written. */
    static void output_rows_pooled(const float* M, long sx, int ld, int O, const wg_shape& s, const splot_conv_geom& g, int t0,
                                   int nb, int ni, const float* bias, int n0, float* tmp) {
        const int cols = ni * nb, tl = (cols + 2 * VW - 1) / VW * VW, poh = g.oh / 2, pow_ = g.ow / 2;
        float* const best_rows = tmp;                 /* window (r, c) of tile j at [(2r + c) * tl + j] */
        int* const pos_rows = (int*)(tmp + 4 * tl); /* its maximum's position in the window, 0..3 */
        vi lane;
        for (int l = 0; l < VW; ++l) lane[l] = l;
        for (int o = 0; o < O; ++o) {
            const float* m = M + (long)o * ld;
            const vf bo = vf{} + (bias ? bias[o] : 0.0f);
            for (int j = 0; j < cols; j += VW) {
                vf y[4][4];
                wg4_2d<6, 4, vf>([&](int i, int k) { return vload(m + (i * 6 + k) * sx + j); }, wg4_at<vf>,
                                 [&](int a, int b, vf v) { y[a][b] = wg_relu_if(bo + v, true); });
                for (int r = 0; r < 2; ++r)
                    for (int c = 0; c < 2; ++c) {
                        const vf cand[4] = {y[2 * r][2 * c], y[2 * r][2 * c + 1], y[2 * r + 1][2 * c], y[2 * r + 1][2 * c + 1]};
                        vf mx = cand[0];
                        vi id = vi{};
                        for (int k = 1; k < 4; ++k) {
                            const vi take = (cand[k] > mx) | ((cand[k] != cand[k]) & (mx == mx));
                            mx = take ? cand[k] : mx;
                            id = take ? vi{} + k : id;
                        }
                        vstore(best_rows + (2 * r + c) * tl + j, mx);
                        memcpy(pos_rows + (2 * r + c) * tl + j, &id, sizeof id);
                    }
            }
            for (int i = 0; i < ni; ++i) {
                const long nc = (long)(n0 + i) * O + o;
                float* py = g.pool_y + nc * poh * pow_;
                int* pa = g.pool_arg + nc * poh * pow_;
                WG_FOR_TILE_ROWS(s, t0, nb) {
                    const int ji = jb + i * nb; /* the tile row's first column in tmp */
                    for (int r = 0; r < 2 && 2 * ty + r < poh; ++r) {
                        const int y0 = 4 * ty + 2 * r; /* the windows' first row in y */
                        for (int tx = txa; tx < txb; tx += VW) {
                            const int count = imin(pow_ - 2 * tx, 2 * imin(VW, txb - tx)); /* pooled columns 2tx .. */
                            if (count <= 0) break;
                            vf best[2], at[2];
                            for (int c = 0; c < 2; ++c) { /* window column c of each tile: y columns 4tx + 2c, +1 */
                                best[c] = vload(best_rows + (2 * r + c) * tl + ji + tx);
                                vi id;
                                memcpy(&id, pos_rows + (2 * r + c) * tl + ji + tx, sizeof id);
                                /* flat index into y: row y0 + id / 2, column 4 tx + 2c + id % 2; its bits ride in a
                                 * float vector through the interleaving shuffle */
                                const vi flat = (int)(nc * g.oh * g.ow) + (y0 + (id >> 1)) * g.ow + 4 * (lane + tx) + 2 * c + (id & 1);
                                memcpy(&at[c], &flat, sizeof flat);
                            }
                            /* the two window columns interleaved: pooled columns 2tx, 2tx + 1, ... */
                            vf v[2], a[2];
                            vinterleave(best[0], best[1], &v[0], &v[1]);
                            vinterleave(at[0], at[1], &a[0], &a[1]);
                            const long at0 = (long)(2 * ty + r) * pow_ + 2 * tx;
                            for (int h = 0; h < 2 && h * VW < count; ++h) {
                                const int part = imin(VW, count - h * VW);
                                if (part == VW) {
                                    vstore(py + at0 + h * VW, v[h]);
                                    vstore((float*)(pa + at0 + h * VW), a[h]);
                                } else {
                                    vstore_n(py + at0 + h * VW, v[h], part);
                                    vstore_n((float*)(pa + at0 + h * VW), a[h], part);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /* dyp plane o*16 + 4a + b, element ty*TW + tx = dy[o][4ty + a][4tx + b], zero beyond OH / OW. */
    static void pad_grad(const float* dyn, int O, const wg_shape& s, const splot_conv_geom& g, float* dyp) {
        const long T = s.T;
        for (int o = 0; o < O; ++o)
            for (int r = 0; r < 4 * s.TH; ++r) {
                float* p0 = dyp + (o * 16 + (r & 3) * 4) * T + (long)(r >> 2) * s.TW;
                if (r >= g.oh) {
                    for (int b = 0; b < 4; ++b)
                        for (int k = 0; k < s.TW; ++k) p0[b * T + k] = 0.0f;
                    continue;
                }
                float* const phases[4] = {p0, p0 + T, p0 + 2 * T, p0 + 3 * T};
                /* a tile row's overrun (up to VW - 1 floats past its TW) lands on the tile rows after it,
                 * written later (rows go in order) while it stays inside the plane; past the plane's end it
                 * would land on the next plane's first row, written before: there it stops exactly */
                const bool overrun = (long)(r >> 2) * s.TW + (s.TW + VW - 1) / VW * VW <= T;
                wg4_deinterleave(dyn + ((long)o * g.oh + r) * g.ow, g.ow, 0, s.TW, phases, overrun);
            }
    }

    /* dM = A dY A^T for the tiles of block [t0, t0+nb), straight down the 16 planes. */
    static void grad_flat(const float* dyp, int O, const wg_shape& s, int t0, int nb, float* Mg, long sx, int ld) {
        const long T = s.T;
        for (int o = 0; o < O; ++o) {
            const float* base = dyp + o * 16 * T + t0;
            float* d = Mg + (long)o * ld;
            for (int j = 0; j < nb; j += VW)
                wg4_2d<4, 6, vf>([&](int a, int b) { return vload(base + (a * 4 + b) * T + j); }, wg4_a<vf>,
                                 [&](int i, int k, vf v) { vstore(d + (i * 6 + k) * sx + j, v); });
        }
    }

    /* dxp[c][4ty+r][4tx+k] += (B dV B^T)[r][k] for the tiles of block [t0, t0+nb), each image serially
     * in a fixed order (neighbouring patches overlap by two rows / columns); tmp holds 36 rows. */
    static void input_grad_rows(const float* V, long sx, int ld, int C, const wg_shape& s, int t0, int nb, float* dxp, float* tmp) {
        const int q = s.Wp / 4, tl = (nb + VW - 1) / VW * VW;
        for (int c = 0; c < C; ++c) {
            const float* v = V + (long)c * ld;
            for (int j = 0; j < nb; j += VW)
                wg4_2d<6, 6, vf>([&](int i, int k) { return vload(v + (i * 6 + k) * sx + j); }, wg4_b<vf>,
                                 [&](int r, int k, vf x) { vstore(tmp + (r * 6 + k) * tl + j, x); });
            WG_FOR_TILE_ROWS(s, t0, nb) {
                for (int r = 0; r < 6; ++r) {
                    float* row = dxp + ((long)c * s.Hp + 4 * ty + r) * s.Wp;
                    /* column k of tile tx is phase k & 3, element tx + (k >> 2): element e of phases 0 and 1
                     * takes tile e's column 0 / 1, then tile e-1's column 4 / 5, in one pass per phase.
                     * Whole vectors: lanes outside add zero to what is there (the plane has 2 VW + 1 floats of
                     * slack), cheaper than masked loads and stores. */
                    for (int p = 0; p < 4; ++p) {
                        float* dst = row + p * q;
                        const float* own = tmp + (r * 6 + p) * tl + jb;
                        const float* left = tmp + (r * 6 + p + 4) * tl + jb - 1; /* p < 2 only */
                        for (int e = txa; e < txb || (p < 2 && e <= txb); e += VW) {
                            const vi in_own = vfirst(txb - e), in_left = vfirst(txb + 1 - e) & ~vfirst(txa + 1 - e);
                            vf acc = vload(dst + e) + (in_own ? vload(own + e) : vf{});
                            if (p < 2) acc += in_left ? vload(left + e) : vf{};
                            vstore(dst + e, acc);
                        }
                    }
                }
            }
        }
    }

    /* dx (C x H x W) = the image part of the 4-phase padded plane dxp. */
    static void unpad(const float* dxp, int C, const wg_shape& s, const splot_conv_geom& g, float* dxn) {
        const int q = s.Wp / 4;
        for (int c = 0; c < C; ++c)
            for (int r = 0; r < g.h; ++r) {
                const float* row = dxp + ((long)c * s.Hp + r + g.pt) * s.Wp;
                const float* src[4]; /* input column 4k + b is padded column 4k + b + pl */
                for (int b = 0; b < 4; ++b) src[b] = row + ((b + g.pl) & 3) * q + ((b + g.pl) >> 2);
                float* d = dxn + ((long)c * g.h + r) * g.w;
                for (int k = 0; 4 * k < g.w; k += VW)
                    wg4_interleave_store(d + 4 * k, vload(src[0] + k), vload(src[1] + k), vload(src[2] + k), vload(src[3] + k),
                                         imin(4 * VW, g.w - 4 * k));
            }
    }

    /* V = B^T d B over the channels for tile ty, tx of the channel-last padded plane xh. */
    static void input_hwc(const float* xh, int C, int Wp, int ty, int tx, float* out, long sx, int P, long pstride) {
        const long rs = (long)Wp * C;
        wg_hwc_panels(xh + ((long)(4 * ty) * Wp + 4 * tx) * C, C, out, P, pstride, [&](const float* __restrict q, float* __restrict o, int c) {
            wg4_2d<6, 6, float>([&](int r, int k) { return q[r * rs + k * C + c]; }, wg4_bt<float>,
                                [&](int i, int k, float v) { o[(i * 6 + k) * sx + c] = v; });
        });
    }

    /* dM = A dY A^T over the channels for tile ty, tx of dyh (4TH x 4TW x O, zero beyond OH / OW). */
    static void grad_hwc(const float* dyh, int O, int W2, int ty, int tx, float* out, long sx, int P, long pstride) {
        const long rs = (long)W2 * O;
        wg_hwc_panels(dyh + ((long)(4 * ty) * W2 + 4 * tx) * O, O, out, P, pstride, [&](const float* __restrict q, float* __restrict d, int o) {
            wg4_2d<4, 6, float>([&](int a, int b) { return q[a * rs + b * O + o]; }, wg4_a<float>,
                                [&](int i, int k, float v) { d[(i * 6 + k) * sx + o] = v; });
        });
    }
};
