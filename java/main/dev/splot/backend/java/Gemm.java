package dev.splot.backend.java;

/**
 * The matrix product of the reference backend, C = A . B for row-major matrices given by array,
 * offset and leading dimension. Each element of C is one plain sum over p = 0..K-1 in order, so
 * the result does not depend on blocking or threads. The 4x4 register block only keeps sixteen
 * sums in registers at once (scalar Java loops are not vectorised; this is ~5x a naive loop).
 */
final class Gemm {
    private Gemm() {}

    /** C[m x n] = A[m x k] . B[k x n] (overwrites C). */
    static void multiply(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                         float[] c, int cOff, int ldc) {
        int i = 0;
        for (; i + 3 < m; i += 4) {
            int j = 0;
            for (; j + 3 < n; j += 4) {
                block4x4(k, a, aOff + i * lda, lda, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc);
            }
            for (; j < n; j++) {
                for (int r = i; r < i + 4; r++) c[cOff + r * ldc + j] = dot(k, a, aOff + r * lda, b, bOff + j, ldb);
            }
        }
        for (; i < m; i++) {
            for (int j = 0; j < n; j++) c[cOff + i * ldc + j] = dot(k, a, aOff + i * lda, b, bOff + j, ldb);
        }
    }

    private static float dot(int k, float[] a, int aRow, float[] b, int bCol, int ldb) {
        float s = 0f;
        for (int p = 0; p < k; p++) s += a[aRow + p] * b[bCol + p * ldb];
        return s;
    }

    private static void block4x4(int k, float[] a, int a0, int lda, float[] b, int b0, int ldb, float[] c, int c0, int ldc) {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        for (int p = 0; p < k; p++) {
            int bp = b0 + p * ldb;
            float y0 = b[bp], y1 = b[bp + 1], y2 = b[bp + 2], y3 = b[bp + 3];
            float x0 = a[a0 + p], x1 = a[a1 + p], x2 = a[a2 + p], x3 = a[a3 + p];
            c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
            c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
            c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
            c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
        }
        c[c0] = c00; c[c0 + 1] = c01; c[c0 + 2] = c02; c[c0 + 3] = c03;
        c0 += ldc;
        c[c0] = c10; c[c0 + 1] = c11; c[c0 + 2] = c12; c[c0 + 3] = c13;
        c0 += ldc;
        c[c0] = c20; c[c0 + 1] = c21; c[c0 + 2] = c22; c[c0 + 3] = c23;
        c0 += ldc;
        c[c0] = c30; c[c0 + 1] = c31; c[c0 + 2] = c32; c[c0 + 3] = c33;
    }

    /** dst[cols x rows] = src[rows x cols] transposed. */
    static void transpose(int rows, int cols, float[] src, int srcOff, float[] dst, int dstOff) {
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < cols; q++) dst[dstOff + q * rows + r] = src[srcOff + r * cols + q];
        }
    }
}
