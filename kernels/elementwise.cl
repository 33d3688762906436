// Element-wise kernels: ReLU, dropout (Philox4x32-10, bit-identical to dev.splot.backend.Philox), multiply, AdaDelta.
#pragma OPENCL FP_CONTRACT OFF

__kernel void relu_forward(__global const float* x, __global float* y, const int n) {
    const int g = get_global_id(0);
    if (g >= n) return;
    const float v = x[g];
    y[g] = v > 0.0f ? v : 0.0f;
}

__kernel void relu_backward(__global const float* dy, __global const float* y, __global float* dx, const int n) {
    const int g = get_global_id(0);
    if (g >= n) return;
    dx[g] = y[g] > 0.0f ? dy[g] : 0.0f;
}

// out = a * b (dropout backward: dx = dy * mask).
__kernel void multiply(__global const float* a, __global const float* b, __global float* out, const int n) {
    const int g = get_global_id(0);
    if (g >= n) return;
    out[g] = a[g] * b[g];
}

// Philox4x32-10: ten rounds, the same constants and word order as Philox.block in Java.
uint4 philox4x32_10(uint4 c, uint k0, uint k1) {
    for (int round = 0; round < 10; round++) {
        const ulong p0 = (ulong)0xD2511F53u * c.x;
        const ulong p1 = (ulong)0xCD9E8D57u * c.z;
        c = (uint4)((uint)(p1 >> 32) ^ c.y ^ k0, (uint)p1, (uint)(p0 >> 32) ^ c.w ^ k1, (uint)p0);
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    return c;
}

inline float dropout_mask(uint bits, float rate, float keep) {
    const float u = (float)(bits >> 8) * 0x1.0p-24f; // 24 random bits, exact
    return u >= rate ? keep : 0.0f;
}

// One work-item per 4 elements: counter (i/4, layer, low32(step), purpose ^ high32(step)), key (low32(seed), high32(seed));
// mask = keep (= 1/(1-rate), computed on the host) when u >= rate, else 0; y = x * mask.
__kernel void dropout_forward(__global const float* x, __global float* y, __global float* mask, const int n,
                              const float rate, const float keep, const uint layer, const uint stepLo, const uint stepHiXorPurpose,
                              const uint seedLo, const uint seedHi) {
    const int q = get_global_id(0);
    const int i0 = q * 4;
    if (i0 >= n) return;
    const uint4 bits = philox4x32_10((uint4)((uint)q, layer, stepLo, stepHiXorPurpose), seedLo, seedHi);
    const float4 m = (float4)(dropout_mask(bits.x, rate, keep), dropout_mask(bits.y, rate, keep),
                              dropout_mask(bits.z, rate, keep), dropout_mask(bits.w, rate, keep));
    if (i0 + 3 < n) {
        vstore4(m, q, mask);
        vstore4(vload4(q, x) * m, q, y);
    } else {
        const float ms[4] = {m.x, m.y, m.z, m.w};
        for (int j = 0; i0 + j < n; j++) {
            mask[i0 + j] = ms[j];
            y[i0 + j] = x[i0 + j] * ms[j];
        }
    }
}

// AdaDelta (Zeiler 2012, as Keras 2), in the same operation order as the Java reference.
__kernel void adadelta(__global float* p, __global const float* grad, __global float* accG, __global float* accD,
                       const float lr, const float rho, const float eps, const int n) {
    const int k = get_global_id(0);
    if (k >= n) return;
    const float g = grad[k];
    const float ag = rho * accG[k] + (1.0f - rho) * g * g;
    const float ad = accD[k];
    const float delta = g * sqrt(ad + eps) / sqrt(ag + eps);
    accG[k] = ag;
    p[k] = p[k] - lr * delta;
    accD[k] = rho * ad + (1.0f - rho) * delta * delta;
}
