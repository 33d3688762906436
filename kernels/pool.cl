// Max pooling: forward with argmax (flat index into x, first maximum wins, NaN propagates) and backward as a gather (no atomics).

// One work-item per output row (n, c, oh).
__kernel void maxpool_forward(__global const float* restrict x, __global float* restrict y, __global int* restrict arg,
                              const int H, const int W, const int PH, const int PW, const int SH, const int SW,
                              const int OH, const int OW, const int rowsTotal) {
    const int g = get_global_id(0);
    if (g >= rowsTotal) return;
    const int oh = g % OH;
    const int nc = g / OH;
    const int plane = nc * H * W;
    const int out = g * OW;
    for (int ow = 0; ow < OW; ow++) {
        int best = plane + oh * SH * W + ow * SW;
        float bv = x[best];
        for (int ph = 0; ph < PH; ph++) {
            const int rowIdx = plane + (oh * SH + ph) * W + ow * SW;
            for (int pw = 0; pw < PW; pw++) {
                const float v = x[rowIdx + pw];
                // branch-free: the comparisons depend on the data and would mispredict half the time
                const int take = v > bv || (isnan(v) && !isnan(bv));
                best = take ? rowIdx + pw : best;
                bv = take ? v : bv;
            }
        }
        y[out + ow] = bv;
        arg[out + ow] = best;
    }
}

// One work-item per row (n, c, ih) of dx: zeroes it, then adds dy of every window whose argmax lies in this row,
// windows in row-major order (the order of the reference), so each element's sum is formed in the same order.
__kernel void maxpool_backward(__global const float* restrict dy, __global const int* restrict arg, __global float* restrict dx,
                               const int H, const int W, const int PH, const int PW, const int SH, const int SW,
                               const int OH, const int OW, const int rowsTotal) {
    const int g = get_global_id(0);
    if (g >= rowsTotal) return;
    const int ih = g % H;
    const int nc = g / H;
    const int rowStart = g * W;
    __global float* row = dx + rowStart;
    for (int iw = 0; iw < W; iw++) row[iw] = 0.0f;
    // windows oh with oh*SH <= ih < oh*SH + PH
    const int ohLo = ih - PH + 1 <= 0 ? 0 : (ih - PH + SH) / SH;
    const int ohHi = min(OH - 1, ih / SH);
    for (int oh = ohLo; oh <= ohHi; oh++) {
        const int k0 = (nc * OH + oh) * OW;
        for (int ow = 0; ow < OW; ow++) {
            // branch-free: an argmax outside this row adds -0.0 (the exact identity) to element 0
            const int a = arg[k0 + ow] - rowStart;
            const int inRow = a >= 0 && a < W;
            row[inRow ? a : 0] += inRow ? dy[k0 + ow] : -0.0f;
        }
    }
}
