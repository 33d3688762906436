// Max pooling: forward with argmax (flat index into x, first maximum wins, NaN propagates) and backward as a gather (no atomics).

__kernel void maxpool_forward(__global const float* restrict x, __global float* restrict y, __global int* restrict arg,
                              const int H, const int W, const int PH, const int PW, const int SH, const int SW,
                              const int OH, const int OW, const int total) {
    const int g = get_global_id(0);
    if (g >= total) return;
    const int ow = g % OW;
    const int oh = (g / OW) % OH;
    const int nc = g / (OW * OH);
    const int plane = nc * H * W;
    int best = plane + oh * SH * W + ow * SW;
    float bv = x[best];
    for (int ph = 0; ph < PH; ph++) {
        for (int pw = 0; pw < PW; pw++) {
            const int idx = plane + (oh * SH + ph) * W + ow * SW + pw;
            const float v = x[idx];
            if (v > bv || (isnan(v) && !isnan(bv))) {
                best = idx;
                bv = v;
            }
        }
    }
    y[g] = bv;
    arg[g] = best;
}

// One work-item per element of dx: adds dy of every window whose argmax is this element, windows in row-major order.
__kernel void maxpool_backward(__global const float* restrict dy, __global const int* restrict arg, __global float* restrict dx,
                               const int H, const int W, const int PH, const int PW, const int SH, const int SW,
                               const int OH, const int OW, const int total) {
    const int g = get_global_id(0);
    if (g >= total) return;
    const int iw = g % W;
    const int ih = (g / W) % H;
    const int nc = g / (W * H);
    // windows oh with oh*SH <= ih < oh*SH + PH
    const int ohLo = ih - PH + 1 <= 0 ? 0 : (ih - PH + SH) / SH;
    const int ohHi = min(OH - 1, ih / SH);
    const int owLo = iw - PW + 1 <= 0 ? 0 : (iw - PW + SW) / SW;
    const int owHi = min(OW - 1, iw / SW);
    const int base = nc * OH * OW;
    float s = 0.0f;
    for (int oh = ohLo; oh <= ohHi; oh++) {
        for (int ow = owLo; ow <= owHi; ow++) {
            const int k = base + oh * OW + ow;
            if (arg[k] == g) s += dy[k];
        }
    }
    dx[g] = s;
}
