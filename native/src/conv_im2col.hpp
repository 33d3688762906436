/* Convolutions of any stride through explicit im2col / col2im rows and the packed GEMM (the paths
 * for strides other than 1; correct, slower). Part of the ops written once per ISA (see ops.hpp). */
#pragma once
#include "gemm.hpp"
#include "scratch.hpp"

/* ---- im2col / col2im, one row (c, kh, kw) over output positions [p0, p1) ------------------ */

static inline int first_ow(const splot_conv_geom& g, int kw) {
    int need = g.pl - kw;
    return need <= 0 ? 0 : (need + g.sw - 1) / g.sw;
}
static inline int end_ow(const splot_conv_geom& g, int kw) {
    int limit = g.w - 1 + g.pl - kw;
    return limit < 0 ? 0 : imin(g.ow, limit / g.sw + 1);
}

/* dst[q] = x[c, oh*sh+kh-pt, ow*sw+kw-pl] (0 outside the image) for p = p0+q = oh*OW+ow. */
static void im2col_row(const float* xn, const splot_conv_geom& g, int c, int kh, int kw, int p0, int p1, float* dst) {
    const float* xc = xn + (long)c * g.h * g.w;
    const int lo = first_ow(g, kw), hi = end_ow(g, kw);
    int oh = p0 / g.ow, ow = p0 % g.ow, p = p0;
    while (p < p1) {
        const int e = imin(g.ow, ow + (p1 - p));
        const int seg = e - ow;
        const int ih = oh * g.sh + kh - g.pt;
        if (ih < 0 || ih >= g.h || lo >= hi) {
            for (int q = 0; q < seg; ++q) dst[q] = 0.0f;
        } else {
            const int l = imin(imax(lo, ow), e), r = imax(imin(hi, e), l);
            const float* xr = xc + (long)ih * g.w;
            float* d = dst;
            for (int q = ow; q < l; ++q) *d++ = 0.0f;
            if (g.sw == 1) {
                const float* s = xr + (l + kw - g.pl);
                for (int q = 0; q < r - l; ++q) d[q] = s[q];
                d += r - l;
            } else {
                for (int q = l; q < r; ++q) *d++ = xr[q * g.sw + kw - g.pl];
            }
            for (int q = r; q < e; ++q) *d++ = 0.0f;
        }
        dst += seg;
        p += seg;
        ow = 0;
        ++oh;
    }
}

/* dx[c, ih, iw] += src[q] for every in-image position of row (c, kh, kw), p = p0+q. */
static void col2im_row_add(float* dxn, const splot_conv_geom& g, int c, int kh, int kw, int p0, int p1, const float* src) {
    float* xc = dxn + (long)c * g.h * g.w;
    const int lo = first_ow(g, kw), hi = end_ow(g, kw);
    int oh = p0 / g.ow, ow = p0 % g.ow, p = p0;
    while (p < p1) {
        const int e = imin(g.ow, ow + (p1 - p));
        const int seg = e - ow;
        const int ih = oh * g.sh + kh - g.pt;
        if (ih >= 0 && ih < g.h && lo < hi) {
            const int l = imin(imax(lo, ow), e), r = imax(imin(hi, e), l);
            float* xr = xc + (long)ih * g.w;
            const float* s = src + (l - ow);
            if (g.sw == 1) {
                float* d = xr + (l + kw - g.pl);
                for (int q = 0; q < r - l; ++q) d[q] += s[q];
            } else {
                for (int q = l; q < r; ++q) xr[q * g.sw + kw - g.pl] += s[q - l];
            }
        }
        src += seg;
        p += seg;
        ow = 0;
        ++oh;
    }
}

/* y = W im2col(x) + b, per image and block of output positions (packed B built from im2col rows). */
static void conv_fwd_im2col(int threads, const float* x, const float* w, const float* b, float* y, const splot_conv_geom& g) {
    const int P = g.oh * g.ow, K = g.c * g.kh * g.kw, M = g.o, KK = g.kh * g.kw;
    Scratch<float> Ap(SCRATCH_OP_PACKED, (size_t)((M + MR - 1) / MR) * MR * K);
    pack_a_all(M, K, w, K, 1, Ap);
    const int NB = gemm_block_cols();
    const int nblk = (P + NB - 1) / NB;
    const long tasks = (long)g.n * nblk;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (long t = 0; t < tasks; ++t) {
        const int n = (int)(t / nblk), p0 = (int)(t % nblk) * NB, p1 = imin(P, p0 + NB), nb = p1 - p0;
        const int np = (nb + NR - 1) / NR;
        Scratch<float> Bp(SCRATCH_TASK_INPUT, (size_t)np * NR * K);
        Scratch<float> row(SCRATCH_TASK_TEMP1, (size_t)np * NR);
        const float* xn = x + (long)n * g.c * g.h * g.w;
        for (int k = 0; k < K; ++k) {
            im2col_row(xn, g, k / KK, (k % KK) / g.kw, k % g.kw, p0, p1, row);
            for (int q = nb; q < np * NR; ++q) row[q] = 0.0f;
            for (int p = 0; p < np; ++p) {
                float* d = Bp + (long)p * K * NR + (long)k * NR;
                const float* s = row + p * NR;
                for (int j = 0; j < NR; ++j) d[j] = s[j];
            }
        }
        gemm_packed(M, nb, K, Ap, Bp, y + (long)n * M * P + p0, P, b);
    }
}

/* dx = col2im(W^T dy), per image and block of output positions. */
static void conv_bwd_data_col2im(int threads, const float* dy, const float* w, float* dx, const splot_conv_geom& g) {
    const int P = g.oh * g.ow, K = g.c * g.kh * g.kw, O = g.o, KK = g.kh * g.kw;
    /* dcol[K x P] = W^T dy_n: A(i = ckk, k = o) = w[o*K + ckk] */
    Scratch<float> Ap(SCRATCH_OP_PACKED, (size_t)((K + MR - 1) / MR) * MR * O);
    pack_a_all(K, O, w, 1, K, Ap);
    const int NB = gemm_block_cols();
    const long plane = (long)g.c * g.h * g.w;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int n = 0; n < g.n; ++n) {
        float* dxn = dx + n * plane;
        for (long i = 0; i < plane; ++i) dxn[i] = 0.0f;
        const float* dyn = dy + (long)n * O * P;
        for (int p0 = 0; p0 < P; p0 += NB) {
            const int p1 = imin(P, p0 + NB), nb = p1 - p0, np = (nb + NR - 1) / NR, ld = np * NR;
            Scratch<float> Bp(SCRATCH_TASK_INPUT, (size_t)np * NR * O);
            for (int p = 0; p < np; ++p) pack_b(imin(NR, nb - p * NR), O, dyn + p0 + p * NR, P, 1, Bp + (long)p * O * NR);
            Scratch<float> dcol(SCRATCH_TASK_TEMP1, (size_t)K * ld);
            gemm_packed(K, nb, O, Ap, Bp, dcol, ld, nullptr);
            for (int k = 0; k < K; ++k) col2im_row_add(dxn, g, k / KK, (k % KK) / g.kw, k % g.kw, p0, p1, dcol + (long)k * ld);
        }
    }
}

/* dw, db = dy im2col(x)^T (a row of ones for db) as dot products, in fixed batch chunks. */
static void conv_bwd_weights_im2col(int threads, const float* x, const float* dy, float* dw, float* db, const splot_conv_geom& g) {
    const int P = g.oh * g.ow, K = g.c * g.kh * g.kw, O = g.o, KK = g.kh * g.kw;
    const int K1 = K + 1; /* an extra row of ones in col gives db in the same dot products */
    const int G = imin(g.n, 16); /* fixed batch chunks, independent of the thread count */
    const long part = (long)O * K1;
    Scratch<float> parts(SCRATCH_OP_PACKED, (size_t)G * part);
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int gi = 0; gi < G; ++gi) {
        float* acc = parts + gi * part;
        for (long e = 0; e < part; ++e) acc[e] = 0.0f;
        const int n0 = (int)((long)gi * g.n / G), n1 = (int)((long)(gi + 1) * g.n / G);
        Scratch<float> col(SCRATCH_TASK_INPUT, (size_t)K1 * P);
        for (int q = 0; q < P; ++q) col[(long)K * P + q] = 1.0f;
        for (int n = n0; n < n1; ++n) {
            const float* xn = x + (long)n * g.c * g.h * g.w;
            for (int k = 0; k < K; ++k) im2col_row(xn, g, k / KK, (k % KK) / g.kw, k % g.kw, 0, P, col + (long)k * P);
            dot_accumulate(O, K1, P, dy + (long)n * O * P, P, col, P, acc, K1);
        }
    }
    sum_chunk_grads(threads, parts, G, part, K, dw, db);
}
