/* Element-wise ops in fixed chunks of CHUNK elements: ReLU, dropout (Philox masks, bit-identical
 * to the Java reference), fill, copy. Part of the ops written once per ISA (see ops.hpp); an ISA
 * may provide philox_rounds16. */
#pragma once
#include "common.hpp"

static void relu_fwd(int threads, const float* x, float* y, long long n) {
    const int T = tasks_for(n);
#pragma omp parallel for schedule(static) num_threads(T > 1 ? threads : 1)
    for (int t = 0; t < T; ++t) {
        const long long e = lmin(n, (t + 1) * CHUNK);
        for (long long i = t * CHUNK; i < e; ++i) y[i] = x[i] <= 0.0f ? 0.0f : x[i]; /* NaN passes through */
    }
}

static void relu_bwd(int threads, const float* dy, const float* y, float* dx, long long n) {
    const int T = tasks_for(n);
#pragma omp parallel for schedule(static) num_threads(T > 1 ? threads : 1)
    for (int t = 0; t < T; ++t) {
        const long long e = lmin(n, (t + 1) * CHUNK);
        for (long long i = t * CHUNK; i < e; ++i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
    }
}

/* Philox4x32-10, a copy of dev.splot.backend.Philox: 16 blocks at a time so that the compiler can
 * vectorise the 32x32->64-bit products. Block b (elements 4b..4b+3) uses counter
 * (b, layer, low32(step), purpose ^ high32(step)) and key (low32(seed), high32(seed)). */
static inline void philox16(uint32_t b0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1, uint32_t out[64]) {
    alignas(64) uint32_t x0[16], x1[16], x2[16], x3[16];
    for (int l = 0; l < 16; ++l) {
        x0[l] = b0 + (uint32_t)l;
        x1[l] = c1;
        x2[l] = c2;
        x3[l] = c3;
    }
#ifdef SPLOT_HAVE_PHILOX_ROUNDS16
    philox_rounds16(x0, x1, x2, x3, k0, k1);
#else
    for (int r = 0; r < 10; ++r) {
        for (int l = 0; l < 16; ++l) {
            const uint64_t p0 = (uint64_t)0xD2511F53u * x0[l];
            const uint64_t p1 = (uint64_t)0xCD9E8D57u * x2[l];
            const uint32_t n0 = (uint32_t)(p1 >> 32) ^ x1[l] ^ k0;
            const uint32_t n2 = (uint32_t)(p0 >> 32) ^ x3[l] ^ k1;
            x1[l] = (uint32_t)p1;
            x3[l] = (uint32_t)p0;
            x0[l] = n0;
            x2[l] = n2;
        }
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
#endif
    for (int l = 0; l < 16; ++l) {
        out[4 * l] = x0[l];
        out[4 * l + 1] = x1[l];
        out[4 * l + 2] = x2[l];
        out[4 * l + 3] = x3[l];
    }
}

/* Elements first .. first+n-1 of the stream. The loop runs over a virtual range that starts at the
 * block boundary below first (s = first % 4 elements earlier), so every 64-element step is 16 whole
 * Philox blocks as for first = 0; element v of the virtual range is x[v - s]. */
struct dropout_stream {
    float rate, keep;
    uint32_t c1, c2, c3, k0, k1, block0;
    long long s;
};

static inline dropout_stream dropout_stream_of(float rate, uint64_t seed, uint64_t step, int layer, uint64_t first) {
    dropout_stream d;
    d.rate = rate;
    d.keep = 1.0f / (1.0f - rate);
    d.c1 = (uint32_t)layer;
    d.c2 = (uint32_t)step;
    d.c3 = 0u /* PURPOSE_DROPOUT */ ^ (uint32_t)(step >> 32);
    d.k0 = (uint32_t)seed;
    d.k1 = (uint32_t)(seed >> 32);
    d.s = (long long)(first & 3u);
    d.block0 = (uint32_t)(first >> 2);
    return d;
}

/* Virtual elements [vb, ve) (vb a multiple of 64), 64 at a time: y = x * mask (also the second
 * half of the fused max-pool + dropout, fused.hpp). */
static inline void dropout_span(const dropout_stream& d, const float* x, float* y, float* mask, long long vb, long long ve) {
    uint32_t bits[64];
    for (long long v0 = vb; v0 < ve; v0 += 64) {
        philox16(d.block0 + (uint32_t)(v0 >> 2), d.c1, d.c2, d.c3, d.k0, d.k1, bits);
        const int m = (int)lmin(64, ve - v0);
        for (int j = v0 < d.s ? (int)d.s : 0; j < m; ++j) {
            const long long i = v0 + j - d.s;
            const float u = (float)(bits[j] >> 8) * 0x1.0p-24f;
            const float sc = u >= d.rate ? d.keep : 0.0f;
            mask[i] = sc;
            y[i] = x[i] * sc;
        }
    }
}

static void dropout_fwd(int threads, const float* x, float* y, float* mask, long long n, float rate, uint64_t seed,
                        uint64_t step, int layer, uint64_t first) {
    const dropout_stream d = dropout_stream_of(rate, seed, step, layer, first);
    const long long v_n = n + d.s;
    const int T = tasks_for(v_n); /* CHUNK is a multiple of 64 */
#pragma omp parallel for schedule(static) num_threads(T > 1 ? threads : 1)
    for (int t = 0; t < T; ++t)
        dropout_span(d, x, y, mask, t * CHUNK, lmin(v_n, (t + 1) * CHUNK));
}

static void dropout_bwd(int threads, const float* dy, const float* mask, float* dx, long long n) {
    const int T = tasks_for(n);
#pragma omp parallel for schedule(static) num_threads(T > 1 ? threads : 1)
    for (int t = 0; t < T; ++t) {
        const long long e = lmin(n, (t + 1) * CHUNK);
        for (long long i = t * CHUNK; i < e; ++i) dx[i] = dy[i] * mask[i];
    }
}

static void fill_op(int threads, float* d, long long n, float v) {
    const int T = tasks_for(n);
#pragma omp parallel for schedule(static) num_threads(T > 1 ? threads : 1)
    for (int t = 0; t < T; ++t) {
        const long long e = lmin(n, (t + 1) * CHUNK);
        for (long long i = t * CHUNK; i < e; ++i) d[i] = v;
    }
}

static void copy_op(int threads, const float* s, float* d, long long n) {
    const int T = tasks_for(n);
#pragma omp parallel for schedule(static) num_threads(T > 1 ? threads : 1)
    for (int t = 0; t < T; ++t) {
        const long long b = t * CHUNK, e = lmin(n, (t + 1) * CHUNK);
        memcpy(d + b, s + b, (size_t)(e - b) * sizeof(float));
    }
}
