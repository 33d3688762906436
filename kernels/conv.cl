// Convolution helpers around the GEMM: im2col (col[n][c*KH*KW][OH*OW]), col2im as a gather (no atomics), bias-gradient partial sums.

// One work-item per (n, c, kh, kw, oh): writes one row segment of OW values; positions in the padding read as 0.
__kernel void im2col(__global const float* restrict x, __global float* restrict col,
                     const int C, const int H, const int W, const int KH, const int KW,
                     const int SH, const int SW, const int PT, const int PL, const int OH, const int OW,
                     const int total, const long xOff) {
    const int g = get_global_id(0);
    if (g >= total) return;
    const int oh = g % OH;
    const int row = g / OH;                      // (n*C + c)*KH*KW + kh*KW + kw
    const int kw = row % KW;
    const int kh = (row / KW) % KH;
    const int nc = row / (KW * KH);              // n*C + c
    __global float* dst = col + (long)row * OH * OW + (long)oh * OW;
    const int ih = oh * SH + kh - PT;
    if (ih < 0 || ih >= H) {
        for (int ow = 0; ow < OW; ow++) dst[ow] = 0.0f;
        return;
    }
    const __global float* src = x + xOff + ((long)nc * H + ih) * W;
    for (int ow = 0; ow < OW; ow++) {
        const int iw = ow * SW + kw - PL;
        dst[ow] = (iw >= 0 && iw < W) ? src[iw] : 0.0f;
    }
}

// One work-item per input row (n, c, ih): zeroes it, then adds the col entries that read it, (kh, kw) in ascending
// order, so every element of dx is summed in the same fixed order (no atomics).
__kernel void col2im(__global const float* restrict col, __global float* restrict dx,
                     const int C, const int H, const int W, const int KH, const int KW,
                     const int SH, const int SW, const int PT, const int PL, const int OH, const int OW,
                     const int rowsTotal, const long dxOff) {
    const int g = get_global_id(0);
    if (g >= rowsTotal) return;
    const int ih = g % H;
    const int nc = g / H;
    __global float* row = dx + dxOff + (long)g * W;
    for (int iw = 0; iw < W; iw++) row[iw] = 0.0f;
    for (int kh = 0; kh < KH; kh++) {
        const int y = ih + PT - kh;
        if (y < 0 || y % SH != 0) continue;
        const int oh = y / SH;
        if (oh >= OH) continue;
        // first ow with ow*SW + kw - PL >= 0 and last with ow*SW + kw - PL < W are found per kw
        for (int kw = 0; kw < KW; kw++) {
            const __global float* src = col + (((long)nc * KH + kh) * KW + kw) * OH * OW + (long)oh * OW;
            const int need = PL - kw;
            const int owLo = need <= 0 ? 0 : (need + SW - 1) / SW;
            const int lim = W - 1 + PL - kw;
            const int owHi = lim < 0 ? 0 : min(OW, lim / SW + 1);
            if (SW == 1) {
                __global float* dst = row + kw - PL; // contiguous: vectorises
                for (int ow = owLo; ow < owHi; ow++) dst[ow] += src[ow];
            } else {
                for (int ow = owLo; ow < owHi; ow++) row[ow * SW + kw - PL] += src[ow];
            }
        }
    }
}

// part[n][o] = sum over p of dy[n][o][p], in a fixed order (four interleaved partial sums); one work-item per (n, o).
__kernel void bias_partial(__global const float* restrict dy, __global float* restrict part, const int P, const int total) {
    const int g = get_global_id(0);
    if (g >= total) return;
    const __global float* src = dy + (long)g * P;
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    int p = 0;
    for (; p + 3 < P; p += 4) {
        s0 += src[p];
        s1 += src[p + 1];
        s2 += src[p + 2];
        s3 += src[p + 3];
    }
    for (; p < P; p++) s0 += src[p];
    part[g] = (s0 + s1) + (s2 + s3);
}
