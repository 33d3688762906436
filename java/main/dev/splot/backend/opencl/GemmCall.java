package dev.splot.backend.opencl;

import org.jocl.cl_mem;

/**
 * One call of gemm.cl: for every batch z &lt; {@code batches}, C[z] = bias + sum over s of A[z,s] . B[z,s] (m x k times
 * k x n), where batch z sums over s &lt; min({@code slices}, {@code sliceLimit} - z * {@code slices}): a long K split
 * over images, summed in ascending order; with {@code relu}, C = relu(that), as the reluForward kernel computes it.
 */
record GemmCall(int m, int n, int k, Operand a, Operand b, Operand c, int batches, int slices, int sliceLimit,
                cl_mem bias, Bias biasMode, boolean relu) {

    /** What is added to C. */
    enum Bias {
        NONE(0), PER_ROW(1), PER_COLUMN(2);

        /** gemm.cl's biasMode argument. */
        final int code;

        Bias(int code) {
            this.code = code;
        }
    }

    /**
     * A strided matrix in a buffer: element (i, j) of batch z, slice s lies at
     * {@code offset + z*batchStride + s*sliceStride + i*rowStride + j*colStride} floats.
     */
    record Operand(cl_mem mem, long offset, int rowStride, int colStride, long batchStride, long sliceStride) {
        /** A row-major matrix with rows {@code ld} floats apart. */
        static Operand rowMajor(cl_mem mem, long offset, int ld) {
            return new Operand(mem, offset, ld, 1, 0, 0);
        }

        /** The transpose of a row-major matrix with rows {@code ld} floats apart. */
        static Operand transposed(cl_mem mem, long offset, int ld) {
            return new Operand(mem, offset, 1, ld, 0, 0);
        }

        Operand perBatch(long stride) {
            return new Operand(mem, offset, rowStride, colStride, stride, sliceStride);
        }

        Operand perSlice(long stride) {
            return new Operand(mem, offset, rowStride, colStride, batchStride, stride);
        }
    }

    GemmCall {
        if (b.colStride() != 1 || c.colStride() != 1) {
            throw new IllegalArgumentException("GEMM " + m + "x" + n + "x" + k + ": gemm.cl needs contiguous rows of B and C");
        }
        if (c.sliceStride() != 0) throw new IllegalArgumentException("GEMM: slices sum into one C per batch");
        if ((bias == null) != (biasMode == Bias.NONE)) {
            throw new IllegalArgumentException("GEMM: bias mode " + biasMode + (bias == null ? " without" : " with") + " a bias buffer");
        }
        if (batches < 1 || slices < 1 || sliceLimit < 1) {
            throw new IllegalArgumentException("GEMM: batches " + batches + ", slices " + slices + ", slice limit " + sliceLimit);
        }
    }

    /** A single C = A . B. */
    static GemmCall of(int m, int n, int k, Operand a, Operand b, Operand c) {
        return new GemmCall(m, n, k, a, b, c, 1, 1, 1, null, Bias.NONE, false);
    }

    /** The same product for {@code count} batches (one slice each). */
    GemmCall batched(int count) {
        return new GemmCall(m, n, k, a, b, c, count, 1, count, bias, biasMode, relu);
    }

    /** {@code total} slices summed in groups of {@code perBatch}: batch z adds slices z*perBatch onwards. */
    GemmCall summingSlices(int batchCount, int perBatch, int total) {
        return new GemmCall(m, n, k, a, b, c, batchCount, perBatch, total, bias, biasMode, relu);
    }

    GemmCall withBias(cl_mem buffer, Bias mode) {
        return new GemmCall(m, n, k, a, b, c, batches, slices, sliceLimit, buffer, mode, relu);
    }

    /** The same product with the ReLU applied to C as it is stored (the fused conv2dReluForward). */
    GemmCall withRelu() {
        return new GemmCall(m, n, k, a, b, c, batches, slices, sliceLimit, bias, biasMode, true);
    }
}
