/* Stride-1 convolutions as implicit GEMMs over "extended" positions (the seed model's layers where
 * Winograd does not apply): forward, backward-data (explicit GEMM + contiguous col2im for VALID,
 * correlation with the flipped weights otherwise), backward-weights (dot products). Part of the ops
 * written once per ISA (see ops.hpp). */
#pragma once
#include "gemm.hpp"
#include "scratch.hpp"

/* ---- stride-1 convolution as an implicit GEMM over "extended" positions --------------------
 * With stride 1 and the input padded to Hp x Wp (Hp = OH+KH-1, Wp = OW+KW-1), row k = (c,kh,kw) of
 * im2col over the extended positions p' = oh*Wp + ow' (0 <= ow' < Wp) is the contiguous slice
 * xp[c*Hp*Wp + kh*Wp + kw + p']. The micro-kernel reads B straight from there through a table of
 * row offsets: no im2col. Columns ow' >= OW are computed and dropped (Wp/OW - 1 extra work,
 * 8% for the seed model's convolutions). */

static inline long s1_slack() { return NR + 64; }

/* dst[C x Hp x Wp] = x[C x H x W] placed at (pt, pl), zeros elsewhere, plus zeroed slack. */
static void pad_image(const float* x, int C, int H, int W, int pt, int pl, int Hp, int Wp, float* dst) {
    const int qlo = imax(0, pl), qhi = imin(Wp, pl + W);
    for (int c = 0; c < C; ++c) {
        for (int r = 0; r < Hp; ++r) {
            float* d = dst + ((long)c * Hp + r) * Wp;
            const int ih = r - pt;
            if (ih < 0 || ih >= H || qlo >= qhi) {
                for (int q = 0; q < Wp; ++q) d[q] = 0.0f;
                continue;
            }
            const float* s = x + ((long)c * H + ih) * W - pl;
            for (int q = 0; q < qlo; ++q) d[q] = 0.0f;
            for (int q = qlo; q < qhi; ++q) d[q] = s[q];
            for (int q = qhi; q < Wp; ++q) d[q] = 0.0f;
        }
    }
    float* tail = dst + (long)C * Hp * Wp;
    for (long q = 0; q < s1_slack(); ++q) tail[q] = 0.0f;
}

static void s1_offsets(int C, int KH, int KW, int Hp, int Wp, int* koff) {
    for (int c = 0; c < C; ++c)
        for (int kh = 0; kh < KH; ++kh)
            for (int kw = 0; kw < KW; ++kw) koff[(c * KH + kh) * KW + kw] = (c * Hp + kh) * Wp + kw;
}

template <int NRT>
static void s1_image_nr(int M, int K, const float* Ap, const float* xp, const int* koff, int OH, int OW, int Wp, const float* bias,
                     bool relu, float* out) {
    const int NE = OH * Wp, ld = ((NE + NRT - 1) / NRT) * NRT;
    Scratch<float> ext(SCRATCH_TASK_TEMP1, (size_t)M * ld);
    const int KC = k_block_size(K), NB = (NRT * imax(1, 256 / NRT));
    for (int j0 = 0; j0 < NE; j0 += NB) {
        const int j1 = imin(NE, j0 + NB);
        for (int k0 = 0; k0 < K; k0 += KC) {
            const int kl = imin(KC, K - k0);
            for (int j = j0; j < j1; j += NRT)
                for (int i = 0; i < M; i += MR)
                    tile_off<NRT>(kl, Ap + (long)(i / MR) * K * MR + (long)k0 * MR, xp + j, koff + k0, ext + (long)i * ld + j, ld,
                             imin(MR, M - i), imin(NRT, j1 - j), (bias && k0 == 0) ? bias + i : nullptr, k0 > 0);
        }
    }
    for (int o = 0; o < M; ++o)
        for (int oh = 0; oh < OH; ++oh) {
            const float* s = ext + (long)o * ld + (long)oh * Wp;
            float* d = out + ((long)o * OH + oh) * OW;
            if (relu) /* the fused forward's epilogue, as relu_fwd: NaN passes */
                for (int q = 0; q < OW; ++q) d[q] = s[q] <= 0.0f ? 0.0f : s[q];
            else
                for (int q = 0; q < OW; ++q) d[q] = s[q];
        }
}

static void s1_image(int M, int K, const float* Ap, const float* xp, const int* koff, int OH, int OW, int Wp, const float* bias,
                     bool relu, float* out) {
    if (prefer_nr_alt(OH * Wp))
        s1_image_nr<NR_ALT>(M, K, Ap, xp, koff, OH, OW, Wp, bias, relu, out);
    else
        s1_image_nr<NR>(M, K, Ap, xp, koff, OH, OW, Wp, bias, relu, out);
}

/* out[n] (M x OH x OW) = the stride-1 correlation of in[n] (C x H x W, placed at (pt, pl) in a zero
 * plane of (OH+KH-1) x (OW+KW-1)) with the weights wm (M x C*KH*KW rows) (+ bias), clamped at 0
 * when relu, per image. */
static void s1_correlate(int threads, int N, const float* wm, int M, int C, int KH, int KW, const float* in, int H, int W,
                         int pt, int pl, int OH, int OW, const float* bias, bool relu, float* out) {
    const int K = C * KH * KW, Hp = OH + KH - 1, Wp = OW + KW - 1;
    Scratch<float> Ap(SCRATCH_OP_PACKED, (size_t)((M + MR - 1) / MR) * MR * K);
    pack_a_all(M, K, wm, K, 1, Ap);
    Scratch<int> koff(SCRATCH_OP_TABLE, (size_t)K);
    s1_offsets(C, KH, KW, Hp, Wp, koff);
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int n = 0; n < N; ++n) {
        Scratch<float> xp(SCRATCH_TASK_INPUT, (size_t)C * Hp * Wp + s1_slack());
        pad_image(in + (long)n * C * H * W, C, H, W, pt, pl, Hp, Wp, xp);
        s1_image(M, K, Ap, xp, koff, OH, OW, Wp, bias, relu, out + (long)n * M * OH * OW);
    }
}

static void conv_fwd_s1(int threads, const float* x, const float* w, const float* b, float* y, const splot_conv_geom& g) {
    s1_correlate(threads, g.n, w, g.o, g.c, g.kh, g.kw, x, g.h, g.w, g.pt, g.pl, g.oh, g.ow, b, g.relu != 0, y);
}

/* dx = the stride-1 correlation of dy, padded by (KH-1-pt, KW-1-pl), with the weights flipped and
 * transposed: w'[c][o][kh][kw] = w[o][c][KH-1-kh][KW-1-kw]. Needs pt <= KH-1 and pl <= KW-1. */
static void conv_bwd_data_s1(int threads, const float* dy, const float* w, float* dx, const splot_conv_geom& g) {
    const int KK = g.kh * g.kw, K = g.o * KK;
    Scratch<float> wf(SCRATCH_OP_WEIGHTS, (size_t)g.c * K);
    for (int c = 0; c < g.c; ++c)
        for (int o = 0; o < g.o; ++o)
            for (int kh = 0; kh < g.kh; ++kh)
                for (int kw = 0; kw < g.kw; ++kw)
                    wf[(long)c * K + (o * g.kh + kh) * g.kw + kw] =
                        w[(((long)o * g.c + c) * g.kh + (g.kh - 1 - kh)) * g.kw + (g.kw - 1 - kw)];
    s1_correlate(threads, g.n, wf, g.c, g.o, g.kh, g.kw, dy, g.oh, g.ow, g.kh - 1 - g.pt, g.kw - 1 - g.pl, g.h, g.w, nullptr, false,
                 dx);
}

/* dw[o][k] = sum_n sum_p' dyext[o][p'] xp[koff[k] + p'] (dyext: dy with zeros in the extended
 * columns); a row of ones gives db. Fixed batch chunks, reduced in order. */
static void conv_bwd_weights_s1(int threads, const float* x, const float* dy, float* dw, float* db, const splot_conv_geom& g) {
    const int K = g.c * g.kh * g.kw, O = g.o, K1 = K + 1, Hp = g.oh + g.kh - 1, Wp = g.ow + g.kw - 1, NE = g.oh * Wp;
    const int G = imin(g.n, 16); /* fixed batch chunks, independent of the thread count */
    const long part = (long)O * K1;
    Scratch<float> parts(SCRATCH_OP_PACKED, (size_t)G * part);
    Scratch<int> koff(SCRATCH_OP_TABLE, (size_t)K);
    s1_offsets(g.c, g.kh, g.kw, Hp, Wp, koff);
    const int ib = (O + DR - 1) / DR, jb = (K1 + DC - 1) / DC;
    const long tileLanes = (long)DR * DC * DV;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int gi = 0; gi < G; ++gi) {
        float* acc = parts + gi * part;
        const int n0 = (int)((long)gi * g.n / G), n1 = (int)((long)(gi + 1) * g.n / G);
        Scratch<float> xp(SCRATCH_TASK_INPUT, (size_t)g.c * Hp * Wp + s1_slack());
        Scratch<float> dyext(SCRATCH_TASK_TEMP1, (size_t)O * NE);
        Scratch<float> ones(SCRATCH_TASK_TEMP2, (size_t)NE);
        Scratch<const float*> bptr(SCRATCH_TASK_TEMP3, (size_t)K1);
        /* lane-wise partial sums of every output over the whole chunk, reduced once at its end */
        Scratch<float> vacc(SCRATCH_TASK_TEMP4, (size_t)ib * jb * tileLanes);
        for (long e = 0; e < (long)ib * jb * tileLanes; ++e) vacc[e] = 0.0f;
        for (int q = 0; q < NE; ++q) ones[q] = 1.0f;
        for (int k = 0; k < K; ++k) bptr[k] = xp + koff[k];
        bptr[K] = ones;
        for (int n = n0; n < n1; ++n) {
            pad_image(x + (long)n * g.c * g.h * g.w, g.c, g.h, g.w, g.pt, g.pl, Hp, Wp, xp);
            const float* dyn = dy + (long)n * O * g.oh * g.ow;
            for (int o = 0; o < O; ++o)
                for (int oh = 0; oh < g.oh; ++oh) {
                    const float* s = dyn + ((long)o * g.oh + oh) * g.ow;
                    float* d = dyext + (long)o * NE + (long)oh * Wp;
                    for (int q = 0; q < g.ow; ++q) d[q] = s[q];
                    for (int q = g.ow; q < Wp; ++q) d[q] = 0.0f;
                }
            const float* ap[DR];
            const float* bp[DC];
            for (int i0 = 0; i0 < O; i0 += DR) {
                const int mr = imin(DR, O - i0);
                for (int i = 0; i < DR; ++i) ap[i] = dyext + (long)(i0 + imin(i, mr - 1)) * NE;
                for (int j0 = 0; j0 < K1; j0 += DC) {
                    const int nc = imin(DC, K1 - j0);
                    for (int j = 0; j < DC; ++j) bp[j] = bptr[j0 + imin(j, nc - 1)];
                    dotkernel_acc(NE, ap, bp, vacc + ((long)(i0 / DR) * jb + j0 / DC) * tileLanes);
                }
            }
        }
        for (int i0 = 0; i0 < O; i0 += DR)
            for (int j0 = 0; j0 < K1; j0 += DC) {
                const float* v = vacc + ((long)(i0 / DR) * jb + j0 / DC) * tileLanes;
                for (int i = 0; i < imin(DR, O - i0); ++i)
                    for (int j = 0; j < imin(DC, K1 - j0); ++j) acc[(long)(i0 + i) * K1 + j0 + j] = dot_reduce(v + (i * DC + j) * DV);
            }
    }
    sum_chunk_grads(threads, parts, G, part, K, dw, db);
}

/* Backward-data of a stride-1 VALID convolution (H = OH+KH-1, W = OW+KW-1, no padding) as an
 * explicit GEMM plus a contiguous col2im. dy_n is copied with its rows widened to W (zeros in the
 * extra W-OW columns), so that position p' = oh*W + ow' of row (c,kh,kw) of dcol = W^T dy_n lands
 * on dx_n[c][kh*W + kw + p']: the col2im of a row is one contiguous add (the zero columns add 0 to
 * in-image neighbours). The GEMM does C*KH*KW x OH*W x O multiply-adds, W/OW - 1 more than useful
 * (8% for the seed model), where the full correlation (conv_bwd_data_s1) also multiplies the
 * zero border of the padded dy (26% in all for the seed model). B rows are read in place through
 * row offsets. Each image is one task; dx sums run over position blocks, then (c,kh,kw), in order. */
static void conv_bwd_data_valid_s1(int threads, const float* dy, const float* w, float* dx, const splot_conv_geom& g) {
    const int K = g.c * g.kh * g.kw, O = g.o, KK = g.kh * g.kw, NE = g.oh * g.w, ld = (NE + NR - 1) / NR * NR;
    const int valid = (g.oh - 1) * g.w + g.ow; /* p' beyond this would run past the plane */
    Scratch<float> Ap(SCRATCH_OP_PACKED, (size_t)((K + MR - 1) / MR) * MR * O);
    pack_a_all(K, O, w, 1, K, Ap);
    Scratch<int> roff(SCRATCH_OP_TABLE, (size_t)O);
    for (int o = 0; o < O; ++o) roff[o] = o * ld;
    const int NB = NR * imax(1, 192 / NR);
    const long plane = (long)g.c * g.h * g.w;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int n = 0; n < g.n; ++n) {
        float* dxn = dx + n * plane;
        for (long i = 0; i < plane; ++i) dxn[i] = 0.0f;
        const float* dyn = dy + (long)n * O * g.oh * g.ow;
        Scratch<float> dyw(SCRATCH_TASK_INPUT, (size_t)O * ld);
        for (int o = 0; o < O; ++o) {
            float* d = dyw + (long)o * ld;
            for (int oh = 0; oh < g.oh; ++oh) {
                const float* src = dyn + ((long)o * g.oh + oh) * g.ow;
                for (int q = 0; q < g.ow; ++q) d[oh * g.w + q] = src[q];
                for (int q = g.ow; q < g.w; ++q) d[oh * g.w + q] = 0.0f;
            }
            for (int q = NE; q < ld; ++q) d[q] = 0.0f;
        }
        Scratch<float> dcol(SCRATCH_TASK_TEMP1, (size_t)K * NB);
        for (int p0 = 0; p0 < valid; p0 += NB) {
            const int p1 = imin(valid, p0 + NB), nb = p1 - p0;
            for (int j = 0; j < nb; j += NR)
                for (int i = 0; i < K; i += MR)
                    tile_off<NR>(O, Ap + (long)(i / MR) * O * MR, dyw + p0 + j, roff, dcol + (long)i * NB + j, NB, imin(MR, K - i),
                                 imin(NR, nb - j), nullptr, false);
            for (int k = 0; k < K; ++k) {
                const int c = k / KK, kh = (k % KK) / g.kw, kw = k % g.kw;
                float* __restrict d = dxn + (long)c * g.h * g.w + kh * g.w + kw + p0;
                const float* __restrict src = dcol + (long)k * NB;
                for (int q = 0; q < nb; ++q) d[q] += src[q];
            }
        }
    }
}
