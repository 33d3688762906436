/* The weight gradient of stride-1 convolutions with few taps (C*KH*KW <= 16: an image model's first
 * layer, MNIST's is 1 x 3 x 3), computed directly. The implicit GEMM's dot products (conv_implicit.hpp)
 * run over extended rows copied per image, with a register tile sized for many taps: here every
 * tap's sum stays in a register across a whole image, each dy vector loaded once for all taps
 * (measured 25-30% less time on the seed model's conv1, native/README.md). The forward pass was
 * tried the same way (a 6-channel x 2-vector register tile): no faster than the implicit GEMM, whose
 * sums it reproduced bit for bit, so it was left out. Part of the ops written once per ISA (see ops.hpp). */
#pragma once
#include "conv_implicit.hpp"
#include "vec.hpp"

constexpr int DIRECT_MAX_TAPS = 16;

/* "auto" only: a forced "gemm" keeps the implicit GEMM (and so keeps it checked on these shapes). */
static inline bool conv_direct_applies(const splot_conv_geom& g) {
    return g.algo == SPLOT_CONV_AUTO && g.sh == 1 && g.sw == 1 && (long)g.c * g.kh * g.kw <= DIRECT_MAX_TAPS;
}

/* a * b + c: fused on the SIMD paths; the portable path rounds twice, as its GEMM kernels do */
static inline vf direct_madd(vf a, vf b, vf c) {
#if VW >= 8
    return vfma(a, b, c);
#else
    return a * b + c;
#endif
}

/* dw[o][k] = sum over the batch of sum_{r,q} dy[n][o][r][q] xp[off[k] + r*Wp + q], db[o] = sum of dy:
 * per image and channel, lane-wise partial sums over the rows (a row's last vector masked to the
 * output's width on both sides, so no pixel outside it enters a sum), added to the batch chunk's;
 * fixed batch chunks, each reduced over its lanes and then in chunk order. KT = C*KH*KW, a
 * constant so that the KT + 1 accumulators stay in registers. */
template <int KT>
static void conv_bwd_weights_direct_k(int threads, const float* x, const float* dy, float* dw, float* db, const splot_conv_geom& g) {
    constexpr int K1 = KT + 1;
    const int O = g.o, Hp = g.oh + g.kh - 1, Wp = g.ow + g.kw - 1;
    const long plane = (long)g.oh * g.ow;
    const int G = imin(g.n, 16); /* fixed batch chunks, independent of the thread count */
    const long part = (long)O * K1;
    int off[DIRECT_MAX_TAPS];
    s1_offsets(g.c, g.kh, g.kw, Hp, Wp, off);
    Scratch<float> parts(SCRATCH_OP_PACKED, (size_t)G * part);
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int gi = 0; gi < G; ++gi) {
        const int n0 = (int)((long)gi * g.n / G), n1 = (int)((long)(gi + 1) * g.n / G);
        Scratch<float> xp(SCRATCH_TASK_INPUT, (size_t)g.c * Hp * Wp + s1_slack());
        Scratch<float> lanes(SCRATCH_TASK_TEMP1, (size_t)part * VW); /* the chunk's lane-wise sums, [o][k or bias][lane] */
        for (long i = 0; i < part * VW; ++i) lanes[i] = 0.0f;
        for (int n = n0; n < n1; ++n) {
            pad_image(x + (long)n * g.c * g.h * g.w, g.c, g.h, g.w, g.pt, g.pl, Hp, Wp, xp);
            for (int o = 0; o < O; ++o) {
                const float* d = dy + ((long)n * O + o) * plane;
                vf acc[K1];
#pragma GCC unroll 17
                for (int k = 0; k < K1; ++k) acc[k] = vf{};
                for (int r = 0; r < g.oh; ++r) {
                    const float* xr = xp + (long)r * Wp;
                    for (int q = 0; q < g.ow; q += VW) {
                        const int count = imin(VW, g.ow - q);
                        if (count == VW) {
                            const vf dv = vload(d + (long)r * g.ow + q);
#pragma GCC unroll 16
                            for (int k = 0; k < KT; ++k) acc[k] = direct_madd(dv, vload(xr + off[k] + q), acc[k]);
                            acc[KT] = acc[KT] + dv;
                        } else {
                            const vf dv = vload_n(d + (long)r * g.ow + q, count);
#pragma GCC unroll 16
                            for (int k = 0; k < KT; ++k) acc[k] = direct_madd(dv, vload_n(xr + off[k] + q, count), acc[k]);
                            acc[KT] = acc[KT] + dv;
                        }
                    }
                }
                float* l = lanes + (long)o * K1 * VW;
#pragma GCC unroll 17
                for (int k = 0; k < K1; ++k) vstore(l + k * VW, vload(l + k * VW) + acc[k]);
            }
        }
        float* acc = parts + gi * part;
        for (long i = 0; i < part; ++i) acc[i] = vsum(vload(lanes + i * VW)); /* lanes in a fixed order */
    }
    for (int o = 0; o < O; ++o) {
        for (int k = 0; k < K1; ++k) {
            float sum = parts[(long)o * K1 + k];
            for (int gi = 1; gi < G; ++gi) sum += parts[gi * part + (long)o * K1 + k];
            if (k < KT)
                dw[(long)o * KT + k] = sum;
            else
                db[o] = sum;
        }
    }
}

static void conv_bwd_weights_direct(int threads, const float* x, const float* dy, float* dw, float* db, const splot_conv_geom& g) {
    switch (g.c * g.kh * g.kw) {
#define SPLOT_DIRECT_K(k) \
    case k: return conv_bwd_weights_direct_k<k>(threads, x, dy, dw, db, g);
        SPLOT_DIRECT_K(1) SPLOT_DIRECT_K(2) SPLOT_DIRECT_K(3) SPLOT_DIRECT_K(4) SPLOT_DIRECT_K(5) SPLOT_DIRECT_K(6)
        SPLOT_DIRECT_K(7) SPLOT_DIRECT_K(8) SPLOT_DIRECT_K(9) SPLOT_DIRECT_K(10) SPLOT_DIRECT_K(11) SPLOT_DIRECT_K(12)
        SPLOT_DIRECT_K(13) SPLOT_DIRECT_K(14) SPLOT_DIRECT_K(15) SPLOT_DIRECT_K(16)
#undef SPLOT_DIRECT_K
    }
}
