/* Fused ops: each gives the bits of the primitives it stands for (the Java reference composes them)
 * in one pass over memory. Part of the ops written once per ISA (see ops.hpp). The convolution +
 * ReLU epilogues live where the convolutions store (splot_conv_geom's relu fields, conv.hpp). */
#pragma once
#include "common.hpp"
#include "elementwise.hpp"
#include "pooling.hpp"

/* Max-pool outputs [i0, i1) in flat (n, c, oh, ow) order, row piece by row piece. */
static inline void maxpool_span(const float* x, float* y, int* arg, long long i0, long long i1, int h, int w, int ph, int pw,
                                int sh, int sw, int oh, int ow) {
    const long long plane = (long long)oh * ow;
    while (i0 < i1) {
        const long nc = (long)(i0 / plane);
        const int r = (int)(i0 - nc * plane), i = r / ow, ja = r % ow, jb = (int)lmin(ow, ja + (i1 - i0));
        maxpool_row(x, y, arg, nc, i, ja, jb, h, w, ph, pw, sh, sw, oh, ow);
        i0 += jb - ja;
    }
}

/* maxpool_fwd into y, then dropout_fwd of y in place: the dropout's 64-element steps pool their
 * elements first, so each pooled value is scaled while in L1 and y is written once. */
static void maxpool_dropout_fwd(int threads, const float* x, float* y, int* arg, float* mask, int n, int c, int h, int w, int ph,
                                int pw, int sh, int sw, int oh, int ow, float rate, uint64_t seed, uint64_t step, int layer,
                                uint64_t first) {
    const dropout_stream d = dropout_stream_of(rate, seed, step, layer, first);
    const long long v_n = (long long)n * c * oh * ow + d.s;
    const int T = tasks_for(v_n); /* CHUNK is a multiple of 64 */
#pragma omp parallel for schedule(static) num_threads(T > 1 ? threads : 1)
    for (int t = 0; t < T; ++t)
        dropout_span(d, y, y, mask, t * CHUNK, lmin(v_n, (t + 1) * CHUNK), [&](long long i0, long long i1) {
            maxpool_span(x, y, arg, i0, i1, h, w, ph, pw, sh, sw, oh, ow);
        });
}

/* dx = relu_bwd(maxpool_bwd(dy * mask, arg), relu_y): each plane of dx zeroed, then dy * mask added
 * at its argmax where relu_y there is positive (adding 0 elsewhere keeps the composition's +0). */
static void dropout_maxpool_relu_bwd(int threads, const float* dy, const float* mask, const int* arg, const float* relu_y,
                                     float* dx, int n, int c, int h, int w, int oh, int ow) {
    const long planes = (long)n * c, pin = (long)h * w, pout = (long)oh * ow;
#pragma omp parallel for schedule(static) num_threads(planes * pin >= CHUNK ? threads : 1)
    for (long nc = 0; nc < planes; ++nc) {
        float* d = dx + nc * pin;
        for (long i = 0; i < pin; ++i) d[i] = 0.0f;
        for (long k = nc * pout; k < (nc + 1) * pout; ++k) {
            const int a = arg[k];
            const float g = dy[k] * mask[k];
            dx[a] += relu_y[a] > 0.0f ? g : 0.0f;
        }
    }
}
