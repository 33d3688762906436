/* The three convolution entry points: each picks Winograd (3x3 stride 1, winograd.hpp), the
 * implicit GEMM (other stride-1 shapes, conv_implicit.hpp) or explicit im2col / col2im (any
 * stride, conv_im2col.hpp). Part of the ops written once per ISA (see ops.hpp). */
#pragma once
#include "elementwise.hpp"
#include "conv_im2col.hpp"
#include "conv_implicit.hpp"
#include "winograd.hpp"
#include "winograd_bwd_weights.hpp"

static void conv_fwd(int threads, const float* x, const float* w, const float* b, float* y, const splot_conv_geom* gp) {
    const splot_conv_geom g = *gp;
    threads = par_threads(threads, (double)g.n * g.o * g.oh * g.ow * g.c * g.kh * g.kw);
    if (wg_applies(g)) return wg_conv_fwd(threads, x, w, b, y, g);
    if (g.sh == 1 && g.sw == 1) return conv_fwd_s1(threads, x, w, b, y, g);
    conv_fwd_im2col(threads, x, w, b, y, g);
    /* the fused ReLU: at the store on the Winograd and implicit-GEMM paths, a second pass on this one */
    if (g.relu) relu_fwd(threads, y, y, (long long)g.n * g.o * g.oh * g.ow);
}

static void conv_bwd_data(int threads, const float* dy, const float* w, float* dx, const splot_conv_geom* gp) {
    const splot_conv_geom g = *gp;
    threads = par_threads(threads, (double)g.n * g.o * g.oh * g.ow * g.c * g.kh * g.kw);
    if (wg_applies(g)) return wg_conv_bwd_data(threads, dy, w, dx, g);
    if (g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.h == g.oh + g.kh - 1 && g.w == g.ow + g.kw - 1)
        conv_bwd_data_valid_s1(threads, dy, w, dx, g);
    else if (g.sh == 1 && g.sw == 1 && g.pt <= g.kh - 1 && g.pl <= g.kw - 1)
        conv_bwd_data_s1(threads, dy, w, dx, g);
    else
        conv_bwd_data_col2im(threads, dy, w, dx, g);
    /* the fused ReLU backward: at the store on the Winograd path, a second pass on the others */
    if (g.relu_y) relu_bwd(threads, dx, g.relu_y, dx, (long long)g.n * g.c * g.h * g.w);
}

static void conv_bwd_weights(int threads, const float* x, const float* dy, float* dw, float* db, const splot_conv_geom* gp) {
    const splot_conv_geom g = *gp;
    threads = par_threads(threads, (double)g.n * g.o * g.oh * g.ow * g.c * g.kh * g.kw);
    if (wg_applies(g)) return wg_conv_bwd_weights(threads, x, dy, dw, db, g);
    if (g.sh == 1 && g.sw == 1) return conv_bwd_weights_s1(threads, x, dy, dw, db, g);
    conv_bwd_weights_im2col(threads, x, dy, dw, db, g);
}
