/* Winograd F(2x2, 3x3) backward-weights (see winograd.hpp for the algorithm): the transforms run
 * across channels on channel-last copies, so that both GEMM operands are written packed. Part of
 * the ops written once per ISA (see ops.hpp). */
#pragma once
#include "winograd.hpp"

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
    const int w0 = imax(0, -pl), w1 = imin(W, Wp - pl), h0 = imax(0, -pt), h1 = imin(H, Hp - pt); /* what lands inside */
    /* zero only the border the copy below leaves: a second full pass over dst cost as much as the copy */
    for (int r = 0; r < Hp; ++r) {
        float* row = dst + (long)r * Wp * C;
        const bool inside = r >= h0 + pt && r < h1 + pt && w0 < w1;
        const long a = inside ? (long)(w0 + pl) * C : (long)Wp * C, b = inside ? (long)(w1 + pl) * C : (long)Wp * C;
        for (long i = 0; i < a; ++i) row[i] = 0.0f;
        for (long i = b; i < (long)Wp * C; ++i) row[i] = 0.0f;
    }
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

/* f(q, o, c) for channel c of each panel of P channels of one pixel p (channel-last): q = the
 * panel's first channel at p, o = the panel's slot of out (out + panel * pstride). The transforms
 * below write element e of channel c of the panel to o[e*sx + c]. */
template <class F>
static inline void wg_hwc_panels(const float* p, int C, float* out, int P, long pstride, F f) {
    for (int c0 = 0; c0 < C; c0 += P) {
        const int pc = imin(P, C - c0);
        float* __restrict o = out + (long)(c0 / P) * pstride;
        const float* __restrict q = p + c0;
#pragma GCC ivdep
        for (int c = 0; c < pc; ++c) f(q, o, c);
    }
}

/* V = B^T d B over the channels, for tile ty, tx, written to out[e*sx + (c/P)*pstride + c%P]. */
static inline void wg_input_hwc(const float* xh, int C, int Wp, int ty, int tx, float* out, long sx, int P, long pstride) {
    const long rs = (long)Wp * C;
    wg_hwc_panels(xh + ((long)(2 * ty) * Wp + 2 * tx) * C, C, out, P, pstride, [&](const float* __restrict q, float* __restrict o, int c) {
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
    });
}

/* dM = A dY A^T over the channels, for tile ty, tx of dyh (2TH x 2TW x O, zero beyond OH / OW). */
static inline void wg_grad_hwc(const float* dyh, int O, int W2, int ty, int tx, float* out, long sx, int P, long pstride) {
    const long rs = (long)W2 * O;
    wg_hwc_panels(dyh + ((long)(2 * ty) * W2 + 2 * tx) * O, O, out, P, pstride, [&](const float* __restrict q, float* __restrict d, int o) {
            const float a0 = q[o], a1 = q[O + o], b0 = q[rs + o], b1 = q[rs + O + o];
            const float x[4][2] = {{a0, a1}, {a0 + b0, a1 + b1}, {a0 - b0, a1 - b1}, {-b0, -b1}};
#pragma GCC unroll 4
            for (int i = 0; i < 4; ++i) {
                d[(i * 4 + 0) * sx + o] = x[i][0];
                d[(i * 4 + 1) * sx + o] = x[i][0] + x[i][1];
                d[(i * 4 + 2) * sx + o] = x[i][0] - x[i][1];
                d[(i * 4 + 3) * sx + o] = -x[i][1];
            }
    });
}

template <class WG, int NRT>
static void wg_conv_bwd_weights_nr(int threads, const float* x, const float* dy, float* dw, float* db, const splot_conv_geom& g) {
    constexpr int E = WG::E;
    const wg_shape s = wg_shape_of(g, WG::M, WG::PHASE_ALIGN);
    const int O = g.o, C = g.c, TB = WG::block(), H2 = WG::M * s.TH, W2 = WG::M * s.TW;
    const int opn = (O + MR - 1) / MR, cpn = (C + NRT - 1) / NRT;
    const long asx = wg_plane_stride((long)opn * MR * TB), bsx = wg_plane_stride((long)cpn * NRT * TB);
    const int G = imin(g.n, 16); /* fixed batch chunks, independent of the thread count */
    const long OC = (long)O * C, part = E * OC + O;
    Scratch<float> parts(SCRATCH_OP_PACKED, (size_t)G * part);
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int gi = 0; gi < G; ++gi) {
        float* acc = parts + gi * part;
        for (long i = 0; i < part; ++i) acc[i] = 0.0f;
        Scratch<float> xh(SCRATCH_TASK_INPUT, (size_t)s.Hp * s.Wp * C);
        Scratch<float> dyh(SCRATCH_TASK_TEMP1, (size_t)H2 * W2 * O);
        Scratch<float> Am(SCRATCH_TASK_TEMP2, (size_t)E * asx);
        Scratch<float> Bv(SCRATCH_TASK_TEMP3, (size_t)E * bsx);
        /* dM of one tile over all O channels (plane stride Opad), before it is cut into MR panels:
         * the transform vectorises over whole vectors of channels, not over MR (6 on AVX2) at a time */
        const int Opad = (O + VW - 1) / VW * VW;
        Scratch<float> dm1(SCRATCH_TASK_TEMP4, (size_t)E * Opad);
        const int n0 = (int)((long)gi * g.n / G), n1 = (int)((long)(gi + 1) * g.n / G);
        for (int n = n0; n < n1; ++n) {
            const float* dyn = dy + (long)n * O * g.oh * g.ow;
            wg_pad_hwc(x + (long)n * C * g.h * g.w, C, g.h, g.w, g.pt, g.pl, s.Hp, s.Wp, xh);
            wg_pad_hwc(dyn, O, g.oh, g.ow, 0, 0, H2, W2, dyh);
            for (int o = 0; o < O; ++o) acc[E * OC + o] += wg_sum(dyn + (long)o * g.oh * g.ow, g.oh * g.ow);
            for (int t0 = 0; t0 < s.T; t0 += TB) {
                const int nb = imin(TB, s.T - t0);
                for (int j = 0; j < nb; ++j) {
                    const int t = t0 + j, ty = t / s.TW, tx = t % s.TW;
                    WG::grad_hwc(dyh, O, W2, ty, tx, dm1, Opad, O, 0);
                    for (int e = 0; e < E; ++e)
                        for (int i = 0; i < O; i += MR) {
                            const float* src = dm1 + (long)e * Opad + i;
                            float* dst = Am + e * asx + (long)(i / MR) * nb * MR + (long)j * MR;
                            if (i + MR <= O)
                                memcpy(dst, src, MR * sizeof(float)); /* a fixed size: a few vector moves */
                            else
                                for (int r = 0; r < O - i; ++r) dst[r] = src[r];
                        }
                    WG::input_hwc(xh, C, s.Wp, ty, tx, Bv + (long)j * NRT, bsx, NRT, (long)nb * NRT);
                }
                for (int e = 0; e < E; ++e)
                    for (int i = 0; i < O; i += MR)
                        for (int j = 0; j < C; j += NRT)
                            tile<NRT>(nb, Am + e * asx + (long)(i / MR) * nb * MR, Bv + e * bsx + (long)(j / NRT) * nb * NRT,
                                      acc + e * OC + (long)i * C + j, C, imin(MR, O - i), imin(NRT, C - j), nullptr, true);
            }
        }
    }
    /* the chunks' sums, in chunk order, into chunk 0's slots: contiguous runs (vectorised), where
     * a gather of E x G values per weight cost 10% of the pass */
    const long runs = E * OC, RUN = 1024;
#pragma omp parallel for schedule(static) num_threads(par_threads(threads, (double)G * part))
    for (long r0 = 0; r0 < runs; r0 += RUN) {
        const long r1 = r0 + RUN < runs ? r0 + RUN : runs;
        for (int gi = 1; gi < G; ++gi) {
            const float* __restrict src = parts + gi * part;
            float* __restrict sum = parts;
            for (long i = r0; i < r1; ++i) sum[i] += src[i];
        }
    }
#pragma omp parallel for schedule(static) num_threads(par_threads(threads, (double)part))
    for (long oc = 0; oc < OC; ++oc) {
        float du[E];
        for (int e = 0; e < E; ++e) du[e] = parts[e * OC + oc];
        WG::weight_grad(du, dw + oc * 9);
    }
    for (int o = 0; o < O; ++o) {
        float sum = parts[E * OC + o];
        for (int gi = 1; gi < G; ++gi) sum += parts[gi * part + E * OC + o];
        db[o] = sum;
    }
}

template <class WG>
static void wg_conv_bwd_weights(int threads, const float* x, const float* dy, float* dw, float* db, const splot_conv_geom& g) {
    if (prefer_nr_alt(g.c))
        wg_conv_bwd_weights_nr<WG, NR_ALT>(threads, x, dy, dw, db, g);
    else
        wg_conv_bwd_weights_nr<WG, NR>(threads, x, dy, dw, db, g);
}

/* The F(2x2,3x3) tile type for the shared drivers (see winograd.hpp). */
struct Wg2 {
    static constexpr int M = 2, E = 16, PHASE_ALIGN = 1;
    static int block() { return wg_block(); }
    static void weights(const float* w, int O, int C, float* U) { wg_weights(w, O, C, U); }
    static void pad_input(const float* xn, int C, const splot_conv_geom& g, const wg_shape& s, float* xp) {
        wg_pad_deint(xn, C, g.h, g.w, g.pt, g.pl, s.Hp, s.TW + 1, xp);
    }
    static void input_rows(const float* xp, int C, const wg_shape& s, int t0, int nb, float* V, long sx, int ld) {
        wg_input_rows(xp, C, s, t0, nb, V, sx, ld);
    }
    static void output_rows(const float* M, long sx, int ld, int O, const wg_shape& s, const splot_conv_geom& g, int t0, int nb,
                            const float* bias, float* y, float* tmp) {
        wg_output_rows(M, sx, ld, O, s, g, t0, nb, bias, y, tmp);
    }
    static void pad_grad(const float* dyn, int O, const wg_shape& s, const splot_conv_geom& g, float* dyp) {
        wg_pad_grad_quarters(dyn, O, s, g, dyp);
    }
    static void grad_flat(const float* dyp, int O, const wg_shape& s, int t0, int nb, float* Mg, long sx, int ld) {
        wg_grad_flat(dyp, O, s, t0, nb, Mg, sx, ld);
    }
    static void input_grad_rows(const float* V, long sx, int ld, int C, const wg_shape& s, int t0, int nb, float* dxp, float* tmp) {
        wg_input_grad_rows(V, sx, ld, C, s, t0, nb, dxp, tmp);
    }
    static void unpad(const float* dxp, int C, const wg_shape& s, const splot_conv_geom& g, float* dxn) {
        wg_unpad_deint(dxp, C, s, g, dxn);
    }
    static void grad_hwc(const float* dyh, int O, int W2, int ty, int tx, float* out, long sx, int P, long pstride) {
        wg_grad_hwc(dyh, O, W2, ty, tx, out, sx, P, pstride);
    }
    static void input_hwc(const float* xh, int C, int Wp, int ty, int tx, float* out, long sx, int P, long pstride) {
        wg_input_hwc(xh, C, Wp, ty, tx, out, sx, P, pstride);
    }
    static void weight_grad(const float du[16], float* dw) { wg_weight_grad(du, dw); }
};
