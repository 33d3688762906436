/* Batch normalisation per channel of x[n, c, h, w]: training forward (batch statistics, running-statistics
 * update), inference forward (running statistics) and backward. The Java reference's arithmetic exactly: sums in
 * double in (sample, position) order, the same float expressions in the same order (the library is built with
 * -ffp-contract=off), one channel per task, so results match it bit for bit whatever the thread count.
 * Part of the ops written once per ISA (see ops.hpp). */
#pragma once
#include "common.hpp"

/* y = (x - mean) invstd gamma + beta over channel ch. */
static inline void bn_normalise(const float* x, float* y, int n, int c, long plane, int ch, float mean, float invstd, float gamma,
                                float beta) {
    for (int s = 0; s < n; ++s) {
        const long o = ((long)s * c + ch) * plane;
        for (long k = o; k < o + plane; ++k) y[k] = (x[k] - mean) * invstd * gamma + beta;
    }
}

static void batchnorm_fwd_train(int threads, const float* x, const float* gamma, const float* beta, float* y, float* mean,
                                float* invstd, float* rmean, float* rvar, int n, int c, int h, int w, float momentum, float eps) {
    const long plane = (long)h * w;
    const long long m = (long long)n * plane;
#pragma omp parallel for schedule(static) num_threads(m * c >= CHUNK ? threads : 1)
    for (int ch = 0; ch < c; ++ch) {
        double sum = 0.0;
        for (int s = 0; s < n; ++s) {
            const long o = ((long)s * c + ch) * plane;
            for (long k = o; k < o + plane; ++k) sum += x[k];
        }
        const float mu = (float)(sum / (double)m);
        double squares = 0.0;
        for (int s = 0; s < n; ++s) {
            const long o = ((long)s * c + ch) * plane;
            for (long k = o; k < o + plane; ++k) {
                const double d = (double)x[k] - mu;
                squares += d * d;
            }
        }
        const float var = (float)(squares / (double)m);
        const float inv = (float)(1.0 / sqrt((double)var + (double)eps));
        mean[ch] = mu;
        invstd[ch] = inv;
        rmean[ch] = (1.0f - momentum) * rmean[ch] + momentum * mu;
        rvar[ch] = (1.0f - momentum) * rvar[ch] + momentum * (float)(squares / (double)(m - 1));
        bn_normalise(x, y, n, c, plane, ch, mu, inv, gamma[ch], beta[ch]);
    }
}

static void batchnorm_fwd_infer(int threads, const float* x, const float* gamma, const float* beta, const float* rmean,
                                const float* rvar, float* y, int n, int c, int h, int w, float eps) {
    const long plane = (long)h * w;
#pragma omp parallel for schedule(static) num_threads((long long)n * plane * c >= CHUNK ? threads : 1)
    for (int ch = 0; ch < c; ++ch)
        bn_normalise(x, y, n, c, plane, ch, rmean[ch], (float)(1.0 / sqrt((double)rvar[ch] + (double)eps)), gamma[ch], beta[ch]);
}

static void batchnorm_bwd(int threads, const float* dy, const float* x, const float* gamma, const float* mean,
                          const float* invstd, float* dx, float* dgamma, float* dbeta, int n, int c, int h, int w) {
    const long plane = (long)h * w;
    const float m = (float)((long long)n * plane);
#pragma omp parallel for schedule(static) num_threads((long long)n * plane * c >= CHUNK ? threads : 1)
    for (int ch = 0; ch < c; ++ch) {
        const float mu = mean[ch], inv = invstd[ch];
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (int s = 0; s < n; ++s) {
            const long o = ((long)s * c + ch) * plane;
            for (long k = o; k < o + plane; ++k) {
                sum_dy += dy[k];
                const float xhat = (x[k] - mu) * inv;
                sum_dy_xhat += (double)dy[k] * xhat;
            }
        }
        const float db = (float)sum_dy, dg = (float)sum_dy_xhat;
        dbeta[ch] = db;
        dgamma[ch] = dg;
        const float scale = gamma[ch] * inv, mean_dy = db / m, mean_dy_xhat = dg / m;
        for (int s = 0; s < n; ++s) {
            const long o = ((long)s * c + ch) * plane;
            for (long k = o; k < o + plane; ++k) dx[k] = scale * (dy[k] - mean_dy - (x[k] - mu) * inv * mean_dy_xhat);
        }
    }
}
