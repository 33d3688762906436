/* The operations of the native backend, written once and compiled three times: each isa_*.cpp
 * defines its micro-kernels inside an anonymous namespace and then includes this file, so every
 * function here has internal linkage and is built with that file's instruction-set flags only.
 * An ISA file provides: MR, NR, NR_ALT, KCMAX and ukernel<NRT> / ukernel_off<NRT> (the packed,
 * register-blocked SGEMM tile, B packed or read through row offsets); DR, DC, DV, dotkernel,
 * dotkernel_acc and dot_reduce (a tile of dot products along a contiguous K); fma_loop; and
 * optionally philox_rounds16 and pool2x2_row (SPLOT_HAVE_* macros).
 *
 * Determinism: every output element is computed by exactly one task, and its summation order
 * (K blocks, k within a block, batch chunks) depends on the shapes only, never on the thread
 * count or on how tasks are split. Weight gradients are reduced over fixed batch chunks, then
 * over the chunks in order. */

static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }
static inline long long lmin(long long a, long long b) { return a < b ? a : b; }

/* Element-wise work is split in chunks of this many elements (a multiple of 64). */
static const long long CHUNK = 1 << 15;

/* Below this many multiply-adds (about 10-20 us on one core) a GEMM-like op runs on the calling
 * thread: entering a parallel region costs a few microseconds on an idle machine and up to a
 * scheduler time slice (milliseconds) on a loaded one, where the sleeping OpenMP worker has to be
 * woken and given a core. Serial or parallel, every element is computed the same way, so results
 * do not change. */
static const double PAR_MIN_WORK = 1 << 20;
static inline int par_threads(int threads, double work) { return work < PAR_MIN_WORK ? 1 : threads; }

/* ---- standard GEMM: packed A (MR rows interleaved per k), packed B (NR columns per k) ------- */

/* A(i,k) = A[i*rsa + k*csa], rows [0, mr) of a panel, zero-padded to MR. */
static void pack_a(int mr, int K, const float* A, long rsa, long csa, float* dst) {
    if (rsa == 1) {
        for (int k = 0; k < K; ++k) {
            const float* s = A + (long)k * csa;
            for (int i = 0; i < mr; ++i) dst[i] = s[i];
            for (int i = mr; i < MR; ++i) dst[i] = 0.0f;
            dst += MR;
        }
    } else {
        /* rows gathered in K blocks so that the interleaved destination block stays in L1 */
        for (int k0 = 0; k0 < K; k0 += 256) {
            const int k1 = imin(K, k0 + 256);
            for (int i = 0; i < MR; ++i) {
                if (i < mr) {
                    const float* s = A + (long)i * rsa;
                    for (int k = k0; k < k1; ++k) dst[(long)k * MR + i] = s[(long)k * csa];
                } else {
                    for (int k = k0; k < k1; ++k) dst[(long)k * MR + i] = 0.0f;
                }
            }
        }
    }
}

/* B(k,j) = B[k*rsb + j*csb], columns [0, nr) of a panel, zero-padded to NRT. */
template <int NRT = NR>
static void pack_b(int nr, int K, const float* B, long rsb, long csb, float* dst) {
    if (csb == 1) {
        for (int k = 0; k < K; ++k) {
            const float* s = B + (long)k * rsb;
            for (int j = 0; j < nr; ++j) dst[j] = s[j];
            for (int j = nr; j < NRT; ++j) dst[j] = 0.0f;
            dst += NRT;
        }
    } else {
        for (int k0 = 0; k0 < K; k0 += 64) {
            const int k1 = imin(K, k0 + 64);
            for (int j = 0; j < NRT; ++j) {
                if (j < nr) {
                    const float* s = B + (long)j * csb;
                    for (int k = k0; k < k1; ++k) dst[(long)k * NRT + j] = s[(long)k * rsb];
                } else {
                    for (int k = k0; k < k1; ++k) dst[(long)k * NRT + j] = 0.0f;
                }
            }
        }
    }
}

/* Packs all row panels of A(M x K) into dst (ceil(M/MR)*MR*K floats). */
static void pack_a_all(int M, int K, const float* A, long rsa, long csa, float* dst) {
    for (int i = 0; i < M; i += MR) pack_a(imin(MR, M - i), K, A + (long)i * rsa, rsa, csa, dst + (long)(i / MR) * MR * K);
}

/* One MR x NRT tile over a K block: C = (accumulate ? C : rowbias) + A B. */
template <int NRT = NR>
static void tile(int K, const float* Ap, const float* Bp, float* C, long ldc, int mr, int nr, const float* rowbias, bool accumulate) {
    if (mr == MR && nr == NRT) {
        ukernel<NRT>(K, Ap, Bp, C, ldc, rowbias, accumulate);
        return;
    }
    alignas(64) float tmp[MR * NRT];
    ukernel<NRT>(K, Ap, Bp, tmp, NRT, nullptr, false);
    for (int i = 0; i < mr; ++i) {
        const float bias = rowbias ? rowbias[i] : 0.0f;
        for (int j = 0; j < nr; ++j) {
            float* c = C + (long)i * ldc + j;
            *c = (accumulate ? *c : bias) + tmp[i * NRT + j];
        }
    }
}

/* The K blocks: a fixed split of K (it depends on K only, so the summation order is fixed). */
static inline int k_blocks(int K) { return (K + KCMAX - 1) / KCMAX; }
static inline int k_block_size(int K) { return (K + k_blocks(K) - 1) / k_blocks(K); }

/* C[rows i0..i1, nb columns] (+ rowbias) = packed A (full-K panels, starting at row panel i0/MR)
 * x packed B (full-K panels of this column block). K is walked in blocks so that a B micro-panel
 * stays in L1 while the tile walks down M; the blocks are added to C in order. */
template <int NRT = NR>
static void gemm_packed_rows(int i0, int i1, int nb, int K, const float* Ap, const float* Bp, float* C, long ldc,
                             const float* rowbias) {
    const int KC = k_block_size(K);
    for (int k0 = 0; k0 < K; k0 += KC) {
        const int kl = imin(KC, K - k0);
        for (int j = 0; j < nb; j += NRT) {
            const float* bp = Bp + (long)(j / NRT) * K * NRT + (long)k0 * NRT;
            for (int i = i0; i < i1; i += MR) {
                tile<NRT>(kl, Ap + (long)(i / MR) * K * MR + (long)k0 * MR, bp, C + (long)i * ldc + j, ldc, imin(MR, i1 - i),
                     imin(NRT, nb - j), (rowbias && k0 == 0) ? rowbias + i : nullptr, k0 > 0);
            }
        }
    }
}

static void gemm_packed(int M, int nb, int K, const float* Ap, const float* Bp, float* C, long ldc, const float* rowbias) {
    gemm_packed_rows(0, M, nb, K, Ap, Bp, C, ldc, rowbias);
}

static inline int gemm_block_cols() { return NR * imax(1, 256 / NR); }

/* C[M x N] (ldc) = A(M x K) B(K x N), general strides. Wide N: tasks are column blocks that each
 * pack their own part of B. Narrow N: B is packed once, shared, and tasks split the rows too.
 * Either way each element of C is summed in the same order (K blocks, then k), whatever the
 * threads. */
template <int NRT>
static void gemm_nr(int threads, int M, int N, int K, const float* A, long rsa, long csa, const float* B, long rsb, long csb,
                 float* C, long ldc) {
    threads = par_threads(threads, (double)M * N * K);
    const int mp = (M + MR - 1) / MR;
    float* Ap = splot_scratch(7, (size_t)mp * MR * K);
    const int NB = (NRT * imax(1, 256 / NRT));
    const int ncb = (N + NB - 1) / NB;
    if (ncb >= 2 * threads) {
        pack_a_all(M, K, A, rsa, csa, Ap);
#pragma omp parallel for schedule(dynamic) num_threads(threads)
        for (int t = 0; t < ncb; ++t) {
            const int j0 = t * NB, nb = imin(NB, N - j0);
            const int np = (nb + NRT - 1) / NRT;
            float* Bp = splot_scratch(0, (size_t)np * NRT * K);
            if (csb == 1) {
                /* row by row across all panels of the block: long contiguous reads of B */
                for (int k = 0; k < K; ++k) {
                    const float* s = B + (long)k * rsb + j0;
                    for (int p = 0; p < np; ++p) {
                        float* d = Bp + (long)p * K * NRT + (long)k * NRT;
                        const int nr = imin(NRT, nb - p * NRT);
                        for (int j = 0; j < nr; ++j) d[j] = s[p * NRT + j];
                        for (int j = nr; j < NRT; ++j) d[j] = 0.0f;
                    }
                }
            } else {
                for (int p = 0; p < np; ++p)
                    pack_b<NRT>(imin(NRT, nb - p * NRT), K, B + (long)(j0 + p * NRT) * csb, rsb, csb, Bp + (long)p * K * NRT);
            }
            gemm_packed_rows<NRT>(0, M, nb, K, Ap, Bp, C + j0, ldc, nullptr);
        }
        return;
    }
    const int np = (N + NRT - 1) / NRT;
    float* Bp = splot_scratch(6, (size_t)np * NRT * K);
    const int MB = MR * imax(1, 32 / MR);
    const int nrb = (M + MB - 1) / MB;
#pragma omp parallel num_threads(threads)
    {
#pragma omp for schedule(dynamic) nowait
        for (int i = 0; i < mp; ++i) pack_a(imin(MR, M - i * MR), K, A + (long)i * MR * rsa, rsa, csa, Ap + (long)i * MR * K);
#pragma omp for schedule(dynamic)
        for (int p = 0; p < np; ++p) pack_b<NRT>(imin(NRT, N - p * NRT), K, B + (long)p * NRT * csb, rsb, csb, Bp + (long)p * K * NRT);
#pragma omp for schedule(dynamic) collapse(2)
        for (int rb = 0; rb < nrb; ++rb) {
            for (int cb = 0; cb < ncb; ++cb) {
                const int j0 = cb * NB, nb = imin(NB, N - j0);
                gemm_packed_rows<NRT>(rb * MB, imin(M, (rb + 1) * MB), nb, K, Ap, Bp + (long)(j0 / NRT) * K * NRT, C + j0, ldc, nullptr);
            }
        }
    }
}

/* True when the narrower panel width NR_ALT wastes a smaller fraction of n's padded columns than NR. */
static inline bool prefer_nr_alt(int n) {
    const int waste = (n + NR - 1) / NR * NR - n, wasteAlt = (n + NR_ALT - 1) / NR_ALT * NR_ALT - n;
    return NR_ALT != NR && wasteAlt * NR < waste * NR_ALT;
}

/* Picks the panel width that wastes fewer padded columns of N. */
static void gemm(int threads, int M, int N, int K, const float* A, long rsa, long csa, const float* B, long rsb, long csb,
                 float* C, long ldc) {
    if (prefer_nr_alt(N))
        gemm_nr<NR_ALT>(threads, M, N, K, A, rsa, csa, B, rsb, csb, C, ldc);
    else
        gemm_nr<NR>(threads, M, N, K, A, rsa, csa, B, rsb, csb, C, ldc);
}

/* ---- dot-product tiles: C[i][j] (+)= sum_k A[i][k] B[j][k], both K-contiguous ------------- */

/* C[i*ldc + j] += sum_k A[i*lda + k] * B[j*ldb + k] for i < M, j < N (serial). */
static void dot_accumulate(int M, int N, int K, const float* A, long lda, const float* B, long ldb, float* C, long ldc) {
    const float* ap[DR];
    const float* bp[DC];
    float out[DR * DC];
    for (int i0 = 0; i0 < M; i0 += DR) {
        const int mr = imin(DR, M - i0);
        for (int i = 0; i < DR; ++i) ap[i] = A + (long)(i0 + imin(i, mr - 1)) * lda; /* edge rows repeat, results dropped */
        for (int j0 = 0; j0 < N; j0 += DC) {
            const int nc = imin(DC, N - j0);
            for (int j = 0; j < DC; ++j) bp[j] = B + (long)(j0 + imin(j, nc - 1)) * ldb;
            dotkernel(K, ap, bp, out);
            for (int i = 0; i < mr; ++i)
                for (int j = 0; j < nc; ++j) C[(long)(i0 + i) * ldc + j0 + j] += out[i * DC + j];
        }
    }
}

/* ---- im2col / col2im, one row (c, kh, kw) over output positions [p0, p1) ------------------ */

static inline int first_ow(const splot_conv_geom& g, int kw) {
    int need = g.pl - kw;
    return need <= 0 ? 0 : (need + g.sw - 1) / g.sw;
}
static inline int end_ow(const splot_conv_geom& g, int kw) {
    int limit = g.w - 1 + g.pl - kw;
    return limit < 0 ? 0 : imin(g.ow, limit / g.sw + 1);
}

/* dst[q] = x[c, oh*sh+kh-pt, ow*sw+kw-pl] (0 outside the image) for p = p0+q = oh*OW+ow. */
static void im2col_row(const float* xn, const splot_conv_geom& g, int c, int kh, int kw, int p0, int p1, float* dst) {
    const float* xc = xn + (long)c * g.h * g.w;
    const int lo = first_ow(g, kw), hi = end_ow(g, kw);
    int oh = p0 / g.ow, ow = p0 % g.ow, p = p0;
    while (p < p1) {
        const int e = imin(g.ow, ow + (p1 - p));
        const int seg = e - ow;
        const int ih = oh * g.sh + kh - g.pt;
        if (ih < 0 || ih >= g.h || lo >= hi) {
            for (int q = 0; q < seg; ++q) dst[q] = 0.0f;
        } else {
            const int l = imin(imax(lo, ow), e), r = imax(imin(hi, e), l);
            const float* xr = xc + (long)ih * g.w;
            float* d = dst;
            for (int q = ow; q < l; ++q) *d++ = 0.0f;
            if (g.sw == 1) {
                const float* s = xr + (l + kw - g.pl);
                for (int q = 0; q < r - l; ++q) d[q] = s[q];
                d += r - l;
            } else {
                for (int q = l; q < r; ++q) *d++ = xr[q * g.sw + kw - g.pl];
            }
            for (int q = r; q < e; ++q) *d++ = 0.0f;
        }
        dst += seg;
        p += seg;
        ow = 0;
        ++oh;
    }
}

/* dx[c, ih, iw] += src[q] for every in-image position of row (c, kh, kw), p = p0+q. */
static void col2im_row_add(float* dxn, const splot_conv_geom& g, int c, int kh, int kw, int p0, int p1, const float* src) {
    float* xc = dxn + (long)c * g.h * g.w;
    const int lo = first_ow(g, kw), hi = end_ow(g, kw);
    int oh = p0 / g.ow, ow = p0 % g.ow, p = p0;
    while (p < p1) {
        const int e = imin(g.ow, ow + (p1 - p));
        const int seg = e - ow;
        const int ih = oh * g.sh + kh - g.pt;
        if (ih >= 0 && ih < g.h && lo < hi) {
            const int l = imin(imax(lo, ow), e), r = imax(imin(hi, e), l);
            float* xr = xc + (long)ih * g.w;
            const float* s = src + (l - ow);
            if (g.sw == 1) {
                float* d = xr + (l + kw - g.pl);
                for (int q = 0; q < r - l; ++q) d[q] += s[q];
            } else {
                for (int q = l; q < r; ++q) xr[q * g.sw + kw - g.pl] += s[q - l];
            }
        }
        src += seg;
        p += seg;
        ow = 0;
        ++oh;
    }
}

/* ---- stride-1 convolution as an implicit GEMM over "extended" positions --------------------
 * With stride 1 and the input padded to Hp x Wp (Hp = OH+KH-1, Wp = OW+KW-1), row k = (c,kh,kw) of
 * im2col over the extended positions p' = oh*Wp + ow' (0 <= ow' < Wp) is the contiguous slice
 * xp[c*Hp*Wp + kh*Wp + kw + p']. The micro-kernel reads B straight from there through a table of
 * row offsets: no im2col. Columns ow' >= OW are computed and dropped (Wp/OW - 1 extra work,
 * 8% for the seed model's convolutions). */

static inline long s1_slack() { return NR + 64; }

/* dst[C x Hp x Wp] = x[C x H x W] placed at (pt, pl), zeros elsewhere, plus zeroed slack. */
static void pad_image(const float* x, int C, int H, int W, int pt, int pl, int Hp, int Wp, float* dst) {
    const int qlo = imax(0, pl), qhi = imin(Wp, pl + W);
    for (int c = 0; c < C; ++c) {
        for (int r = 0; r < Hp; ++r) {
            float* d = dst + ((long)c * Hp + r) * Wp;
            const int ih = r - pt;
            if (ih < 0 || ih >= H || qlo >= qhi) {
                for (int q = 0; q < Wp; ++q) d[q] = 0.0f;
                continue;
            }
            const float* s = x + ((long)c * H + ih) * W - pl;
            for (int q = 0; q < qlo; ++q) d[q] = 0.0f;
            for (int q = qlo; q < qhi; ++q) d[q] = s[q];
            for (int q = qhi; q < Wp; ++q) d[q] = 0.0f;
        }
    }
    float* tail = dst + (long)C * Hp * Wp;
    for (long q = 0; q < s1_slack(); ++q) tail[q] = 0.0f;
}

static void s1_offsets(int C, int KH, int KW, int Hp, int Wp, int* koff) {
    for (int c = 0; c < C; ++c)
        for (int kh = 0; kh < KH; ++kh)
            for (int kw = 0; kw < KW; ++kw) koff[(c * KH + kh) * KW + kw] = (c * Hp + kh) * Wp + kw;
}

template <int NRT>
static void tile_off(int K, const float* Ap, const float* xb, const int* koff, float* C, long ldc, int mr, int nr,
                     const float* rowbias, bool accumulate) {
    if (mr == MR && nr == NRT) {
        ukernel_off<NRT>(K, Ap, xb, koff, C, ldc, rowbias, accumulate);
        return;
    }
    alignas(64) float tmp[MR * NRT];
    ukernel_off<NRT>(K, Ap, xb, koff, tmp, NRT, nullptr, false);
    for (int i = 0; i < mr; ++i) {
        const float bias = rowbias ? rowbias[i] : 0.0f;
        for (int j = 0; j < nr; ++j) {
            float* c = C + (long)i * ldc + j;
            *c = (accumulate ? *c : bias) + tmp[i * NRT + j];
        }
    }
}

/* out[M x OH x OW] = A (packed, M x K) * B(k, p') (+ bias) for one padded image xp. */
template <int NRT>
static void s1_image_nr(int M, int K, const float* Ap, const float* xp, const int* koff, int OH, int OW, int Wp, const float* bias,
                     float* out) {
    const int NE = OH * Wp, ld = ((NE + NRT - 1) / NRT) * NRT;
    float* ext = splot_scratch(1, (size_t)M * ld);
    const int KC = k_block_size(K), NB = (NRT * imax(1, 256 / NRT));
    for (int j0 = 0; j0 < NE; j0 += NB) {
        const int j1 = imin(NE, j0 + NB);
        for (int k0 = 0; k0 < K; k0 += KC) {
            const int kl = imin(KC, K - k0);
            for (int j = j0; j < j1; j += NRT)
                for (int i = 0; i < M; i += MR)
                    tile_off<NRT>(kl, Ap + (long)(i / MR) * K * MR + (long)k0 * MR, xp + j, koff + k0, ext + (long)i * ld + j, ld,
                             imin(MR, M - i), imin(NRT, j1 - j), (bias && k0 == 0) ? bias + i : nullptr, k0 > 0);
        }
    }
    for (int o = 0; o < M; ++o)
        for (int oh = 0; oh < OH; ++oh) {
            const float* s = ext + (long)o * ld + (long)oh * Wp;
            float* d = out + ((long)o * OH + oh) * OW;
            for (int q = 0; q < OW; ++q) d[q] = s[q];
        }
}

static void s1_image(int M, int K, const float* Ap, const float* xp, const int* koff, int OH, int OW, int Wp, const float* bias,
                     float* out) {
    if (prefer_nr_alt(OH * Wp))
        s1_image_nr<NR_ALT>(M, K, Ap, xp, koff, OH, OW, Wp, bias, out);
    else
        s1_image_nr<NR>(M, K, Ap, xp, koff, OH, OW, Wp, bias, out);
}

static void conv_fwd_s1(int threads, const float* x, const float* w, const float* b, float* y, const splot_conv_geom& g) {
    const int K = g.c * g.kh * g.kw, M = g.o, Hp = g.oh + g.kh - 1, Wp = g.ow + g.kw - 1;
    float* Ap = splot_scratch(7, (size_t)((M + MR - 1) / MR) * MR * K);
    pack_a_all(M, K, w, K, 1, Ap);
    int* koff = reinterpret_cast<int*>(splot_scratch(6, (size_t)K));
    s1_offsets(g.c, g.kh, g.kw, Hp, Wp, koff);
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int n = 0; n < g.n; ++n) {
        float* xp = splot_scratch(0, (size_t)g.c * Hp * Wp + s1_slack());
        pad_image(x + (long)n * g.c * g.h * g.w, g.c, g.h, g.w, g.pt, g.pl, Hp, Wp, xp);
        s1_image(M, K, Ap, xp, koff, g.oh, g.ow, Wp, b, y + (long)n * M * g.oh * g.ow);
    }
}

/* dx = the stride-1 correlation of dy, padded by (KH-1-pt, KW-1-pl), with the weights flipped and
 * transposed: w'[c][o][kh][kw] = w[o][c][KH-1-kh][KW-1-kw]. Needs pt <= KH-1 and pl <= KW-1. */
static void conv_bwd_data_s1(int threads, const float* dy, const float* w, float* dx, const splot_conv_geom& g) {
    const int KK = g.kh * g.kw, K = g.o * KK, M = g.c, Hp = g.h + g.kh - 1, Wp = g.w + g.kw - 1;
    const int pt = g.kh - 1 - g.pt, pl = g.kw - 1 - g.pl;
    float* wf = splot_scratch(5, (size_t)M * K);
    for (int c = 0; c < g.c; ++c)
        for (int o = 0; o < g.o; ++o)
            for (int kh = 0; kh < g.kh; ++kh)
                for (int kw = 0; kw < g.kw; ++kw)
                    wf[(long)c * K + (o * g.kh + kh) * g.kw + kw] =
                        w[(((long)o * g.c + c) * g.kh + (g.kh - 1 - kh)) * g.kw + (g.kw - 1 - kw)];
    float* Ap = splot_scratch(7, (size_t)((M + MR - 1) / MR) * MR * K);
    pack_a_all(M, K, wf, K, 1, Ap);
    int* koff = reinterpret_cast<int*>(splot_scratch(6, (size_t)K));
    s1_offsets(g.o, g.kh, g.kw, Hp, Wp, koff);
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int n = 0; n < g.n; ++n) {
        float* xp = splot_scratch(0, (size_t)g.o * Hp * Wp + s1_slack());
        pad_image(dy + (long)n * g.o * g.oh * g.ow, g.o, g.oh, g.ow, pt, pl, Hp, Wp, xp);
        s1_image(M, K, Ap, xp, koff, g.h, g.w, Wp, nullptr, dx + (long)n * g.c * g.h * g.w);
    }
}

/* C[i*ldc + j] += sum_k A[i*lda + k] * B[j][k] for i < M, j < N (serial); B given as row pointers. */
static void dot_accumulate_ptr(int M, int N, int K, const float* A, long lda, const float* const* B, float* C, long ldc) {
    const float* ap[DR];
    const float* bp[DC];
    float out[DR * DC];
    for (int i0 = 0; i0 < M; i0 += DR) {
        const int mr = imin(DR, M - i0);
        for (int i = 0; i < DR; ++i) ap[i] = A + (long)(i0 + imin(i, mr - 1)) * lda;
        for (int j0 = 0; j0 < N; j0 += DC) {
            const int nc = imin(DC, N - j0);
            for (int j = 0; j < DC; ++j) bp[j] = B[j0 + imin(j, nc - 1)];
            dotkernel(K, ap, bp, out);
            for (int i = 0; i < mr; ++i)
                for (int j = 0; j < nc; ++j) C[(long)(i0 + i) * ldc + j0 + j] += out[i * DC + j];
        }
    }
}

/* dw[o][k] = sum_n sum_p' dyext[o][p'] xp[koff[k] + p'] (dyext: dy with zeros in the extended
 * columns); a row of ones gives db. Fixed batch chunks, reduced in order. */
static void conv_bwd_weights_s1(int threads, const float* x, const float* dy, float* dw, float* db, const splot_conv_geom& g) {
    const int K = g.c * g.kh * g.kw, O = g.o, K1 = K + 1, Hp = g.oh + g.kh - 1, Wp = g.ow + g.kw - 1, NE = g.oh * Wp;
    const int G = imin(g.n, 16); /* fixed batch chunks, independent of the thread count */
    const long part = (long)O * K1;
    float* parts = splot_scratch(7, (size_t)G * part);
    int* koff = reinterpret_cast<int*>(splot_scratch(6, (size_t)K));
    s1_offsets(g.c, g.kh, g.kw, Hp, Wp, koff);
    const int ib = (O + DR - 1) / DR, jb = (K1 + DC - 1) / DC;
    const long tileLanes = (long)DR * DC * DV;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int gi = 0; gi < G; ++gi) {
        float* acc = parts + gi * part;
        const int n0 = (int)((long)gi * g.n / G), n1 = (int)((long)(gi + 1) * g.n / G);
        float* xp = splot_scratch(0, (size_t)g.c * Hp * Wp + s1_slack());
        float* dyext = splot_scratch(1, (size_t)O * NE);
        float* ones = splot_scratch(2, (size_t)NE);
        const float** bptr = reinterpret_cast<const float**>(splot_scratch(3, (size_t)2 * K1));
        /* lane-wise partial sums of every output over the whole chunk, reduced once at its end */
        float* vacc = splot_scratch(4, (size_t)ib * jb * tileLanes);
        for (long e = 0; e < (long)ib * jb * tileLanes; ++e) vacc[e] = 0.0f;
        for (int q = 0; q < NE; ++q) ones[q] = 1.0f;
        for (int k = 0; k < K; ++k) bptr[k] = xp + koff[k];
        bptr[K] = ones;
        for (int n = n0; n < n1; ++n) {
            pad_image(x + (long)n * g.c * g.h * g.w, g.c, g.h, g.w, g.pt, g.pl, Hp, Wp, xp);
            const float* dyn = dy + (long)n * O * g.oh * g.ow;
            for (int o = 0; o < O; ++o)
                for (int oh = 0; oh < g.oh; ++oh) {
                    const float* s = dyn + ((long)o * g.oh + oh) * g.ow;
                    float* d = dyext + (long)o * NE + (long)oh * Wp;
                    for (int q = 0; q < g.ow; ++q) d[q] = s[q];
                    for (int q = g.ow; q < Wp; ++q) d[q] = 0.0f;
                }
            const float* ap[DR];
            const float* bp[DC];
            for (int i0 = 0; i0 < O; i0 += DR) {
                const int mr = imin(DR, O - i0);
                for (int i = 0; i < DR; ++i) ap[i] = dyext + (long)(i0 + imin(i, mr - 1)) * NE;
                for (int j0 = 0; j0 < K1; j0 += DC) {
                    const int nc = imin(DC, K1 - j0);
                    for (int j = 0; j < DC; ++j) bp[j] = bptr[j0 + imin(j, nc - 1)];
                    dotkernel_acc(NE, ap, bp, vacc + ((long)(i0 / DR) * jb + j0 / DC) * tileLanes);
                }
            }
        }
        for (int i0 = 0; i0 < O; i0 += DR)
            for (int j0 = 0; j0 < K1; j0 += DC) {
                const float* v = vacc + ((long)(i0 / DR) * jb + j0 / DC) * tileLanes;
                for (int i = 0; i < imin(DR, O - i0); ++i)
                    for (int j = 0; j < imin(DC, K1 - j0); ++j) acc[(long)(i0 + i) * K1 + j0 + j] = dot_reduce(v + (i * DC + j) * DV);
            }
    }
#pragma omp parallel for schedule(static) num_threads(par_threads(threads, (double)G * part))
    for (long e = 0; e < part; ++e) {
        float s = parts[e];
        for (int gi = 1; gi < G; ++gi) s += parts[gi * part + e];
        const long o = e / K1, k = e % K1;
        if (k < K) dw[o * K + k] = s; else db[o] = s;
    }
}

#include "winograd.hpp"

/* ---- convolution ------------------------------------------------------------------------- */

static void conv_fwd(int threads, const float* x, const float* w, const float* b, float* y, const splot_conv_geom* gp) {
    const splot_conv_geom g = *gp;
    threads = par_threads(threads, (double)g.n * g.o * g.oh * g.ow * g.c * g.kh * g.kw);
    if (wg_applies(g)) return wg_conv_fwd(threads, x, w, b, y, g);
    if (g.sh == 1 && g.sw == 1) return conv_fwd_s1(threads, x, w, b, y, g);
    const int P = g.oh * g.ow, K = g.c * g.kh * g.kw, M = g.o, KK = g.kh * g.kw;
    float* Ap = splot_scratch(7, (size_t)((M + MR - 1) / MR) * MR * K);
    pack_a_all(M, K, w, K, 1, Ap);
    const int NB = gemm_block_cols();
    const int nblk = (P + NB - 1) / NB;
    const long tasks = (long)g.n * nblk;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (long t = 0; t < tasks; ++t) {
        const int n = (int)(t / nblk), p0 = (int)(t % nblk) * NB, p1 = imin(P, p0 + NB), nb = p1 - p0;
        const int np = (nb + NR - 1) / NR;
        float* Bp = splot_scratch(0, (size_t)np * NR * K);
        float* row = splot_scratch(1, (size_t)np * NR);
        const float* xn = x + (long)n * g.c * g.h * g.w;
        for (int k = 0; k < K; ++k) {
            im2col_row(xn, g, k / KK, (k % KK) / g.kw, k % g.kw, p0, p1, row);
            for (int q = nb; q < np * NR; ++q) row[q] = 0.0f;
            for (int p = 0; p < np; ++p) {
                float* d = Bp + (long)p * K * NR + (long)k * NR;
                const float* s = row + p * NR;
                for (int j = 0; j < NR; ++j) d[j] = s[j];
            }
        }
        gemm_packed(M, nb, K, Ap, Bp, y + (long)n * M * P + p0, P, b);
    }
}

/* Backward-data of a stride-1 VALID convolution (H = OH+KH-1, W = OW+KW-1, no padding) as an
 * explicit GEMM plus a contiguous col2im. dy_n is copied with its rows widened to W (zeros in the
 * extra W-OW columns), so that position p' = oh*W + ow' of row (c,kh,kw) of dcol = W^T dy_n lands
 * on dx_n[c][kh*W + kw + p']: the col2im of a row is one contiguous add (the zero columns add 0 to
 * in-image neighbours). The GEMM does C*KH*KW x OH*W x O multiply-adds, W/OW - 1 more than useful
 * (8% for the seed model), where the full correlation (conv_bwd_data_s1) also multiplies the
 * zero border of the padded dy (26% in all for the seed model). B rows are read in place through
 * row offsets. Each image is one task; dx sums run over position blocks, then (c,kh,kw), in order. */
static void conv_bwd_data_valid_s1(int threads, const float* dy, const float* w, float* dx, const splot_conv_geom& g) {
    const int K = g.c * g.kh * g.kw, O = g.o, KK = g.kh * g.kw, NE = g.oh * g.w, ld = (NE + NR - 1) / NR * NR;
    const int valid = (g.oh - 1) * g.w + g.ow; /* p' beyond this would run past the plane */
    float* Ap = splot_scratch(7, (size_t)((K + MR - 1) / MR) * MR * O);
    pack_a_all(K, O, w, 1, K, Ap);
    int* roff = reinterpret_cast<int*>(splot_scratch(6, (size_t)O));
    for (int o = 0; o < O; ++o) roff[o] = o * ld;
    const int NB = NR * imax(1, 192 / NR);
    const long plane = (long)g.c * g.h * g.w;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int n = 0; n < g.n; ++n) {
        float* dxn = dx + n * plane;
        for (long i = 0; i < plane; ++i) dxn[i] = 0.0f;
        const float* dyn = dy + (long)n * O * g.oh * g.ow;
        float* dyw = splot_scratch(0, (size_t)O * ld);
        for (int o = 0; o < O; ++o) {
            float* d = dyw + (long)o * ld;
            for (int oh = 0; oh < g.oh; ++oh) {
                const float* src = dyn + ((long)o * g.oh + oh) * g.ow;
                for (int q = 0; q < g.ow; ++q) d[oh * g.w + q] = src[q];
                for (int q = g.ow; q < g.w; ++q) d[oh * g.w + q] = 0.0f;
            }
            for (int q = NE; q < ld; ++q) d[q] = 0.0f;
        }
        float* dcol = splot_scratch(1, (size_t)K * NB);
        for (int p0 = 0; p0 < valid; p0 += NB) {
            const int p1 = imin(valid, p0 + NB), nb = p1 - p0;
            for (int j = 0; j < nb; j += NR)
                for (int i = 0; i < K; i += MR)
                    tile_off<NR>(O, Ap + (long)(i / MR) * O * MR, dyw + p0 + j, roff, dcol + (long)i * NB + j, NB, imin(MR, K - i),
                                 imin(NR, nb - j), nullptr, false);
            for (int k = 0; k < K; ++k) {
                const int c = k / KK, kh = (k % KK) / g.kw, kw = k % g.kw;
                float* __restrict d = dxn + (long)c * g.h * g.w + kh * g.w + kw + p0;
                const float* __restrict src = dcol + (long)k * NB;
                for (int q = 0; q < nb; ++q) d[q] += src[q];
            }
        }
    }
}

static void conv_bwd_data(int threads, const float* dy, const float* w, float* dx, const splot_conv_geom* gp) {
    const splot_conv_geom g = *gp;
    threads = par_threads(threads, (double)g.n * g.o * g.oh * g.ow * g.c * g.kh * g.kw);
    if (wg_applies(g)) return wg_conv_bwd_data(threads, dy, w, dx, g);
    if (g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.h == g.oh + g.kh - 1 && g.w == g.ow + g.kw - 1)
        return conv_bwd_data_valid_s1(threads, dy, w, dx, g);
    if (g.sh == 1 && g.sw == 1 && g.pt <= g.kh - 1 && g.pl <= g.kw - 1) return conv_bwd_data_s1(threads, dy, w, dx, g);
    const int P = g.oh * g.ow, K = g.c * g.kh * g.kw, O = g.o, KK = g.kh * g.kw;
    /* dcol[K x P] = W^T dy_n: A(i = ckk, k = o) = w[o*K + ckk] */
    float* Ap = splot_scratch(7, (size_t)((K + MR - 1) / MR) * MR * O);
    pack_a_all(K, O, w, 1, K, Ap);
    const int NB = gemm_block_cols();
    const long plane = (long)g.c * g.h * g.w;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int n = 0; n < g.n; ++n) {
        float* dxn = dx + n * plane;
        for (long i = 0; i < plane; ++i) dxn[i] = 0.0f;
        const float* dyn = dy + (long)n * O * P;
        for (int p0 = 0; p0 < P; p0 += NB) {
            const int p1 = imin(P, p0 + NB), nb = p1 - p0, np = (nb + NR - 1) / NR, ld = np * NR;
            float* Bp = splot_scratch(0, (size_t)np * NR * O);
            for (int p = 0; p < np; ++p) pack_b(imin(NR, nb - p * NR), O, dyn + p0 + p * NR, P, 1, Bp + (long)p * O * NR);
            float* dcol = splot_scratch(1, (size_t)K * ld);
            gemm_packed(K, nb, O, Ap, Bp, dcol, ld, nullptr);
            for (int k = 0; k < K; ++k) col2im_row_add(dxn, g, k / KK, (k % KK) / g.kw, k % g.kw, p0, p1, dcol + (long)k * ld);
        }
    }
}

static void conv_bwd_weights(int threads, const float* x, const float* dy, float* dw, float* db, const splot_conv_geom* gp) {
    const splot_conv_geom g = *gp;
    threads = par_threads(threads, (double)g.n * g.o * g.oh * g.ow * g.c * g.kh * g.kw);
    if (wg_applies(g)) return wg_conv_bwd_weights(threads, x, dy, dw, db, g);
    if (g.sh == 1 && g.sw == 1) return conv_bwd_weights_s1(threads, x, dy, dw, db, g);
    const int P = g.oh * g.ow, K = g.c * g.kh * g.kw, O = g.o, KK = g.kh * g.kw;
    const int K1 = K + 1; /* an extra row of ones in col gives db in the same dot products */
    const int G = imin(g.n, 16); /* fixed batch chunks, independent of the thread count */
    const long part = (long)O * K1;
    float* parts = splot_scratch(7, (size_t)G * part);
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int gi = 0; gi < G; ++gi) {
        float* acc = parts + gi * part;
        for (long e = 0; e < part; ++e) acc[e] = 0.0f;
        const int n0 = (int)((long)gi * g.n / G), n1 = (int)((long)(gi + 1) * g.n / G);
        float* col = splot_scratch(0, (size_t)K1 * P);
        for (int q = 0; q < P; ++q) col[(long)K * P + q] = 1.0f;
        for (int n = n0; n < n1; ++n) {
            const float* xn = x + (long)n * g.c * g.h * g.w;
            for (int k = 0; k < K; ++k) im2col_row(xn, g, k / KK, (k % KK) / g.kw, k % g.kw, 0, P, col + (long)k * P);
            dot_accumulate(O, K1, P, dy + (long)n * O * P, P, col, P, acc, K1);
        }
    }
    const long total = part;
#pragma omp parallel for schedule(static) num_threads(par_threads(threads, (double)G * total))
    for (long e = 0; e < total; ++e) {
        float s = parts[e];
        for (int gi = 1; gi < G; ++gi) s += parts[gi * part + e];
        const long o = e / K1, k = e % K1;
        if (k < K) dw[o * K + k] = s; else db[o] = s;
    }
}

/* ---- dense ------------------------------------------------------------------------------- */

static void dense_fwd(int threads, const float* x, const float* w, const float* b, float* y, int n, int in, int out) {
    /* Tasks are blocks of RB rows x CB columns; each walks K in KC blocks, so that its x and w
     * blocks (RB x KC and CB x KC) stay in L2 and x and w are read from L3 / memory a few times
     * rather than once per DC columns. Every y element is bias + the K blocks' dot products in
     * order, whatever the blocking. */
    const int KC = 512, RB = 32, CB = DC * ((64 + DC - 1) / DC);
    const int nrb = (n + RB - 1) / RB, ncb = (out + CB - 1) / CB;
#pragma omp parallel for schedule(dynamic) num_threads(par_threads(threads, (double)n * in * out))
    for (int t = 0; t < nrb * ncb; ++t) {
        const int i0 = (t / ncb) * RB, i1 = imin(n, i0 + RB), j0 = (t % ncb) * CB, j1 = imin(out, j0 + CB);
        for (int i = i0; i < i1; ++i)
            for (int j = j0; j < j1; ++j) y[(long)i * out + j] = b[j];
        for (int k0 = 0; k0 < in; k0 += KC) {
            const int kl = imin(KC, in - k0);
            dot_accumulate(i1 - i0, j1 - j0, kl, x + (long)i0 * in + k0, in, w + (long)j0 * in + k0, in, y + (long)i0 * out + j0, out);
        }
    }
}

static void dense_bwd(int threads, const float* dy, const float* x, const float* w, float* dx, float* dw, float* db, int n,
                      int in, int out) {
    /* dw[out x in] = dy^T x: A(i=j, k=r) = dy[r*out + j], B(k=r, col) = x[r*in + col] */
    gemm(threads, out, in, n, dy, 1, out, x, in, 1, dw, in);
    for (int j = 0; j < out; ++j) {
        float s = 0.0f;
        for (int r = 0; r < n; ++r) s += dy[(long)r * out + j];
        db[j] = s;
    }
    /* dx[n x in] = dy w: A(i=r, k=j) = dy[r*out + j], B(k=j, col) = w[j*in + col] */
    if (dx) gemm(threads, n, in, out, dy, out, 1, w, in, 1, dx, in);
}

static void sgemm_api(int threads, int m, int n, int k, const float* a, const float* b, float* c) {
    gemm(threads, m, n, k, a, k, 1, b, n, 1, c, n);
}

/* ---- pooling ----------------------------------------------------------------------------- */

/* '>' keeps the first maximum; a NaN wins once and then stays. Branch-free with integer selects:
 * with float selects the compiler emits branches, which random data mispredicts half the time. */
static inline uint32_t fbits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static inline float bitsf(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}
#define SPLOT_POOL_TAKE(v, at)                                                      \
    do {                                                                            \
        const float v_ = (v);                                                       \
        const uint32_t t_ = 0u - (uint32_t)((v_ > m) | ((v_ != v_) & (m == m)));    \
        m = bitsf((fbits(v_) & t_) | (fbits(m) & ~t_));                             \
        id = (int)(((uint32_t)(at) & t_) | ((uint32_t)id & ~t_));                   \
    } while (0)

static void maxpool_fwd(int threads, const float* x, float* y, int* arg, int n, int c, int h, int w, int ph, int pw, int sh,
                        int sw, int oh, int ow) {
    const long planes = (long)n * c;
    const int T = planes * h * w >= CHUNK ? threads : 1;
#pragma omp parallel for schedule(static) num_threads(T)
    for (long nc = 0; nc < planes; ++nc) {
        const long xp = nc * h * w, yp = nc * oh * ow;
        for (int i = 0; i < oh; ++i) {
            float* yr = y + yp + (long)i * ow;
            int* ar = arg + yp + (long)i * ow;
            const int r0 = (int)(xp + (long)i * sh * w);
            const float* x0 = x + r0;
            if (ph == 2 && pw == 2 && sh == 2 && sw == 2) {
                const float* x1 = x0 + w;
                int j = 0;
#ifdef SPLOT_HAVE_POOL2X2
                j = pool2x2_row(x0, x1, r0, w, ow, yr, ar);
#endif
                for (; j < ow; ++j) {
                    float m = x0[2 * j];
                    int id = r0 + 2 * j;
                    SPLOT_POOL_TAKE(x0[2 * j + 1], r0 + 2 * j + 1);
                    SPLOT_POOL_TAKE(x1[2 * j], r0 + w + 2 * j);
                    SPLOT_POOL_TAKE(x1[2 * j + 1], r0 + w + 2 * j + 1);
                    yr[j] = m;
                    ar[j] = id;
                }
            } else {
                for (int j = 0; j < ow; ++j) {
                    float m = x0[j * sw];
                    int id = r0 + j * sw;
                    for (int a = 0; a < ph; ++a)
                        for (int bb = 0; bb < pw; ++bb) SPLOT_POOL_TAKE(x0[a * w + j * sw + bb], r0 + a * w + j * sw + bb);
                    yr[j] = m;
                    ar[j] = id;
                }
            }
        }
    }
}

static void maxpool_bwd(int threads, const float* dy, const int* arg, float* dx, int n, int c, int h, int w, int oh, int ow) {
    const long planes = (long)n * c, pin = (long)h * w, pout = (long)oh * ow;
#pragma omp parallel for schedule(static) num_threads(planes * pin >= CHUNK ? threads : 1)
    for (long nc = 0; nc < planes; ++nc) {
        float* d = dx + nc * pin;
        for (long i = 0; i < pin; ++i) d[i] = 0.0f;
        for (long k = nc * pout; k < (nc + 1) * pout; ++k) dx[arg[k]] += dy[k];
    }
}

/* ---- element-wise ------------------------------------------------------------------------ */

static inline int tasks_for(long long n) { return (int)((n + CHUNK - 1) / CHUNK); }

static void relu_fwd(int threads, const float* x, float* y, long long n) {
    const int T = tasks_for(n);
#pragma omp parallel for schedule(static) num_threads(T > 1 ? threads : 1)
    for (int t = 0; t < T; ++t) {
        const long long e = lmin(n, (t + 1) * CHUNK);
        for (long long i = t * CHUNK; i < e; ++i) y[i] = x[i] <= 0.0f ? 0.0f : x[i]; /* NaN passes through */
    }
}

static void relu_bwd(int threads, const float* dy, const float* y, float* dx, long long n) {
    const int T = tasks_for(n);
#pragma omp parallel for schedule(static) num_threads(T > 1 ? threads : 1)
    for (int t = 0; t < T; ++t) {
        const long long e = lmin(n, (t + 1) * CHUNK);
        for (long long i = t * CHUNK; i < e; ++i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
    }
}

/* Philox4x32-10, a copy of dev.splot.backend.Philox: 16 blocks at a time so that the compiler can
 * vectorise the 32x32->64-bit products. Block b (elements 4b..4b+3) uses counter
 * (b, layer, low32(step), purpose ^ high32(step)) and key (low32(seed), high32(seed)). */
static inline void philox16(uint32_t b0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1, uint32_t out[64]) {
    alignas(64) uint32_t x0[16], x1[16], x2[16], x3[16];
    for (int l = 0; l < 16; ++l) {
        x0[l] = b0 + (uint32_t)l;
        x1[l] = c1;
        x2[l] = c2;
        x3[l] = c3;
    }
#ifdef SPLOT_HAVE_PHILOX_ROUNDS16
    philox_rounds16(x0, x1, x2, x3, k0, k1);
#else
    for (int r = 0; r < 10; ++r) {
        for (int l = 0; l < 16; ++l) {
            const uint64_t p0 = (uint64_t)0xD2511F53u * x0[l];
            const uint64_t p1 = (uint64_t)0xCD9E8D57u * x2[l];
            const uint32_t n0 = (uint32_t)(p1 >> 32) ^ x1[l] ^ k0;
            const uint32_t n2 = (uint32_t)(p0 >> 32) ^ x3[l] ^ k1;
            x1[l] = (uint32_t)p1;
            x3[l] = (uint32_t)p0;
            x0[l] = n0;
            x2[l] = n2;
        }
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
#endif
    for (int l = 0; l < 16; ++l) {
        out[4 * l] = x0[l];
        out[4 * l + 1] = x1[l];
        out[4 * l + 2] = x2[l];
        out[4 * l + 3] = x3[l];
    }
}

static void dropout_fwd(int threads, const float* x, float* y, float* mask, long long n, float rate, uint64_t seed,
                        uint64_t step, int layer) {
    const float keep = 1.0f / (1.0f - rate);
    const uint32_t c1 = (uint32_t)layer, c2 = (uint32_t)step, c3 = 0u /* PURPOSE_DROPOUT */ ^ (uint32_t)(step >> 32);
    const uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    const int T = tasks_for(n); /* CHUNK is a multiple of 64 */
#pragma omp parallel for schedule(static) num_threads(T > 1 ? threads : 1)
    for (int t = 0; t < T; ++t) {
        const long long e = lmin(n, (t + 1) * CHUNK);
        uint32_t bits[64];
        for (long long i0 = t * CHUNK; i0 < e; i0 += 64) {
            philox16((uint32_t)(i0 >> 2), c1, c2, c3, k0, k1, bits);
            const int m = (int)lmin(64, e - i0);
            for (int j = 0; j < m; ++j) {
                const float u = (float)(bits[j] >> 8) * 0x1.0p-24f;
                const float s = u >= rate ? keep : 0.0f;
                mask[i0 + j] = s;
                y[i0 + j] = x[i0 + j] * s;
            }
        }
    }
}

static void dropout_bwd(int threads, const float* dy, const float* mask, float* dx, long long n) {
    const int T = tasks_for(n);
#pragma omp parallel for schedule(static) num_threads(T > 1 ? threads : 1)
    for (int t = 0; t < T; ++t) {
        const long long e = lmin(n, (t + 1) * CHUNK);
        for (long long i = t * CHUNK; i < e; ++i) dx[i] = dy[i] * mask[i];
    }
}

static void fill_op(int threads, float* d, long long n, float v) {
    const int T = tasks_for(n);
#pragma omp parallel for schedule(static) num_threads(T > 1 ? threads : 1)
    for (int t = 0; t < T; ++t) {
        const long long e = lmin(n, (t + 1) * CHUNK);
        for (long long i = t * CHUNK; i < e; ++i) d[i] = v;
    }
}

static void copy_op(int threads, const float* s, float* d, long long n) {
    const int T = tasks_for(n);
#pragma omp parallel for schedule(static) num_threads(T > 1 ? threads : 1)
    for (int t = 0; t < T; ++t) {
        const long long b = t * CHUNK, e = lmin(n, (t + 1) * CHUNK);
        memcpy(d + b, s + b, (size_t)(e - b) * sizeof(float));
    }
}

/* ---- loss and optimizer ------------------------------------------------------------------ */

static int softmax_xent(const float* logits, const int* labels, float* dl, int n, int k, double* loss, int* correct) {
    double lossSum = 0.0;
    int right = 0;
    for (int r = 0; r < n; ++r) {
        const int label = labels[r];
        if (label < 0 || label >= k) return r;
        const float* l = logits + (long)r * k;
        int am = 0;
        for (int j = 1; j < k; ++j)
            if (l[j] > l[am]) am = j;
        const float mx = l[am];
        float sum = 0.0f;
        for (int j = 0; j < k; ++j) sum += (float)exp((double)(l[j] - mx));
        lossSum += -((double)(l[label] - mx) - log((double)sum));
        if (am == label) ++right;
        if (dl) {
            float* d = dl + (long)r * k;
            for (int j = 0; j < k; ++j) {
                const float p = (float)exp((double)(l[j] - mx)) / sum;
                d[j] = (p - (j == label ? 1.0f : 0.0f)) / (float)n;
            }
        }
    }
    *loss = lossSum / n;
    *correct = right;
    return -1;
}

static void softmax_op(const float* logits, float* probs, int n, int k) {
    for (int r = 0; r < n; ++r) {
        const float* l = logits + (long)r * k;
        float mx = l[0];
        for (int j = 1; j < k; ++j) mx = (l[j] != l[j] || mx != mx) ? NAN : (l[j] > mx ? l[j] : mx);
        float sum = 0.0f;
        for (int j = 0; j < k; ++j) sum += (float)exp((double)(l[j] - mx));
        for (int j = 0; j < k; ++j) probs[(long)r * k + j] = (float)exp((double)(l[j] - mx)) / sum;
    }
}

static void adadelta_op(int threads, float* p, const float* g, float* ag, float* ad, long long n, float lr, float rho, float eps) {
    const int T = tasks_for(n);
    const float om = 1.0f - rho;
#pragma omp parallel for schedule(static) num_threads(T > 1 ? threads : 1)
    for (int t = 0; t < T; ++t) {
        const long long e = lmin(n, (t + 1) * CHUNK);
        for (long long i = t * CHUNK; i < e; ++i) {
            const float a = rho * ag[i] + om * g[i] * g[i];
            ag[i] = a;
            const float delta = g[i] * sqrtf(ad[i] + eps) / sqrtf(a + eps);
            p[i] -= lr * delta;
            ad[i] = rho * ad[i] + om * delta * delta;
        }
    }
}

static const splot_ops OPS = {
    ISA_NAME,  conv_fwd, conv_bwd_data, conv_bwd_weights, maxpool_fwd, maxpool_bwd, relu_fwd,    relu_bwd, dropout_fwd,
    dropout_bwd, dense_fwd, dense_bwd, softmax_xent, softmax_op, adadelta_op, fill_op, copy_op, sgemm_api, fma_loop,
};
