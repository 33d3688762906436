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
 * is the tile index. The transforms are the forward's input transform (V) and backward-data's
 * gradient transform (dM), vectorised across tiles into canonical rows; each is then cut into the
 * GEMM's packed panels (pack_rows_panel: MR rows of dM, NRT rows of V interleaved per tile). The
 * images of a group (wg_tasks_of) are side by side, so one GEMM runs over all their tiles (K = 72 at
 * conv2's shape rather than 36 per image). Fixed batch chunks, groups in order within a chunk, and
 * the chunks reduced in order: the sums do not depend on the thread count.
 *
 * The same driver runs the fused op that starts from the gradient of a max-pool + dropout after the
 * convolution's ReLU (splot_pool_relu_conv2d_backward): each image's dy is built in the task's
 * scratch (dropout_maxpool_relu_plane, the bits of the unfused op) and never stored, and its dM
 * serves backward-data's GEMM (as wg_conv_bwd_data, same bits) as well as the weights'. Against the
 * three ops one by one, that saves writing dy (19 MB at conv2's shape, batch 128) and reading it
 * twice, and one of the two dM transforms. */

/* Where the pass finds image n's dy (O planes of oh x ow): the tensor, or the fused op's build. */
struct wg_dy_source {
    const float* dy; /* [n, o, oh, ow]; NULL: built from the fields below */
    const float *pdy, *mask, *relu_y; /* dropout_maxpool_relu_bwd's inputs: pooled gradient, mask, the pool's input */
    const int* arg;
    long pooled; /* pooled values per plane */

    /* image n's dy: in the tensor, or built into buf (O oh ow floats) */
    const float* image(int n, const splot_conv_geom& g, float* buf) const {
        const long plane = (long)g.oh * g.ow;
        if (dy) return dy + (long)n * g.o * plane;
        for (int o = 0; o < g.o; ++o)
            dropout_maxpool_relu_plane(pdy, mask, arg, relu_y, (long)n * g.o + o, plane, pooled, buf + o * plane);
        return buf;
    }
};

/* Rows per transform chunk: whole W-wide panels, about 16 rows (the last chunk may end in a partial
 * panel). */
template <int W>
static inline int wg_bw_chunk_rows() { return W * imax(1, 16 / W); }

/* Rows [0, rows) of E canonical planes (plane e at src + e*sx, row r at + r*ld, K columns) cut into
 * W-wide panels: plane e's panel p at dst + e*esz + p*K*W, panels in order (pack_rows_panel's spill).
 * src must be readable for `readable` rows. */
template <int W>
static void wg_bw_pack_rows(int rows, int readable, int K, int E, const float* src, long sx, int ld, float* dst, long esz) {
    for (int e = 0; e < E; ++e)
        for (int i = 0; i < rows; i += W)
            pack_rows_panel<W>(imin(W, rows - i), K, src + e * sx + (long)i * ld, ld, readable - i, dst + e * esz + (long)(i / W) * K * W);
}

/* dw, db (and, with dx, backward-data into dx, masked by g.relu_y where given) from the dy of src. */
template <class WG, int NRT>
static void wg_conv_bwd_nr(int threads, const wg_dy_source& src, const float* x, const float* w, float* dx, float* dw, float* db,
                           const splot_conv_geom& g) {
    constexpr int E = WG::E;
    const wg_shape s = wg_shape_of(g, WG::M, WG::PHASE_ALIGN);
    const int O = g.o, C = g.c, TB = WG::block();
    const wg_tasks tk = wg_tasks_of(s.T, TB, g.n);
    const int ipg = tk.ipg, ld = tk.ld, KM = ipg > 1 ? ipg * s.T : TB; /* most tiles in one GEMM */
    const int opn = (O + MR - 1) / MR, cpn = (C + NRT - 1) / NRT;
    const long dyo = (long)(WG::M * s.TH) * (WG::M * s.TW); /* one output channel's floats in WG::pad_grad's layout */
    const long xps = (long)C * s.Hp * s.Wp + 2 * VW, dyps = O * dyo + VW, img = (long)O * g.oh * g.ow;
    const long dxps = (long)C * s.Hp * s.Wp + 2 * VW + 1;
    /* dM in canonical rows, all O of them (backward-data's GEMM reads them in place); V a chunk of
     * rows at a time; each plus the 8 rows the packing may read past its last panel (so that a
     * partial panel also goes through the 8x8 transposes); the packed panels, each plane padded to
     * whole cache lines and PACK_SPILL floats the packing may write past it */
    const long gsx = wg_plane_stride((long)(O + 8) * ld), csx = wg_plane_stride((long)(wg_bw_chunk_rows<NRT>() + 8) * ld);
    const long asz = wg_plane_stride((long)opn * MR * KM + PACK_SPILL), bsz = wg_plane_stride((long)cpn * NRT * KM + PACK_SPILL);
    const long vsx = wg_plane_stride(wg_gemm_plane_rows(C) * ld), apsz = (long)((C + MR - 1) / MR) * MR * O;
    const int G = imin(g.n, 16); /* fixed batch chunks, independent of the thread count */
    const long OC = (long)O * C, part = E * OC + O;
    Scratch<float> parts(SCRATCH_OP_PACKED, (size_t)(G * part + (dx ? E * apsz : 0)));
    Scratch<float> U(SCRATCH_OP_WEIGHTS, dx ? (size_t)E * OC : 1);
    Scratch<int> koff(SCRATCH_OP_TABLE, (size_t)O);
    float* const Ap = parts + G * part; /* backward-data's A: U[e]^T, packed */
    if (dx) {
        WG::weights(w, O, C, U);
        for (int e = 0; e < E; ++e) pack_a_all(C, O, U + (long)e * OC, 1, C, Ap + e * apsz);
        for (int o = 0; o < O; ++o) koff[o] = o * ld;
    }
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int gi = 0; gi < G; ++gi) {
        float* acc = parts + gi * part;
        for (long i = 0; i < part; ++i) acc[i] = 0.0f;
        Scratch<float> xp(SCRATCH_TASK_INPUT, (size_t)ipg * xps);
        Scratch<float> dyp(SCRATCH_TASK_TEMP1, (size_t)(ipg * dyps + (src.dy ? 0 : ipg * img)));
        Scratch<float> Mg(SCRATCH_TASK_TEMP2, (size_t)E * (gsx + csx));
        Scratch<float> Am(SCRATCH_TASK_TEMP3, (size_t)E * (asz + bsz));
        Scratch<float> dV(SCRATCH_TASK_TEMP4, dx ? (size_t)(E * vsx + ipg * dxps + wg_tmp_floats<WG>(TB)) : 1);
        float *const rows = Mg + E * gsx, *const Bv = Am + E * asz, *const built = dyp + ipg * dyps;
        float *const dxp = dV + E * vsx, *const tmp = dxp + ipg * dxps;
        const int n0 = (int)((long)gi * g.n / G), n1 = (int)((long)(gi + 1) * g.n / G);
        for (int na = n0; na < n1; na += ipg) {
            const int ni = imin(ipg, n1 - na);
            for (int i = 0; i < ni; ++i) {
                const float* dyn = src.image(na + i, g, built + i * img);
                WG::pad_input(x + (long)(na + i) * C * g.h * g.w, C, g, s, xp + i * xps);
                WG::pad_grad(dyn, O, s, g, dyp + i * dyps);
                for (int o = 0; o < O; ++o) acc[E * OC + o] += wg_sum(dyn + (long)o * g.oh * g.ow, g.oh * g.ow);
                if (dx)
                    for (long k = 0; k < (long)C * s.Hp * s.Wp; ++k) dxp[i * dxps + k] = 0.0f;
            }
            for (int t0 = 0; t0 < s.T; t0 += TB) { /* grouped images (ipg > 1) are one block each */
                const int nb = imin(TB, s.T - t0), K = ni * nb;
                /* image i's tiles at columns i*nb..; each transform's slack past its columns is rewritten by the next */
                for (int i = 0; i < ni; ++i) WG::grad_flat(dyp + i * dyps, O, s, t0, nb, Mg + i * nb, gsx, ld);
                if (dx) { /* as wg_conv_bwd_data */
                    for (int e = 0; e < E; ++e) wg_gemm_rows(C, K, O, Ap + e * apsz, Mg + e * gsx, koff, dV + e * vsx, ld);
                    for (int i = 0; i < ni; ++i) WG::input_grad_rows(dV + i * nb, vsx, ld, C, s, t0, nb, dxp + i * dxps, tmp);
                }
                wg_bw_pack_rows<MR>(O, O + 8, K, E, Mg, gsx, ld, Am, asz);
                const int CH = wg_bw_chunk_rows<NRT>();
                for (int c0 = 0; c0 < C; c0 += CH) { /* V a chunk of channels at a time, so its rows stay in L2 */
                    const int nc = imin(CH, C - c0);
                    for (int i = 0; i < ni; ++i)
                        WG::input_rows(xp + i * xps + (long)c0 * s.Hp * s.Wp, nc, s, t0, nb, rows + i * nb, csx, ld);
                    wg_bw_pack_rows<NRT>(nc, CH + 8, K, E, rows, csx, ld, Bv + (long)(c0 / NRT) * K * NRT, bsz);
                }
                for (int e = 0; e < E; ++e)
                    for (int i = 0; i < O; i += MR)
                        for (int j = 0; j < C; j += NRT)
                            tile<NRT>(K, Am + e * asz + (long)(i / MR) * K * MR, Bv + e * bsz + (long)(j / NRT) * K * NRT,
                                      acc + e * OC + (long)i * C + j, C, imin(MR, O - i), imin(NRT, C - j), nullptr, true);
            }
            for (int i = 0; dx && i < ni; ++i) {
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
    const wg_dy_source src = {dy, nullptr, nullptr, nullptr, nullptr, 0};
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
    static void weight_grad(const float du[16], float* dw) { wg_weight_grad(du, dw); }
};
