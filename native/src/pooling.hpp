/* Max-pooling forward (values and argmax) and backward (scatter of dy through the argmax).
 * Part of the ops written once per ISA (see ops.hpp); an ISA may provide pool2x2_row. */
#pragma once
#include "common.hpp"

/* '>' keeps the first maximum; a NaN wins once and then stays. Branch-free with integer selects:
 * with float selects the compiler emits branches, which random data mispredicts half the time. */
static inline uint32_t fbits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static inline float bitsf(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}
#define SPLOT_POOL_TAKE(v, at)                                                      \
    do {                                                                            \
        const float v_ = (v);                                                       \
        const uint32_t t_ = 0u - (uint32_t)((v_ > m) | ((v_ != v_) & (m == m)));    \
        m = bitsf((fbits(v_) & t_) | (fbits(m) & ~t_));                             \
        id = (int)(((uint32_t)(at) & t_) | ((uint32_t)id & ~t_));                   \
    } while (0)

/* Outputs [ja, jb) of output row i of plane nc (also the fused max-pool + dropout's, fused.hpp). */
static inline void maxpool_row(const float* x, float* y, int* arg, long nc, int i, int ja, int jb, int h, int w, int ph, int pw,
                               int sh, int sw, int oh, int ow) {
    const long yo = nc * oh * ow + (long)i * ow;
    float* yr = y + yo;
    int* ar = arg + yo;
    const int r0 = (int)(nc * h * w + (long)i * sh * w);
    const float* x0 = x + r0;
    if (ph == 2 && pw == 2 && sh == 2 && sw == 2) {
        const float* x1 = x0 + w;
        int j = ja;
#ifdef SPLOT_HAVE_POOL2X2
        j = ja + pool2x2_row(x0 + 2 * ja, x1 + 2 * ja, r0 + 2 * ja, w, jb - ja, yr + ja, ar + ja);
#endif
        for (; j < jb; ++j) {
            float m = x0[2 * j];
            int id = r0 + 2 * j;
            SPLOT_POOL_TAKE(x0[2 * j + 1], r0 + 2 * j + 1);
            SPLOT_POOL_TAKE(x1[2 * j], r0 + w + 2 * j);
            SPLOT_POOL_TAKE(x1[2 * j + 1], r0 + w + 2 * j + 1);
            yr[j] = m;
            ar[j] = id;
        }
    } else {
        for (int j = ja; j < jb; ++j) {
            float m = x0[j * sw];
            int id = r0 + j * sw;
            for (int a = 0; a < ph; ++a)
                for (int bb = 0; bb < pw; ++bb) SPLOT_POOL_TAKE(x0[a * w + j * sw + bb], r0 + a * w + j * sw + bb);
            yr[j] = m;
            ar[j] = id;
        }
    }
}

static void maxpool_fwd(int threads, const float* x, float* y, int* arg, int n, int c, int h, int w, int ph, int pw, int sh,
                        int sw, int oh, int ow) {
    const long planes = (long)n * c;
    const int T = planes * h * w >= CHUNK ? threads : 1;
#pragma omp parallel for schedule(static) num_threads(T)
    for (long nc = 0; nc < planes; ++nc)
        for (int i = 0; i < oh; ++i) maxpool_row(x, y, arg, nc, i, 0, ow, h, w, ph, pw, sh, sw, oh, ow);
}

/* dx: each plane zeroed, then dy scattered through arg. An argmax outside its plane (not maxpool_fwd's) is
 * skipped, never followed (it would write outside the plane, or dx): returns 1 then, else 0. */
static int maxpool_bwd(int threads, const float* dy, const int* arg, float* dx, int n, int c, int h, int w, int oh, int ow) {
    const long planes = (long)n * c, pin = (long)h * w, pout = (long)oh * ow;
    int bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad) num_threads(planes * pin >= CHUNK ? threads : 1)
    for (long nc = 0; nc < planes; ++nc) {
        float* d = dx + nc * pin;
        for (long i = 0; i < pin; ++i) d[i] = 0.0f;
        for (long k = nc * pout; k < (nc + 1) * pout; ++k) {
            const long a = (long)arg[k] - nc * pin;
            if ((unsigned long)a < (unsigned long)pin)
                d[a] += dy[k];
            else
                bad = 1;
        }
    }
    return bad;
}

/* Average pooling, the Java reference's arithmetic: each window summed in float in row-major order, then divided
 * by its area; backward adds dy / area to every element of each window, windows in row-major order. */
static void avgpool_fwd(int threads, const float* x, float* y, int n, int c, int h, int w, int ph, int pw, int sh, int sw,
                        int oh, int ow) {
    const long planes = (long)n * c;
    const float area = (float)(ph * pw);
#pragma omp parallel for schedule(static) num_threads(planes * h * w >= CHUNK ? threads : 1)
    for (long nc = 0; nc < planes; ++nc) {
        const float* xp = x + nc * h * w;
        float* yp = y + nc * oh * ow;
        for (int i = 0; i < oh; ++i)
            for (int j = 0; j < ow; ++j) {
                float s = 0.0f;
                for (int a = 0; a < ph; ++a) {
                    const float* row = xp + (long)(i * sh + a) * w + (long)j * sw;
                    for (int b = 0; b < pw; ++b) s += row[b];
                }
                yp[(long)i * ow + j] = s / area;
            }
    }
}

static void avgpool_bwd(int threads, const float* dy, float* dx, int n, int c, int h, int w, int ph, int pw, int sh, int sw,
                        int oh, int ow) {
    const long planes = (long)n * c;
    const float area = (float)(ph * pw);
#pragma omp parallel for schedule(static) num_threads(planes * h * w >= CHUNK ? threads : 1)
    for (long nc = 0; nc < planes; ++nc) {
        float* dp = dx + nc * h * w;
        const float* g = dy + nc * oh * ow;
        for (long i = 0; i < (long)h * w; ++i) dp[i] = 0.0f;
        for (int i = 0; i < oh; ++i)
            for (int j = 0; j < ow; ++j) {
                const float share = g[(long)i * ow + j] / area;
                for (int a = 0; a < ph; ++a) {
                    float* row = dp + (long)(i * sh + a) * w + (long)j * sw;
                    for (int b = 0; b < pw; ++b) row[b] += share;
                }
            }
    }
}
