/* The three convolution entry points: each picks Winograd F(2x2) or F(4x4) (3x3 stride 1,
 * winograd.hpp, winograd4.hpp), a direct loop (backward-weights, stride 1 with at most 16 taps,
 * conv_direct.hpp), the implicit GEMM (other stride-1 shapes, conv_implicit.hpp) or
 * explicit im2col / col2im (any stride, conv_im2col.hpp). Part of the ops written once per ISA (see ops.hpp). */
#pragma once
#include "elementwise.hpp"
#include "conv_im2col.hpp"
#include "conv_implicit.hpp"
#include "conv_direct.hpp"
#include "winograd.hpp"
#include "winograd_bwd_weights.hpp"
#include "winograd4.hpp"

enum wg_pass { WG_FWD, WG_BWD_DATA, WG_BWD_WEIGHTS };

/* The Winograd output tile size (2 or 4) for g's pass, 0 for none. "auto" takes Winograd where the
 * channel GEMMs are big enough to pay for the transforms (the first layer of an image model,
 * C = 1, is not), with the tile size that measured faster for that pass on conv2's shape
 * (native/README.md); "winograd2" / "winograd4" force one wherever it applies. */
static inline int wg_tile(const splot_conv_geom& g, wg_pass pass) {
    if (g.kh != 3 || g.kw != 3 || g.sh != 1 || g.sw != 1) return 0;
    static const int AUTO_TILE[3] = {4, 4, 4}; /* forward, backward-data, backward-weights */
    switch (g.algo) {
        case SPLOT_CONV_WINOGRAD2: return 2;
        case SPLOT_CONV_WINOGRAD4: return 4;
        case SPLOT_CONV_AUTO: return g.c >= 8 && g.o >= 8 ? AUTO_TILE[pass] : 0;
        default: return 0;
    }
}

static void conv_fwd(int threads, const float* x, const float* w, const float* b, float* y, const splot_conv_geom* gp) {
    const splot_conv_geom g = *gp;
    threads = par_threads(threads, (double)g.n * g.o * g.oh * g.ow * g.c * g.kh * g.kw);
    switch (wg_tile(g, WG_FWD)) {
        case 2: return wg_conv_fwd<Wg2>(threads, x, w, b, y, g);
        case 4: return wg_conv_fwd<Wg4>(threads, x, w, b, y, g);
    }
    if (g.sh == 1 && g.sw == 1) return conv_fwd_s1(threads, x, w, b, y, g);
    conv_fwd_im2col(threads, x, w, b, y, g);
    /* the fused ReLU: at the store on the Winograd and implicit-GEMM paths, a second pass on this one */
    if (g.relu) relu_fwd(threads, y, y, (long long)g.n * g.o * g.oh * g.ow);
}

static void conv_bwd_data(int threads, const float* dy, const float* w, float* dx, const splot_conv_geom* gp) {
    const splot_conv_geom g = *gp;
    threads = par_threads(threads, (double)g.n * g.o * g.oh * g.ow * g.c * g.kh * g.kw);
    switch (wg_tile(g, WG_BWD_DATA)) {
        case 2: return wg_conv_bwd_data<Wg2>(threads, dy, w, dx, g);
        case 4: return wg_conv_bwd_data<Wg4>(threads, dy, w, dx, g);
    }
    if (g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.h == g.oh + g.kh - 1 && g.w == g.ow + g.kw - 1)
        conv_bwd_data_valid_s1(threads, dy, w, dx, g);
    else if (g.sh == 1 && g.sw == 1 && g.pt <= g.kh - 1 && g.pl <= g.kw - 1)
        conv_bwd_data_s1(threads, dy, w, dx, g);
    else
        conv_bwd_data_col2im(threads, dy, w, dx, g);
    /* the fused ReLU backward: per image right after the Winograd paths store dx, a second pass on the others */
    if (g.relu_y) relu_bwd(threads, dx, g.relu_y, dx, (long long)g.n * g.c * g.h * g.w);
}

static void conv_bwd_weights(int threads, const float* x, const float* dy, float* dw, float* db, const splot_conv_geom* gp) {
    const splot_conv_geom g = *gp;
    threads = par_threads(threads, (double)g.n * g.o * g.oh * g.ow * g.c * g.kh * g.kw);
    switch (wg_tile(g, WG_BWD_WEIGHTS)) {
        case 2: return wg_conv_bwd_weights<Wg2>(threads, x, dy, dw, db, g);
        case 4: return wg_conv_bwd_weights<Wg4>(threads, x, dy, dw, db, g);
    }
    if (conv_direct_applies(g)) return conv_bwd_weights_direct(threads, x, dy, dw, db, g);
    if (g.sh == 1 && g.sw == 1) return conv_bwd_weights_s1(threads, x, dy, dw, db, g);
    conv_bwd_weights_im2col(threads, x, dy, dw, db, g);
}

/* y = relu(conv(x)) never stored: its 2x2 stride-2 max-pool and argmax straight from the F(4x4) output
 * transform (g.pool_y, g.pool_arg; splot.h, splot_conv2d_relu_maxpool_forward), whose 4x4 tiles hold whole
 * windows. Returns 1 without touching anything where the forward takes another path: the caller composes
 * the ops then. */
static int conv_relu_pool_fwd(int threads, const float* x, const float* w, const float* b, const splot_conv_geom* gp) {
    const splot_conv_geom g = *gp;
    if (wg_tile(g, WG_FWD) != 4) return 1;
    threads = par_threads(threads, (double)g.n * g.o * g.oh * g.ow * g.c * g.kh * g.kw);
    wg_conv_fwd<Wg4>(threads, x, w, b, nullptr, g);
    return 0;
}

/* The fused backward from a max-pool + dropout after the convolution's ReLU (splot.h,
 * splot_pool_relu_conv2d_backward): dy = dropout_maxpool_relu_bwd(pdy, mask, arg, pooled), never
 * stored, then backward-weights and, where dx is given, backward-data (with g.relu_y's mask). Returns
 * 1 without touching anything where this convolution takes no Winograd path (or not the same tile
 * size for both passes): the caller composes the ops then; 2 where an argmax lay outside its plane
 * (skipped, never followed: the outputs are then not the gradient), else 0. */
static int pool_relu_conv_bwd(int threads, const float* pdy, const float* mask, const int* arg, const float* pooled, int poh,
                              int pow_, const float* x, const float* w, float* dx, float* dw, float* db, const splot_conv_geom* gp) {
    const splot_conv_geom g = *gp;
    threads = par_threads(threads, (double)g.n * g.o * g.oh * g.ow * g.c * g.kh * g.kw);
    const int m = wg_tile(g, WG_BWD_WEIGHTS);
    if (m == 0 || (dx && wg_tile(g, WG_BWD_DATA) != m)) return 1;
    int bad = 0;
    const wg_dy_source src = {nullptr, pdy, mask, pooled, arg, poh, pow_, &bad};
    if (m == 2)
        wg_conv_bwd<Wg2>(threads, src, x, w, dx, dw, db, g);
    else
        wg_conv_bwd<Wg4>(threads, src, x, w, dx, dw, db, g);
    return bad ? 2 : 0;
}
