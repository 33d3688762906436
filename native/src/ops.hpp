/* The operations of the native backend, written once and compiled three times: each isa_*.cpp
 * defines its micro-kernels inside an anonymous namespace and then includes this file, so every
 * function here has internal linkage and is built with that file's instruction-set flags only.
 * An ISA file provides: MR, NR, NR_ALT, KCMAX and ukernel_t<OFF, NRT> (the packed,
 * register-blocked SGEMM tile, B packed or read through row offsets); DR, DC, DV, dotkernel,
 * dotkernel_acc and dot_reduce (a tile of dot products along a contiguous K); fma_loop; and
 * optionally philox_rounds16 and pool2x2_row (SPLOT_HAVE_* macros). It includes <math.h>,
 * <string.h> (and <immintrin.h>) and splot_internal.h before opening the namespace: these headers
 * include no system headers themselves, which would land inside the namespace.
 *
 * Determinism: every output element is computed by exactly one task, and its summation order
 * (K blocks, k within a block, batch chunks) depends on the shapes only, never on the thread
 * count or on how tasks are split. Weight gradients are reduced over fixed batch chunks, then
 * over the chunks in order.
 *
 * One header per op family, each included here in dependency order:
 *   common.hpp         integer helpers, serial thresholds (PAR_MIN_WORK, CHUNK)
 *   scratch.hpp        Scratch<T>: named per-thread scratch slots, held for a scope
 *   gemm.hpp           packing, register tiles, threaded SGEMM, dot-product tiles
 *   conv.hpp           the convolution entry points, over conv_im2col.hpp (any stride),
 *                      conv_implicit.hpp (stride 1), winograd.hpp + winograd_bwd_weights.hpp (3x3,
 *                      F(2x2)) + winograd4.hpp (3x3, F(4x4))
 *   dense.hpp          fully connected forward / backward
 *   pooling.hpp        max-pool and average-pool forward / backward
 *   elementwise.hpp    ReLU, dropout (Philox), fill, copy
 *   loss.hpp           softmax, softmax cross-entropy
 *   optimizer.hpp      AdaDelta, SGD, Adam / AdamW
 *   batchnorm.hpp      batch normalisation forward (training, inference) / backward
 *   fused.hpp          fused ops: max-pool + dropout forward; dropout + max-pool + ReLU backward
 *                      (conv + ReLU epilogues: splot_conv_geom's relu fields, in conv.hpp's paths)
 * The SIMD paths get their micro-kernels from microkernels.hpp, written once over the
 * width-generic vectors of vec.hpp (which the Winograd transforms use on every path). */
#include "common.hpp"
#include "gemm.hpp"
#include "conv.hpp"
#include "dense.hpp"
#include "pooling.hpp"
#include "elementwise.hpp"
#include "loss.hpp"
#include "optimizer.hpp"
#include "batchnorm.hpp"
#include "fused.hpp"

static const splot_ops OPS = {
    ISA_NAME,  conv_fwd, conv_bwd_data, conv_bwd_weights, maxpool_fwd, maxpool_bwd, relu_fwd,    relu_bwd, dropout_fwd,
    dropout_bwd, dense_fwd, dense_bwd, softmax_xent, softmax_op, adadelta_op, fill_op, copy_op, sgemm_api, fma_loop,
    sgd_op, adam_op,
    avgpool_fwd, avgpool_bwd, batchnorm_fwd_train, batchnorm_fwd_infer, batchnorm_bwd,
    maxpool_dropout_fwd, dropout_maxpool_relu_bwd, conv_relu_pool_fwd, pool_relu_conv_bwd,
};
