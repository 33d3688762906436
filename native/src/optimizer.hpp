/* AdaDelta update, element-wise in fixed chunks (rounds exactly like the Java reference: the
 * library is built with -ffp-contract=off). Part of the ops written once per ISA (see ops.hpp). */
#pragma once
#include "common.hpp"

static void adadelta_op(int threads, float* p, const float* g, float* ag, float* ad, long long n, float lr, float rho, float eps) {
    const int T = tasks_for(n);
    const float om = 1.0f - rho;
#pragma omp parallel for schedule(static) num_threads(T > 1 ? threads : 1)
    for (int t = 0; t < T; ++t) {
        const long long e = lmin(n, (t + 1) * CHUNK);
        for (long long i = t * CHUNK; i < e; ++i) {
            const float a = rho * ag[i] + om * g[i] * g[i];
            ag[i] = a;
            const float delta = g[i] * sqrtf(ad[i] + eps) / sqrtf(a + eps);
            p[i] -= lr * delta;
            ad[i] = rho * ad[i] + om * delta * delta;
        }
    }
}
