/* OpenBLAS sgemm for bctlab, over the plain Node-API (node_api.h).
 *
 * Exports sgemm, sgemmStridedBatched (the batch loop runs here: one crossing from JavaScript per batch)
 * and numThreads. Every argument is checked before OpenBLAS sees it: a wrong type or an operand that
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

/* In OpenBLAS's cblas.h, but not in every cblas.h that the multiarch alternative may point to. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

#define MAX_ARGS 20

/* Throws unless the call itself failed; returns 0 so callers can `return fail(...)`. */
static int fail_type(napi_env env, const char *arg, const char *what) {
  char msg[256];
  snprintf(msg, sizeof msg, "sgemm.%s: %s", arg, what);
  napi_throw_type_error(env, "ERR_BCT_GEMM_ARG", msg);
  return 0;
}

static int fail_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, "ERR_BCT_GEMM_ARG", msg);
  return 0;
}

static int get_bool(napi_env env, napi_value v, const char *arg, int *out) {
  bool b;
  if (napi_get_value_bool(env, v, &b) != napi_ok) return fail_type(env, arg, "expected a boolean");
  *out = b;
  return 1;
}

static int get_float(napi_env env, napi_value v, const char *arg, float *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return fail_type(env, arg, "expected a number");
  *out = (float)d;
  return 1;
}

/* A non-negative integer that also fits OpenBLAS's 32-bit blasint. */
static int get_count(napi_env env, napi_value v, const char *arg, int64_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return fail_type(env, arg, "expected a number");
  if (!(d >= 0 && d <= (double)INT_MAX) || d != (double)(int64_t)d) {
    char msg[160];
    snprintf(msg, sizeof msg, "sgemm.%s: expected an integer in [0, %d], got %g", arg, INT_MAX, d);
    return fail_range(env, msg);
  }
  *out = (int64_t)d;
  return 1;
}

static int get_f32(napi_env env, napi_value v, const char *arg, float **data, int64_t *len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return fail_type(env, arg, "expected a Float32Array");
  napi_typedarray_type type;
  size_t length;
  void *ptr;
  if (napi_get_typedarray_info(env, v, &type, &length, &ptr, NULL, NULL) != napi_ok || type != napi_float32_array)
    return fail_type(env, arg, "expected a Float32Array");
  *data = (float *)ptr;
  *len = (int64_t)length;
  return 1;
}

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

/* Parses (transA, transB, M, N, K, alpha, A, aOff, lda, [strideA], B, bOff, ldb, [strideB], beta,
 * C, cOff, ldc, [strideC, batch]) and runs the products. */
static napi_value run(napi_env env, napi_callback_info info, int batched) {
  size_t want = batched ? 20 : 16, argc = MAX_ARGS;
  napi_value v[MAX_ARGS];
  if (napi_get_cb_info(env, info, &argc, v, NULL, NULL) != napi_ok) return NULL;
  if (argc != want) {
    char msg[96];
    snprintf(msg, sizeof msg, "sgemm: expected %zu arguments, got %zu", want, argc);
    napi_throw_type_error(env, "ERR_BCT_GEMM_ARG", msg);
    return NULL;
  }
  int tA, tB;
  int64_t M, N, K, aOff, lda, bOff, ldb, cOff, ldc, sA = 0, sB = 0, sC = 0, batch = 1, aLen, bLen, cLen;
  float alpha = 0, beta = 0, *A = NULL, *B = NULL, *C = NULL;
  int i = 0;
  if (!get_bool(env, v[i++], "transA", &tA) || !get_bool(env, v[i++], "transB", &tB) ||
      !get_count(env, v[i++], "M", &M) || !get_count(env, v[i++], "N", &N) || !get_count(env, v[i++], "K", &K) ||
      !get_float(env, v[i++], "alpha", &alpha) ||
      !get_f32(env, v[i++], "A", &A, &aLen) || !get_count(env, v[i++], "aOff", &aOff) ||
      !get_count(env, v[i++], "lda", &lda) || (batched && !get_count(env, v[i++], "strideA", &sA)) ||
      !get_f32(env, v[i++], "B", &B, &bLen) || !get_count(env, v[i++], "bOff", &bOff) ||
      !get_count(env, v[i++], "ldb", &ldb) || (batched && !get_count(env, v[i++], "strideB", &sB)) ||
      !get_float(env, v[i++], "beta", &beta) ||
      !get_f32(env, v[i++], "C", &C, &cLen) || !get_count(env, v[i++], "cOff", &cOff) ||
      !get_count(env, v[i++], "ldc", &ldc) ||
      (batched && (!get_count(env, v[i++], "strideC", &sC) || !get_count(env, v[i++], "batch", &batch))))
    return NULL;
  if (!check_extent(env, "A", "lda", aLen, aOff, lda, tA ? K : M, tA ? M : K, sA, batch) ||
      !check_extent(env, "B", "ldb", bLen, bOff, ldb, tB ? N : K, tB ? K : N, sB, batch) ||
      !check_extent(env, "C", "ldc", cLen, cOff, ldc, M, N, sC, batch))
    return NULL;
  if (M == 0 || N == 0) return NULL;
  const enum CBLAS_TRANSPOSE ta = tA ? CblasTrans : CblasNoTrans, tb = tB ? CblasTrans : CblasNoTrans;
  for (int64_t b = 0; b < batch; b++) {
    const float *a = A + aOff + b * sA, *bm = B + bOff + b * sB;
    float *c = C + cOff + b * sC;
    if (M == 1 && K > 0) {
      /* One row (sampling a single sequence): OpenBLAS's sgemm would pack all of B first, which costs
       * as much as the product; sgemv reads B once. c = alpha·op(B)ᵀ·a + beta·c, where a is row 0 of
       * op(A): contiguous, or every lda-th element when transA. */
      if (tB) cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)N, (int)K, alpha, bm, (int)ldb, a, tA ? (int)lda : 1, beta, c, 1);
      else cblas_sgemv(CblasRowMajor, CblasTrans, (int)K, (int)N, alpha, bm, (int)ldb, a, tA ? (int)lda : 1, beta, c, 1);
    } else {
      cblas_sgemm(CblasRowMajor, ta, tb, (int)M, (int)N, (int)K, alpha, a, (int)lda, bm, (int)ldb, beta, c, (int)ldc);
    }
  }
  return NULL;
}

static napi_value sgemm(napi_env env, napi_callback_info info) { return run(env, info, 0); }
static napi_value sgemm_batched(napi_env env, napi_callback_info info) { return run(env, info, 1); }

static napi_value num_threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_int32(env, openblas_get_num_threads(), &out);
  return out;
}

/* Cores this process may run on (honours taskset/cgroup affinity), at least 1. */
static int core_count(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  /* OpenBLAS reads OPENBLAS_NUM_THREADS itself when it loads; a user's setting wins. */
  const char *user = getenv("OPENBLAS_NUM_THREADS");
  if (user == NULL || *user == '\0') openblas_set_num_threads(core_count());
  napi_property_descriptor props[] = {
    {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_default, NULL},
    {"sgemmStridedBatched", NULL, sgemm_batched, NULL, NULL, NULL, napi_default, NULL},
    {"numThreads", NULL, num_threads, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
