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
// Transformed tensors of a chunk of images are laid out per group of images as [g][e][channel][t], t = image-in-group *
// tilesH*tilesW + th*tilesW + tw, T tiles per group: a row-major (channels x T) matrix per (g, e), as gemm.cl reads it.
// Images at or beyond N (a last group that is not full) read as 0.
//
// PoCL vectorises the innermost loop: each work-item owns one row of tiles (or of 2x2 input blocks) and walks along it,
// so that its loads and stores are affine in the loop index (contiguous or stride 2), not gathers.

// 4-point transforms of a column (or row) d0..d3; every 4x4 transform below applies one to each column, then each row.
// BT4: r = B^T d. B4: r = B v, B the transpose of B^T, rows (1 0 0 0), (0 1 -1 1), (-1 1 1 0), (0 0 0 -1).
#define BT4(d0, d1, d2, d3, r0, r1, r2, r3) { r0 = (d0) - (d2); r1 = (d1) + (d2); r2 = (d2) - (d1); r3 = (d1) - (d3); }
#define B4(v0, v1, v2, v3, r0, r1, r2, r3) { r0 = (v0); r1 = (v1) - (v2) + (v3); r2 = (v1) + (v2) - (v0); r3 = -(v3); }

// d (16, row-major 4x4) -> v = B^T d B
inline void input_transform(const float d[16], float v[16]) {
    float t[16];
#pragma unroll
    for (int j = 0; j < 4; j++) BT4(d[j], d[4 + j], d[8 + j], d[12 + j], t[j], t[4 + j], t[8 + j], t[12 + j]);
#pragma unroll
    for (int i = 0; i < 4; i++) BT4(t[4 * i], t[4 * i + 1], t[4 * i + 2], t[4 * i + 3], v[4 * i], v[4 * i + 1], v[4 * i + 2], v[4 * i + 3]);
}

// dv (16) -> p = B dv B^T, the adjoint of input_transform
inline void input_transform_adjoint(const float dv[16], float p[16]) {
    float t[16];
#pragma unroll
    for (int j = 0; j < 4; j++) B4(dv[j], dv[4 + j], dv[8 + j], dv[12 + j], t[j], t[4 + j], t[8 + j], t[12 + j]);
#pragma unroll
    for (int i = 0; i < 4; i++) B4(t[4 * i], t[4 * i + 1], t[4 * i + 2], t[4 * i + 3], p[4 * i], p[4 * i + 1], p[4 * i + 2], p[4 * i + 3]);
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

// Work-item q of a transform over rows of tiles: its row th of tiles, channel ch (of CH) and image ic of the chunk;
// returns where element e = 0 of the row's first tile lies in the transformed tensor t, *planeE the distance to e + 1.
inline __global float* transformed_row(__global float* t, const int q, const int CH, const int tilesH, const int tilesW,
                                       const int imagesPerGroup, int* th, int* ch, int* ic, long* planeE) {
    *th = q % tilesH;
    *ch = (q / tilesH) % CH;
    *ic = q / (tilesH * CH);
    const int T = imagesPerGroup * tilesH * tilesW;
    *planeE = (long)CH * T;
    return t + ((long)(*ic / imagesPerGroup) * 16 * CH + *ch) * T + (long)(*ic % imagesPerGroup) * tilesH * tilesW + *th * tilesW;
}

// V = B^T d B for the tiles of images n0 .. n0 + groups*imagesPerGroup - 1 of x. One work-item per (th, c, image of the
// chunk), walking along the row of tiles.
__kernel void winograd_input(__global const float* restrict x, __global float* restrict v,
                             const int N, const int C, const int H, const int W, const int PT, const int PL,
                             const int tilesH, const int tilesW, const int imagesPerGroup, const int n0, const int total) {
    const int q = get_global_id(0);
    if (q >= total) return;
    int th, c, ic;
    long planeE;
    __global float* out = transformed_row(v, q, C, tilesH, tilesW, imagesPerGroup, &th, &c, &ic, &planeE);
    const int n = n0 + ic;
    const int ih0 = 2 * th - PT;
    bool rowIn[4];
    for (int i = 0; i < 4; i++) rowIn[i] = n < N && ih0 + i >= 0 && ih0 + i < H;
    const __global float* plane = x + ((long)min(n, N - 1) * C + c) * H * W;
    const __global float* r0 = plane + (long)clamp(ih0, 0, H - 1) * W;
    const __global float* r1 = plane + (long)clamp(ih0 + 1, 0, H - 1) * W;
    const __global float* r2 = plane + (long)clamp(ih0 + 2, 0, H - 1) * W;
    const __global float* r3 = plane + (long)clamp(ih0 + 3, 0, H - 1) * W;
    for (int tw = 0; tw < tilesW; tw++) {
        const int iw = 2 * tw - PL;
        float d[16];
#pragma unroll
        for (int j = 0; j < 4; j++) {
            const bool colIn = iw + j >= 0 && iw + j < W;
            d[j] = rowIn[0] && colIn ? r0[iw + j] : 0.0f;
            d[4 + j] = rowIn[1] && colIn ? r1[iw + j] : 0.0f;
            d[8 + j] = rowIn[2] && colIn ? r2[iw + j] : 0.0f;
            d[12 + j] = rowIn[3] && colIn ? r3[iw + j] : 0.0f;
        }
        float r[16];
        input_transform(d, r);
#pragma unroll
        for (int e = 0; e < 16; e++) out[e * planeE + tw] = r[e];
    }
}

// dM = A dY A^T for the tiles of images n0 .. n0 + groups*imagesPerGroup - 1 of dy (positions beyond OH / OW read as 0).
// One work-item per (th, o, image of the chunk), walking along the row of tiles.
__kernel void winograd_output_grad(__global const float* restrict dy, __global float* restrict dm,
                                   const int N, const int O, const int OH, const int OW,
                                   const int tilesH, const int tilesW, const int imagesPerGroup, const int n0, const int total) {
    const int q = get_global_id(0);
    if (q >= total) return;
    int th, o, ic;
    long planeE;
    __global float* out = transformed_row(dm, q, O, tilesH, tilesW, imagesPerGroup, &th, &o, &ic, &planeE);
    const int n = n0 + ic;
    const int oh = 2 * th;
    const bool in0 = n < N, in1 = n < N && oh + 1 < OH;
    const __global float* row0 = dy + ((long)min(n, N - 1) * O + o) * OH * OW + (long)oh * OW;
    const __global float* row1 = in1 ? row0 + OW : row0;
    for (int tw = 0; tw < tilesW; tw++) {
        const int ow = 2 * tw;
        const bool right = ow + 1 < OW;
        const float y00 = in0 ? row0[ow] : 0.0f, y01 = in0 && right ? row0[ow + 1] : 0.0f;
        const float y10 = in1 ? row1[ow] : 0.0f, y11 = in1 && right ? row1[ow + 1] : 0.0f;
        // A = (1 0), (1 1), (1 -1), (0 -1): the columns of A dY are a0 and a1, dM's rows (a0, a0 + a1, a0 - a1, -a1)
        const float a0[4] = {y00, y00 + y10, y00 - y10, -y10};
        const float a1[4] = {y01, y01 + y11, y01 - y11, -y11};
#pragma unroll
        for (int i = 0; i < 4; i++) {
            out[(4 * i) * planeE + tw] = a0[i];
            out[(4 * i + 1) * planeE + tw] = a0[i] + a1[i];
            out[(4 * i + 2) * planeE + tw] = a0[i] - a1[i];
            out[(4 * i + 3) * planeE + tw] = -a1[i];
        }
    }
}

// y = A^T M A + bias (and max(0, .) where relu != 0) for the tiles of images n0 .. of the chunk; M ([e][o][t], T tiles) from the forward GEMM.
// One work-item per (th, o, image of the chunk), walking along the row of tiles.
__kernel void winograd_output(__global const float* restrict m, __global const float* restrict bias, __global float* restrict y,
                              const int O, const int OH, const int OW, const int tilesH, const int tilesW, const int n0,
                              const int T, const int total, const int relu) {
    const int q = get_global_id(0);
    if (q >= total) return;
    const int th = q % tilesH, o = (q / tilesH) % O, ic = q / (tilesH * O);
    const __global float* src = m + (long)o * T + (long)ic * tilesH * tilesW + th * tilesW;
    const long planeE = (long)O * T;
    const int oh = 2 * th;
    const bool below = oh + 1 < OH;
    const float b = bias[o];
    __global float* row0 = y + ((long)(n0 + ic) * O + o) * OH * OW + (long)oh * OW;
    __global float* row1 = row0 + OW;
    for (int tw = 0; tw < tilesW; tw++) {
        float v[16];
#pragma unroll
        for (int e = 0; e < 16; e++) v[e] = src[e * planeE + tw];
        // A^T rows (1 1 1 0), (0 1 -1 -1): first over the rows of M, then over its columns
        float s0[4], s1[4];
#pragma unroll
        for (int j = 0; j < 4; j++) {
            s0[j] = v[j] + v[4 + j] + v[8 + j];
            s1[j] = v[4 + j] - v[8 + j] - v[12 + j];
        }
        const int ow = 2 * tw;
        const bool right = ow + 1 < OW;
        float r00 = s0[0] + s0[1] + s0[2] + b, r01 = s0[1] - s0[2] - s0[3] + b;
        float r10 = s1[0] + s1[1] + s1[2] + b, r11 = s1[1] - s1[2] - s1[3] + b;
        if (relu) {
            // the ReLU as relu_forward computes it: x <= 0 ? 0 : x (NaN passes through, -0 -> 0)
            r00 = r00 <= 0.0f ? 0.0f : r00;
            r01 = r01 <= 0.0f ? 0.0f : r01;
            r10 = r10 <= 0.0f ? 0.0f : r10;
            r11 = r11 <= 0.0f ? 0.0f : r11;
        }
        row0[ow] = r00;
        if (right) row0[ow + 1] = r01;
        if (below) row1[ow] = r10;
        if (below && right) row1[ow + 1] = r11;
    }
}

// The 2x2 block (rows r0, r0 + 1, columns c0, c0 + 1) of B dv B^T that a block of input pixels takes from one tile.
inline void adjoint_quadrant(const float d[16], const int r0, const int c0, float acc[4]) {
    float p[16];
    input_transform_adjoint(d, p);
    acc[0] += p[4 * r0 + c0];
    acc[1] += p[4 * r0 + c0 + 1];
    acc[2] += p[4 * (r0 + 1) + c0];
    acc[3] += p[4 * (r0 + 1) + c0 + 1];
}

// dx for the images n0 .. of the chunk from dV ([e][c][t], T tiles): each 2x2 block of input pixels (in padded
// coordinates, rows 2bh, 2bh + 1, columns 2bw, 2bw + 1) is covered by the tiles (bh - 1 .. bh) x (bw - 1 .. bw); their
// contributions are added in that fixed order (no atomics). One work-item per (bh, c, image of the chunk), walking along
// the row of blocks.
__kernel void winograd_input_grad(__global const float* restrict dv, __global float* restrict dx,
                                  const int C, const int H, const int W, const int PT, const int PL,
                                  const int tilesH, const int tilesW, const int n0, const int T, const int total) {
    const int BH = (H + PT + 1) / 2, BW = (W + PL + 1) / 2;
    const int q = get_global_id(0);
    if (q >= total) return;
    const int bh = q % BH, c = (q / BH) % C, ic = q / (BH * C);
    const long planeE = (long)C * T;
    const __global float* tiles = dv + (long)c * T + (long)ic * tilesH * tilesW;
    const bool above = bh >= 1 && bh - 1 < tilesH, here = bh < tilesH;
    // rows of tiles bh - 1 (their patch rows 2, 3) and bh (rows 0, 1); a missing one is read at row 0 and masked
    const __global float* rowAbove = tiles + (long)(above ? bh - 1 : 0) * tilesW;
    const __global float* rowHere = tiles + (long)(here ? bh : 0) * tilesW;
    __global float* plane = dx + ((long)(n0 + ic) * C + c) * H * W;
    const int ih0 = 2 * bh - PT;
    for (int bw = 0; bw < BW; bw++) {
        const bool left = bw >= 1 && bw - 1 < tilesW, right = bw < tilesW;
        float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        float d[16];
#pragma unroll
        for (int e = 0; e < 16; e++) d[e] = above && left ? rowAbove[e * planeE + bw - 1] : 0.0f;
        adjoint_quadrant(d, 2, 2, acc);
#pragma unroll
        for (int e = 0; e < 16; e++) d[e] = above && right ? rowAbove[e * planeE + bw] : 0.0f;
        adjoint_quadrant(d, 2, 0, acc);
#pragma unroll
        for (int e = 0; e < 16; e++) d[e] = here && left ? rowHere[e * planeE + bw - 1] : 0.0f;
        adjoint_quadrant(d, 0, 2, acc);
#pragma unroll
        for (int e = 0; e < 16; e++) d[e] = here && right ? rowHere[e * planeE + bw] : 0.0f;
        adjoint_quadrant(d, 0, 0, acc);
        const int iw0 = 2 * bw - PL;
#pragma unroll
        for (int i = 0; i < 2; i++) {
            const int ih = ih0 + i;
#pragma unroll
            for (int j = 0; j < 2; j++) {
                const int iw = iw0 + j;
                if (ih >= 0 && ih < H && iw >= 0 && iw < W) plane[(long)ih * W + iw] = acc[2 * i + j];
            }
        }
    }
}

// dw[o][c] = G^T (sum over groups, in order, of part[g][e][o][c]) G; part holds dU per group ([g][e][o][c]).
// One work-item per (o, c).
__kernel void winograd_weights_grad(__global const float* restrict part, __global float* restrict dw,
                                    const int O, const int C, const int groups) {
    const int q = get_global_id(0);
    if (q >= O * C) return;
    const long plane = (long)O * C;
    float s[16];
    for (int e = 0; e < 16; e++) {
        float a = 0.0f;
        for (int g = 0; g < groups; g++) a += part[((long)g * 16 + e) * plane + q];
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
