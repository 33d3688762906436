/* Fully connected layer: forward as one long-K GEMM (A = x, B = W^T, both K-contiguous), backward
 * as two packed GEMMs with K = the batch or the outputs. Part of the ops written once per ISA (see
 * ops.hpp). */
#pragma once
#include "gemm.hpp"

/* y[n x out] = b + x W^T: A(i, k) = x[i*in + k], B(k, j) = w[j*in + k]. */
static void dense_fwd(int threads, const float* x, const float* w, const float* b, float* y, int n, int in, int out) {
    gemm_abt_long_k(threads, n, out, in, x, in, w, in, b, y, out);
}

/* Rows of x (dW) or of w (dx) prefetched ahead of the row being packed: 8 hides most of the
 * memory latency of their 36 KB-strided rows at the seed model's shape (4: less, 16: no better). */
static const int DENSE_PACK_PREFETCH_ROWS = 8;

static void dense_bwd(int threads, const float* dy, const float* x, const float* w, float* dx, float* dw, float* db, int n,
                      int in, int out) {
    /* dw[out x in] = dy^T x: A(i=j, k=r) = dy[r*out + j], B(k=r, col) = x[r*in + col] */
    gemm(threads, out, in, n, dy, 1, out, x, in, 1, dw, in, DENSE_PACK_PREFETCH_ROWS);
    for (int j = 0; j < out; ++j) {
        float s = 0.0f;
        for (int r = 0; r < n; ++r) s += dy[(long)r * out + j];
        db[j] = s;
    }
    /* dx[n x in] = dy w: A(i=r, k=j) = dy[r*out + j], B(k=j, col) = w[j*in + col] */
    if (dx) gemm(threads, n, in, out, dy, out, 1, w, in, 1, dx, in, DENSE_PACK_PREFETCH_ROWS);
}
