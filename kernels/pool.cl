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

// The common 2x2 window with stride 2, eight outputs at a time with float16 loads and vector selects (scalar code
// compiles to data-dependent branches that mispredict on real activations). Same semantics as maxpool_forward.
__kernel void maxpool2_forward(__global const float* restrict x, __global float* restrict y, __global int* restrict arg,
                               const int H, const int W, const int OH, const int OW, const int rowsTotal) {
    const int g = get_global_id(0);
    if (g >= rowsTotal) return;
    const int oh = g % OH;
    const int nc = g / OH;
    const int r0 = nc * H * W + 2 * oh * W, r1 = r0 + W;
    const int out = g * OW;
    const int8 lane2 = (int8)(0, 2, 4, 6, 8, 10, 12, 14);
    // rows of at least 8 outputs: the last chunk is shifted back to end at OW (it recomputes a few outputs with
    // identical results) so that no output takes the scalar path, whose data-dependent branches mispredict
    int ow = 0;
    for (int o8 = 0; OW >= 8 && o8 < OW; o8 += 8) {
        ow = min(o8, OW - 8);
        const float16 a = vload16(0, x + r0 + 2 * ow), b = vload16(0, x + r1 + 2 * ow);
        const int8 i00 = (int8)(r0 + 2 * ow) + lane2;
        float8 bv = a.even;
        int8 best = i00;
        const float8 cand[3] = {a.odd, b.even, b.odd};
        const int8 idx[3] = {i00 + 1, i00 + W, i00 + W + 1};
        for (int c = 0; c < 3; c++) {
            const int8 take = isgreater(cand[c], bv) | (isnan(cand[c]) & ~isnan(bv));
            bv = select(bv, cand[c], take);
            best = select(best, idx[c], take);
        }
        vstore8(bv, 0, y + out + ow);
        vstore8(best, 0, arg + out + ow);
    }
    for (ow = OW >= 8 ? OW : 0; ow < OW; ow++) {
        int best = r0 + 2 * ow;
        float bv = x[best];
        const int idx[3] = {best + 1, best + W, best + W + 1};
        for (int c = 0; c < 3; c++) {
            const float v = x[idx[c]];
            if (v > bv || (isnan(v) && !isnan(bv))) {
                best = idx[c];
                bv = v;
            }
        }
        y[out + ow] = bv;
        arg[out + ow] = best;
    }
}

// Backward of maxpool2_forward: each element of dx lies in at most one window, so dx = 0 + dy where the window's
// argmax is this element, else 0 (the "0 +" keeps the reference's +0 for dy = -0). Sixteen elements at a time.
// One row (n, c, ih) of maxpool2_backward's dx, or (fused) of dropout_maxpool2_relu_backward's: the pooled gradient
// dy (times the dropout mask where fused) gathered through arg, then (where fused) zero wherever the window's pooled
// value is not positive: that value is the ReLU's output at the argmax, where the composition tests it, and any
// other element of the window gets 0 either way. The same float operations as the composition (multiply,
// maxpool2_backward, relu_backward), so the same bits; fused is a constant at each call, so each kernel compiles to
// its own branch-free code.
inline void maxpool2_backward_row(const __global float* restrict dy, const __global float* restrict mask,
                                  const __global int* restrict arg, const __global float* restrict pooled,
                                  __global float* restrict dx, const int H, const int W, const int OH, const int OW,
                                  const int g, const int fused) {
    const int ih = g % H;
    const int nc = g / H;
    const int rowStart = g * W;
    __global float* row = dx + rowStart;
    const int oh = ih / 2;
    if (oh >= OH) {
        for (int iw = 0; iw < W; iw++) row[iw] = 0.0f;
        return;
    }
    const int k0 = (nc * OH + oh) * OW;
    const uint16 dup = (uint16)(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    const int16 lane = (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    int ow = 0;
    for (int o8 = 0; OW >= 8 && o8 < OW; o8 += 8) { // the last chunk shifted back to end at OW, as in the forward
        ow = min(o8, OW - 8);
        const int16 a = shuffle(vload8(0, arg + k0 + ow), dup);
        const float8 p = fused ? vload8(0, dy + k0 + ow) * vload8(0, mask + k0 + ow) : vload8(0, dy + k0 + ow);
        const float16 d = shuffle(p, dup);
        const int16 here = (int16)(rowStart + 2 * ow) + lane;
        float16 v = select((float16)(0.0f), (float16)(0.0f) + d, a == here);
        if (fused) v = select((float16)(0.0f), v, shuffle(vload8(0, pooled + k0 + ow), dup) > (float16)(0.0f));
        vstore16(v, 0, row + 2 * ow);
    }
    for (int iw = OW >= 8 ? 2 * OW : 0; iw < W; iw++) {
        const int o = iw / 2;
        float v = 0.0f;
        if (o < OW && arg[k0 + o] == rowStart + iw) {
            v = 0.0f + (fused ? dy[k0 + o] * mask[k0 + o] : dy[k0 + o]);
            if (fused && !(pooled[k0 + o] > 0.0f)) v = 0.0f;
        }
        row[iw] = v;
    }
}

__kernel void maxpool2_backward(__global const float* restrict dy, __global const int* restrict arg, __global float* restrict dx,
                                const int H, const int W, const int OH, const int OW, const int rowsTotal) {
    const int g = get_global_id(0);
    if (g < rowsTotal) maxpool2_backward_row(dy, dy, arg, dy, dx, H, W, OH, OW, g, 0);
}

// Backend.dropoutMaxPoolReluBackward for 2x2 windows at stride 2: dropout, max-pool and ReLU backward in one pass.
__kernel void dropout_maxpool2_relu_backward(__global const float* restrict dy, __global const float* restrict mask,
                                             __global const int* restrict arg, __global const float* restrict pooled,
                                             __global float* restrict dx, const int H, const int W, const int OH, const int OW,
                                             const int rowsTotal) {
    const int g = get_global_id(0);
    if (g < rowsTotal) maxpool2_backward_row(dy, mask, arg, pooled, dx, H, W, OH, OW, g, 1);
}

// Average pooling, the reference's arithmetic: each window summed in row-major order, then divided by its area.
// One work-item per output element.
__kernel void avgpool_forward(__global const float* restrict x, __global float* restrict y, const int H, const int W,
                              const int PH, const int PW, const int SH, const int SW, const int OH, const int OW, const int total) {
    const int g = get_global_id(0);
    if (g >= total) return;
    const int ow = g % OW, oh = (g / OW) % OH, nc = g / (OW * OH);
    const __global float* p = x + (long)nc * H * W + (long)oh * SH * W + ow * SW;
    float s = 0.0f;
    for (int a = 0; a < PH; a++)
        for (int b = 0; b < PW; b++) s += p[a * W + b];
    y[g] = s / (float)(PH * PW);
}

// Backward as a gather, one work-item per element of dx: the shares dy / area of the windows containing it, added
// in row-major window order (the order in which the reference scatters them), so the sums agree exactly.
__kernel void avgpool_backward(__global const float* restrict dy, __global float* restrict dx, const int H, const int W,
                               const int PH, const int PW, const int SH, const int SW, const int OH, const int OW, const int total) {
    const int g = get_global_id(0);
    if (g >= total) return;
    const int iw = g % W, ih = (g / W) % H, nc = g / (W * H);
    const float area = (float)(PH * PW);
    // windows o with o*S <= i < o*S + P
    const int ohLo = ih - PH + 1 <= 0 ? 0 : (ih - PH + SH) / SH, ohHi = min(OH - 1, ih / SH);
    const int owLo = iw - PW + 1 <= 0 ? 0 : (iw - PW + SW) / SW, owHi = min(OW - 1, iw / SW);
    const __global float* d = dy + (long)nc * OH * OW;
    float s = 0.0f;
    for (int oh = ohLo; oh <= ohHi; oh++)
        for (int ow = owLo; ow <= owHi; ow++) s += d[oh * OW + ow] / area;
    dx[g] = s;
}
