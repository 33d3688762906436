/* Helpers every op family uses: integer min/max and when work is worth a parallel region.
 * Part of the ops written once per ISA (see ops.hpp). */
#pragma once

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

/* Element-wise tasks: CHUNK elements each. */
static inline int tasks_for(long long n) { return (int)((n + CHUNK - 1) / CHUNK); }
