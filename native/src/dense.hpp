/* Fully connected layer: forward as dot-product tiles, backward as two packed GEMMs. Part of the
 * ops written once per ISA (see ops.hpp). */
#pragma once
#include "gemm.hpp"

static void dense_fwd(int threads, const float* x, const float* w, const float* b, float* y, int n, int in, int out) {
    /* Tasks are blocks of RB rows x CB columns; each walks K in KC blocks, so that its x and w
     * blocks (RB x KC and CB x KC) stay in L2 and x and w are read from L3 / memory a few times
     * rather than once per DC columns. Every y element is bias + the K blocks' dot products in
     * order, whatever the blocking. */
    const int KC = 512, RB = 32, CB = DC * ((64 + DC - 1) / DC);
    const int nrb = (n + RB - 1) / RB, ncb = (out + CB - 1) / CB;
#pragma omp parallel for schedule(dynamic) num_threads(par_threads(threads, (double)n * in * out))
    for (int t = 0; t < nrb * ncb; ++t) {
        const int i0 = (t / ncb) * RB, i1 = imin(n, i0 + RB), j0 = (t % ncb) * CB, j1 = imin(out, j0 + CB);
        for (int i = i0; i < i1; ++i)
            for (int j = j0; j < j1; ++j) y[(long)i * out + j] = b[j];
        for (int k0 = 0; k0 < in; k0 += KC) {
            const int kl = imin(KC, in - k0);
            dot_accumulate(i1 - i0, j1 - j0, kl, x + (long)i0 * in + k0, in, w + (long)j0 * in + k0, in, y + (long)i0 * out + j0, out);
        }
    }
}

static void dense_bwd(int threads, const float* dy, const float* x, const float* w, float* dx, float* dw, float* db, int n,
                      int in, int out) {
    /* dw[out x in] = dy^T x: A(i=j, k=r) = dy[r*out + j], B(k=r, col) = x[r*in + col] */
    gemm(threads, out, in, n, dy, 1, out, x, in, 1, dw, in);
    for (int j = 0; j < out; ++j) {
        float s = 0.0f;
        for (int r = 0; r < n; ++r) s += dy[(long)r * out + j];
        db[j] = s;
    }
    /* dx[n x in] = dy w: A(i=r, k=j) = dy[r*out + j], B(k=j, col) = w[j*in + col] */
    if (dx) gemm(threads, n, in, out, dy, out, 1, w, in, 1, dx, in);
}
