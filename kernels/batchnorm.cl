// Batch normalisation per channel of x[n, c, h, w] (semantics: Backend.batchNormForwardTraining and the two methods
// after it). Per-channel sums run in one work-group of BN_LOCAL items per channel: item i sums the elements i,
// i + BN_LOCAL, ... of the channel, then a fixed tree adds the partial sums, so results do not vary from run to run.
// Sums are in double where the device has it (as the reference), else in float (within the conformance tolerance).
#pragma OPENCL FP_CONTRACT OFF
#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define ACC double
#else
#define ACC float
#endif
#define BN_LOCAL 64

// Element j of channel ch, j in [0, n * plane).
#define BN_AT(ptr, ch, j) ptr[((long)((j) / plane) * C + (ch)) * plane + (j) % plane]

// Sums part[0..BN_LOCAL) into part[0] in a fixed order; all items of the group must call it.
static void bn_tree(__local ACC* part) {
    const int lid = get_local_id(0);
    for (int step = BN_LOCAL / 2; step > 0; step /= 2) {
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lid < step) part[lid] += part[lid + step];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
}

// One group per channel: the batch mean and 1 / sqrt(var + eps), and the running statistics' update.
__kernel void batchnorm_stats(__global const float* restrict x, __global float* restrict mean, __global float* restrict invStd,
                              __global float* restrict runningMean, __global float* restrict runningVar, const int N, const int C,
                              const int plane, const float momentum, const float eps) {
    __local ACC part[BN_LOCAL];
    const int ch = get_group_id(0), lid = get_local_id(0);
    const long m = (long)N * plane;
    ACC s = 0;
    for (long j = lid; j < m; j += BN_LOCAL) s += (ACC)BN_AT(x, ch, j);
    part[lid] = s;
    bn_tree(part);
    const float mu = (float)(part[0] / (ACC)m);
    barrier(CLK_LOCAL_MEM_FENCE); // everyone has read part[0] before it is overwritten
    ACC q = 0;
    for (long j = lid; j < m; j += BN_LOCAL) {
        const ACC d = (ACC)BN_AT(x, ch, j) - (ACC)mu;
        q += d * d;
    }
    part[lid] = q;
    bn_tree(part);
    if (lid == 0) {
        const ACC squares = part[0];
        const float var = (float)(squares / (ACC)m);
        mean[ch] = mu;
        invStd[ch] = (float)((ACC)1 / sqrt((ACC)var + (ACC)eps));
        runningMean[ch] = (1.0f - momentum) * runningMean[ch] + momentum * mu;
        runningVar[ch] = (1.0f - momentum) * runningVar[ch] + momentum * (float)(squares / (ACC)(m - 1));
    }
}

// y = (x - mean) invStd gamma + beta, one work-item per element. With fromVariance != 0, scale holds the variance
// (inference: the running variance) and invStd is computed from it as the reference does.
__kernel void batchnorm_normalise(__global const float* restrict x, __global float* restrict y, __global const float* restrict gamma,
                                  __global const float* restrict beta, __global const float* restrict mean,
                                  __global const float* restrict scale, const int C, const int plane, const int fromVariance,
                                  const float eps, const int total) {
    const int g = get_global_id(0);
    if (g >= total) return;
    const int ch = (g / plane) % C;
    const float inv = fromVariance ? (float)((ACC)1 / sqrt((ACC)scale[ch] + (ACC)eps)) : scale[ch];
    y[g] = (x[g] - mean[ch]) * inv * gamma[ch] + beta[ch];
}

// One group per channel: dbeta = sum dy, dgamma = sum dy xhat.
__kernel void batchnorm_backward_reduce(__global const float* restrict dy, __global const float* restrict x,
                                        __global const float* restrict mean, __global const float* restrict invStd,
                                        __global float* restrict dgamma, __global float* restrict dbeta, const int N, const int C,
                                        const int plane) {
    __local ACC part[BN_LOCAL];
    const int ch = get_group_id(0), lid = get_local_id(0);
    const long m = (long)N * plane;
    const float mu = mean[ch], inv = invStd[ch];
    ACC s = 0, q = 0;
    for (long j = lid; j < m; j += BN_LOCAL) {
        const float d = BN_AT(dy, ch, j);
        s += (ACC)d;
        q += (ACC)d * (ACC)((BN_AT(x, ch, j) - mu) * inv);
    }
    part[lid] = s;
    bn_tree(part);
    if (lid == 0) dbeta[ch] = (float)part[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    part[lid] = q;
    bn_tree(part);
    if (lid == 0) dgamma[ch] = (float)part[0];
}

// dx = gamma invStd (dy - dbeta / m - xhat dgamma / m), one work-item per element.
__kernel void batchnorm_backward_data(__global const float* restrict dy, __global const float* restrict x,
                                      __global const float* restrict gamma, __global const float* restrict mean,
                                      __global const float* restrict invStd, __global const float* restrict dgamma,
                                      __global const float* restrict dbeta, __global float* restrict dx, const int C,
                                      const int plane, const float m, const int total) {
    const int g = get_global_id(0);
    if (g >= total) return;
    const int ch = (g / plane) % C;
    const float mu = mean[ch], inv = invStd[ch];
    const float scale = gamma[ch] * inv, meanDy = dbeta[ch] / m, meanDyXhat = dgamma[ch] / m;
    dx[g] = scale * (dy[g] - meanDy - (x[g] - mu) * inv * meanDyXhat);
}
