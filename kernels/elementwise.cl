// Element-wise kernels: ReLU, dropout (Philox4x32-10, bit-identical to dev.splot.backend.Philox), multiply, AdaDelta,
// SGD and Adam / AdamW.
#pragma OPENCL FP_CONTRACT OFF

// The memory-bound kernels below take eight elements per work-item: float8 loads and stores (one AVX2 register) where a
// whole vector fits and one element at a time in the last work-item's ragged tail. On PoCL (2-core AVX2 EPYC) the
// earlier one-element-per-work-item versions ran 3-8x slower (docs/opencl.md). The host launches ceil(n / 8)
// work-items (OpenClBackend.launchPerVector).
// ELEMENTWISE8(n, BODY) runs BODY(T, LOAD, STORE, k) once with T = float8 at element k and, in the tail, with T = float
// for each remaining element, so every operation's expressions are written once for both; float8 arithmetic rounds
// each element as the scalar expression does.
#define LOAD8(ptr, k) vload8(0, (ptr) + (k))
#define STORE8(v, ptr, k) vstore8((v), 0, (ptr) + (k))
#define LOAD1(ptr, k) (ptr)[k]
#define STORE1(v, ptr, k) ((ptr)[k] = (v))
#define ELEMENTWISE8(n, BODY)                                                     \
    const long first = get_global_id(0) * 8;                                      \
    if (first + 8 <= (n)) {                                                       \
        BODY(float8, LOAD8, STORE8, first)                                        \
    } else {                                                                      \
        for (long k = first; k < (n); k++) { BODY(float, LOAD1, STORE1, k) }     \
    }

// y = x where x > 0, else 0; NaN passes through, as in the reference (NaN <= 0 is false, so select keeps it).
#define RELU_FORWARD(T, LOAD, STORE, k) {                                         \
    const T v = LOAD(x, k);                                                       \
    STORE(select(v, (T)(0.0f), v <= (T)(0.0f)), y, k);                            \
}
__kernel void relu_forward(__global const float* x, __global float* y, const int n) {
    ELEMENTWISE8(n, RELU_FORWARD)
}

#define RELU_BACKWARD(T, LOAD, STORE, k) STORE(select((T)(0.0f), LOAD(dy, k), LOAD(y, k) > (T)(0.0f)), dx, k);
__kernel void relu_backward(__global const float* dy, __global const float* y, __global float* dx, const int n) {
    ELEMENTWISE8(n, RELU_BACKWARD)
}

// out = a * b (dropout backward: dx = dy * mask).
#define MULTIPLY(T, LOAD, STORE, k) STORE(LOAD(a, k) * LOAD(b, k), out, k);
__kernel void multiply(__global const float* a, __global const float* b, __global float* out, const int n) {
    ELEMENTWISE8(n, MULTIPLY)
}

// Dropout with Philox4x32-10 (ten rounds, the constants and word order of Philox.block in Java). One work-item per
// 8 Philox blocks (32 elements), the blocks computed side by side in uint8 vectors.
// Element i comes from counter (i/4, layer, low32(step), purpose ^ high32(step)), key (low32(seed), high32(seed)),
// word i%4; mask = keep (= 1/(1-rate), computed on the host) when u >= rate, else 0; y = x * mask.
// x[0] is stream element first (a data-parallel worker's slice of a larger batch): the work-items cover a virtual
// range that starts shift = first % 4 elements earlier, at block firstBlock = low32(first / 4), so each one still
// computes 8 whole blocks; virtual element v is x[v - shift]. first = 0 is the plain mask.
__kernel void dropout_forward(__global const float* x, __global float* y, __global float* mask, const int n,
                              const float rate, const float keep, const uint layer, const uint stepLo, const uint stepHiXorPurpose,
                              const uint seedLo, const uint seedHi, const uint firstBlock, const int shift) {
    const int q = get_global_id(0);
    const int i0 = q * 32 - shift; // x index of the work-item's first virtual element (negative: before x[0])
    if (i0 >= n) return;
    uint8 c0 = (uint8)(firstBlock + (uint)q * 8u) + (uint8)(0u, 1u, 2u, 3u, 4u, 5u, 6u, 7u);
    uint8 c1 = (uint8)(layer), c2 = (uint8)(stepLo), c3 = (uint8)(stepHiXorPurpose);
    uint k0 = seedLo, k1 = seedHi;
    for (int round = 0; round < 10; round++) {
        const uint8 hi0 = mul_hi((uint8)(0xD2511F53u), c0), lo0 = (uint8)(0xD2511F53u) * c0;
        const uint8 hi1 = mul_hi((uint8)(0xCD9E8D57u), c2), lo1 = (uint8)(0xCD9E8D57u) * c2;
        c0 = hi1 ^ c1 ^ (uint8)(k0);
        c1 = lo1;
        c2 = hi0 ^ c3 ^ (uint8)(k1);
        c3 = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    float w0[8], w1[8], w2[8], w3[8];
    vstore8(select((float8)(0.0f), (float8)(keep), convert_float8(c0 >> 8u) * 0x1.0p-24f >= (float8)(rate)), 0, w0);
    vstore8(select((float8)(0.0f), (float8)(keep), convert_float8(c1 >> 8u) * 0x1.0p-24f >= (float8)(rate)), 0, w1);
    vstore8(select((float8)(0.0f), (float8)(keep), convert_float8(c2 >> 8u) * 0x1.0p-24f >= (float8)(rate)), 0, w2);
    vstore8(select((float8)(0.0f), (float8)(keep), convert_float8(c3 >> 8u) * 0x1.0p-24f >= (float8)(rate)), 0, w3);
    float m[32];
    for (int l = 0; l < 8; l++) {
        m[4 * l] = w0[l];
        m[4 * l + 1] = w1[l];
        m[4 * l + 2] = w2[l];
        m[4 * l + 3] = w3[l];
    }
    if (shift == 0 && i0 + 32 <= n) {
        for (int v = 0; v < 2; v++) {
            const float16 mv = vload16(v, m);
            vstore16(mv, v, mask + i0);
            vstore16(vload16(v, x + i0) * mv, v, y + i0);
        }
    } else {
        for (int j = i0 < 0 ? -i0 : 0; j < 32 && i0 + j < n; j++) {
            mask[i0 + j] = m[j];
            y[i0 + j] = x[i0 + j] * m[j];
        }
    }
}

// AdaDelta (Zeiler 2012, as Keras 2), in the same operation order as the Java reference.
#define ADADELTA(T, LOAD, STORE, k) {                                             \
    const T g = LOAD(grad, k);                                                    \
    const T ag = rho * LOAD(accG, k) + (1.0f - rho) * g * g;                      \
    const T ad = LOAD(accD, k);                                                   \
    const T delta = g * sqrt(ad + eps) / sqrt(ag + eps);                          \
    STORE(ag, accG, k);                                                           \
    STORE(LOAD(p, k) - lr * delta, p, k);                                         \
    STORE(rho * ad + (1.0f - rho) * delta * delta, accD, k);                      \
}
__kernel void adadelta(__global float* p, __global const float* grad, __global float* accG, __global float* accD,
                       const float lr, const float rho, const float eps, const int n) {
    ELEMENTWISE8(n, ADADELTA)
}

// SGD as torch.optim.SGD, in the same operation order as the Java reference. Without momentum the
// host passes p again as buf and has_buf 0: the kernel never touches it.
__kernel void sgd(__global float* p, __global const float* grad, __global float* buf, const float lr, const float momentum,
                  const float dampening, const float wd, const int has_buf, const int nesterov, const int first, const int n) {
    const int k = get_global_id(0);
    if (k >= n) return;
    float d = grad[k];
    if (wd != 0.0f) d = d + wd * p[k];
    if (has_buf) {
        const float b = first ? d : momentum * buf[k] + (1.0f - dampening) * d;
        buf[k] = b;
        d = nesterov ? d + momentum * b : b;
    }
    p[k] = p[k] - lr * d;
}

// Adam / AdamW with the scalars the host computed once (AbstractBackend.adamUpdateImpl), in the
// same operation order as the Java reference.
__kernel void adam(__global float* p, __global const float* grad, __global float* m, __global float* v, const float beta1,
                   const float beta2, const float eps, const float l2, const float decay, const float step_size,
                   const float bias2_sqrt, const int n) {
    const int k = get_global_id(0);
    if (k >= n) return;
    const float x = p[k] * decay;
    float d = grad[k];
    if (l2 != 0.0f) d = d + l2 * x;
    const float mk = beta1 * m[k] + (1.0f - beta1) * d;
    const float vk = beta2 * v[k] + (1.0f - beta2) * d * d;
    m[k] = mk;
    v[k] = vk;
    const float denom = sqrt(vk) / bias2_sqrt + eps;
    p[k] = x - step_size * (mk / denom);
}
