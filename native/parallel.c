/* The addon's own threads: a kernel's items split into contiguous parts, one per thread (parallel.h). */
#include <pthread.h>
#include <stdlib.h>
#include "parallel.h"

int openblas_get_num_threads(void); /* the addon's thread count (bct_gemm.c sets it at load) */

#define MAX_THREADS 64

typedef struct {
  part_fn fn;
  const void *ctx;
  int64_t i0, i1;
  float *scratch;
} part;

static void *run_part(void *arg) {
  const part *pt = arg;
  pt->fn(pt->ctx, pt->i0, pt->i1, pt->scratch);
  return NULL;
}

int split_threads(double flops) {
  const int threads = openblas_get_num_threads();
  return flops < MIN_SPLIT_FLOPS || threads < 1 ? 1 : threads;
}

int run_parts(part_fn fn, const void *ctx, int64_t items, int threads, int64_t scratch) {
  if (threads > items) threads = (int)items;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if (threads < 1) threads = 1;
  /* Kernels without scratch (the elementwise ones, the batched products) allocate nothing per call. */
  float *buf = scratch > 0 ? malloc(sizeof(float) * (size_t)scratch * (size_t)threads) : NULL;
  if (scratch > 0 && !buf) return 0;
  part parts[MAX_THREADS];
  pthread_t tid[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  for (int t = 0; t < threads; t++) {
    parts[t] = (part){fn, ctx, items * t / threads, items * (t + 1) / threads, buf ? buf + (size_t)scratch * (size_t)t : NULL};
    /* Part 0 runs on this thread; a part whose thread cannot start runs here too. */
    if (t > 0) started[t] = pthread_create(&tid[t], NULL, run_part, &parts[t]) == 0;
  }
  run_part(&parts[0]);
  for (int t = 1; t < threads; t++) {
    if (started[t]) pthread_join(tid[t], NULL);
    else run_part(&parts[t]);
  }
  free(buf);
  return 1;
}
