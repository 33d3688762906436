/* Fused ops: each gives the bits of the primitives it stands for (the Java reference composes them)
 * in one pass over memory. Part of the ops written once per ISA (see ops.hpp). The convolution +
 * ReLU epilogues live where the convolutions store (splot_conv_geom's relu fields, conv.hpp). */
#pragma once
#include "common.hpp"
#include "elementwise.hpp"
#include "pooling.hpp"
#include "vec.hpp"

/* Max-pool outputs [i0, i1) in flat (n, c, oh, ow) order, row piece by row piece. */
static inline void maxpool_span(const float* x, float* y, int* arg, long long i0, long long i1, int h, int w, int ph, int pw,
                                int sh, int sw, int oh, int ow) {
    const long long plane = (long long)oh * ow;
    long nc = (long)(i0 / plane);
    const int r = (int)(i0 - nc * plane);
    int i = r / ow, ja = r % ow;
    while (i0 < i1) {
        const int jb = (int)lmin(ow, ja + (i1 - i0));
        maxpool_row(x, y, arg, nc, i, ja, jb, h, w, ph, pw, sh, sw, oh, ow);
        i0 += jb - ja;
        ja = 0;
        if (++i == oh) i = 0, ++nc;
    }
}

/* maxpool_fwd into pooled, then dropout_fwd of pooled into y, task by task: each task pools its CHUNK
 * outputs (128 KiB, still in L2) and then scales them, so the pooled values never make a round trip
 * through memory before dropout reads them. Measured no faster than the two ops on Zen 3 (native/README.md,
 * "Fused ops"): the pooled tensor (4.7 MB at batch 128) stays in L3 between them, and pooling 64
 * outputs at a time inside dropout's Philox loop was no faster either. */
static void maxpool_dropout_fwd(int threads, const float* x, float* pooled, int* arg, float* y, float* mask, int n, int c, int h,
                                int w, int ph, int pw, int sh, int sw, int oh, int ow, float rate, uint64_t seed, uint64_t step,
                                int layer, uint64_t first) {
    const dropout_stream d = dropout_stream_of(rate, seed, step, layer, first);
    const long long v_n = (long long)n * c * oh * ow + d.s;
    const int T = tasks_for(v_n); /* CHUNK is a multiple of 64 */
#pragma omp parallel for schedule(static) num_threads(T > 1 ? threads : 1)
    for (int t = 0; t < T; ++t) {
        const long long vb = t * CHUNK, ve = lmin(v_n, (t + 1) * CHUNK);
        maxpool_span(x, pooled, arg, vb < d.s ? 0 : vb - d.s, ve - d.s, h, w, ph, pw, sh, sw, oh, ow);
        dropout_span(d, pooled, y, mask, vb, ve);
    }
}

/* Plane nc (pin floats, its pout pooled values) of dropout_maxpool_relu_bwd's dx, into d: zeroed, then
 * dy * mask added at its argmax where the pooled value is positive (adding 0 elsewhere keeps the
 * composition's +0). The pooled value is the ReLU's output at the argmax, so this is the composition's
 * test of relu_y there (read in order from a tensor a quarter its size, no faster than the gather on its
 * own; what it buys is that the ReLU's output need not exist: conv_relu_pool_fwd never writes it). Also
 * where the fused convolution backward builds each image's dy (winograd_bwd_weights.hpp). An argmax
 * outside the plane (not maxpool_fwd's) is skipped, never followed: returns 1 then, else 0. */
static inline int dropout_maxpool_relu_plane_scatter(const float* dy, const float* mask, const int* arg, const float* pooled, long nc,
                                             long pin, long pout, float* __restrict d) {
    for (long i = 0; i < pin; ++i) d[i] = 0.0f;
    const long base = nc * pin; /* argmax holds indices into the whole tensor */
    int bad = 0;
    for (long k = nc * pout; k < (nc + 1) * pout; ++k) {
        const long a = (long)arg[k] - base;
        if ((unsigned long)a >= (unsigned long)pin) {
            bad = 1;
            continue;
        }
        const float g = dy[k] * mask[k];
        d[a] += pooled[k] > 0.0f ? g : 0.0f;
    }
    return bad;
}

/* dropout_maxpool_relu_plane_scatter for an h x w plane pooled into ph x pw windows, where every window is 2x2 at
 * stride 2 with its argmax inside it, as a 2x2 stride-2 max-pool's forward always leaves them: the windows
 * are disjoint, so each element of d receives at most one term, and d is written row by row, VW windows at a
 * time (d[a] = 0 + the term, the composition's add to its zero; elsewhere 0): no zeroing pass and no
 * scatter, which took 5% of the fused convolution backward. Returns 1, with d partly written, at the first
 * argmax outside its window (another pooling, or a hostile tensor: argmax is only compared here, never
 * followed); the scatter then does the plane (dropout_maxpool_relu_plane). */
static inline int dropout_maxpool_relu_plane_2x2(const float* dy, const float* mask, const int* arg, const float* pooled, long nc,
                                                 int h, int w, int ph, int pw, float* __restrict d) {
    if (2 * ph > h || 2 * pw > w) return 1;
    const long base = nc * (long)h * w, k0 = nc * (long)ph * pw;
    vi lane;
    for (int l = 0; l < VW; ++l) lane[l] = l;
    for (int pr = 0; pr < ph; ++pr) {
        float* const row0 = d + (long)(2 * pr) * w;
        float* const row1 = row0 + w;
        for (int pc = 0; pc < pw; pc += VW) {
            const int cnt = imin(VW, pw - pc);
            const long k = k0 + (long)pr * pw + pc;
            const vf a_bits = vload_n((const float*)(arg + k), cnt); /* the indices' bits */
            vi a;
            memcpy(&a, &a_bits, sizeof a);
            const vi rel = a - (int)(base + (long)(2 * pr) * w + 2 * pc) - 2 * lane; /* argmax - window's first */
            const vi outside = vfirst(cnt) & ~((rel == 0) | (rel == 1) | (rel == w) | (rel == w + 1));
            for (int l = 0; l < VW; ++l)
                if (outside[l]) return 1;
            const vf g = vload_n(dy + k, cnt) * vload_n(mask + k, cnt);
            const vf term = vf{} + (vload_n(pooled + k, cnt) > vf{} ? g : vf{});
            vf lo, hi;
            for (int r = 0; r < 2; ++r) {
                const int at = r ? w : 0;
                vinterleave(rel == at ? term : vf{}, rel == at + 1 ? term : vf{}, &lo, &hi);
                float* dst = (r ? row1 : row0) + 2 * pc;
                if (2 * cnt >= VW) {
                    vstore(dst, lo);
                    if (2 * cnt > VW) vstore_n(dst + VW, hi, 2 * cnt - VW);
                } else {
                    vstore_n(dst, lo, 2 * cnt);
                }
            }
        }
        for (int q = 2 * pw; q < w; ++q) row0[q] = row1[q] = 0.0f; /* an odd last column no window covers */
    }
    for (long i = (long)(2 * ph) * w; i < (long)h * w; ++i) d[i] = 0.0f; /* and an odd last row */
    return 0;
}

/* Plane nc of dropout_maxpool_relu_bwd's dx (h x w, its ph x pw pooled values) into d: row by row where
 * the windows allow it, else by the scatter (the same bits either way); 1 where an argmax lay outside
 * the plane (skipped), else 0. */
static inline int dropout_maxpool_relu_plane(const float* dy, const float* mask, const int* arg, const float* pooled, long nc, int h,
                                             int w, int ph, int pw, float* __restrict d) {
    if (!dropout_maxpool_relu_plane_2x2(dy, mask, arg, pooled, nc, h, w, ph, pw, d)) return 0;
    return dropout_maxpool_relu_plane_scatter(dy, mask, arg, pooled, nc, (long)h * w, (long)ph * pw, d);
}

/* dx = relu_bwd(maxpool_bwd(dy * mask, arg), relu_y), from pooled (see above), plane by plane; 1 where
 * an argmax lay outside its plane. */
static int dropout_maxpool_relu_bwd(int threads, const float* dy, const float* mask, const int* arg, const float* pooled, float* dx,
                                    int n, int c, int h, int w, int oh, int ow) {
    const long planes = (long)n * c, pin = (long)h * w;
    int bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad) num_threads(planes * pin >= CHUNK ? threads : 1)
    for (long nc = 0; nc < planes; ++nc)
        bad |= dropout_maxpool_relu_plane(dy, mask, arg, pooled, nc, h, w, oh, ow, dx + nc * pin);
    return bad;
}
