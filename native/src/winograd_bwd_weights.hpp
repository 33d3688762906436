/* Winograd backward-weights for F(2x2) and F(4x4) alike (see winograd.hpp for the algorithm), and
 * F(2x2)'s tile type Wg2. Part of the ops written once per ISA (see ops.hpp). */
#pragma once
#include "fused.hpp"
#include "winograd.hpp"

/* Sum of p[0..n) in 16 interleaved partial sums added in a fixed order: vectorisable, and the
 * same on every thread count (a single running sum would be a chain of n dependent adds). */
static inline float wg_sum(const float* p, int n) {
    float lane[16] = {0};
    int i = 0;
    for (; i + 16 <= n; i += 16)
#pragma GCC unroll 16
        for (int l = 0; l < 16; ++l) lane[l] += p[i + l];
    for (; i < n; ++i) lane[i & 15] += p[i];
    float sum = 0.0f;
    for (int l = 0; l < 16; ++l) sum += lane[l];
    return sum;
}

/* ---- backward-weights, and the fused backward from a max-pool ---------------------------------
 * dU[e] (O x C) = sum over the batch's tiles of dM[e] (O x tiles) V[e]^T (tiles x C): the GEMM's K
 * is the tile index, so dM is written as the packed A operand (MR channels interleaved per tile)
 * and V as the packed B operand (NRT channels per tile), by transforms vectorised across channels
 * on channel-last copies of the image and of dy. Fixed batch chunks, images in order within a
 * chunk, and the chunks reduced in order: the sums do not depend on the thread count.
 *
 * The same driver runs the fused op that starts from the gradient of a max-pool + dropout after the
 * convolution's ReLU (splot_pool_relu_conv2d_backward): each image's dy is built in the task's
 * scratch (dropout_maxpool_relu_plane, the bits of the unfused op) and never stored, and serves
 * backward-data (as wg_conv_bwd_data: images grouped by wg_tasks_of, same bits) as well as the
 * weights. Against the three ops one by one, that saves writing dy (19 MB at conv2's shape, batch
 * 128) and reading it twice from memory.
 *
 * (Tried: the weights' transforms vectorised across tiles, as the other passes', then cut into
 * panels with 8x8 transposes, sharing dM with backward-data and one GEMM over an image group: the
 * panel cutting cost more than the channel-last copies, 3% more of the whole step.) */

/* dst[r][q][c] (Hp x Wp x C) = the padded plane of channel c (image at (pt, pl)). */
static void wg_pad_hwc(const float* x, int C, int H, int W, int pt, int pl, int Hp, int Wp, float* dst) {
    const int w0 = imax(0, -pl), w1 = imin(W, Wp - pl), h0 = imax(0, -pt), h1 = imin(H, Hp - pt); /* what lands inside */
    /* zero only the border the copy below leaves: a second full pass over dst cost as much as the copy */
    for (int r = 0; r < Hp; ++r) {
        float* row = dst + (long)r * Wp * C;
        const bool inside = r >= h0 + pt && r < h1 + pt && w0 < w1;
        const long a = inside ? (long)(w0 + pl) * C : (long)Wp * C, b = inside ? (long)(w1 + pl) * C : (long)Wp * C;
        for (long i = 0; i < a; ++i) row[i] = 0.0f;
        for (long i = b; i < (long)Wp * C; ++i) row[i] = 0.0f;
    }
    const long plane = (long)H * W;
    int c0 = 0;
#ifdef SPLOT_HAVE_TRANSPOSE8
    /* 8 channels at a time, each read front to back (8 sequential streams for the prefetcher) */
    for (; c0 + 8 <= C; c0 += 8)
        for (int ih = h0; ih < h1; ++ih) {
            const float* src = x + c0 * plane + (long)ih * W;
            float* d = dst + ((long)(ih + pt) * Wp + pl) * C + c0; /* (r, q = iw + pl, c) at d[iw*C + c - c0] */
            int iw = w0;
            for (; iw + 8 <= w1; iw += 8) transpose8(src + iw, plane, d + (long)iw * C, C);
            for (; iw < w1; ++iw)
                for (int c = 0; c < 8; ++c) d[(long)iw * C + c] = src[c * plane + iw];
        }
#endif
    for (int c = c0; c < C; ++c)
        for (int ih = h0; ih < h1; ++ih) {
            const float* src = x + c * plane + (long)ih * W;
            float* d = dst + ((long)(ih + pt) * Wp + pl) * C + c;
            for (int iw = w0; iw < w1; ++iw) d[(long)iw * C] = src[iw];
        }
}

/* f(q, o, c) for channel c of each panel of P channels of one pixel p (channel-last): q = the
 * panel's first channel at p, o = the panel's slot of out (out + panel * pstride). The transforms
 * below write element e of channel c of the panel to o[e*sx + c]. */
template <class F>
static inline void wg_hwc_panels(const float* p, int C, float* out, int P, long pstride, F f) {
    for (int c0 = 0; c0 < C; c0 += P) {
        const int pc = imin(P, C - c0);
        float* __restrict o = out + (long)(c0 / P) * pstride;
        const float* __restrict q = p + c0;
#pragma GCC ivdep
        for (int c = 0; c < pc; ++c) f(q, o, c);
    }
}

/* V = B^T d B over the channels, for tile ty, tx, written to out[e*sx + (c/P)*pstride + c%P]. */
static inline void wg_input_hwc(const float* xh, int C, int Wp, int ty, int tx, float* out, long sx, int P, long pstride) {
    const long rs = (long)Wp * C;
    wg_hwc_panels(xh + ((long)(2 * ty) * Wp + 2 * tx) * C, C, out, P, pstride, [&](const float* __restrict q, float* __restrict o, int c) {
            float u[4][4];
#pragma GCC unroll 4
            for (int k = 0; k < 4; ++k) {
                const float d0 = q[k * C + c], d1 = q[rs + k * C + c], d2 = q[2 * rs + k * C + c], d3 = q[3 * rs + k * C + c];
                u[0][k] = d0 - d2;
                u[1][k] = d1 + d2;
                u[2][k] = d2 - d1;
                u[3][k] = d1 - d3;
            }
#pragma GCC unroll 4
            for (int i = 0; i < 4; ++i) {
                o[(i * 4 + 0) * sx + c] = u[i][0] - u[i][2];
                o[(i * 4 + 1) * sx + c] = u[i][1] + u[i][2];
                o[(i * 4 + 2) * sx + c] = u[i][2] - u[i][1];
                o[(i * 4 + 3) * sx + c] = u[i][1] - u[i][3];
            }
    });
}

/* dM = A dY A^T over the channels, for tile ty, tx of dyh (2TH x 2TW x O, zero beyond OH / OW). */
static inline void wg_grad_hwc(const float* dyh, int O, int W2, int ty, int tx, float* out, long sx, int P, long pstride) {
    const long rs = (long)W2 * O;
    wg_hwc_panels(dyh + ((long)(2 * ty) * W2 + 2 * tx) * O, O, out, P, pstride, [&](const float* __restrict q, float* __restrict d, int o) {
            const float a0 = q[o], a1 = q[O + o], b0 = q[rs + o], b1 = q[rs + O + o];
            const float x[4][2] = {{a0, a1}, {a0 + b0, a1 + b1}, {a0 - b0, a1 - b1}, {-b0, -b1}};
#pragma GCC unroll 4
            for (int i = 0; i < 4; ++i) {
                d[(i * 4 + 0) * sx + o] = x[i][0];
                d[(i * 4 + 1) * sx + o] = x[i][0] + x[i][1];
                d[(i * 4 + 2) * sx + o] = x[i][0] - x[i][1];
                d[(i * 4 + 3) * sx + o] = -x[i][1];
            }
    });
}

/* Where the pass finds image n's dy (O planes of oh x ow): the tensor, or the fused op's build. */
struct wg_dy_source {
    const float* dy; /* [n, o, oh, ow]; NULL: built from the fields below */
    const float *pdy, *mask, *pooled; /* dropout_maxpool_relu_bwd's inputs: pooled gradient, mask, the pool's output */
    const int* arg;
    int pooled_h, pooled_w; /* pooled rows and columns per plane */
    int* bad;               /* set to 1 where an argmax lay outside its plane (skipped) */

    /* builds image n's dy into buf (O oh ow floats); only without dy */
    void build(int n, const splot_conv_geom& g, float* buf) const {
        const long plane = (long)g.oh * g.ow;
        for (int o = 0; o < g.o; ++o) {
            const long nc = (long)n * g.o + o;
            if (dropout_maxpool_relu_plane(pdy, mask, arg, pooled, nc, g.oh, g.ow, pooled_h, pooled_w, buf + o * plane))
                __atomic_store_n(bad, 1, __ATOMIC_RELAXED);
        }
    }
};

/* dw, db (and, with dx, backward-data into dx, masked by g.relu_y where given) from the dy of src. */
template <class WG, int NRT>
static void wg_conv_bwd_nr(int threads, const wg_dy_source& src, const float* x, const float* w, float* dx, float* dw, float* db,
                           const splot_conv_geom& g) {
    constexpr int E = WG::E;
    const wg_shape s = wg_shape_of(g, WG::M, WG::PHASE_ALIGN);
    const int O = g.o, C = g.c, TB = WG::block(), H2 = WG::M * s.TH, W2 = WG::M * s.TW;
    /* images grouped as wg_conv_bwd_data's (for the weights too: a group is one block, its tiles the K of
     * one GEMM, so each partial sum of the gradient is loaded and stored once per group, not per image) */
    const wg_tasks tk = wg_tasks_of(s.T, TB, g.n);
    const int ipg = tk.ipg, ld = tk.ld, WB = ipg > 1 ? ipg * s.T : TB; /* a weights block's tiles, at most */
    const int opn = (O + MR - 1) / MR, cpn = (C + NRT - 1) / NRT;
    const long asx = wg_plane_stride((long)opn * MR * WB), bsx = wg_plane_stride((long)cpn * NRT * WB);
    const int Opad = (O + VW - 1) / VW * VW;
    const long img = (long)O * g.oh * g.ow, dyps = (long)O * H2 * W2 + VW, dxps = (long)C * s.Hp * s.Wp + 2 * VW + 1;
    /* dM's planes carry 8 rows past O: the panel cutting reads 8 rows at a time (pack_rows_panel) */
    const long gsx = wg_plane_stride((long)(O + 8) * ld), vsx = wg_plane_stride(wg_gemm_plane_rows(C) * ld);
    const long apsz = wg_packed_a_floats(C, O);
    const int G = imin(g.n, 16); /* fixed batch chunks, independent of the thread count */
    const long OC = (long)O * C, part = E * OC + O;
    Scratch<float> parts(SCRATCH_OP_PACKED, (size_t)(G * part + (dx ? E * apsz : 0)));
    Scratch<float> U(SCRATCH_OP_WEIGHTS, dx ? (size_t)E * OC : 1);
    Scratch<int> koff(SCRATCH_OP_TABLE, (size_t)O);
    float* const Ap = parts + G * part; /* backward-data's A: U[e]^T, packed */
    if (dx) {
        WG::weights(w, O, C, U);
        for (int e = 0; e < E; ++e) pack_a_all<WG_MR>(C, O, U + (long)e * OC, 1, C, Ap + e * apsz);
        for (int o = 0; o < O; ++o) koff[o] = o * ld;
    }
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int gi = 0; gi < G; ++gi) {
        /* the chunk's partial sums: the first block of its first group writes dU's (the same bits as adding
         * to zeros, without zeroing 16 chunks of 0.3 MB at conv2's shape first), db's are zeroed */
        float* acc = parts + gi * part;
        for (long i = E * OC; i < part; ++i) acc[i] = 0.0f;
        /* the weights' buffers: channel-last x (then the images' built dy) and, alone, dy; the packed
         * operands, and one tile's dM over all O channels (plane stride Opad) before it is cut into MR
         * panels (the transform vectorises over whole vectors of channels, not over MR at a time) */
        const long xhs = (long)s.Hp * s.Wp * C, dyhs = (long)H2 * W2 * O; /* an image's channel-last x, dy */
        Scratch<float> xh(SCRATCH_TASK_INPUT, (size_t)(ipg * xhs + (src.dy ? 0 : ipg * img)));
        Scratch<float> dyh(SCRATCH_TASK_TEMP1, dx ? 1 : (size_t)(ipg * dyhs));
        Scratch<float> Am(SCRATCH_TASK_TEMP2, (size_t)(E * asx + E * Opad));
        Scratch<float> Bv(SCRATCH_TASK_TEMP3, (size_t)E * bsx);
        /* backward-data's: dy phases, dM, dV, padded dx and the transform's rows */
        Scratch<float> bd(SCRATCH_TASK_TEMP4, dx ? (size_t)(ipg * dyps + E * gsx + E * vsx + ipg * dxps + wg_tmp_floats<WG>(TB)) : 1);
        float *const built = xh + ipg * xhs, *const dm1 = Am + E * asx;
        float *const dyp = bd, *const Mg = dyp + ipg * dyps, *const dV = Mg + E * gsx, *const dxp = dV + E * vsx, *const tmp = dxp + ipg * dxps;
        const int n0 = (int)((long)gi * g.n / G), n1 = (int)((long)(gi + 1) * g.n / G);
        for (int na = n0; na < n1; na += ipg) {
            const int ni = imin(ipg, n1 - na);
            if (!src.dy)
                for (int i = 0; i < ni; ++i) src.build(na + i, g, built + i * img);
            auto dyn = [&](int i) { return src.dy ? src.dy + (long)(na + i) * img : built + i * img; };
            /* one block [t0, t0 + nb) of the group's weight gradient, its ni images side by side (column j: image
             * j / nb, tile t0 + j % nb): V of the tiles from xh (the images' channel-last copies) as the packed B;
             * dM as the packed A, by am(j, i, ty, tx, cols) tile by tile unless packed before, or (dm not NULL)
             * read in place from dM's rows (dm + e*gsx + o*ld, the images' columns side by side) for whole MR
             * panels; K = the group's cols tiles */
            auto weights_block = [&](int t0, int nb, auto am, const float* dm) {
                const int cols = ni * nb;
                const bool accumulate = na > n0 || t0 > 0;
                for (int j = 0; j < cols; ++j) {
                    const int i = j / nb, t = t0 + j % nb, ty = t / s.TW, tx = t % s.TW;
                    am(j, i, ty, tx, cols);
                    WG::input_hwc(xh + i * xhs, C, s.Wp, ty, tx, Bv + (long)j * NRT, bsx, NRT, (long)cols * NRT);
                }
                for (int e = 0; e < E; ++e)
                    for (int r = 0; r < O; r += MR)
                        for (int c = 0; c < C; c += NRT) {
                            const float* b = Bv + e * bsx + (long)(c / NRT) * cols * NRT;
                            float* out = acc + e * OC + (long)r * C + c;
                            if (dm && r + MR <= O)
                                tile_rows<NRT>(cols, dm + e * gsx + (long)r * ld, ld, b, out, C, imin(NRT, C - c), accumulate);
                            else
                                tile<NRT>(cols, Am + e * asx + (long)(r / MR) * cols * MR, b, out, C, imin(MR, O - r),
                                          imin(NRT, C - c), nullptr, accumulate);
                        }
            };
            auto pad_x = [&](int i) { wg_pad_hwc(x + (long)(na + i) * C * g.h * g.w, C, g.h, g.w, g.pt, g.pl, s.Hp, s.Wp, xh + i * xhs); };
            for (int i = 0; i < ni; ++i) {
                for (int o = 0; o < O; ++o) acc[E * OC + o] += wg_sum(dyn(i) + (long)o * g.oh * g.ow, g.oh * g.ow);
                pad_x(i);
            }
            if (!dx) { /* backward-weights alone: dM of each tile over the channels of dy's channel-last copy */
                for (int i = 0; i < ni; ++i) wg_pad_hwc(dyn(i), O, g.oh, g.ow, 0, 0, H2, W2, dyh + i * dyhs);
                for (int t0 = 0; t0 < s.T; t0 += TB)
                    weights_block(t0, imin(TB, s.T - t0), [&](int j, int i, int ty, int tx, int cols) {
                        WG::grad_hwc(dyh + i * dyhs, O, W2, ty, tx, dm1, Opad, O, 0);
                        for (int e = 0; e < E; ++e)
                            for (int r = 0; r < O; r += MR) {
                                const float* from = dm1 + (long)e * Opad + r;
                                float* to = Am + e * asx + (long)(r / MR) * cols * MR + (long)j * MR;
                                if (r + MR <= O)
                                    memcpy(to, from, MR * sizeof(float)); /* a fixed size: a few vector moves */
                                else
                                    for (int q = 0; q < O - r; ++q) to[q] = from[q];
                            }
                    }, nullptr);
                continue;
            }
            /* the fused op: backward-data of the group as wg_conv_bwd_data, and the weights from the same
             * dM (the same values as the channel-last transform's); the sums run in backward-weights' order */
            for (int i = 0; i < ni; ++i) {
                WG::pad_grad(dyn(i), O, s, g, dyp + i * dyps);
                for (long k = 0; k < (long)C * s.Hp * s.Wp; ++k) dxp[i * dxps + k] = 0.0f;
            }
            for (int t0 = 0; t0 < s.T; t0 += TB) {
                const int nb = imin(TB, s.T - t0);
                for (int i = 0; i < ni; ++i) WG::grad_flat(dyp + i * dyps, O, s, t0, nb, Mg + i * nb, gsx, ld);
                for (int e = 0; e < E; ++e) wg_gemm_rows(C, ni * nb, O, Ap + e * apsz, Mg + e * gsx, koff, dV + e * vsx, ld);
                for (int i = 0; i < ni; ++i) WG::input_grad_rows(dV + i * nb, vsx, ld, C, s, t0, nb, dxp + i * dxps, tmp);
                /* whole MR panels of dM are read in place by the weights' GEMM; only a last partial one
                 * is packed (zero rows past O), as all of them were before: 3-4% of a step (perf) */
                if (O % MR)
                    for (int e = 0; e < E; ++e)
                        pack_rows_panel<MR>(O % MR, ni * nb, Mg + e * gsx + (long)(O - O % MR) * ld, ld, O % MR + 8,
                                            Am + e * asx + (long)((O - O % MR) / MR) * ni * nb * MR);
                weights_block(t0, nb, [](int, int, int, int, int) {}, Mg);
            }
            for (int i = 0; i < ni; ++i) {
                const long off = (long)(na + i) * C * g.h * g.w;
                WG::unpad(dxp + i * dxps, C, s, g, dx + off);
                if (g.relu_y) wg_relu_mask(dx + off, g.relu_y + off, (long)C * g.h * g.w);
            }
        }
    }
    /* the chunks' sums, in chunk order, into chunk 0's slots: contiguous runs (vectorised), where
     * a gather of E x G values per weight cost 10% of the pass */
    const long runs = E * OC, RUN = 1024;
#pragma omp parallel for schedule(static) num_threads(par_threads(threads, (double)G * part))
    for (long r0 = 0; r0 < runs; r0 += RUN) {
        const long r1 = r0 + RUN < runs ? r0 + RUN : runs;
        for (int gi = 1; gi < G; ++gi) {
            const float* __restrict sp = parts + gi * part;
            float* __restrict sum = parts;
            for (long i = r0; i < r1; ++i) sum[i] += sp[i];
        }
    }
#pragma omp parallel for schedule(static) num_threads(par_threads(threads, (double)part))
    for (long oc = 0; oc < OC; ++oc) {
        float du[E];
        for (int e = 0; e < E; ++e) du[e] = parts[e * OC + oc];
        WG::weight_grad(du, dw + oc * 9);
    }
    for (int o = 0; o < O; ++o) {
        float sum = parts[E * OC + o];
        for (int gi = 1; gi < G; ++gi) sum += parts[gi * part + E * OC + o];
        db[o] = sum;
    }
}

/* wg_conv_bwd_nr at the panel width that wastes fewer padded columns of C. */
template <class WG>
static void wg_conv_bwd(int threads, const wg_dy_source& src, const float* x, const float* w, float* dx, float* dw, float* db,
                        const splot_conv_geom& g) {
    if (prefer_nr_alt(g.c))
        wg_conv_bwd_nr<WG, NR_ALT>(threads, src, x, w, dx, dw, db, g);
    else
        wg_conv_bwd_nr<WG, NR>(threads, src, x, w, dx, dw, db, g);
}

template <class WG>
static void wg_conv_bwd_weights(int threads, const float* x, const float* dy, float* dw, float* db, const splot_conv_geom& g) {
    const wg_dy_source src = {dy, nullptr, nullptr, nullptr, nullptr, 0, 0, nullptr};
    wg_conv_bwd<WG>(threads, src, x, nullptr, nullptr, dw, db, g);
}

/* The F(2x2,3x3) tile type for the shared drivers (see winograd.hpp). */
struct Wg2 {
    static constexpr int M = 2, E = 16, PHASE_ALIGN = 1;
    static int block() { return wg_block(); }
    static void weights(const float* w, int O, int C, float* U) { wg_weights(w, O, C, U); }
    static void pad_input(const float* xn, int C, const splot_conv_geom& g, const wg_shape& s, float* xp) {
        wg_pad_deint(xn, C, g.h, g.w, g.pt, g.pl, s.Hp, s.TW + 1, xp);
    }
    static void input_rows(const float* xp, int C, const wg_shape& s, int t0, int nb, float* V, long sx, int ld) {
        wg_input_rows(xp, C, s, t0, nb, V, sx, ld);
    }
    static void output_rows(const float* M, long sx, int ld, int O, const wg_shape& s, const splot_conv_geom& g, int t0, int nb,
                            const float* bias, float* y, float* tmp) {
        wg_output_rows(M, sx, ld, O, s, g, t0, nb, bias, y, tmp);
    }
    static void pad_grad(const float* dyn, int O, const wg_shape& s, const splot_conv_geom& g, float* dyp) {
        wg_pad_grad_quarters(dyn, O, s, g, dyp);
    }
    static void grad_flat(const float* dyp, int O, const wg_shape& s, int t0, int nb, float* Mg, long sx, int ld) {
        wg_grad_flat(dyp, O, s, t0, nb, Mg, sx, ld);
    }
    static void input_grad_rows(const float* V, long sx, int ld, int C, const wg_shape& s, int t0, int nb, float* dxp, float* tmp) {
        wg_input_grad_rows(V, sx, ld, C, s, t0, nb, dxp, tmp);
    }
    static void unpad(const float* dxp, int C, const wg_shape& s, const splot_conv_geom& g, float* dxn) {
        wg_unpad_deint(dxp, C, s, g, dxn);
    }
    static void grad_hwc(const float* dyh, int O, int W2, int ty, int tx, float* out, long sx, int P, long pstride) {
        wg_grad_hwc(dyh, O, W2, ty, tx, out, sx, P, pstride);
    }
    static void input_hwc(const float* xh, int C, int Wp, int ty, int tx, float* out, long sx, int P, long pstride) {
        wg_input_hwc(xh, C, Wp, ty, tx, out, sx, P, pstride);
    }
    static void weight_grad(const float du[16], float* dw) { wg_weight_grad(du, dw); }
};
