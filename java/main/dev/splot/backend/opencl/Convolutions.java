package dev.splot.backend.opencl;

import dev.splot.backend.ConvGeometry;
import dev.splot.backend.opencl.GemmCall.Bias;
import dev.splot.backend.opencl.GemmCall.Operand;
import org.jocl.cl_mem;

/**
 * Convolutions as im2col + batched GEMM (NCHW): col[n][c*kh*kw][oh*ow], C[n] = W . col[n] lands directly in the
 * output; 1x1 convolutions with stride 1 and no padding skip im2col. Batches whose im2col buffer would exceed the
 * scratch limit run in chunks of images.
 */
final class Convolutions {
    private final Kernels kernels;
    private final Gemm gemm;
    private final ScratchBuffers scratch;
    private final long scratchLimit;
    private final boolean cpuDevice;

    /**
     * The most taps (c*kh*kw) whose weight gradient runs as {@code conv_weights_few_taps} on a CPU device rather than
     * im2col + transposed dy + GEMM: fewer than two of the CPU GEMM's 8-row tiles, most of which such a GEMM computes
     * for nothing. The seed model's conv1 (9 taps) measured 3x faster that way on PoCL (docs/opencl.md); its conv2 (288
     * taps) stays on the GEMM. GPUs keep the GEMM: the direct kernel has only o*c*groups work-items (not measured on one).
     */
    static final int FEW_TAPS = 16;

    Convolutions(Kernels kernels, Gemm gemm, ScratchBuffers scratch, long scratchLimit, boolean cpuDevice) {
        this.kernels = kernels;
        this.gemm = gemm;
        this.scratch = scratch;
        this.scratchLimit = scratchLimit;
        this.cpuDevice = cpuDevice;
    }

    /** Images per chunk so that a scratch buffer of floatsPerImage floats per image stays under the limit. */
    private int chunk(int n, long floatsPerImage, int multipleOf) {
        return imagesPerChunk(n, floatsPerImage, multipleOf, scratchLimit);
    }

    /**
     * Images per chunk of a batch of n so that floatsPerImage floats per image stay within limitBytes: a multiple of
     * multipleOf (at least multipleOf, whatever the limit) and at most n.
     */
    static int imagesPerChunk(int n, long floatsPerImage, int multipleOf, long limitBytes) {
        long fit = Math.max(1, limitBytes / (4 * floatsPerImage));
        long c = Math.max(multipleOf, fit / multipleOf * multipleOf);
        return (int) Math.min(n, c);
    }

    /** A 3x3 kernel at stride 1 without padding (every tap of every output inside the image), at most 16 taps. */
    private static boolean isValid3x3(ConvGeometry g) {
        return g.kh() == 3 && g.kw() == 3 && g.strideH() == 1 && g.strideW() == 1 && g.padTop() == 0 && g.padLeft() == 0
                && g.outH() == g.h() - 2 && g.outW() == g.w() - 2 && g.c() * 9 <= FEW_TAPS;
    }

    private static boolean isPointwise(ConvGeometry g) {
        return g.kh() == 1 && g.kw() == 1 && g.strideH() == 1 && g.strideW() == 1 && g.padTop() == 0 && g.padLeft() == 0
                && g.outH() == g.h() && g.outW() == g.w();
    }

    /**
     * The (c*kh*kw) x (oh*ow) column matrix of images n0 .. n0+nb-1 (batch stride left to the caller): x itself for
     * pointwise convolutions, else im2col into the "col" scratch buffer, sized for chunks of step images.
     */
    private Operand columns(cl_mem x, ConvGeometry g, int n0, int nb, int step) {
        int ckk = g.c() * g.kh() * g.kw(), p = g.outH() * g.outW();
        if (isPointwise(g)) return Operand.rowMajor(x, (long) n0 * ckk * p, p);
        cl_mem col = scratch.get("col", (long) step * ckk * p);
        im2col(x, n0, col, g, nb);
        return Operand.rowMajor(col, 0, p);
    }

    private void im2col(cl_mem x, long xOffImages, cl_mem col, ConvGeometry g, int images) {
        int total = images * g.c() * g.kh() * g.kw() * g.outH();
        // the chunk starts at image xOffImages of x; col holds only the chunk's images
        kernels.launch1d("im2col", total, x, col, g.c(), g.h(), g.w(), g.kh(), g.kw(), g.strideH(), g.strideW(),
                g.padTop(), g.padLeft(), g.outH(), g.outW(), total, xOffImages * g.c() * g.h() * g.w());
    }

    /** y = conv(x, w) + b, or with {@code relu} relu(conv(x, w) + b), applied as the GEMM stores y. */
    void forward(cl_mem x, cl_mem w, cl_mem b, cl_mem y, ConvGeometry g, boolean relu) {
        if (cpuDevice && isValid3x3(g) && g.c() == 1 && g.outW() >= 8 && g.o() >= 8) {
            // conv1 on CPUs: direct, each x vector loaded once for 8 output channels (kernels/conv.cl)
            kernels.launch("conv_forward_3x3_valid", new long[] {(g.o() + 7) / 8, g.n()}, new long[] {1, 1}, x, w, b, y, g.n(),
                    g.h(), g.w(), g.o(), relu ? 1 : 0);
            return;
        }
        int ckk = g.c() * g.kh() * g.kw(), p = g.outH() * g.outW(), o = g.o();
        int step = isPointwise(g) ? g.n() : chunk(g.n(), (long) ckk * p, 1);
        for (int n0 = 0; n0 < g.n(); n0 += step) {
            int nb = Math.min(step, g.n() - n0);
            Operand col = columns(x, g, n0, nb, step);
            GemmCall call = GemmCall.of(o, p, ckk, Operand.rowMajor(w, 0, ckk), col.perBatch((long) ckk * p),
                    Operand.rowMajor(y, (long) n0 * o * p, p).perBatch((long) o * p)).batched(nb).withBias(b, Bias.PER_ROW);
            gemm.run(relu ? call.withRelu() : call);
        }
    }

    /** Whether {@link #backwardData} can apply a ReLU's mask itself (in col2im): every convolution but the pointwise ones. */
    static boolean foldsRelu(ConvGeometry g) {
        return !isPointwise(g);
    }

    /**
     * dx = the gradient of the input: W^T . dy per image, then col2im; where reluY is not null (only if
     * {@link #foldsRelu}), zero wherever reluY (shaped as dx) is not positive, as col2im writes each row.
     */
    void backwardData(cl_mem dy, cl_mem w, cl_mem dx, ConvGeometry g, cl_mem reluY) {
        int ckk = g.c() * g.kh() * g.kw(), p = g.outH() * g.outW(), o = g.o();
        if (reluY != null && !foldsRelu(g)) throw new IllegalStateException("a pointwise convolution's backward-data has no col2im to apply a ReLU");
        if (isPointwise(g)) {
            gemm.run(GemmCall.of(ckk, p, o, Operand.transposed(w, 0, ckk), Operand.rowMajor(dy, 0, p).perBatch((long) o * p),
                    Operand.rowMajor(dx, 0, p).perBatch((long) ckk * p)).batched(g.n()));
            return;
        }
        int step = chunk(g.n(), (long) ckk * p, 1);
        cl_mem col = scratch.get("col", (long) step * ckk * p);
        for (int n0 = 0; n0 < g.n(); n0 += step) {
            int nb = Math.min(step, g.n() - n0);
            gemm.run(GemmCall.of(ckk, p, o, Operand.transposed(w, 0, ckk),
                    Operand.rowMajor(dy, (long) n0 * o * p, p).perBatch((long) o * p),
                    Operand.rowMajor(col, 0, p).perBatch((long) ckk * p)).batched(nb));
            int total = nb * g.c() * g.h();
            kernels.launch1d("col2im", total, col, dx, g.c(), g.h(), g.w(), g.kh(), g.kw(), g.strideH(), g.strideW(),
                    g.padTop(), g.padLeft(), g.outH(), g.outW(), total, (long) n0 * g.c() * g.h() * g.w(), reluY == null ? dx : reluY,
                    reluY == null ? 0 : 1);
        }
    }

    /** Images per group in the split-K weight gradient: a fixed function of the batch, so results are repeatable. */
    static int imagesPerGroup(int n) {
        int groups = Math.min(n, 16);
        return (n + groups - 1) / groups;
    }

    /** The partial weight gradients a GPU may hold at once, in floats (32 MiB). */
    static final long GPU_PARTIAL_FLOATS = 8L << 20;

    /**
     * Images per group of the im2col + GEMM weight gradient on a GPU: as many groups as the partial gradients' budget
     * allows (one image each for the seed model's layers), at least {@link #imagesPerGroup}'s 16. Sixteen groups left
     * conv1's dW (32 x 9) with 288 work-items of 5,408 steps each, conv2's with 1,152 work-items: a GPU wants tens of
     * thousands (0.88 and 1.36 ms on an H200, docs/opencl.md). A fixed function of the batch and the layer's shape.
     */
    static int gpuImagesPerGroup(int n, long weights) {
        long groups = Math.min(n, Math.max(16, GPU_PARTIAL_FLOATS / weights));
        return (int) ((n + groups - 1) / groups);
    }

    /** db[o] = sum over n of (sum over p of dy[n][o][p]): per image, then the images in order. */
    void biasGradient(cl_mem dy, cl_mem db, ConvGeometry g) {
        int p = g.outH() * g.outW(), o = g.o(), n = g.n();
        cl_mem biasPart = scratch.get("biasPart", (long) n * o);
        kernels.launch1d("bias_partial", (long) n * o, dy, biasPart, p, n * o, 0L, n * o, 0L, 0);
        kernels.launch1d("reduce_partials", o, biasPart, db, n, 1, o, 0);
    }

    /**
     * dw and db: per fixed group of images a partial dw (a split-K GEMM, or with few taps on a CPU the direct kernel),
     * then the groups summed in order.
     */
    void backwardWeights(cl_mem x, cl_mem dy, cl_mem dw, cl_mem db, ConvGeometry g) {
        int ckk = g.c() * g.kh() * g.kw(), p = g.outH() * g.outW(), o = g.o(), n = g.n();
        int gsize = cpuDevice ? imagesPerGroup(n) : gpuImagesPerGroup(n, (long) ckk * o);
        int groups = (n + gsize - 1) / gsize;
        if (cpuDevice && isValid3x3(g)) {
            // part[group][o][c*9 + tap] and biasPart[group][o] in one pass over x and dy, then the groups added in order
            cl_mem part = scratch.get("part", (long) groups * o * ckk), biasPart = scratch.get("biasPart", (long) groups * o);
            kernels.launch("conv_weights_3x3_valid", new long[] {o, g.c(), groups}, new long[] {1, 1, 1}, x, dy, part, biasPart, n,
                    g.c(), g.h(), g.w(), o, gsize);
            kernels.launch1d("reduce_partials", (long) o * ckk, part, dw, groups, o, ckk, 0);
            kernels.launch1d("reduce_partials", o, biasPart, db, groups, 1, o, 0);
            return;
        }
        biasGradient(dy, db, g);
        if (cpuDevice && ckk <= FEW_TAPS) {
            // part[group][o][ckk], then dw[o][ckk] = the groups added in order
            cl_mem part = scratch.get("part", (long) groups * o * ckk);
            kernels.launch("conv_weights_few_taps", new long[] {o, g.c(), groups}, new long[] {1, 1, 1}, x, dy, part, n, g.c(),
                    g.h(), g.w(), o, g.kh(), g.kw(), g.strideH(), g.strideW(), g.padTop(), g.padLeft(), g.outH(), g.outW(), gsize);
            kernels.launch1d("reduce_partials", (long) o * ckk, part, dw, groups, o, ckk, 0);
            return;
        }
        // dw^T[ckk][o] = sum over groups of sum over images of col[img] (ckk x p) . dyT[img] (p x o)
        int step = chunk(n, (long) ckk * p + (long) p * o, gsize);
        cl_mem part = scratch.get("part", (long) groups * ckk * o);
        for (int n0 = 0; n0 < n; n0 += step) {
            int nb = Math.min(step, n - n0);
            Operand col = columns(x, g, n0, nb, step);
            cl_mem dyT = scratch.get("dyT", (long) step * p * o);
            gemm.transpose(dy, (long) n0 * o * p, dyT, o, p, nb);
            int zCount = (nb + gsize - 1) / gsize;
            gemm.run(GemmCall.of(ckk, o, p, col.perBatch((long) gsize * ckk * p).perSlice((long) ckk * p),
                    Operand.rowMajor(dyT, 0, o).perBatch((long) gsize * p * o).perSlice((long) p * o),
                    Operand.rowMajor(part, (long) (n0 / gsize) * ckk * o, o).perBatch((long) ckk * o)).summingSlices(zCount, gsize, nb));
        }
        kernels.launch1d("reduce_partials", (long) ckk * o, part, dw, groups, ckk, o, 1);
    }
}
