/* OpenBLAS sgemm for bctlab, over the plain Node-API (node_api.h).
 *
 * Exports sgemm, sgemmStridedBatched (the batch loop runs here: one crossing from JavaScript per batch)
 * numThreads and coreName, the small ops of bct_kernels.c, the attention of bct_attention.c and the packed
 * products of bct_packed.c. Every argument is checked before OpenBLAS sees it: a wrong type or an operand that
 * reaches outside its Float32Array throws a JavaScript TypeError/RangeError naming the argument, so a bad
 * call can never read or write out of bounds. Argument order and meaning match src/engine/gemm/index.ts.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cblas.h>
#include <node_api.h>
#include "args.h"
#include "parallel.h"

/* The small ops, in bct_kernels.c, the fused attention, in bct_attention.c, and the products against packed
 * weights, in bct_packed.c. */
napi_status bct_define_kernels(napi_env env, napi_value exports);
napi_status bct_define_attention(napi_env env, napi_value exports);
napi_status bct_define_packed(napi_env env, napi_value exports);

/* In OpenBLAS's cblas.h, but not in every cblas.h that the multiarch alternative may point to. */
void openblas_set_num_threads(int num_threads);
char *openblas_get_corename(void);

#define MAX_ARGS 20


/* The operand (rows×cols, leading dimension ld, `batch` copies every `stride` from `off`) must lie inside
 * `len` elements. Overflow-checked: all inputs are < 2^31, but (batch-1)·stride may not fit. */
static int check_extent(napi_env env, const char *name, const char *ldname, int64_t len, int64_t off,
                        int64_t ld, int64_t rows, int64_t cols, int64_t stride, int64_t batch) {
  char msg[256];
  if (ld < (cols > 1 ? cols : 1)) {
    snprintf(msg, sizeof msg, "sgemm.%s: leading dimension %lld is smaller than the %lld columns of %s",
             ldname, (long long)ld, (long long)cols, name);
    return fail_range(env, msg);
  }
  if (rows == 0 || cols == 0 || batch == 0) return 1;
  int64_t a, b, end;
  if (__builtin_mul_overflow(batch - 1, stride, &a) || __builtin_mul_overflow(rows - 1, ld, &b) ||
      __builtin_add_overflow(off, a, &end) || __builtin_add_overflow(end, b, &end) ||
      __builtin_add_overflow(end, cols, &end) || end > len) {
    snprintf(msg, sizeof msg, "sgemm.%s: operand (%lld×%lld, ld %lld, offset %lld, %lld items every %lld) "
             "does not fit in its Float32Array of %lld elements",
             name, (long long)rows, (long long)cols, (long long)ld, (long long)off, (long long)batch,
             (long long)stride, (long long)len);
    return fail_range(env, msg);
  }
  return 1;
}

/* Products b0..b1-1 of one (batched) call; operands already offset to item 0. */
typedef struct {
  int tA, tB, M, N, K;
  float alpha, beta;
  const float *A;
  int lda;
  int64_t sA;
  const float *B;
  int ldb;
  int64_t sB;
  float *C;
  int ldc;
  int64_t sC, b0, b1;
} gemm_job;

static void run_items(const gemm_job *j) {
  const enum CBLAS_TRANSPOSE ta = j->tA ? CblasTrans : CblasNoTrans, tb = j->tB ? CblasTrans : CblasNoTrans;
  for (int64_t b = j->b0; b < j->b1; b++) {
    const float *a = j->A + b * j->sA, *bm = j->B + b * j->sB;
    float *c = j->C + b * j->sC;
    if (j->M == 1 && j->K > 0) {
      /* One row (sampling a single sequence): OpenBLAS's sgemm would pack all of B first, which costs
       * as much as the product; sgemv reads B once. c = alpha·op(B)ᵀ·a + beta·c, where a is row 0 of
       * op(A): contiguous, or every lda-th element when transA. */
      const int inc = j->tA ? j->lda : 1;
      if (j->tB) cblas_sgemv(CblasRowMajor, CblasNoTrans, j->N, j->K, j->alpha, bm, j->ldb, a, inc, j->beta, c, 1);
      else cblas_sgemv(CblasRowMajor, CblasTrans, j->K, j->N, j->alpha, bm, j->ldb, a, inc, j->beta, c, 1);
    } else {
      cblas_sgemm(CblasRowMajor, ta, tb, j->M, j->N, j->K, j->alpha, a, j->lda, bm, j->ldb, j->beta, c, j->ldc);
    }
  }
}

/* Below this many flops in a whole call, a second thread costs more than it saves: measured on 2 cores
 * with OpenBLAS's own threads, (64×256)·(256×256) and smaller ran 1.1–2× faster on one thread,
 * (64×256)·(256×768) and larger gained from the second. */
#define SINGLE_THREAD_FLOPS (1 << 24)

/* Items b0 + i0 .. b0 + i1 of the batched call ctx (a gemm_job), for run_parts. */
static void items_part(const void *ctx, int64_t i0, int64_t i1, float *scratch) {
  (void)scratch;
  gemm_job part = *(const gemm_job *)ctx;
  part.b1 = part.b0 + i1;
  part.b0 += i0;
  run_items(&part);
}

/* Rows i0..i1 of C for every item of ctx (a gemm_job). */
static void rows_part(const void *ctx, int64_t i0, int64_t i1, float *scratch) {
  (void)scratch;
  gemm_job part = *(const gemm_job *)ctx;
  part.M = (int)(i1 - i0);
  part.A += part.tA ? i0 : i0 * part.lda;
  part.C += i0 * part.ldc;
  run_items(&part);
}

/* Columns i0..i1 of C for every item of ctx (a gemm_job). */
static void columns_part(const void *ctx, int64_t i0, int64_t i1, float *scratch) {
  (void)scratch;
  gemm_job part = *(const gemm_job *)ctx;
  part.N = (int)(i1 - i0);
  part.B += part.tB ? i0 * part.ldb : i0;
  part.C += i0;
  run_items(&part);
}

#define MIN_PART_ROWS 16 /* rows (or columns) of C per part, at least */

/* The addon's threads run every product: OpenBLAS is single-threaded, and a call large enough is split
 * over the pool of parallel.c, by items when there are enough of them (attention heads), else by rows of
 * C, else by columns. With OpenBLAS's own threads, each product had to wake them (or they spun, sharing a
 * core with the addon's kernels between products); run alternately on 2 cores, the split was faster in
 * 12 of 12 rounds: microworld fixed batches +2–6%, the base recipe +4–22%, gpt-4m training +1–18%.
 * OpenBLAS never splits the K sum, so a part's elements are summed as OpenBLAS sums them. */
static void run_batch(const gemm_job *job) {
  const int64_t batch = job->b1 - job->b0;
  const double flops = 2.0 * job->M * job->N * job->K * (double)batch;
  const int threads = thread_count();
  if (threads < 2 || flops < SINGLE_THREAD_FLOPS) run_items(job);
  else if (batch >= threads) run_parts(items_part, job, batch, threads, 0);
  else if (job->M >= MIN_PART_ROWS * threads) run_parts(rows_part, job, job->M, threads, 0);
  else if (job->N >= MIN_PART_ROWS * threads) run_parts(columns_part, job, job->N, threads, 0);
  else run_items(job);
}

/* Parses (transA, transB, M, N, K, alpha, A, aOff, lda, [strideA], B, bOff, ldb, [strideB], beta,
 * C, cOff, ldc, [strideC, batch]) and runs the products. */
static napi_value run(napi_env env, napi_callback_info info, int batched) {
  napi_value v[MAX_ARGS];
  if (!arg_count(env, info, "sgemm", batched ? 20 : 16, v)) return NULL;
  int tA, tB;
  int64_t M, N, K, aOff, lda, bOff, ldb, cOff, ldc, sA = 0, sB = 0, sC = 0, batch = 1, aLen, bLen, cLen;
  float alpha = 0, beta = 0, *A = NULL, *B = NULL, *C = NULL;
  int i = 0;
  if (!arg_bool(env, v[i++], "sgemm", "transA", &tA) || !arg_bool(env, v[i++], "sgemm", "transB", &tB) ||
      !arg_index(env, v[i++], "sgemm", "M", &M) || !arg_index(env, v[i++], "sgemm", "N", &N) || !arg_index(env, v[i++], "sgemm", "K", &K) ||
      !arg_float(env, v[i++], "sgemm", "alpha", &alpha) ||
      !arg_f32(env, v[i++], "sgemm", "A", &A, &aLen) || !arg_index(env, v[i++], "sgemm", "aOff", &aOff) ||
      !arg_index(env, v[i++], "sgemm", "lda", &lda) || (batched && !arg_index(env, v[i++], "sgemm", "strideA", &sA)) ||
      !arg_f32(env, v[i++], "sgemm", "B", &B, &bLen) || !arg_index(env, v[i++], "sgemm", "bOff", &bOff) ||
      !arg_index(env, v[i++], "sgemm", "ldb", &ldb) || (batched && !arg_index(env, v[i++], "sgemm", "strideB", &sB)) ||
      !arg_float(env, v[i++], "sgemm", "beta", &beta) ||
      !arg_f32(env, v[i++], "sgemm", "C", &C, &cLen) || !arg_index(env, v[i++], "sgemm", "cOff", &cOff) ||
      !arg_index(env, v[i++], "sgemm", "ldc", &ldc) ||
      (batched && (!arg_index(env, v[i++], "sgemm", "strideC", &sC) || !arg_index(env, v[i++], "sgemm", "batch", &batch))))
    return NULL;
  if (!check_extent(env, "A", "lda", aLen, aOff, lda, tA ? K : M, tA ? M : K, sA, batch) ||
      !check_extent(env, "B", "ldb", bLen, bOff, ldb, tB ? N : K, tB ? K : N, sB, batch) ||
      !check_extent(env, "C", "ldc", cLen, cOff, ldc, M, N, sC, batch))
    return NULL;
  if (M == 0 || N == 0) return NULL;
  gemm_job job = {tA, tB, (int)M, (int)N, (int)K, alpha, beta, A + aOff, (int)lda, sA, B + bOff, (int)ldb, sB,
                  C + cOff, (int)ldc, sC, 0, batch};
  run_batch(&job);
  return NULL;
}

static napi_value sgemm(napi_env env, napi_callback_info info) { return run(env, info, 0); }
static napi_value sgemm_batched(napi_env env, napi_callback_info info) { return run(env, info, 1); }

static napi_value num_threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_int32(env, thread_count(), &out);
  return out;
}

/* Cores this process may run on (honours taskset/cgroup affinity), at least 1. */
static int core_count(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

/* setThreadCount(n): the addon's threads, n ≥ 1, or 0 for the cores this process may use. */
static napi_value set_threads(napi_env env, napi_callback_info info) {
  napi_value v[1];
  int64_t n = 0;
  if (!arg_count(env, info, "setThreadCount", 1, v) || !arg_index(env, v[0], "setThreadCount", "n", &n)) return NULL;
  set_thread_count(n == 0 ? core_count() : (int)n); /* n < 2^31; set_thread_count bounds it */
  return NULL;
}

static napi_value core_name(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &out);
  return out;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  /* OpenBLAS runs on one thread, inside the addon's parts; the addon's threads default to the cores
   * (src/engine/gemm/openblas.ts then applies a user's OPENBLAS_NUM_THREADS through setThreadCount). */
  set_thread_count(core_count());
  openblas_set_num_threads(1);
  napi_property_descriptor props[] = {
    {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_default, NULL},
    {"sgemmStridedBatched", NULL, sgemm_batched, NULL, NULL, NULL, napi_default, NULL},
    {"numThreads", NULL, num_threads, NULL, NULL, NULL, napi_default, NULL},
    {"setThreadCount", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL},
    {"coreName", NULL, core_name, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  if (bct_define_kernels(env, exports) != napi_ok || bct_define_attention(env, exports) != napi_ok ||
      bct_define_packed(env, exports) != napi_ok)
    return NULL;
  return exports;
}
