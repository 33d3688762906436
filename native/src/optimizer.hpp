/* AdaDelta, SGD (momentum, Nesterov) and Adam / AdamW updates, element-wise in fixed chunks (rounds exactly like the Java reference: the
 * library is built with -ffp-contract=off). Part of the ops written once per ISA (see ops.hpp). */
#pragma once
#include "common.hpp"

/* Runs update(i) for i in [0, n), in tasks of CHUNK elements (one task runs serially). */
template <class Update>
static void for_each_element(int threads, long long n, Update update) {
    const int T = tasks_for(n);
#pragma omp parallel for schedule(static) num_threads(T > 1 ? threads : 1)
    for (int t = 0; t < T; ++t) {
        const long long e = lmin(n, (t + 1) * CHUNK);
        for (long long i = t * CHUNK; i < e; ++i) update(i);
    }
}

static void adadelta_op(int threads, float* p, const float* g, float* ag, float* ad, long long n, float lr, float rho, float eps) {
    const float om = 1.0f - rho;
    for_each_element(threads, n, [=](long long i) {
        const float a = rho * ag[i] + om * g[i] * g[i];
        ag[i] = a;
        const float delta = g[i] * sqrtf(ad[i] + eps) / sqrtf(a + eps);
        p[i] -= lr * delta;
        ad[i] = rho * ad[i] + om * delta * delta;
    });
}

/* SGD as torch.optim.SGD; buf is NULL exactly when momentum is 0 (the Java side checks). */
static void sgd_op(int threads, float* p, const float* g, float* buf, long long n, float lr, float momentum, float dampening,
                   float wd, int nesterov, int first) {
    const float od = 1.0f - dampening;
    for_each_element(threads, n, [=](long long i) {
        float d = g[i];
        if (wd != 0.0f) d = d + wd * p[i];
        if (buf) {
            const float b = first ? d : momentum * buf[i] + od * d;
            buf[i] = b;
            d = nesterov ? d + momentum * b : b;
        }
        p[i] = p[i] - lr * d;
    });
}

/* Adam / AdamW with the scalars the Java side computed once (AbstractBackend.adamUpdateImpl says which). */
static void adam_op(int threads, float* p, const float* g, float* m, float* v, long long n, float beta1, float beta2, float eps,
                    float l2, float decay, float step_size, float bias2_sqrt) {
    const float o1 = 1.0f - beta1, o2 = 1.0f - beta2;
    for_each_element(threads, n, [=](long long i) {
        const float x = p[i] * decay;
        float d = g[i];
        if (l2 != 0.0f) d = d + l2 * x;
        const float mi = beta1 * m[i] + o1 * d;
        const float vi = beta2 * v[i] + o2 * d * d;
        m[i] = mi;
        v[i] = vi;
        const float denom = sqrtf(vi) / bias2_sqrt + eps;
        p[i] = x - step_size * (mi / denom);
    });
}
