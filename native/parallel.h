/* Splitting a kernel's items over the cores (parallel.c), for kernels whose items write disjoint outputs:
 * items i0..i1 run on one thread, in order, so a split never changes a result. The parts run on the
 * addon's kept thread pool (the calling thread runs part 0) and are all done when run_parts returns.
 * These are the addon's only threads: OpenBLAS runs single-threaded inside the parts (bct_gemm.c).
 */
#ifndef BCT_PARALLEL_H
#define BCT_PARALLEL_H

#include <stdint.h>

/* Below this many flops in a call, starting a thread costs more than it saves. */
#define MIN_SPLIT_FLOPS (1 << 22)

/* Items i0..i1−1 of a call, with `scratch` floats of this part's own. */
typedef void (*part_fn)(const void *ctx, int64_t i0, int64_t i1, float *scratch);

/* The addon's thread count, set once at load (bct_gemm.c): the cores this process may use, or
 * OPENBLAS_NUM_THREADS. */
void set_thread_count(int threads);
int thread_count(void);

/* The threads a call of `flops` should use: 1 below MIN_SPLIT_FLOPS, else thread_count(). */
int split_threads(double flops);

/* Runs fn over items 0..items−1 in at most `threads` parts; each part owns `scratch` floats. Returns 0 when
 * the scratch cannot be allocated (then nothing has run); with no scratch it allocates nothing and
 * always returns 1. */
int run_parts(part_fn fn, const void *ctx, int64_t items, int threads, int64_t scratch);

#endif
