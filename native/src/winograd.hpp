/* Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions (Lavin & Gray, "Fast Algorithms for
 * Convolutional Neural Networks", 2016), included by ops.hpp after the GEMM helpers.
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
 * transform) so that a block's transformed data stays in L2. Every output element is computed by
 * one task in an order fixed by the shapes: results do not depend on the thread count. */

/* Tiles per block; a multiple of NR so that forward and backward-data panels are full. */
static inline int wg_block() { return NR * imax(1, 96 / NR); }

/* Distance between the 16 planes of a block: `floats` rounded up to a cache line, plus one line.
 * Plane sizes are often multiples of 4 KiB (e.g. 96 tiles x 32 channels), and 16 streams at such
 * a stride all map to the same L1 sets and evict each other. */
static inline long wg_plane_stride(long floats) { return (floats + 15) / 16 * 16 + 16; }

/* The transforms work on WG_VW tiles at a time with GCC vector extensions, so the same code serves
 * every path at its width (the portable path gets SSE2's 4 lanes). A vector may run past the last
 * tile of a row: its extra lanes are computed from the data beyond (buffers carry WG_VW floats of
 * slack) and either land where a later tile row or block writes again, or are masked. */
#if defined(__AVX512F__)
#define WG_VW 16
#elif defined(__AVX2__)
#define WG_VW 8
#else
#define WG_VW 4
#endif
typedef float wg_vf __attribute__((vector_size(WG_VW * 4)));
typedef int wg_vi __attribute__((vector_size(WG_VW * 4)));
static inline wg_vf wg_load(const float* p) {
    wg_vf v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void wg_store(float* p, wg_vf v) { memcpy(p, &v, sizeof v); }
static inline wg_vf wg_splat(float x) { return wg_vf{} + x; }
/* lanes l < n set */
static inline wg_vi wg_first(int n) {
#if WG_VW == 16
    const wg_vi lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
#elif WG_VW == 8
    const wg_vi lane = {0, 1, 2, 3, 4, 5, 6, 7};
#else
    const wg_vi lane = {0, 1, 2, 3};
#endif
    return lane < n;
}
/* The first n lanes of p (the others zero) / stored to p; lanes past n are not touched in memory,
 * so these never fault past the end of a tensor. */
static inline wg_vf wg_load_n(const float* p, int n) {
#if WG_VW == 16
    return (wg_vf)_mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1u), p);
#elif WG_VW == 8
    return (wg_vf)_mm256_maskload_ps(p, (__m256i)wg_first(n));
#else
    wg_vf v = {};
    for (int l = 0; l < n; ++l) v[l] = p[l];
    return v;
#endif
}
static inline void wg_store_n(float* p, wg_vf v, int n) {
#if WG_VW == 16
    _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1u), (__m512)v);
#elif WG_VW == 8
    _mm256_maskstore_ps(p, (__m256i)wg_first(n), (__m256)v);
#else
    for (int l = 0; l < n; ++l) p[l] = v[l];
#endif
}
/* even lanes of (a b) and odd lanes of (a b) */
static inline void wg_deinterleave2(wg_vf a, wg_vf b, wg_vf* even, wg_vf* odd) {
#if WG_VW == 16
    *even = __builtin_shuffle(a, b, wg_vi{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30});
    *odd = __builtin_shuffle(a, b, wg_vi{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31});
#elif WG_VW == 8
    *even = __builtin_shuffle(a, b, wg_vi{0, 2, 4, 6, 8, 10, 12, 14});
    *odd = __builtin_shuffle(a, b, wg_vi{1, 3, 5, 7, 9, 11, 13, 15});
#else
    *even = __builtin_shuffle(a, b, wg_vi{0, 2, 4, 6});
    *odd = __builtin_shuffle(a, b, wg_vi{1, 3, 5, 7});
#endif
}
/* (a0 b0 a1 b1 ...) as two vectors */
static inline void wg_interleave(wg_vf a, wg_vf b, wg_vf* lo, wg_vf* hi) {
#if WG_VW == 16
    *lo = __builtin_shuffle(a, b, wg_vi{0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23});
    *hi = __builtin_shuffle(a, b, wg_vi{8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31});
#elif WG_VW == 8
    *lo = __builtin_shuffle(a, b, wg_vi{0, 8, 1, 9, 2, 10, 3, 11});
    *hi = __builtin_shuffle(a, b, wg_vi{4, 12, 5, 13, 6, 14, 7, 15});
#else
    *lo = __builtin_shuffle(a, b, wg_vi{0, 4, 1, 5});
    *hi = __builtin_shuffle(a, b, wg_vi{2, 6, 3, 7});
#endif
}

struct wg_shape {
    int TH, TW, T; /* tiles down, across, in all (per image) */
    int Hp, Wp;    /* padded input plane: every tile's 4x4 patch lies inside */
};

static inline wg_shape wg_shape_of(const splot_conv_geom& g) {
    wg_shape s;
    s.TH = (g.oh + 1) / 2;
    s.TW = (g.ow + 1) / 2;
    s.T = s.TH * s.TW;
    s.Hp = 2 * s.TH + 2;
    s.Wp = 2 * s.TW + 2;
    return s;
}

/* "auto" takes Winograd where the channel GEMMs are big enough to pay for the transforms (the
 * first layer of an image model, C = 1, is not); "winograd" wherever it applies. */
static inline bool wg_applies(const splot_conv_geom& g) {
    if (g.kh != 3 || g.kw != 3 || g.sh != 1 || g.sw != 1) return false;
    if (g.algo == SPLOT_CONV_WINOGRAD) return true;
    return g.algo == SPLOT_CONV_AUTO && g.c >= 8 && g.o >= 8;
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
    for (int k = lo; k < hi; k += WG_VW) {
        const int n = imin(WG_VW, hi - k);
        wg_vf e, o;
        wg_deinterleave2(wg_load_n(s + 2 * k, imin(2 * n, WG_VW)), wg_load_n(s + 2 * k + WG_VW, imax(0, 2 * n - WG_VW)), &e, &o);
        wg_store_n(ev + k, e, n);
        wg_store_n(od + k, o, n);
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

/* V = B^T d B, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], for the tiles of block [t0, t0+nb)
 * from the deinterleaved padded image xp (WG_VW floats of slack). Patch columns 2tx .. 2tx+3 are
 * E[tx], O[tx], E[tx+1], O[tx+1] of each row. V rows need WG_VW floats of slack past the block. */
static void wg_input_rows(const float* xp, int C, const wg_shape& s, int t0, int nb, float* V, long sx, int ld) {
    const int half = s.TW + 1;
    WG_FOR_TILE_ROWS(s, t0, nb) {
        for (int c = 0; c < C; ++c) {
            const float* r0 = xp + ((long)c * s.Hp + 2 * ty) * s.Wp;
            float* dc = V + (long)c * ld + jb;
            for (int tx = txa; tx < txb; tx += WG_VW) {
                wg_vf u[4][4]; /* B^T d down the rows, at each patch column q */
#pragma GCC unroll 4
                for (int q = 0; q < 4; ++q) {
                    const float* p = r0 + (q & 1) * half + (q >> 1) + tx;
                    const wg_vf d0 = wg_load(p), d1 = wg_load(p + s.Wp), d2 = wg_load(p + 2 * s.Wp), d3 = wg_load(p + 3 * s.Wp);
                    u[0][q] = d0 - d2;
                    u[1][q] = d1 + d2;
                    u[2][q] = d2 - d1;
                    u[3][q] = d1 - d3;
                }
#pragma GCC unroll 4
                for (int i = 0; i < 4; ++i) { /* (.) B along the columns */
                    float* d = dc + (i * 4) * sx + tx;
                    wg_store(d, u[i][0] - u[i][2]);
                    wg_store(d + sx, u[i][1] + u[i][2]);
                    wg_store(d + 2 * sx, u[i][2] - u[i][1]);
                    wg_store(d + 3 * sx, u[i][1] - u[i][3]);
                }
            }
        }
    }
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
 * quarter planes (aligned, whole block at once); dyp and Mg rows need WG_VW floats of slack. */
static void wg_grad_flat(const float* dyp, int O, const wg_shape& s, int t0, int nb, float* Mg, long sx, int ld) {
    const long q = (long)s.TH * s.TW;
    for (int o = 0; o < O; ++o) {
        const float* d00 = dyp + o * 4 * q + t0;
        float* d = Mg + (long)o * ld;
        for (int j = 0; j < nb; j += WG_VW) {
            const wg_vf a0 = wg_load(d00 + j), a1 = wg_load(d00 + q + j), b0 = wg_load(d00 + 2 * q + j), b1 = wg_load(d00 + 3 * q + j);
            const wg_vf x[4][2] = {{a0, a1}, {a0 + b0, a1 + b1}, {a0 - b0, a1 - b1}, {-b0, -b1}};
#pragma GCC unroll 4
            for (int i = 0; i < 4; ++i) {
                float* p = d + (i * 4) * sx + j;
                wg_store(p, x[i][0]);
                wg_store(p + sx, x[i][0] + x[i][1]);
                wg_store(p + 2 * sx, x[i][0] - x[i][1]);
                wg_store(p + 3 * sx, -x[i][1]);
            }
        }
    }
}

/* y[o][2ty+a][2tx+b] = bias[o] + (A^T M A)[a][b], A^T = [1 1 1 0; 0 1 -1 -1], for the in-image
 * outputs of the tiles of block [t0, t0+nb). Rows are interleaved in registers; exactly the
 * in-image columns are written (y has no slack). */
static void wg_output_rows(const float* M, long sx, int ld, int O, const wg_shape& s, const splot_conv_geom& g, int t0, int nb,
                           const float* bias, float* y, float* tmp) {
    const int tl = (nb + 2 * WG_VW - 1) / WG_VW * WG_VW; /* temp rows: every chunk of the block, plus one */
    float* yab[4] = {tmp, tmp + tl, tmp + 2 * tl, tmp + 3 * tl};
    for (int o = 0; o < O; ++o) {
        const float* m = M + (long)o * ld;
        float* yo = y + (long)o * g.oh * g.ow;
        const wg_vf bo = wg_splat(bias ? bias[o] : 0.0f);
        for (int j = 0; j < nb; j += WG_VW) { /* the whole block at once: aligned chunks of the 16 planes */
            wg_vf x0[4], x1[4];
#pragma GCC unroll 4
            for (int q = 0; q < 4; ++q) {
                const wg_vf m0 = wg_load(m + q * sx + j), m1 = wg_load(m + (4 + q) * sx + j), m2 = wg_load(m + (8 + q) * sx + j),
                            m3 = wg_load(m + (12 + q) * sx + j);
                x0[q] = m0 + m1 + m2;
                x1[q] = m1 - m2 - m3;
            }
            wg_store(yab[0] + j, bo + (x0[0] + x0[1] + x0[2]));
            wg_store(yab[1] + j, bo + (x0[1] - x0[2] - x0[3]));
            wg_store(yab[2] + j, bo + (x1[0] + x1[1] + x1[2]));
            wg_store(yab[3] + j, bo + (x1[1] - x1[2] - x1[3]));
        }
        WG_FOR_TILE_ROWS(s, t0, nb) {
            for (int a = 0; a < 2 && 2 * ty + a < g.oh; ++a) {
                const float* l = yab[2 * a] + jb;
                const float* r = yab[2 * a + 1] + jb;
                float* row = yo + (long)(2 * ty + a) * g.ow;
                for (int tx = txa; tx < txb; tx += WG_VW) {
                    const int q0 = 2 * tx, count = imin(g.ow, 2 * imin(txb, tx + WG_VW)) - q0;
                    wg_vf lo, hi;
                    wg_interleave(wg_load(l + tx), wg_load(r + tx), &lo, &hi);
                    if (count >= WG_VW) {
                        wg_store(row + q0, lo);
                        wg_store_n(row + q0 + WG_VW, hi, count - WG_VW);
                    } else {
                        wg_store_n(row + q0, lo, count);
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
                for (int k = txa; k <= txb; k += WG_VW) {
                    const wg_vi own = wg_first(txb - k), left = wg_first(txb + 1 - k) & ~wg_first(txa + 1 - k);
                    const wg_vf e = wg_load(ev + k), f = wg_load(od + k);
                    const wg_vf e1 = own ? e + wg_load(s0 + k) : e, f1 = own ? f + wg_load(s1 + k) : f;
                    wg_store(ev + k, left ? e1 + wg_load(s2 + k - 1) : e1);
                    wg_store(od + k, left ? f1 + wg_load(s3 + k - 1) : f1);
                }
            }
        }
    }
}

/* C[M x nb] (ldc) = packed A (M x K) x the K rows B + koff[k] (canonical rows, nb columns used). */
static void wg_gemm_rows(int M, int nb, int K, const float* Ap, const float* B, const int* koff, float* C, long ldc) {
    const int KC = k_block_size(K);
    for (int j = 0; j < nb; j += NR)
        for (int k0 = 0; k0 < K; k0 += KC) {
            const int kl = imin(KC, K - k0);
            for (int i = 0; i < M; i += MR)
                tile_off<NR>(kl, Ap + (long)(i / MR) * K * MR + (long)k0 * MR, B + j, koff + k0, C + (long)i * ldc + j, ldc,
                             imin(MR, M - i), imin(NR, nb - j), nullptr, k0 > 0);
        }
}

static void wg_conv_fwd(int threads, const float* x, const float* w, const float* b, float* y, const splot_conv_geom& g) {
    const wg_shape s = wg_shape_of(g);
    const int O = g.o, C = g.c, TB = wg_block(), ld = TB + WG_VW;
    const long apsz = (long)((O + MR - 1) / MR) * MR * C;
    float* U = splot_scratch(5, (size_t)16 * O * C);
    wg_weights(w, O, C, U);
    float* Ap = splot_scratch(7, (size_t)16 * apsz);
    for (int e = 0; e < 16; ++e) pack_a_all(O, C, U + (long)e * O * C, C, 1, Ap + e * apsz);
    int* koff = reinterpret_cast<int*>(splot_scratch(6, (size_t)C));
    for (int c = 0; c < C; ++c) koff[c] = c * ld;
    const long vsx = wg_plane_stride((long)C * ld), msx = wg_plane_stride((long)O * ld);
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int n = 0; n < g.n; ++n) {
        float* xp = splot_scratch(0, (size_t)C * s.Hp * s.Wp + WG_VW);
        float* V = splot_scratch(1, (size_t)16 * vsx);
        float* M = splot_scratch(2, (size_t)16 * msx);
        float* tmp = splot_scratch(3, (size_t)4 * (TB + 2 * WG_VW));
        wg_pad_deint(x + (long)n * C * g.h * g.w, C, g.h, g.w, g.pt, g.pl, s.Hp, s.TW + 1, xp);
        for (int t0 = 0; t0 < s.T; t0 += TB) {
            const int nb = imin(TB, s.T - t0);
            wg_input_rows(xp, C, s, t0, nb, V, vsx, ld);
            for (int e = 0; e < 16; ++e) wg_gemm_rows(O, nb, C, Ap + e * apsz, V + e * vsx, koff, M + e * msx, ld);
            wg_output_rows(M, msx, ld, O, s, g, t0, nb, b, y + (long)n * O * g.oh * g.ow, tmp);
        }
    }
}

static void wg_conv_bwd_data(int threads, const float* dy, const float* w, float* dx, const splot_conv_geom& g) {
    const wg_shape s = wg_shape_of(g);
    const int O = g.o, C = g.c, TB = wg_block(), ld = TB + WG_VW, half = s.TW + 1;
    const long apsz = (long)((C + MR - 1) / MR) * MR * O;
    float* U = splot_scratch(5, (size_t)16 * O * C);
    wg_weights(w, O, C, U);
    float* Ap = splot_scratch(7, (size_t)16 * apsz);
    for (int e = 0; e < 16; ++e) pack_a_all(C, O, U + (long)e * O * C, 1, C, Ap + e * apsz); /* U[e]^T */
    int* koff = reinterpret_cast<int*>(splot_scratch(6, (size_t)O));
    for (int o = 0; o < O; ++o) koff[o] = o * ld;
    const long gsx = wg_plane_stride((long)O * ld), vsx = wg_plane_stride((long)C * ld);
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int n = 0; n < g.n; ++n) {
        float* dyp = splot_scratch(0, (size_t)O * (2 * s.TH) * (2 * s.TW) + WG_VW);
        float* Mg = splot_scratch(1, (size_t)16 * gsx);
        float* V = splot_scratch(2, (size_t)16 * vsx);
        float* tmp = splot_scratch(3, (size_t)16 * TB + WG_VW);
        float* dxp = splot_scratch(4, (size_t)C * s.Hp * s.Wp + WG_VW + 1);
        wg_pad_grad_quarters(dy + (long)n * O * g.oh * g.ow, O, s, g, dyp);
        for (long i = 0; i < (long)C * s.Hp * s.Wp; ++i) dxp[i] = 0.0f;
        for (int t0 = 0; t0 < s.T; t0 += TB) {
            const int nb = imin(TB, s.T - t0);
            wg_grad_flat(dyp, O, s, t0, nb, Mg, gsx, ld);
            for (int e = 0; e < 16; ++e) wg_gemm_rows(C, nb, O, Ap + e * apsz, Mg + e * gsx, koff, V + e * vsx, ld);
            wg_input_grad_rows(V, vsx, ld, C, s, t0, nb, dxp, tmp);
        }
        float* dxn = dx + (long)n * C * g.h * g.w;
        for (int c = 0; c < C; ++c)
            for (int r = 0; r < g.h; ++r) {
                const float* ev = dxp + ((long)c * s.Hp + r + g.pt) * s.Wp;
                const float* od = ev + half;
                float* __restrict d = dxn + ((long)c * g.h + r) * g.w;
                /* input column q is padded column q + pl: even ones in ev, odd ones in od */
                const float* __restrict first = (g.pl & 1) ? od + (g.pl >> 1) : ev + (g.pl >> 1);
                const float* __restrict second = (g.pl & 1) ? ev + ((g.pl + 1) >> 1) : od + (g.pl >> 1);
                for (int k = 0; k < (g.w + 1) / 2; k += WG_VW) { /* columns 2k.. from first[k..], 2k+1.. from second[k..] */
                    const int n = imin(2 * WG_VW, g.w - 2 * k);
                    wg_vf lo, hi;
                    wg_interleave(wg_load(first + k), wg_load(second + k), &lo, &hi);
                    wg_store_n(d + 2 * k, lo, imin(n, WG_VW));
                    if (n > WG_VW) wg_store_n(d + 2 * k + WG_VW, hi, n - WG_VW);
                }
            }
    }
}

/* Sum of p[0..n) in 16 interleaved partial sums added in a fixed order: vectorisable, and the
 * same on every thread count (a single running sum would be a chain of n dependent adds). */
static inline float wg_sum(const float* p, int n) {
    float lane[16] = {0};
    int i = 0;
    for (; i + 16 <= n; i += 16)
#pragma GCC unroll 16
        for (int l = 0; l < 16; ++l) lane[l] += p[i + l];
    for (; i < n; ++i) lane[i & 15] += p[i];
    float sum = 0.0f;
    for (int l = 0; l < 16; ++l) sum += lane[l];
    return sum;
}

/* ---- backward-weights: transforms vectorised across channels -----------------------------
 * dU[e] (O x C) = sum over the batch's tiles of dM[e] (O x tiles) V[e]^T (tiles x C): the GEMM's
 * K is the tile index, so dM is written as the packed A operand (MR channels interleaved per
 * tile) and V as the packed B operand (NRT channels per tile), from channel-last copies of the
 * image and of dy. Fixed batch chunks, reduced in order. */

/* dst[r][q][c] (Hp x Wp x C) = the padded plane of channel c (image at (pt, pl)). */
static void wg_pad_hwc(const float* x, int C, int H, int W, int pt, int pl, int Hp, int Wp, float* dst) {
    for (long i = 0; i < (long)Hp * Wp * C; ++i) dst[i] = 0.0f;
    const int w0 = imax(0, -pl), w1 = imin(W, Wp - pl), h0 = imax(0, -pt), h1 = imin(H, Hp - pt); /* what lands inside */
    const long plane = (long)H * W;
    int c0 = 0;
#ifdef SPLOT_HAVE_TRANSPOSE8
    /* 8 channels at a time, each read front to back (8 sequential streams for the prefetcher) */
    for (; c0 + 8 <= C; c0 += 8)
        for (int ih = h0; ih < h1; ++ih) {
            const float* src = x + c0 * plane + (long)ih * W;
            float* d = dst + ((long)(ih + pt) * Wp + pl) * C + c0; /* (r, q = iw + pl, c) at d[iw*C + c - c0] */
            int iw = w0;
            for (; iw + 8 <= w1; iw += 8) transpose8(src + iw, plane, d + (long)iw * C, C);
            for (; iw < w1; ++iw)
                for (int c = 0; c < 8; ++c) d[(long)iw * C + c] = src[c * plane + iw];
        }
#endif
    for (int c = c0; c < C; ++c)
        for (int ih = h0; ih < h1; ++ih) {
            const float* src = x + c * plane + (long)ih * W;
            float* d = dst + ((long)(ih + pt) * Wp + pl) * C + c;
            for (int iw = w0; iw < w1; ++iw) d[(long)iw * C] = src[iw];
        }
}

/* V = B^T d B over the channels, for tile ty, tx, written to out[e*sx + (c/P)*pstride + c%P]. */
static inline void wg_input_hwc(const float* xh, int C, int Wp, int ty, int tx, float* out, long sx, int P, long pstride) {
    const float* p = xh + ((long)(2 * ty) * Wp + 2 * tx) * C;
    const long rs = (long)Wp * C;
    for (int c0 = 0; c0 < C; c0 += P) {
        const int pc = imin(P, C - c0);
        float* __restrict o = out + (long)(c0 / P) * pstride;
        const float* __restrict q = p + c0;
        #pragma GCC ivdep
        for (int c = 0; c < pc; ++c) {
            float u[4][4];
#pragma GCC unroll 4
            for (int k = 0; k < 4; ++k) {
                const float d0 = q[k * C + c], d1 = q[rs + k * C + c], d2 = q[2 * rs + k * C + c], d3 = q[3 * rs + k * C + c];
                u[0][k] = d0 - d2;
                u[1][k] = d1 + d2;
                u[2][k] = d2 - d1;
                u[3][k] = d1 - d3;
            }
#pragma GCC unroll 4
            for (int i = 0; i < 4; ++i) {
                o[(i * 4 + 0) * sx + c] = u[i][0] - u[i][2];
                o[(i * 4 + 1) * sx + c] = u[i][1] + u[i][2];
                o[(i * 4 + 2) * sx + c] = u[i][2] - u[i][1];
                o[(i * 4 + 3) * sx + c] = u[i][1] - u[i][3];
            }
        }
    }
}

/* dM = A dY A^T over the channels, for tile ty, tx of dyh (2TH x 2TW x O, zero beyond OH / OW). */
static inline void wg_grad_hwc(const float* dyh, int O, int W2, int ty, int tx, float* out, long sx, int P, long pstride) {
    const float* p = dyh + ((long)(2 * ty) * W2 + 2 * tx) * O;
    const long rs = (long)W2 * O;
    for (int o0 = 0; o0 < O; o0 += P) {
        const int po = imin(P, O - o0);
        float* __restrict d = out + (long)(o0 / P) * pstride;
        const float* __restrict q = p + o0;
        #pragma GCC ivdep
        for (int o = 0; o < po; ++o) {
            const float a0 = q[o], a1 = q[O + o], b0 = q[rs + o], b1 = q[rs + O + o];
            const float x[4][2] = {{a0, a1}, {a0 + b0, a1 + b1}, {a0 - b0, a1 - b1}, {-b0, -b1}};
#pragma GCC unroll 4
            for (int i = 0; i < 4; ++i) {
                d[(i * 4 + 0) * sx + o] = x[i][0];
                d[(i * 4 + 1) * sx + o] = x[i][0] + x[i][1];
                d[(i * 4 + 2) * sx + o] = x[i][0] - x[i][1];
                d[(i * 4 + 3) * sx + o] = -x[i][1];
            }
        }
    }
}

template <int NRT>
static void wg_conv_bwd_weights_nr(int threads, const float* x, const float* dy, float* dw, float* db, const splot_conv_geom& g) {
    const wg_shape s = wg_shape_of(g);
    const int O = g.o, C = g.c, TB = wg_block(), H2 = 2 * s.TH, W2 = 2 * s.TW;
    const int opn = (O + MR - 1) / MR, cpn = (C + NRT - 1) / NRT;
    const long asx = wg_plane_stride((long)opn * MR * TB), bsx = wg_plane_stride((long)cpn * NRT * TB);
    const int G = imin(g.n, 16); /* fixed batch chunks, independent of the thread count */
    const long OC = (long)O * C, part = 16 * OC + O;
    float* parts = splot_scratch(7, (size_t)G * part);
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int gi = 0; gi < G; ++gi) {
        float* acc = parts + gi * part;
        for (long i = 0; i < part; ++i) acc[i] = 0.0f;
        float* xh = splot_scratch(0, (size_t)s.Hp * s.Wp * C);
        float* dyh = splot_scratch(1, (size_t)H2 * W2 * O);
        float* Am = splot_scratch(2, (size_t)16 * asx);
        float* Bv = splot_scratch(3, (size_t)16 * bsx);
        const int n0 = (int)((long)gi * g.n / G), n1 = (int)((long)(gi + 1) * g.n / G);
        for (int n = n0; n < n1; ++n) {
            const float* dyn = dy + (long)n * O * g.oh * g.ow;
            wg_pad_hwc(x + (long)n * C * g.h * g.w, C, g.h, g.w, g.pt, g.pl, s.Hp, s.Wp, xh);
            wg_pad_hwc(dyn, O, g.oh, g.ow, 0, 0, H2, W2, dyh);
            for (int o = 0; o < O; ++o) acc[16 * OC + o] += wg_sum(dyn + (long)o * g.oh * g.ow, g.oh * g.ow);
            for (int t0 = 0; t0 < s.T; t0 += TB) {
                const int nb = imin(TB, s.T - t0);
                for (int j = 0; j < nb; ++j) {
                    const int t = t0 + j, ty = t / s.TW, tx = t % s.TW;
                    wg_grad_hwc(dyh, O, W2, ty, tx, Am + (long)j * MR, asx, MR, (long)nb * MR);
                    wg_input_hwc(xh, C, s.Wp, ty, tx, Bv + (long)j * NRT, bsx, NRT, (long)nb * NRT);
                }
                for (int e = 0; e < 16; ++e)
                    for (int i = 0; i < O; i += MR)
                        for (int j = 0; j < C; j += NRT)
                            tile<NRT>(nb, Am + e * asx + (long)(i / MR) * nb * MR, Bv + e * bsx + (long)(j / NRT) * nb * NRT,
                                      acc + e * OC + (long)i * C + j, C, imin(MR, O - i), imin(NRT, C - j), nullptr, true);
            }
        }
    }
#pragma omp parallel for schedule(static) num_threads(par_threads(threads, (double)G * part))
    for (long oc = 0; oc < OC; ++oc) {
        float du[16];
        for (int e = 0; e < 16; ++e) {
            float sum = parts[e * OC + oc];
            for (int gi = 1; gi < G; ++gi) sum += parts[gi * part + e * OC + oc];
            du[e] = sum;
        }
        wg_weight_grad(du, dw + oc * 9);
    }
    for (int o = 0; o < O; ++o) {
        float sum = parts[16 * OC + o];
        for (int gi = 1; gi < G; ++gi) sum += parts[gi * part + 16 * OC + o];
        db[o] = sum;
    }
}

static void wg_conv_bwd_weights(int threads, const float* x, const float* dy, float* dw, float* db, const splot_conv_geom& g) {
    if (prefer_nr_alt(g.c))
        wg_conv_bwd_weights_nr<NR_ALT>(threads, x, dy, dw, db, g);
    else
        wg_conv_bwd_weights_nr<NR>(threads, x, dy, dw, db, g);
}
