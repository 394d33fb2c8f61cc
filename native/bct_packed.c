/* Products against weights laid out once: packWeights and sgemmPacked, for the sampler's decode steps.
 *
 * A decode step multiplies a few dozen rows by every weight matrix of the model. OpenBLAS copies the
 * weight operand into its own panel layout on every call, which for 64 rows is about a third of the
 * product; here the weights are packed once per generate call and each step's products read the panels
 * as they are.
 *
 * Layout: W (N, K) row-major, as a Linear layer's weight, becomes ceil(N/32) panels of (K, 32):
 * P[(p·K + k)·32 + j] = W[(p·32 + j)·K + k], zero beyond N. A product C (M, N) = alpha·A Wᵀ + beta·C runs
 * tiles of up to 8 rows × 32 columns, each accumulated over the whole K in registers, in order of k.
 * Every output element is therefore one chain of fused multiply-adds in a fixed order: a row's result
 * does not depend on M, on the other rows, on the tile it falls in or on the thread count, so a sample
 * is the same alone or in any batch.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include "args.h"
#include "parallel.h"
#include "vec_math.h"

#define NR 32 /* columns per panel */
#define MR 8  /* rows per tile */

/* Sixteen floats; on the AVX-512 clone one register, on the others two or four. */
typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4), may_alias));

typedef struct {
  const float *A, *P;
  float *C;
  int64_t M, N, K, lda, ldc;
  float alpha, beta;
} packed_job;

/* The tile of rows m0..m0+mr−1 (mr ≤ MR) and panel p. `mr` is a constant in every call after inlining,
 * so the row loops unroll and the accumulators stay in registers. */
static VEC_INLINE void tile(const packed_job *j, int64_t m0, int64_t mr, int64_t p) {
  const int64_t K = j->K;
  const float *a = j->A + m0 * j->lda, *b = j->P + p * K * NR;
  const int64_t lda = j->lda;
  v16 lo[MR], hi[MR];
#pragma GCC unroll 8
  for (int64_t r = 0; r < MR; r++) lo[r] = hi[r] = (v16){0};
  for (int64_t k = 0; k < K; k++) {
    const v16 b0 = *(const v16u *)(b + k * NR), b1 = *(const v16u *)(b + k * NR + 16);
#pragma GCC unroll 8
    for (int64_t r = 0; r < MR; r++) {
      if (r < mr) {
        const float x = a[r * lda + k];
        lo[r] += x * b0;
        hi[r] += x * b1;
      }
    }
  }
  const int64_t n0 = p * NR, cols = j->N - n0 < NR ? j->N - n0 : NR;
  for (int64_t r = 0; r < mr; r++) {
    float *c = j->C + (m0 + r) * j->ldc + n0;
    const v16 x0 = lo[r] * j->alpha, x1 = hi[r] * j->alpha;
    /* beta 0 writes without reading C (which may hold anything, NaN included). */
    if (cols == NR) {
      v16u *c0 = (v16u *)c, *c1 = (v16u *)(c + 16);
      if (j->beta == 0) {
        *c0 = x0;
        *c1 = x1;
      } else {
        *c0 = j->beta * *c0 + x0;
        *c1 = j->beta * *c1 + x1;
      }
      continue;
    }
    float row[NR]; /* the last panel, cut at N */
    *(v16u *)row = x0;
    *(v16u *)(row + 16) = x1;
    if (j->beta == 0)
      for (int64_t n = 0; n < cols; n++) c[n] = row[n];
    else
      for (int64_t n = 0; n < cols; n++) c[n] = j->beta * c[n] + row[n];
  }
}

/* Panels p0..p1−1 for every row, MC rows at a time: the rows' block of A stays in cache while the panels
 * (K·32 floats each) pass over it, and each panel is read once per 8 rows. */
#define MC 64
VECTOR_CLONES
static void packed_panels(const void *ctx, int64_t p0, int64_t p1, float *scratch) {
  (void)scratch;
  const packed_job *j = ctx;
  for (int64_t m0 = 0; m0 < j->M; m0 += MC) {
    const int64_t m1 = m0 + MC < j->M ? m0 + MC : j->M;
    for (int64_t p = p0; p < p1; p++) {
      int64_t m = m0;
      for (; m + MR <= m1; m += MR) tile(j, m, MR, p);
      switch (m1 - m) {
        case 7: tile(j, m, 7, p); break;
        case 6: tile(j, m, 6, p); break;
        case 5: tile(j, m, 5, p); break;
        case 4: tile(j, m, 4, p); break;
        case 3: tile(j, m, 3, p); break;
        case 2: tile(j, m, 2, p); break;
        case 1: tile(j, m, 1, p); break;
        default: break;
      }
    }
  }
}

static int64_t panels_of(int64_t N) { return (N + NR - 1) / NR; }

/* Weights of more elements than this are refused (2^31 floats: 8 GiB). */
#define MAX_PACKED ((int64_t)1 << 31)

/* packWeights(W, wOff, N, K) → Float32Array of ceil(N/32)·32·K floats */
static napi_value js_pack_weights(napi_env env, napi_callback_info info) {
#define FN "packWeights"
  napi_value v[4];
  float *W = NULL;
  int64_t wLen = 0, wOff = 0, N = 0, K = 0;
  if (!arg_count(env, info, FN, 4, v) || !F32(0, "W", W, wLen) || !INDEX(1, "wOff", wOff) || !INDEX(2, "N", N) ||
      !INDEX(3, "K", K))
    return NULL;
  if (N < 1 || K < 1 || panels_of(N) * NR * K > MAX_PACKED) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s: expected N ≥ 1, K ≥ 1 and at most 2^31 packed elements, got N %lld, K %lld", FN,
             (long long)N, (long long)K);
    return fail_range(env, msg), NULL;
  }
  if (!fits(env, FN, "W", wLen, wOff + N * K)) return NULL;
  const int64_t n = panels_of(N) * NR * K;
  void *data = NULL;
  napi_value buffer, out;
  if (napi_create_arraybuffer(env, (size_t)n * sizeof(float), &data, &buffer) != napi_ok) return NULL;
  float *P = data;
  const float *w = W + wOff;
  /* Row by row: W is read in order, and each panel (K·32 floats) is written within cache. */
  for (int64_t row = 0; row < panels_of(N) * NR; row++) {
    float *dst = P + (row / NR) * K * NR + row % NR;
    if (row < N)
      for (int64_t k = 0; k < K; k++) dst[k * NR] = w[row * K + k];
    else
      for (int64_t k = 0; k < K; k++) dst[k * NR] = 0.0f; /* the last panel's padding */
  }
  if (napi_create_typedarray(env, napi_float32_array, (size_t)n, buffer, 0, &out) != napi_ok) return NULL;
  return out;
#undef FN
}

/* sgemmPacked(M, N, K, alpha, A, aOff, lda, P, beta, C, cOff, ldc): C = alpha·A Wᵀ + beta·C */
static napi_value js_sgemm_packed(napi_env env, napi_callback_info info) {
#define FN "sgemmPacked"
  napi_value v[12];
  float *A = NULL, *P = NULL, *C = NULL, alpha = 0, beta = 0;
  int64_t aLen = 0, pLen = 0, cLen = 0, M = 0, N = 0, K = 0, aOff = 0, lda = 0, cOff = 0, ldc = 0;
  if (!arg_count(env, info, FN, 12, v) || !INDEX(0, "M", M) || !INDEX(1, "N", N) || !INDEX(2, "K", K) ||
      !arg_float(env, v[3], FN, "alpha", &alpha) || !F32(4, "A", A, aLen) || !INDEX(5, "aOff", aOff) ||
      !INDEX(6, "lda", lda) || !F32(7, "P", P, pLen) || !arg_float(env, v[8], FN, "beta", &beta) ||
      !F32(9, "C", C, cLen) || !INDEX(10, "cOff", cOff) || !INDEX(11, "ldc", ldc))
    return NULL;
  if (N < 1 || K < 1 || lda < K || ldc < N) {
    char msg[200];
    snprintf(msg, sizeof msg, "%s: expected N ≥ 1, K ≥ 1, lda ≥ K and ldc ≥ N, got N %lld, K %lld, lda %lld, ldc %lld", FN,
             (long long)N, (long long)K, (long long)lda, (long long)ldc);
    return fail_range(env, msg), NULL;
  }
  /* The panels must be exactly those of an (N, K) matrix: a pack of another shape is refused. */
  if (pLen != panels_of(N) * NR * K) {
    char msg[200];
    snprintf(msg, sizeof msg, "%s.P: holds %lld elements, but packed (%lld, %lld) weights hold %lld", FN,
             (long long)pLen, (long long)N, (long long)K, (long long)(panels_of(N) * NR * K));
    return fail_range(env, msg), NULL;
  }
  if (M == 0) return NULL;
  if (!fits(env, FN, "A", aLen, aOff + (M - 1) * lda + K) || !fits(env, FN, "C", cLen, cOff + (M - 1) * ldc + N))
    return NULL;
  const packed_job job = {A + aOff, P, C + cOff, M, N, K, lda, ldc, alpha, beta};
  run_parts(packed_panels, &job, panels_of(N), split_threads(2.0 * (double)M * (double)N * (double)K), 0);
  return NULL;
#undef FN
}

/* Adds packWeights and sgemmPacked to the addon's exports; called from the module init in bct_gemm.c. */
napi_status bct_define_packed(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"packWeights", NULL, js_pack_weights, NULL, NULL, NULL, napi_default, NULL},
    {"sgemmPacked", NULL, js_sgemm_packed, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
