// Winograd F(4x4,3x3) for 3x3 stride-1 convolutions (Lavin & Gray 2016): the transforms around gemm.cl's batched GEMM,
// as winograd.cl does for F(2x2,3x3), with 6x6 transformed tiles: per 4x4 output tile Y = A^T [U (.) V] A with
// U = G g G^T and V = B^T d B (d the 6x6 input patch), so the sum over input channels becomes 36 GEMMs, one per element
// e = 6*row + col of the transformed tile: M[e] (O x tiles) = U[e] (O x C) . V[e] (C x tiles). 36 multiply-adds per 16
// outputs and channel instead of 144 (4x fewer; F(2x2) saves 2.25x), and the transformed tensors are 36/16 = 2.25x the
// activations instead of F(2x2)'s 4x. Backward passes are the adjoints of the same maps: dM = A dY A^T;
// dV[e] = U[e]^T dM[e]; dX = the sum over the tiles covering a pixel of B dV B^T; dU[e] = sum over tiles of
// dM[e] V[e]^T; dW = G^T dU G. Matrices (interpolation points 0, 1, -1, 2, -2 and infinity):
//
//   B^T = | 4  0 -5  0  1  0 |   G = |  1/4     0     0   |   A^T = | 1  1  1  1  1  0 |
//         | 0 -4 -4  1  1  0 |       | -1/6  -1/6  -1/6  |         | 0  1 -1  2 -2  0 |
//         | 0  4 -4 -1  1  0 |       | -1/6   1/6  -1/6  |         | 0  1  1  4  4  0 |
//         | 0 -2 -1  2  1  0 |       |  1/24  1/12  1/6  |         | 0  1 -1  8 -8  1 |
//         | 0  2 -1 -2  1  0 |       |  1/24 -1/12  1/6  |
//         | 0  4  0 -5  0  1 |       |  0     0     1    |
//
// The transforms scale values by up to 10 (B^T's largest row sum of magnitudes) and 19 (A^T's) per dimension, against
// 2 and 3 for F(2x2), so float roundings of the transformed values weigh more: the error against a double-precision
// direct convolution is about 10-20x F(2x2)'s (docs/opencl.md), inside the conformance tests' 1e-5. The 1-D transforms
// are the native backend's (native/src/winograd4.hpp), with the same factorisations.
//
// Tiles: tile (th, tw) covers outputs (4th.., 4tw..) and reads the input patch whose top-left corner is
// (4th - padTop, 4tw - padLeft); tilesH = ceil(OH / 4), tilesW = ceil(OW / 4). Positions outside the input read as 0,
// outputs beyond OH / OW are dropped (forward) or read as 0 (backward). Layout of the transformed tensors as winograd.cl's:
// per group of images [g][e][channel][t], t = image-in-group * tilesH*tilesW + th*tilesW + tw, T tiles per group.
//
// The tile transforms take 8 tiles per work-item, one per lane of a float8 (see "the tile transforms" below).

#define E4 36

// Helpers are forced inline: PoCL's LLVM left some as calls (transpose8 and lane_tiles took 1-1.5% of an epoch's samples
// each), passing their vectors through memory.
#define INLINE inline __attribute__((always_inline))

// out = G k (3 -> 6)
INLINE void g3(const float* k, float* out) {
    out[0] = 0.25f * k[0];
    out[1] = -(k[0] + k[1] + k[2]) / 6.0f;
    out[2] = -(k[0] - k[1] + k[2]) / 6.0f;
    out[3] = k[0] / 24.0f + k[1] / 12.0f + k[2] / 6.0f;
    out[4] = k[0] / 24.0f - k[1] / 12.0f + k[2] / 6.0f;
    out[5] = k[2];
}

// The 2-D transforms F X F^T on values of type T (float, or the vectors below whose lanes are tiles): F down each column
// of the row-major NI x NI input, then along each row.
#define TRANSFORM_2D(T, F, NI, NO, in, out)                               \
    {                                                                     \
        T u_[NO * NI], col_[NI], res_[NO];                                \
        _Pragma("unroll") for (int k_ = 0; k_ < NI; k_++) {               \
            _Pragma("unroll") for (int r_ = 0; r_ < NI; r_++) col_[r_] = (in)[r_ * NI + k_]; \
            F(col_, res_);                                                \
            _Pragma("unroll") for (int i_ = 0; i_ < NO; i_++) u_[i_ * NI + k_] = res_[i_]; \
        }                                                                 \
        _Pragma("unroll") for (int i_ = 0; i_ < NO; i_++) F(u_ + i_ * NI, (out) + i_ * NO); \
    }

// U[e][o][c] = (G w[o][c] G^T)[e]. One work-item per (o, c).
__kernel void winograd4_weights(__global const float* restrict w, __global float* restrict u, const int O, const int C) {
    const int q = get_global_id(0);
    if (q >= O * C) return;
    float k[9], r[E4];
    for (int i = 0; i < 9; i++) k[i] = w[(long)q * 9 + i];
    TRANSFORM_2D(float, g3, 3, 6, k, r);
    const long plane = (long)O * C;
    for (int e = 0; e < E4; e++) u[e * plane + q] = r[e];
}

// ---- the tile transforms, vectorised across tiles ----
// PoCL compiles a work-item's code as written, looping over the work-items of a work-group; with one 6x6 tile per
// work-item in scalar code the transforms ran at 1.5-2 GB/s (private arrays spilled, loads and stores one float at a
// time). Here each work-item takes VT = 8 consecutive tiles t of a group (one per lane of a float8; a row of tiles may
// end inside a vector), so the transforms are vector arithmetic and the transformed tensors, [e][channel][t], are read
// and written in whole vectors. Patch rows of the 8 tiles are loaded as short vectors and transposed in registers;
// vectors with a lane at the border (padding, partial tiles) or beyond the group take a masked path instead.
// Indices within a tensor are ints: tensors here stay below 2^31 elements.

#define VT 8
typedef float8 vt;
typedef int8 vti;

INLINE void bt6v(const vt* d, vt* out) {
    const vt t1 = d[4] - 4.0f * d[2], t2 = d[3] - 4.0f * d[1];
    const vt t3 = d[4] - d[2], t4 = 2.0f * (d[3] - d[1]);
    out[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
    out[1] = t1 + t2;
    out[2] = t1 - t2;
    out[3] = t3 + t4;
    out[4] = t3 - t4;
    out[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
}

INLINE void b6v(const vt* v, vt* out) {
    const vt s12 = v[1] + v[2], d12 = v[2] - v[1], s34 = v[3] + v[4], d34 = v[3] - v[4];
    out[0] = 4.0f * v[0];
    out[1] = 4.0f * (d12 + v[5]) - 2.0f * d34;
    out[2] = -5.0f * v[0] - 4.0f * s12 - s34;
    out[3] = 2.0f * d34 - d12 - 5.0f * v[5];
    out[4] = v[0] + s12 + s34;
    out[5] = v[5];
}

INLINE void at6v(const vt* m, vt* out) {
    const vt a = m[1] + m[2], b = m[1] - m[2], c = m[3] + m[4], d = m[3] - m[4];
    out[0] = m[0] + a + c;
    out[1] = b + 2.0f * d;
    out[2] = a + 4.0f * c;
    out[3] = b + 8.0f * d + m[5];
}

INLINE void a4v(const vt* y, vt* out) {
    const vt p = y[0] + y[2], q = y[1] + y[3], r = y[0] + 4.0f * y[2], s = 2.0f * y[1] + 8.0f * y[3];
    out[0] = y[0];
    out[1] = p + q;
    out[2] = p - q;
    out[3] = r + s;
    out[4] = r - s;
    out[5] = y[3];
}

// In place: r[k].s[l] becomes the old r[l].s[k] (an 8x8 transpose in three rounds of shuffles).
INLINE void transpose8(vt* r) {
    const uint8 lo1 = (uint8)(0, 8, 1, 9, 4, 12, 5, 13), hi1 = (uint8)(2, 10, 3, 11, 6, 14, 7, 15);
    const uint8 lo2 = (uint8)(0, 1, 8, 9, 4, 5, 12, 13), hi2 = (uint8)(2, 3, 10, 11, 6, 7, 14, 15);
    const uint8 lo4 = (uint8)(0, 1, 2, 3, 8, 9, 10, 11), hi4 = (uint8)(4, 5, 6, 7, 12, 13, 14, 15);
    const vt t0 = shuffle2(r[0], r[1], lo1), t1 = shuffle2(r[0], r[1], hi1), t2 = shuffle2(r[2], r[3], lo1), t3 = shuffle2(r[2], r[3], hi1);
    const vt t4 = shuffle2(r[4], r[5], lo1), t5 = shuffle2(r[4], r[5], hi1), t6 = shuffle2(r[6], r[7], lo1), t7 = shuffle2(r[6], r[7], hi1);
    const vt s0 = shuffle2(t0, t2, lo2), s1 = shuffle2(t0, t2, hi2), s2 = shuffle2(t1, t3, lo2), s3 = shuffle2(t1, t3, hi2);
    const vt s4 = shuffle2(t4, t6, lo2), s5 = shuffle2(t4, t6, hi2), s6 = shuffle2(t5, t7, lo2), s7 = shuffle2(t5, t7, hi2);
    r[0] = shuffle2(s0, s4, lo4);
    r[4] = shuffle2(s0, s4, hi4);
    r[1] = shuffle2(s1, s5, lo4);
    r[5] = shuffle2(s1, s5, hi4);
    r[2] = shuffle2(s2, s6, lo4);
    r[6] = shuffle2(s2, s6, hi4);
    r[3] = shuffle2(s3, s7, lo4);
    r[7] = shuffle2(s3, s7, hi4);
}

#define LANE(v, l) ((l) == 0 ? (v).s0 : (l) == 1 ? (v).s1 : (l) == 2 ? (v).s2 : (l) == 3 ? (v).s3 : (l) == 4 ? (v).s4 : (l) == 5 ? (v).s5 : (l) == 6 ? (v).s6 : (v).s7)

INLINE vt gather8(const __global float* x, const vti idx) {
    return (vt)(x[idx.s0], x[idx.s1], x[idx.s2], x[idx.s3], x[idx.s4], x[idx.s5], x[idx.s6], x[idx.s7]);
}

INLINE vti gather8i(const __global int* x, const vti idx) {
    return (vti)(x[idx.s0], x[idx.s1], x[idx.s2], x[idx.s3], x[idx.s4], x[idx.s5], x[idx.s6], x[idx.s7]);
}

// Tiles t0 .. t0 + 7 of a group: image in the group, tile row and column of each lane. Two scalar divisions for the
// first lane, then steps along the rows of tiles (vector integer division is eight scalar divisions).
INLINE void lane_tiles(const int t0, const int tilesH, const int tilesW, vti* t, vti* img, vti* th, vti* tw) {
    const int perImage = tilesH * tilesW;
    int i = t0 / perImage, rem = t0 - i * perImage;
    int h = rem / tilesW, w = rem - h * tilesW;
    int li[VT], lh[VT], lw[VT];
#pragma unroll
    for (int l = 0; l < VT; l++) {
        li[l] = i;
        lh[l] = h;
        lw[l] = w;
        if (++w == tilesW) {
            w = 0;
            if (++h == tilesH) {
                h = 0;
                i++;
            }
        }
    }
    *t = (vti)(0, 1, 2, 3, 4, 5, 6, 7) + t0;
    *img = vload8(0, li);
    *th = vload8(0, lh);
    *tw = vload8(0, lw);
}

// Stores vectors r[0 .. count-1] at dst + k * stride, only the first `lanes` lanes where lanes < VT.
INLINE void store_lanes(const vt* r, const int count, __global float* dst, const long stride, const int lanes) {
    if (lanes >= VT) {
#pragma unroll
        for (int k = 0; k < count; k++) vstore8(r[k], 0, dst + k * stride);
    } else {
        for (int k = 0; k < count; k++) {
            float tmp[VT];
            vstore8(r[k], 0, tmp);
            for (int l = 0; l < lanes; l++) dst[k * stride + l] = tmp[l];
        }
    }
}

// Vectors src[k * stride .. + VT), the lanes from `lanes` on read as 0.
INLINE void load_lanes(const __global float* src, const int count, const long stride, const int lanes, vt* r) {
    if (lanes >= VT) {
#pragma unroll
        for (int k = 0; k < count; k++) r[k] = vload8(0, src + k * stride);
    } else {
        for (int k = 0; k < count; k++) {
            float tmp[VT];
            for (int l = 0; l < VT; l++) tmp[l] = l < lanes ? src[k * stride + l] : 0.0f;
            r[k] = vload8(0, tmp);
        }
    }
}

// d[R x NC] (row-major, R rows of NC <= 8 patch columns) of the 8 lanes' patches whose top-left corners are at
// x[corner], all inside the tensor: per patch row, one short load per lane, then a transpose.
#define LOAD_PATCHES(x, corner, rowStride, R, NC, d)                                                          \
    _Pragma("unroll") for (int i_ = 0; i_ < R; i_++) {                                                       \
        vt r_[8];                                                                                            \
        _Pragma("unroll") for (int l_ = 0; l_ < 8; l_++) {                                                   \
            const __global float* p_ = (x) + LANE(corner, l_) + i_ * (rowStride);                            \
            r_[l_] = NC == 6 ? (vt)(vload4(0, p_), vload2(0, p_ + 4), 0.0f, 0.0f) : (vt)(vload4(0, p_), (float4)(0.0f)); \
        }                                                                                                    \
        transpose8(r_);                                                                                      \
        _Pragma("unroll") for (int j_ = 0; j_ < NC; j_++) (d)[i_ * NC + j_] = r_[j_];                       \
    }

// Tiles tb*8 .. tb*8 + 7 of group g, channel ch of planes x (N x CH x H x W): loads their R x NC patches, whose
// top-left corners lie at (4th - PT, 4tw - PL), into d; elements outside the planes, and lanes beyond the group or the
// batch, read as 0.
INLINE void load_tile_patches(const __global float* x, const int tb, const int ch, const int g, const int N, const int CH,
                              const int H, const int W, const int PT, const int PL, const int tilesH, const int tilesW,
                              const int imagesPerGroup, const int n0, const int R, const int NC, vt* d) {
    const int T = imagesPerGroup * tilesH * tilesW;
    vti t, img, th, tw;
    lane_tiles(tb * VT, tilesH, tilesW, &t, &img, &th, &tw);
    const vti n = n0 + g * imagesPerGroup + img;
    const vti valid = t < T && n < N;
    const vti ih0 = 4 * th - PT, iw0 = 4 * tw - PL;
    const vti base = (min(n, N - 1) * CH + ch) * H * W;
    if (all(valid && ih0 >= 0 && ih0 + R <= H && iw0 >= 0 && iw0 + NC <= W)) {
        const vti corner = base + ih0 * W + iw0;
        LOAD_PATCHES(x, corner, W, R, NC, d);
        return;
    }
#pragma unroll
    for (int i = 0; i < R; i++) {
        const vti rowIn = valid && ih0 + i >= 0 && ih0 + i < H;
        const vti rowBase = base + clamp(ih0 + i, 0, H - 1) * W;
#pragma unroll
        for (int j = 0; j < NC; j++) {
            const vti in = rowIn && iw0 + j >= 0 && iw0 + j < W;
            d[NC * i + j] = select((vt)(0.0f), gather8(x, rowBase + clamp(iw0 + j, 0, W - 1)), in);
        }
    }
}

// V = B^T d B for the tiles of images n0 .. n0 + groups*imagesPerGroup - 1 of x, into [g][e][c][t].
// One work-item per (8 tiles, channel, group).
__kernel void winograd4_input(__global const float* restrict x, __global float* restrict v,
                              const int N, const int C, const int H, const int W, const int PT, const int PL,
                              const int tilesH, const int tilesW, const int imagesPerGroup, const int n0, const int total) {
    const int q = get_global_id(0);
    if (q >= total) return;
    const int T = imagesPerGroup * tilesH * tilesW, TB = (T + VT - 1) / VT;
    const int tb = q % TB, c = (q / TB) % C, g = q / (TB * C);
    vt d[E4], res[E4];
    load_tile_patches(x, tb, c, g, N, C, H, W, PT, PL, tilesH, tilesW, imagesPerGroup, n0, 6, 6, d);
    TRANSFORM_2D(vt, bt6v, 6, 6, d, res);
    store_lanes(res, E4, v + ((long)g * E4 * C + c) * T + tb * VT, (long)C * T, T - tb * VT);
}

// V transposed, for the weight gradient's GEMM (dU[e] = dM[e] . V[e]^T, whose B operand is V^T): the values of
// winograd4_input into [g][e][t][c] instead of [g][e][c][t]. One work-item per (8 tiles, 8 channels, group): each
// channel's 8 tiles are transformed as in winograd4_input, then every element e of the tile is transposed in registers
// and stored as 8 rows of 8 channels, so no separate transpose pass over V is needed.
__kernel void winograd4_input_transposed(__global const float* restrict x, __global float* restrict vT,
                                         const int N, const int C, const int H, const int W, const int PT, const int PL,
                                         const int tilesH, const int tilesW, const int imagesPerGroup, const int n0,
                                         const int total) {
    const int q = get_global_id(0);
    if (q >= total) return;
    const int T = imagesPerGroup * tilesH * tilesW, TB = (T + VT - 1) / VT, CB = (C + VT - 1) / VT;
    const int tb = q % TB, cb = (q / TB) % CB, g = q / (TB * CB);
    const int lanes = min(T - tb * VT, VT), channels = min(C - cb * VT, VT);
    vt buf[E4 * VT]; // [e][channel of the block], lanes the tiles
#pragma unroll 1
    for (int k = 0; k < VT; k++) {
        vt d[E4], res[E4];
        // channels beyond C repeat the last one and are not stored
        load_tile_patches(x, tb, min(cb * VT + k, C - 1), g, N, C, H, W, PT, PL, tilesH, tilesW, imagesPerGroup, n0, 6, 6, d);
        TRANSFORM_2D(vt, bt6v, 6, 6, d, res);
#pragma unroll
        for (int e = 0; e < E4; e++) buf[e * VT + k] = res[e];
    }
    __global float* out = vT + (long)g * E4 * T * C + (long)tb * VT * C + cb * VT;
    for (int e = 0; e < E4; e++) {
        vt r[8];
#pragma unroll
        for (int k = 0; k < VT; k++) r[k] = buf[e * VT + k];
        transpose8(r); // r[l]: tile l's values, lanes the channels
        __global float* rows = out + (long)e * T * C;
        if (lanes == VT && channels == VT) {
#pragma unroll
            for (int l = 0; l < VT; l++) vstore8(r[l], 0, rows + (long)l * C);
        } else {
            for (int l = 0; l < lanes; l++) {
                float tmp[VT];
                vstore8(r[l], 0, tmp);
                for (int k = 0; k < channels; k++) rows[(long)l * C + k] = tmp[k];
            }
        }
    }
}

// dM = A dY A^T for the tiles of images n0 .. n0 + groups*imagesPerGroup - 1 of dy (positions beyond OH / OW read as
// 0), into [g][e][o][t]. One work-item per (8 tiles, output channel, group).
__kernel void winograd4_output_grad(__global const float* restrict dy, __global float* restrict dm,
                                    const int N, const int O, const int OH, const int OW,
                                    const int tilesH, const int tilesW, const int imagesPerGroup, const int n0, const int total) {
    const int q = get_global_id(0);
    if (q >= total) return;
    const int T = imagesPerGroup * tilesH * tilesW, TB = (T + VT - 1) / VT;
    const int tb = q % TB, o = (q / TB) % O, g = q / (TB * O);
    vt d[16], res[E4];
    load_tile_patches(dy, tb, o, g, N, O, OH, OW, 0, 0, tilesH, tilesW, imagesPerGroup, n0, 4, 4, d);
    TRANSFORM_2D(vt, a4v, 4, 6, d, res);
    store_lanes(res, E4, dm + ((long)g * E4 * O + o) * T + tb * VT, (long)O * T, T - tb * VT);
}

// winograd4_output_grad of the output gradient that dropout_maxpool2_relu_backward (pool.cl) would write, built per
// tile from the pooled gradient instead of read from a tensor: a 4x4 tile holds whole 2x2 windows, so its dy is zero
// but at each window's argmax, which gets 0 + dp * mask where the window's pooled value (the ReLU's output there) is
// positive and 0 where not, the same float operations as that kernel, so the same dM bits. dp, mask, arg, pooled:
// N x O x PH x PW (PH = OH / 2, PW = OW / 2; a last odd row or column of the output is in no window and gets 0); arg
// holds flat indices into the N x O x OH x OW output. One work-item per (8 tiles, output channel, group).
__kernel void winograd4_output_grad_pooled(__global const float* restrict dp, __global const float* restrict mask,
                                           __global const int* restrict arg, __global const float* restrict pooled,
                                           __global float* restrict dm, const int N, const int O, const int OH, const int OW,
                                           const int tilesH, const int tilesW, const int imagesPerGroup, const int n0,
                                           const int total) {
    const int q = get_global_id(0);
    if (q >= total) return;
    const int T = imagesPerGroup * tilesH * tilesW, TB = (T + VT - 1) / VT;
    const int tb = q % TB, o = (q / TB) % O, g = q / (TB * O);
    const int PH = OH / 2, PW = OW / 2;
    vti t, img, th, tw;
    lane_tiles(tb * VT, tilesH, tilesW, &t, &img, &th, &tw);
    const vti n = n0 + g * imagesPerGroup + img;
    const vti valid = t < T && n < N;
    const vti plane = min(n, N - 1) * O + o;
    vt val[4];
    vti row[4], col[4]; // where each window's argmax lies in the window: 0 or 1 down, 0 or 1 across
#pragma unroll
    for (int w = 0; w < 4; w++) {
        const vti ph = 2 * th + w / 2, pw = 2 * tw + w % 2;
        const vti in = valid && ph < PH && pw < PW;
        const vti k = plane * PH * PW + min(ph, PH - 1) * PW + min(pw, PW - 1);
        const vt d = gather8(dp, k) * gather8(mask, k);
        val[w] = select((vt)(0.0f), select((vt)(0.0f), (vt)(0.0f) + d, gather8(pooled, k) > (vt)(0.0f)), in);
        // offset of the argmax from the window's first element: 0, 1, OW or OW + 1
        const vti off = gather8i(arg, k) - (plane * OH * OW + 2 * ph * OW + 2 * pw);
        row[w] = select((vti)(0), (vti)(1), off >= OW);
        col[w] = off - row[w] * OW;
    }
    vt d[16], res[E4];
#pragma unroll
    for (int i = 0; i < 4; i++) {
#pragma unroll
        for (int j = 0; j < 4; j++) {
            const int w = (i / 2) * 2 + j / 2;
            d[4 * i + j] = select((vt)(0.0f), val[w], row[w] == i % 2 && col[w] == j % 2);
        }
    }
    TRANSFORM_2D(vt, a4v, 4, 6, d, res);
    store_lanes(res, E4, dm + ((long)g * E4 * O + o) * T + tb * VT, (long)O * T, T - tb * VT);
}

// The 2x2 windows at stride 2 of 8 tiles' 4x4 outputs r (after bias and ReLU), window (i, j) of a tile at
// pv[2i + j]: the maximum and its flat index into the output tensor (corner: each lane's tile's first element), by
// maxpool2_forward's rule (row-major window, a later element wins only when greater, or when it is NaN and the best
// so far is not).
INLINE void pool_tiles(const vt* r, const vti corner, const int OW, vt* pv, vti* pa) {
#pragma unroll
    for (int i = 0; i < 2; i++) {
#pragma unroll
        for (int j = 0; j < 2; j++) {
            const int k = 8 * i + 2 * j;
            const vti first = corner + 2 * i * OW + 2 * j;
            vt bv = r[k];
            vti best = first;
            const vt cand[3] = {r[k + 1], r[k + 4], r[k + 5]};
            const vti idx[3] = {first + 1, first + OW, first + OW + 1};
#pragma unroll
            for (int c = 0; c < 3; c++) {
                const vti take = isgreater(cand[c], bv) | (isnan(cand[c]) & ~isnan(bv));
                bv = select(bv, cand[c], take);
                best = select(best, idx[c], take);
            }
            pv[2 * i + j] = bv;
            pa[2 * i + j] = best;
        }
    }
}

// The output transform of tiles tb*8 .. tb*8 + 7 (of T, from image n0 on) and output channel o, from their transformed
// values v[e] (lanes the tiles): y = A^T v A + bias, the ReLU where relu != 0, then y stored, or (pool != 0) its 2x2
// max-pool at stride 2 stored into pooled and argmax. Shared by winograd4_output and winograd4_forward_fused.
INLINE void output_tiles(const vt* v, __global const float* restrict bias, __global float* restrict y,
                         __global float* restrict pooled, __global int* restrict argmax, const int o, const int O,
                         const int OH, const int OW, const int tilesH, const int tilesW, const int n0, const int tb,
                         const int T, const int relu, const int pool) {
    const int lanes = T - tb * VT;
    vt r[16];
    TRANSFORM_2D(vt, at6v, 6, 4, v, r);
    const float b = bias[o];
#pragma unroll
    for (int k = 0; k < 16; k++) {
        r[k] += b;
        // the ReLU as relu_forward computes it: x <= 0 ? 0 : x (NaN passes through, -0 -> 0)
        if (relu) r[k] = select(r[k], (vt)(0.0f), r[k] <= (vt)(0.0f));
    }
    vti t, img, th, tw;
    lane_tiles(tb * VT, tilesH, tilesW, &t, &img, &th, &tw);
    const vti oh0 = 4 * th, ow0 = 4 * tw;
    const vti corner = ((n0 + img) * O + o) * OH * OW + oh0 * OW + ow0;
    if (pool) {
        const int POH = OH / 2, POW = OW / 2;
        vt pv[4];
        vti pa[4];
        pool_tiles(r, corner, OW, pv, pa);
        const vti pcorner = ((n0 + img) * O + o) * POH * POW + (oh0 / 2) * POW + ow0 / 2;
        if (lanes >= VT && all(oh0 + 4 <= OH && ow0 + 4 <= OW)) {
#pragma unroll
            for (int i = 0; i < 2; i++) {
#pragma unroll
                for (int l = 0; l < 8; l++) {
                    vstore2((float2)(LANE(pv[2 * i], l), LANE(pv[2 * i + 1], l)), 0, pooled + LANE(pcorner, l) + i * POW);
                    vstore2((int2)(LANE(pa[2 * i], l), LANE(pa[2 * i + 1], l)), 0, argmax + LANE(pcorner, l) + i * POW);
                }
            }
        } else {
            float tv[4][VT];
            int ta[4][VT], pcs[VT], ohs[VT], ows[VT];
            for (int k = 0; k < 4; k++) {
                vstore8(pv[k], 0, tv[k]);
                vstore8(pa[k], 0, ta[k]);
            }
            vstore8(pcorner, 0, pcs);
            vstore8(oh0, 0, ohs);
            vstore8(ow0, 0, ows);
            // a window lies in the pooled output where it lies wholly inside the convolution's output (floor division)
            for (int l = 0; l < min(lanes, VT); l++)
                for (int i = 0; i < 2; i++)
                    for (int j = 0; j < 2; j++)
                        if (ohs[l] + 2 * i + 1 < OH && ows[l] + 2 * j + 1 < OW) {
                            pooled[pcs[l] + i * POW + j] = tv[2 * i + j][l];
                            argmax[pcs[l] + i * POW + j] = ta[2 * i + j][l];
                        }
        }
        return;
    }
    if (lanes >= VT && all(oh0 + 4 <= OH && ow0 + 4 <= OW)) {
#pragma unroll
        for (int i = 0; i < 4; i++) {
            vt rows[8] = {r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3], (vt)(0.0f), (vt)(0.0f), (vt)(0.0f), (vt)(0.0f)};
            transpose8(rows);
#pragma unroll
            for (int l = 0; l < 8; l++) vstore4(rows[l].lo, 0, y + LANE(corner, l) + i * OW);
        }
    } else {
        float tmp[16][VT];
        for (int k = 0; k < 16; k++) vstore8(r[k], 0, tmp[k]);
        int cs[VT], ohs[VT], ows[VT];
        vstore8(corner, 0, cs);
        vstore8(oh0, 0, ohs);
        vstore8(ow0, 0, ows);
        for (int l = 0; l < min(lanes, VT); l++)
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                    if (ohs[l] + i < OH && ows[l] + j < OW) y[cs[l] + i * OW + j] = tmp[4 * i + j][l];
    }
}

// y = A^T M A + bias (and the ReLU where relu != 0) for the tiles of images n0 .. of the chunk; M ([e][o][t], T
// tiles) from the forward GEMM. Where pool != 0 (with relu, for conv2dReluMaxPoolForward): y is not written, and the
// 2x2 max-pool at stride 2 of each tile's outputs goes to pooled and argmax instead ([n][o][OH/2][OW/2]; a 4x4 tile holds
// whole windows). One work-item per (8 tiles, output channel).
__kernel void winograd4_output(__global const float* restrict m, __global const float* restrict bias, __global float* restrict y,
                               const int O, const int OH, const int OW, const int tilesH, const int tilesW, const int n0,
                               const int T, const int total, const int relu, __global float* restrict pooled,
                               __global int* restrict argmax, const int pool) {
    const int q = get_global_id(0);
    if (q >= total) return;
    const int TB = (T + VT - 1) / VT;
    const int tb = q % TB, o = q / TB;
    vt v[E4];
    load_lanes(m + (long)o * T + tb * VT, E4, (long)O * T, T - tb * VT, v);
    output_tiles(v, bias, y, pooled, argmax, o, O, OH, OW, tilesH, tilesW, n0, tb, T, relu, pool);
}

// ---- the whole forward pass in one kernel (CPU devices) ----
// winograd4_input, the 36 GEMMs and winograd4_output for one block of FT*8 consecutive tiles of the batch per work-group
// of one work-item: the block's V (all input channels) is built in local memory, then, FO output channels at a time,
// M[e] = U[e] . V[e] in FO x FT vector accumulators (fma over c in ascending order from 0, as gemm.cl sums, so the
// same M bits as the three kernels) and the output transform straight from those registers. V and M never leave the
// core's cache: the three-kernel path writes V (2.25x the input) and M (2.25x the output) to memory and reads them back,
// and its GEMMs are 36 short ones per chunk of images. FT * FO = 12 accumulators: one 8-wide FMA per accumulator and
// input channel, against FT vector loads of V and FO broadcasts of U (with FT 2, 8 accumulators, the pass measured
// 0.78x of the three kernels' time, with FT 3 0.57x; docs/opencl.md).
#define FT 3
#define FO 4

// vbuf: 36 * C * FT vectors of local memory, V[e][c][h] of the block (h the block's h-th vector of 8 tiles).
__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void winograd4_forward_fused(__global const float* restrict x, __global const float* restrict u,
                             __global const float* restrict bias, __global float* restrict y, __global float* restrict pooled,
                             __global int* restrict argmax, __local vt* restrict vbuf, const int N, const int C, const int H,
                             const int W, const int PT, const int PL, const int O, const int OH, const int OW,
                             const int tilesH, const int tilesW, const int relu, const int pool) {
    const int blk = get_group_id(0);
    const int T = N * tilesH * tilesW;
    // vectors of this block that hold tiles (the batch's last block may have fewer than FT)
    const int vectors = min(FT, (T - blk * FT * VT + VT - 1) / VT);
#pragma unroll 1
    for (int c = 0; c < C; c++) {
#pragma unroll 1
        for (int h = 0; h < vectors; h++) {
            vt d[E4], res[E4];
            load_tile_patches(x, blk * FT + h, c, 0, N, C, H, W, PT, PL, tilesH, tilesW, N, 0, 6, 6, d);
            TRANSFORM_2D(vt, bt6v, 6, 6, d, res);
#pragma unroll
            for (int e = 0; e < E4; e++) vbuf[(e * C + c) * FT + h] = res[e];
        }
        // a missing last vector reads as zeros
        for (int h = vectors; h < FT; h++)
            for (int e = 0; e < E4; e++) vbuf[(e * C + c) * FT + h] = (vt)(0.0f);
    }
#pragma unroll 1
    for (int o0 = 0; o0 < O; o0 += FO) {
        vt m[FO * FT * E4]; // [j][h][e]
#pragma unroll 1
        for (int e = 0; e < E4; e++) {
            // rows of U beyond O repeat the last one and are not stored
            const __global float* ur[FO];
#pragma unroll
            for (int j = 0; j < FO; j++) ur[j] = u + ((long)e * O + min(o0 + j, O - 1)) * C;
            const __local vt* ve = vbuf + e * C * FT;
            vt acc[FO][FT];
#pragma unroll
            for (int j = 0; j < FO; j++)
#pragma unroll
                for (int h = 0; h < FT; h++) acc[j][h] = (vt)(0.0f);
#pragma unroll 4
            for (int c = 0; c < C; c++) {
                vt vv[FT];
#pragma unroll
                for (int h = 0; h < FT; h++) vv[h] = ve[c * FT + h];
#pragma unroll
                for (int j = 0; j < FO; j++) {
                    const vt a = (vt)(ur[j][c]);
#pragma unroll
                    for (int h = 0; h < FT; h++) acc[j][h] = fma(a, vv[h], acc[j][h]);
                }
            }
#pragma unroll
            for (int j = 0; j < FO; j++)
#pragma unroll
                for (int h = 0; h < FT; h++) m[(j * FT + h) * E4 + e] = acc[j][h];
        }
#pragma unroll 1
        for (int j = 0; j < min(FO, O - o0); j++)
#pragma unroll 1
            for (int h = 0; h < vectors; h++)
                output_tiles(m + (j * FT + h) * E4, bias, y, pooled, argmax, o0 + j, O, OH, OW, tilesH, tilesW, 0, blk * FT + h, T,
                             relu, pool);
    }
}

// P = B d B^T of tiles tb*8 .. tb*8 + 7 (of T) and input channel c, from their dV values d[e] (lanes the tiles), into p
// as winograd4_input_grad reads it. Shared by winograd4_input_grad_tiles and winograd4_data_fused.
INLINE void store_grad_tiles(const vt* d, __global float* restrict p, const int c, const int T, const int tb) {
    const int lanes = min(T - tb * VT, VT);
    vt r[E4];
    TRANSFORM_2D(vt, b6v, 6, 6, d, r);
#pragma unroll
    for (int i = 0; i < 6; i++) {
        vt rows[8] = {r[6 * i], r[6 * i + 1], r[6 * i + 2], r[6 * i + 3], r[6 * i + 4], r[6 * i + 5], (vt)(0.0f), (vt)(0.0f)};
        transpose8(rows);
        __global float* dst = p + (((long)c * 6 + i) * T + tb * VT) * 8;
#pragma unroll
        for (int l = 0; l < VT; l++)
            if (l < lanes) vstore8(rows[l], l, dst);
    }
}

// Backward-data, first half: P = B dV B^T for each tile of the chunk (dV [e][c][t] from the GEMM), into
// p[c][i][t][8]: row i of a tile's 6x6 P as 8 floats (6 used), so that the gather below reads rows as short vectors.
// One work-item per (8 tiles, channel).
__kernel void winograd4_input_grad_tiles(__global const float* restrict dv, __global float* restrict p,
                                         const int C, const int T, const int total) {
    const int q = get_global_id(0);
    if (q >= total) return;
    const int TB = (T + VT - 1) / VT;
    const int tb = q % TB, c = q / TB;
    vt d[E4];
    load_lanes(dv + (long)c * T + tb * VT, E4, (long)C * T, min(T - tb * VT, VT), d);
    store_grad_tiles(d, p, c, T, tb);
}

// Backward-data's GEMM and first half in one kernel (CPU devices): for one block of FT*8 consecutive tiles of dM's
// T (dM: [e][o][t] from dmOffset, rows ld floats apart), per work-group of one work-item, dV[e] = U[e]^T . dM[e] into
// local memory, element e of the tile at a time (so the block's dM[e], O x FT*8 floats, is read from L1 by every block of
// FO input channels) in FO x FT vector accumulators (fma over o in ascending order from 0, as gemm.cl sums, so the same
// dV bits); then P = B dV B^T of each tile into p, as winograd4_input_grad_tiles stores it. dV never leaves the core's
// cache, where the GEMM and that kernel wrote and read it (2.25x dx) and ran 36 short GEMMs per group.
// dvl: C * FT * 36 vectors of local memory, dV[c][h][e] of the block.
__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void winograd4_data_fused(__global const float* restrict dm, const long dmOffset, const int ld,
                          __global const float* restrict u, __global float* restrict p, __local vt* restrict dvl,
                          const int C, const int O, const int T) {
    const int blk = get_group_id(0);
    const int lanes = T - blk * FT * VT; // tiles from this block's first on
    const int vectors = min(FT, (lanes + VT - 1) / VT);
    const __global float* block = dm + dmOffset + blk * FT * VT;
#pragma unroll 1
    for (int e = 0; e < E4; e++) {
        const __global float* ue = u + (long)e * O * C;
        const __global float* de = block + (long)e * O * ld;
#pragma unroll 1
        for (int c0 = 0; c0 < C; c0 += FO) {
            // U[e][o][c0 + j] at uo[j], uo stepping C floats per o; channels beyond C read the next row's values (or, for
            // the last row of U, the FO - 1 floats of padding its buffer has) into accumulators that are not stored
            const __global float* uo = ue + c0;
            vt acc[FO][FT];
#pragma unroll
            for (int j = 0; j < FO; j++)
#pragma unroll
                for (int h = 0; h < FT; h++) acc[j][h] = (vt)(0.0f);
            if (lanes >= FT * VT) {
                const __global float* dr = de;
#pragma unroll 2
                for (int o = 0; o < O; o++, uo += C, dr += ld) {
                    vt dd[FT];
#pragma unroll
                    for (int h = 0; h < FT; h++) dd[h] = vload8(h, dr);
#pragma unroll
                    for (int j = 0; j < FO; j++) {
                        const vt a = (vt)(uo[j]);
#pragma unroll
                        for (int h = 0; h < FT; h++) acc[j][h] = fma(a, dd[h], acc[j][h]);
                    }
                }
            } else {
                // the last block of dM's tiles: lanes beyond T read as 0 (and are not stored)
                for (int o = 0; o < O; o++, uo += C) {
                    vt dd[FT];
#pragma unroll
                    for (int h = 0; h < FT; h++) load_lanes(de + (long)o * ld + h * VT, 1, 0, lanes - h * VT, dd + h);
#pragma unroll
                    for (int j = 0; j < FO; j++) {
                        const vt a = (vt)(uo[j]);
#pragma unroll
                        for (int h = 0; h < FT; h++) acc[j][h] = fma(a, dd[h], acc[j][h]);
                    }
                }
            }
            for (int j = 0; j < min(FO, C - c0); j++)
#pragma unroll
                for (int h = 0; h < FT; h++) dvl[((c0 + j) * FT + h) * E4 + e] = acc[j][h];
        }
    }
#pragma unroll 1
    for (int c = 0; c < C; c++)
#pragma unroll 1
        for (int h = 0; h < vectors; h++) {
            vt d[E4];
#pragma unroll
            for (int e = 0; e < E4; e++) d[e] = dvl[(c * FT + h) * E4 + e];
            store_grad_tiles(d, p, c, T, blk * FT + h);
        }
}

// Backward-data, second half: dx for the images n0 .. of the chunk. Block (bh, bw) of input pixels, in padded
// coordinates rows 4bh .. 4bh+3 and columns 4bw .. 4bw+3, is the sum of, in this order: rows 4-5 / columns 4-5 of tile
// (bh-1, bw-1)'s P (into block rows 0-1, columns 0-1), rows 4-5 / columns 0-3 of tile (bh-1, bw), rows 0-3 /
// columns 4-5 of tile (bh, bw-1), and rows 0-3 / columns 0-3 of tile (bh, bw); missing tiles add nothing. A fixed order,
// no atomics. Where relu != 0, the ReLU's backward before the convolution follows as relu_backward computes it: the sum
// where reluOut (the ReLU's output, dx's shape) is positive, else 0. One work-item per block.
__kernel void winograd4_input_grad(__global const float* restrict p, __global float* restrict dx,
                                   __global const float* restrict reluOut, const int relu,
                                   const int C, const int H, const int W, const int PT, const int PL,
                                   const int tilesH, const int tilesW, const int n0, const int T, const int total) {
    const int BH = (H + PT + 3) / 4, BW = (W + PL + 3) / 4;
    const int q = get_global_id(0);
    if (q >= total) return;
    const int bw = q % BW, bh = (q / BW) % BH, c = (q / (BW * BH)) % C, ic = q / (BW * BH * C);
    const int perImage = tilesH * tilesW;
    const __global float* pc = p + (long)c * 6 * T * 8;
    const long rowStep = (long)T * 8; // from row i of P to row i + 1
    const bool up = bh >= 1 && bh - 1 < tilesH, here = bh < tilesH, left = bw >= 1 && bw - 1 < tilesW, right = bw < tilesW;
    float4 acc[4] = {(float4)(0.0f), (float4)(0.0f), (float4)(0.0f), (float4)(0.0f)};
    if (up && left) {
        const __global float* s = pc + ((long)ic * perImage + (bh - 1) * tilesW + bw - 1) * 8 + 4 * rowStep + 4;
        acc[0].s01 += vload2(0, s);
        acc[1].s01 += vload2(0, s + rowStep);
    }
    if (up && right) {
        const __global float* s = pc + ((long)ic * perImage + (bh - 1) * tilesW + bw) * 8 + 4 * rowStep;
        acc[0] += vload4(0, s);
        acc[1] += vload4(0, s + rowStep);
    }
    if (here && left) {
        const __global float* s = pc + ((long)ic * perImage + bh * tilesW + bw - 1) * 8 + 4;
#pragma unroll
        for (int i = 0; i < 4; i++) acc[i].s01 += vload2(0, s + i * rowStep);
    }
    if (here && right) {
        const __global float* s = pc + ((long)ic * perImage + bh * tilesW + bw) * 8;
#pragma unroll
        for (int i = 0; i < 4; i++) acc[i] += vload4(0, s + i * rowStep);
    }
    const long planeOffset = ((long)(n0 + ic) * C + c) * H * W;
    __global float* plane = dx + planeOffset;
    const __global float* reluPlane = reluOut + planeOffset;
    const int ih0 = 4 * bh - PT, iw0 = 4 * bw - PL;
    if (ih0 >= 0 && ih0 + 4 <= H && iw0 >= 0 && iw0 + 4 <= W) {
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const long at = (long)(ih0 + i) * W + iw0;
            vstore4(relu ? select((float4)(0.0f), acc[i], vload4(0, reluPlane + at) > (float4)(0.0f)) : acc[i], 0, plane + at);
        }
    } else {
        for (int i = 0; i < 4; i++) {
            float a[4];
            vstore4(acc[i], 0, a);
            for (int j = 0; j < 4; j++) {
                const long at = (long)(ih0 + i) * W + iw0 + j;
                if (ih0 + i >= 0 && ih0 + i < H && iw0 + j >= 0 && iw0 + j < W) plane[at] = relu && !(reluPlane[at] > 0.0f) ? 0.0f : a[j];
            }
        }
    }
}

// out = G^T s (6 -> 3, the adjoint of g3), on vectors
INLINE void gt6v(const vt* s, vt* out) {
    out[0] = 0.25f * s[0] - (s[1] + s[2]) / 6.0f + (s[3] + s[4]) / 24.0f;
    out[1] = (s[2] - s[1]) / 6.0f + (s[3] - s[4]) / 12.0f;
    out[2] = (s[3] + s[4] - s[1] - s[2]) / 6.0f + s[5];
}

// dw[o][c] = G^T (sum over groups, in order, of part[g][e][o][c]) G; part holds dU per group ([g][e][o][c]).
// One work-item per 8 consecutive (o, c), one per lane (scalar, it took 2.3% of an epoch's samples).
__kernel void winograd4_weights_grad(__global const float* restrict part, __global float* restrict dw,
                                     const int O, const int C, const int groups) {
    const int q0 = get_global_id(0) * VT;
    if (q0 >= O * C) return;
    const long plane = (long)O * C;
    const int lanes = min(VT, O * C - q0);
    vt s[E4], r[9];
#pragma unroll
    for (int e = 0; e < E4; e++) s[e] = (vt)(0.0f);
    for (int g = 0; g < groups; g++) {
        vt t[E4];
        load_lanes(part + (long)g * E4 * plane + q0, E4, plane, lanes, t);
#pragma unroll
        for (int e = 0; e < E4; e++) s[e] += t[e];
    }
    TRANSFORM_2D(vt, gt6v, 6, 3, s, r);
    float tmp[9][VT];
#pragma unroll
    for (int i = 0; i < 9; i++) vstore8(r[i], 0, tmp[i]);
    for (int l = 0; l < lanes; l++)
        for (int i = 0; i < 9; i++) dw[(long)(q0 + l) * 9 + i] = tmp[i][l];
}
