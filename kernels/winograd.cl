// Winograd F(2x2,3x3) for 3x3 stride-1 convolutions (Lavin & Gray 2016), the transforms around gemm.cl's batched GEMM.
// Per 2x2 output tile: Y = A^T [U (.) V] A with U = G g G^T (4x4 per (o, c)) and V = B^T d B (d the 4x4 input patch),
// so the sum over input channels becomes 16 GEMMs, one per element e = 4*row + col of the transformed tile:
// M[e] (O x tiles) = U[e] (O x C) . V[e] (C x tiles). Backward passes are the adjoints of the same maps:
// dM = A dY A^T; dV[e] = U[e]^T dM[e]; dX = sum over the tiles covering a pixel of B dV B^T; dU[e] = sum over tiles of
// V[e] dM[e]^T (computed as dU^T); dW = G^T dU G.
//
//   B^T = | 1  0 -1  0 |     G = | 1    0    0   |     A^T = | 1  1  1  0 |
//         | 0  1  1  0 |         | 1/2  1/2  1/2 |           | 0  1 -1 -1 |
//         | 0 -1  1  0 |         | 1/2 -1/2  1/2 |
//         | 0  1  0 -1 |         | 0    0    1   |
//
// Tiles: tile (th, tw) of an image covers outputs (2th.., 2tw..) and reads the input patch whose top-left corner is
// (2th - padTop, 2tw - padLeft); tilesH = ceil(OH / 2), tilesW = ceil(OW / 2). Positions outside the input read as 0,
// outputs beyond OH / OW are dropped (forward) or read as 0 (backward).
//
// Transformed tensors are laid out per group of images: element e of channel ch for tile t (t = image-in-group *
// tilesH*tilesW + th*tilesW + tw) of group g lies at (g*16 + e)*CH*T + ch*chStride + t*tStride, where T = tiles per group;
// (chStride, tStride) = (T, 1) gives rows of tiles ([g][e][ch][t], a row-major CH x T matrix per (g, e)) and (1, CH)
// rows of channels ([g][e][t][ch], its transpose). Images at or beyond n (a last group that is not full) read as 0.

// 4-point transforms of a column (or row) d0..d3; every 4x4 transform below applies one to each column, then each row.
// BT4: r = B^T d. B4: r = B v, B the transpose of B^T, rows (1 0 0 0), (0 1 -1 1), (-1 1 1 0), (0 0 0 -1).
#define BT4(d0, d1, d2, d3, r0, r1, r2, r3) { r0 = (d0) - (d2); r1 = (d1) + (d2); r2 = (d2) - (d1); r3 = (d1) - (d3); }
#define B4(v0, v1, v2, v3, r0, r1, r2, r3) { r0 = (v0); r1 = (v1) - (v2) + (v3); r2 = (v1) + (v2) - (v0); r3 = -(v3); }

// d (16, row-major 4x4) -> v = B^T d B
inline void input_transform(const float d[16], float v[16]) {
    float t[16];
    for (int j = 0; j < 4; j++) BT4(d[j], d[4 + j], d[8 + j], d[12 + j], t[j], t[4 + j], t[8 + j], t[12 + j]);
    for (int i = 0; i < 4; i++) BT4(t[4 * i], t[4 * i + 1], t[4 * i + 2], t[4 * i + 3], v[4 * i], v[4 * i + 1], v[4 * i + 2], v[4 * i + 3]);
}

// dv (16) -> p = B dv B^T, the adjoint of input_transform
inline void input_transform_adjoint(const float dv[16], float p[16]) {
    float t[16];
    for (int j = 0; j < 4; j++) B4(dv[j], dv[4 + j], dv[8 + j], dv[12 + j], t[j], t[4 + j], t[8 + j], t[12 + j]);
    for (int i = 0; i < 4; i++) B4(t[4 * i], t[4 * i + 1], t[4 * i + 2], t[4 * i + 3], p[4 * i], p[4 * i + 1], p[4 * i + 2], p[4 * i + 3]);
}

// Element (e, ch, t) of group g in a transformed tensor, as described above.
inline long transformed_index(const int g, const int e, const int CH, const int ch, const int T, const int t,
                              const int chStride, const int tStride) {
    return ((long)g * 16 + e) * CH * T + (long)ch * chStride + (long)t * tStride;
}

// V = B^T d B for every (tile, channel) of nGroups groups of imagesPerGroup images starting at image n0 of x.
// One work-item per (t, c, g), t fastest (contiguous stores for the row layout).
__kernel void winograd_input(__global const float* restrict x, __global float* restrict v,
                             const int N, const int C, const int H, const int W, const int PT, const int PL,
                             const int tilesH, const int tilesW, const int imagesPerGroup, const int n0,
                             const int chStride, const int tStride, const int total) {
    const int q = get_global_id(0);
    if (q >= total) return;
    const int T = imagesPerGroup * tilesH * tilesW;
    const int t = q % T;
    const int c = (q / T) % C;
    const int g = q / (T * C);
    const int tile = t % (tilesH * tilesW);
    const int n = n0 + g * imagesPerGroup + t / (tilesH * tilesW);
    const int ih0 = (tile / tilesW) * 2 - PT, iw0 = (tile % tilesW) * 2 - PL;
    float d[16];
    if (n >= N) {
        for (int e = 0; e < 16; e++) d[e] = 0.0f;
    } else {
        const __global float* plane = x + ((long)n * C + c) * H * W;
        for (int i = 0; i < 4; i++) {
            const int ih = ih0 + i;
            const bool rowIn = ih >= 0 && ih < H;
            for (int j = 0; j < 4; j++) {
                const int iw = iw0 + j;
                d[4 * i + j] = rowIn && iw >= 0 && iw < W ? plane[(long)ih * W + iw] : 0.0f;
            }
        }
    }
    float r[16];
    input_transform(d, r);
    for (int e = 0; e < 16; e++) v[transformed_index(g, e, C, c, T, t, chStride, tStride)] = r[e];
}

// dM = A dY A^T for every (tile, output channel) of nGroups groups of images starting at image n0 of dy
// (dy positions beyond OH / OW, and images at or beyond N, read as 0). One work-item per (t, o, g), t fastest.
__kernel void winograd_output_grad(__global const float* restrict dy, __global float* restrict dm,
                                   const int N, const int O, const int OH, const int OW,
                                   const int tilesH, const int tilesW, const int imagesPerGroup, const int n0,
                                   const int chStride, const int tStride, const int total) {
    const int q = get_global_id(0);
    if (q >= total) return;
    const int T = imagesPerGroup * tilesH * tilesW;
    const int t = q % T;
    const int o = (q / T) % O;
    const int g = q / (T * O);
    const int tile = t % (tilesH * tilesW);
    const int n = n0 + g * imagesPerGroup + t / (tilesH * tilesW);
    const int oh = (tile / tilesW) * 2, ow = (tile % tilesW) * 2;
    float y00 = 0.0f, y01 = 0.0f, y10 = 0.0f, y11 = 0.0f;
    if (n < N) {
        const __global float* plane = dy + ((long)n * O + o) * OH * OW + (long)oh * OW + ow;
        const bool right = ow + 1 < OW, below = oh + 1 < OH;
        y00 = plane[0];
        y01 = right ? plane[1] : 0.0f;
        y10 = below ? plane[OW] : 0.0f;
        y11 = right && below ? plane[OW + 1] : 0.0f;
    }
    // A = (1 0), (1 1), (1 -1), (0 -1): rows of A dY are (y0., y0. + y1., y0. - y1., -y1.)
    const float a0[4] = {y00, y00 + y10, y00 - y10, -y10};
    const float a1[4] = {y01, y01 + y11, y01 - y11, -y11};
    for (int i = 0; i < 4; i++) {
        const float m[4] = {a0[i], a0[i] + a1[i], a0[i] - a1[i], -a1[i]};
        for (int j = 0; j < 4; j++) dm[transformed_index(g, 4 * i + j, O, o, T, t, chStride, tStride)] = m[j];
    }
}

// U[e][o][c] = (G w[o][c] G^T)[e]. One work-item per (o, c).
__kernel void winograd_weights(__global const float* restrict w, __global float* restrict u, const int O, const int C) {
    const int q = get_global_id(0);
    if (q >= O * C) return;
    const __global float* k = w + (long)q * 9;
    float t[12]; // G k: 4 x 3
    for (int j = 0; j < 3; j++) {
        const float k0 = k[j], k1 = k[3 + j], k2 = k[6 + j];
        t[j] = k0;
        t[3 + j] = 0.5f * (k0 + k1 + k2);
        t[6 + j] = 0.5f * (k0 - k1 + k2);
        t[9 + j] = k2;
    }
    const long plane = (long)O * C;
    for (int i = 0; i < 4; i++) {
        const float k0 = t[3 * i], k1 = t[3 * i + 1], k2 = t[3 * i + 2];
        u[(4 * i) * plane + q] = k0;
        u[(4 * i + 1) * plane + q] = 0.5f * (k0 + k1 + k2);
        u[(4 * i + 2) * plane + q] = 0.5f * (k0 - k1 + k2);
        u[(4 * i + 3) * plane + q] = k2;
    }
}

// y = A^T M A + bias for the tiles of images n0 .. n0 + nb - 1; M in the row layout of one group ([e][o][t]).
// One work-item per (t, o), t fastest.
__kernel void winograd_output(__global const float* restrict m, __global const float* restrict bias, __global float* restrict y,
                              const int O, const int OH, const int OW, const int tilesH, const int tilesW, const int n0,
                              const int T, const int total) {
    const int q = get_global_id(0);
    if (q >= total) return;
    const int t = q % T;
    const int o = q / T;
    const int tile = t % (tilesH * tilesW);
    const int n = n0 + t / (tilesH * tilesW);
    const int oh = (tile / tilesW) * 2, ow = (tile % tilesW) * 2;
    float v[16];
    for (int e = 0; e < 16; e++) v[e] = m[((long)e * O + o) * T + t];
    // A^T rows (1 1 1 0), (0 1 -1 -1): first over rows of M, then over columns
    float r0[4], r1[4];
    for (int j = 0; j < 4; j++) {
        r0[j] = v[j] + v[4 + j] + v[8 + j];
        r1[j] = v[4 + j] - v[8 + j] - v[12 + j];
    }
    const float b = bias[o];
    __global float* out = y + ((long)n * O + o) * OH * OW + (long)oh * OW + ow;
    const bool right = ow + 1 < OW, below = oh + 1 < OH;
    out[0] = r0[0] + r0[1] + r0[2] + b;
    if (right) out[1] = r0[1] - r0[2] - r0[3] + b;
    if (below) out[OW] = r1[0] + r1[1] + r1[2] + b;
    if (right && below) out[OW + 1] = r1[1] - r1[2] - r1[3] + b;
}

// dx for images n0 .. n0 + nb - 1 from dV in the row layout of one group ([e][c][t]): each 2x2 block of input pixels
// (in padded coordinates, rows 2bh, 2bh + 1) is covered by the tiles (bh - 1 .. bh) x (bw - 1 .. bw); their
// contributions B dV B^T are added in that fixed order (no atomics). One work-item per (block, c, image), block fastest.
__kernel void winograd_input_grad(__global const float* restrict dv, __global float* restrict dx,
                                  const int C, const int H, const int W, const int PT, const int PL,
                                  const int tilesH, const int tilesW, const int n0, const int T, const int total) {
    const int q = get_global_id(0);
    if (q >= total) return;
    const int BH = (H + PT + 1) / 2, BW = (W + PL + 1) / 2;
    const int blk = q % (BH * BW);
    const int c = (q / (BH * BW)) % C;
    const int img = q / (BH * BW * C);
    const int bh = blk / BW, bw = blk % BW;
    float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int th = bh - 1; th <= bh; th++) {
        if (th < 0 || th >= tilesH) continue;
        const int r0 = 2 * (bh - th); // the block's first row within the tile's 4x4 patch: 2 (tile above) or 0
        for (int tw = bw - 1; tw <= bw; tw++) {
            if (tw < 0 || tw >= tilesW) continue;
            const int c0 = 2 * (bw - tw);
            const int t = img * tilesH * tilesW + th * tilesW + tw;
            float d[16], p[16];
            for (int e = 0; e < 16; e++) d[e] = dv[((long)e * C + c) * T + t];
            input_transform_adjoint(d, p);
            acc[0] += p[4 * r0 + c0];
            acc[1] += p[4 * r0 + c0 + 1];
            acc[2] += p[4 * (r0 + 1) + c0];
            acc[3] += p[4 * (r0 + 1) + c0 + 1];
        }
    }
    __global float* plane = dx + ((long)(n0 + img) * C + c) * H * W;
    for (int i = 0; i < 2; i++) {
        const int ih = 2 * bh + i - PT;
        if (ih < 0 || ih >= H) continue;
        for (int j = 0; j < 2; j++) {
            const int iw = 2 * bw + j - PL;
            if (iw >= 0 && iw < W) plane[(long)ih * W + iw] = acc[2 * i + j];
        }
    }
}

// dw[o][c] = G^T (sum over groups, in order, of part[g][e][c][o]) G; part holds dU^T per group ([g][e][c][o]).
// One work-item per (o, c).
__kernel void winograd_weights_grad(__global const float* restrict part, __global float* restrict dw,
                                    const int O, const int C, const int groups) {
    const int q = get_global_id(0);
    if (q >= O * C) return;
    const int o = q / C, c = q % C;
    const long plane = (long)C * O;
    float s[16];
    for (int e = 0; e < 16; e++) {
        float a = 0.0f;
        for (int g = 0; g < groups; g++) a += part[((long)g * 16 + e) * plane + (long)c * O + o];
        s[e] = a;
    }
    // G^T rows (1 1/2 1/2 0), (0 1/2 -1/2 0), (0 1/2 1/2 1): first over rows of s (4 -> 3), then over columns
    float t[12];
    for (int j = 0; j < 4; j++) {
        t[j] = s[j] + 0.5f * (s[4 + j] + s[8 + j]);
        t[4 + j] = 0.5f * (s[4 + j] - s[8 + j]);
        t[8 + j] = 0.5f * (s[4 + j] + s[8 + j]) + s[12 + j];
    }
    __global float* out = dw + (long)q * 9;
    for (int i = 0; i < 3; i++) {
        out[3 * i] = t[4 * i] + 0.5f * (t[4 * i + 1] + t[4 * i + 2]);
        out[3 * i + 1] = 0.5f * (t[4 * i + 1] - t[4 * i + 2]);
        out[3 * i + 2] = 0.5f * (t[4 * i + 1] + t[4 * i + 2]) + t[4 * i + 3];
    }
}
