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
// order, so every element of dx is summed in the same fixed order (no atomics). relu = 1: then zero wherever reluY
// (shaped as dx) is not positive, relu_backward's select (the fused conv2dBackwardDataRelu; reluY unread otherwise).
__kernel void col2im(__global const float* restrict col, __global float* restrict dx,
                     const int C, const int H, const int W, const int KH, const int KW,
                     const int SH, const int SW, const int PT, const int PL, const int OH, const int OW,
                     const int rowsTotal, const long dxOff, __global const float* reluY, const int relu) {
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
    if (relu) {
        const __global float* y = reluY + dxOff + (long)g * W;
        for (int iw = 0; iw < W; iw++) row[iw] = y[iw] > 0.0f ? row[iw] : 0.0f;
    }
}

// part[dstOffset + g] = the sum over p < P of row g of src, in a fixed order (four interleaved partial sums); one
// work-item per row. Rows come in blocks of rowsPerBlock contiguous rows of P floats, blockStride floats apart, from
// srcOffset on: a bias gradient per (image, channel) of dy is one block of n*o rows; Winograd's per (group, channel)
// from one element of its transformed output gradient is a block of o rows per group (Winograd.java).
__kernel void bias_partial(__global const float* restrict dy, __global float* restrict part, const int P, const int total,
                           const long srcOffset, const int rowsPerBlock, const long blockStride, const int dstOffset) {
    const int g = get_global_id(0);
    if (g >= total) return;
    const __global float* src = dy + srcOffset + (long)(g / rowsPerBlock) * blockStride + (long)(g % rowsPerBlock) * P;
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    int p = 0;
    for (; p + 3 < P; p += 4) {
        s0 += src[p];
        s1 += src[p + 1];
        s2 += src[p + 2];
        s3 += src[p + 3];
    }
    for (; p < P; p++) s0 += src[p];
    part[dstOffset + g] = (s0 + s1) + (s2 + s3);
}

// The weight gradient of a convolution with few taps (C*KH*KW small, e.g. a first layer on one input channel) straight
// from x and dy, without im2col, a transposed dy or a GEMM whose 8-row tiles would be mostly empty (Convolutions.java
// says when). Work-item (o, c, group) computes part[group][o][c*KH*KW + kh*KW + kw] = the sum over the group's images,
// then output rows, then output columns, of dy[n][o][oh][ow] * x[n][c][oh*SH + kh - PT][ow*SW + kw - PL], one tap at a
// time so that its slice of dy stays in cache. The products go to six accumulators by a fixed rule (row parity; for
// stride 1, eight columns at a time into a float8 by chunk parity, the rest one at a time), which are added in a fixed
// tree at the end: the order never depends on the launch, and the four float8 chains hide the adds' latency (one chain
// ran 2x slower). The host adds the groups in order (reduce_partials).

// The lanes of v added in a fixed tree (the weight-gradient kernels' final sums: the order never depends on the launch).
inline float sum_lanes(const float8 v) {
    return ((v.s0 + v.s1) + (v.s2 + v.s3)) + ((v.s4 + v.s5) + (v.s6 + v.s7));
}

// Adds one output row's products for one tap: stride-1 chunks of eight alternately to *even and *odd, the rest to *rest.
inline void conv_weights_tap_row(const __global float* dr, const __global float* xr, const int owLo, const int owHi,
                                 const int SW, const int shift, float8* even, float8* odd, float* rest) {
    int ow = owLo;
    if (SW == 1) {
        for (; ow + 16 <= owHi; ow += 16) {
            *even += vload8(0, dr + ow) * vload8(0, xr + ow + shift);
            *odd += vload8(0, dr + ow + 8) * vload8(0, xr + ow + 8 + shift);
        }
        if (ow + 8 <= owHi) {
            *even += vload8(0, dr + ow) * vload8(0, xr + ow + shift);
            ow += 8;
        }
    }
    for (; ow < owHi; ow++) *rest += dr[ow] * xr[ow * SW + shift];
}

__kernel void conv_weights_few_taps(__global const float* restrict x, __global const float* restrict dy,
                                    __global float* restrict part, const int N, const int C, const int H, const int W,
                                    const int O, const int KH, const int KW, const int SH, const int SW, const int PT,
                                    const int PL, const int OH, const int OW, const int imagesPerGroup) {
    const int o = get_global_id(0), c = get_global_id(1), group = get_global_id(2);
    if (o >= O || c >= C) return;
    const int nEnd = min(N, (group + 1) * imagesPerGroup);
    __global float* dst = part + ((long)group * O + o) * C * KH * KW + (long)c * KH * KW;
    for (int kh = 0; kh < KH; kh++) {
        for (int kw = 0; kw < KW; kw++) {
            // the output columns whose input column ow*SW + kw - PL lies inside the image
            const int need = PL - kw;
            const int owLo = need <= 0 ? 0 : (need + SW - 1) / SW;
            const int lim = W - 1 + PL - kw;
            const int owHi = lim < 0 ? 0 : min(OW, lim / SW + 1);
            float8 v0 = (float8)(0.0f), v1 = (float8)(0.0f), v2 = (float8)(0.0f), v3 = (float8)(0.0f);
            float s0 = 0.0f, s1 = 0.0f;
            for (int n = group * imagesPerGroup; n < nEnd; n++) {
                const __global float* xs = x + ((long)n * C + c) * H * W;
                const __global float* ds = dy + ((long)n * O + o) * OH * OW;
                for (int oh = 0; oh < OH; oh++) {
                    const int ih = oh * SH + kh - PT;
                    if (ih < 0 || ih >= H) continue;
                    if (oh & 1) conv_weights_tap_row(ds + (long)oh * OW, xs + (long)ih * W, owLo, owHi, SW, kw - PL, &v2, &v3, &s1);
                    else conv_weights_tap_row(ds + (long)oh * OW, xs + (long)ih * W, owLo, owHi, SW, kw - PL, &v0, &v1, &s0);
                }
            }
            const float8 v = (v0 + v1) + (v2 + v3);
            dst[kh * KW + kw] = (sum_lanes(v) + s0) + s1;
        }
    }
}

// The weight gradient (and, from the work-items of input channel 0, the bias gradient) of a 3x3, stride-1 convolution
// without padding on a CPU device, straight from x and dy: the same partial sums as conv_weights_few_taps and
// bias_partial, in one pass instead of ten. Work-item (o, c, group) walks its group's images and output rows once; each
// vector of eight dy values is loaded once and multiplied with the nine shifted x vectors of its taps (every input
// position is inside the image, so no tap needs a mask), one float8 accumulator per tap; the columns past the last
// whole vector go one at a time to one scalar per tap. partW[group][o][c*9 + tap] = the horizontal sum of the tap's
// vector (a fixed tree) + its scalar; partB[group][o] likewise from the dy values themselves (c == 0 only). The order
// depends only on the shape, never on the launch.
#define TAPS3 9
__kernel void conv_weights_3x3_valid(__global const float* restrict x, __global const float* restrict dy,
                                     __global float* restrict partW, __global float* restrict partB, const int N,
                                     const int C, const int H, const int W, const int O, const int imagesPerGroup) {
    const int o = get_global_id(0), c = get_global_id(1), group = get_global_id(2);
    if (o >= O || c >= C) return;
    const int OH = H - 2, OW = W - 2, whole = OW / 8 * 8;
    const int nEnd = min(N, (group + 1) * imagesPerGroup);
    float8 acc[TAPS3];
    float rest[TAPS3];
#pragma unroll
    for (int t = 0; t < TAPS3; t++) {
        acc[t] = (float8)(0.0f);
        rest[t] = 0.0f;
    }
    float8 bias = (float8)(0.0f);
    float biasRest = 0.0f;
    for (int n = group * imagesPerGroup; n < nEnd; n++) {
        const __global float* xs = x + ((long)n * C + c) * H * W;
        const __global float* ds = dy + ((long)n * O + o) * OH * OW;
        for (int oh = 0; oh < OH; oh++) {
            const __global float* dr = ds + (long)oh * OW;
            const __global float* x0 = xs + (long)oh * W;
            for (int ow = 0; ow < whole; ow += 8) {
                const float8 d = vload8(0, dr + ow);
                bias += d;
#pragma unroll
                for (int kh = 0; kh < 3; kh++) {
#pragma unroll
                    for (int kw = 0; kw < 3; kw++) acc[kh * 3 + kw] += d * vload8(0, x0 + kh * W + ow + kw);
                }
            }
            for (int ow = whole; ow < OW; ow++) {
                const float d = dr[ow];
                biasRest += d;
#pragma unroll
                for (int kh = 0; kh < 3; kh++) {
#pragma unroll
                    for (int kw = 0; kw < 3; kw++) rest[kh * 3 + kw] += d * x0[kh * W + ow + kw];
                }
            }
        }
    }
    __global float* dst = partW + ((long)group * O + o) * C * TAPS3 + (long)c * TAPS3;
#pragma unroll
    for (int t = 0; t < TAPS3; t++) dst[t] = sum_lanes(acc[t]) + rest[t];
    if (c == 0) partB[(long)group * O + o] = sum_lanes(bias) + biasRest;
}

// Forward of a 3x3 stride-1 'valid' convolution of one input channel on CPU devices (conv1), at least 8 outputs wide
// and 8 output channels: work-item (ob, n) computes 8 output channels of image n, 8 consecutive outputs of a row at a
// time with one float8 accumulator per channel, each x vector loaded once for the 8 channels (im2col and a K = 9 GEMM
// wrote and read 9 copies of x). A work-item takes a whole image: with one row vector each, PoCL's cost per
// work-group outweighed the work. Every tap of every output lies inside the image. Vectors (and groups of channels)
// start at multiples of 8, except that the last ends at the row's end (at O) and stores only the lanes (channels) the
// one before did not: the weights then sit at fixed offsets from one pointer (with a clamp per channel PoCL spilled
// their addresses). Sums from 0 over kh, kw in ascending order, fused, then + b, then (relu) relu_forward's select:
// the order depends only on the shape.
__kernel void conv_forward_3x3_valid(__global const float* restrict x, __global const float* restrict w,
                                     __global const float* restrict b, __global float* restrict y, const int N,
                                     const int H, const int W, const int O, const int relu) {
    const int g0 = get_global_id(0) * 8, n = get_global_id(1);
    if (g0 >= O || n >= N) return;
    const int o0 = min(g0, O - 8), firstChannel = g0 - o0;
    const int OH = H - 2, OW = W - 2;
    const __global float* wg = w + (long)o0 * TAPS3;
    for (int oh = 0; oh < OH; oh++) {
        const __global float* xr = x + ((long)n * H + oh) * W;
        for (int v = 0; v * 8 < OW; v++) {
            const int ow0 = min(v * 8, OW - 8);
            float8 acc[8];
#pragma unroll
            for (int j = 0; j < 8; j++) acc[j] = (float8)(0.0f);
#pragma unroll
            for (int t = 0; t < TAPS3; t++) {
                const float8 xv = vload8(0, xr + ow0 + (t / 3) * W + t % 3);
#pragma unroll
                for (int j = 0; j < 8; j++) acc[j] = fma(xv, (float8)(wg[j * TAPS3 + t]), acc[j]);
            }
            const int first = v * 8 - ow0; // lanes before it were stored by the row's vector before
#pragma unroll
            for (int j = 0; j < 8; j++) {
                if (j >= firstChannel) {
                    float8 r = acc[j] + (float8)(b[o0 + j]);
                    if (relu) r = select(r, (float8)(0.0f), r <= (float8)(0.0f));
                    __global float* yr = y + (((long)n * O + o0 + j) * OH + oh) * OW + ow0;
                    if (first == 0) {
                        vstore8(r, 0, yr);
                    } else {
                        float t[8];
                        vstore8(r, 0, t);
                        for (int l = first; l < 8; l++) yr[l] = t[l];
                    }
                }
            }
        }
    }
}
