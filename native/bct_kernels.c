/* The engine's small ops in C: layer norm, GELU, prefix softmax (attention), shifted exponentials of
 * logit rows and the row loops of the cross-entropy, and the AdamW update (attention itself is in
 * bct_attention.c), with the signatures and meaning of their TypeScript
 * references in src/engine/kernels.ts. In V8 these loops run one element at a time; here the compiler
 * vectorises them (one clone per instruction-set level, picked when the addon loads), which is what makes
 * them worth a crossing (residual adds too): at microworld scale they took about half of a training step.
 *
 * Layer norm forward, GELU and the residual add split their rows or elements over the cores (parallel.h).
 *
 * Arithmetic is float32 per element with float64 sums, as in the references, but in another order and
 * with a float32 exponential and tanh, so results agree with the references to float tolerance, not bit
 * for bit (the pure-TypeScript path is the bit-exact one). Every argument is checked before any element
 * is touched; a bad call throws a TypeError/RangeError naming the function and the argument.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <node_api.h>
#include "args.h"
#include "parallel.h"
#include "vec_math.h"

#define LN_EPS 1e-5
#define GELU_K 0.7978845608028654f /* sqrt(2/pi) */
#define GELU_A 0.044715f
#define TANH_CLAMP 7.90531110763549805f

/* tanh(u) to float32 accuracy: the rational form of fastTanh in kernels.ts, exactly ±1 beyond the clamp. */
static inline float tanh_f(float u) {
  /* Ternaries, not fminf/fmaxf, whose NaN rules keep the loops from vectorising (as trapping math would:
   * binding.gyp compiles with -fno-trapping-math). */
  const float x = u > TANH_CLAMP ? TANH_CLAMP : (u < -TANH_CLAMP ? -TANH_CLAMP : u);
  const float x2 = x * x;
  const float p = x * (4.89352455891786e-3f + x2 * (6.37261928875436e-4f + x2 * (1.48572235717979e-5f +
    x2 * (5.12229709037114e-8f + x2 * (-8.60467152213735e-11f + x2 * (2.00018790482477e-13f + x2 * -2.76076847742355e-16f))))));
  const float q = 4.89352518554385e-3f + x2 * (2.26843463243900e-3f + x2 * (1.18534705686654e-4f + x2 * 1.19825839466702e-6f));
  const float t = p / q;
  return fabsf(u) > TANH_CLAMP ? copysignf(1.0f, u) : t;
}

VECTOR_CLONES
static void layer_norm_forward(float *out, float *mean, float *rstd, const float *x, const float *w, const float *b,
                               int64_t N, int64_t C) {
  for (int64_t n = 0; n < N; n++) {
    const float *xr = x + n * C;
    float *o = out + n * C;
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t c = 0; c < C; c++) s += xr[c];
    const double m = s / (double)C;
    double v = 0;
#pragma omp simd reduction(+ : v)
    for (int64_t c = 0; c < C; c++) {
      const double d = xr[c] - m;
      v += d * d;
    }
    const double r = 1.0 / sqrt(v / (double)C + LN_EPS);
    const float mf = (float)m, rf = (float)r;
#pragma omp simd
    for (int64_t c = 0; c < C; c++) o[c] = (xr[c] - mf) * rf * w[c] + b[c];
    if (mean) mean[n] = mf;
    if (rstd) rstd[n] = rf;
  }
}

VECTOR_CLONES
static void layer_norm_backward(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w,
                                const float *mean, const float *rstd, int64_t N, int64_t C) {
  for (int64_t n = 0; n < N; n++) {
    const float *xr = x + n * C, *g = dy + n * C;
    const float m = mean[n], r = rstd[n];
    double sumG = 0, sumGX = 0;
#pragma omp simd reduction(+ : sumG, sumGX)
    for (int64_t c = 0; c < C; c++) {
      const float xhat = (xr[c] - m) * r;
      const float gw = g[c] * w[c];
      sumG += gw;
      sumGX += gw * xhat;
    }
    if (dw) {
#pragma omp simd
      for (int64_t c = 0; c < C; c++) dw[c] += g[c] * ((xr[c] - m) * r);
    }
    if (db) {
#pragma omp simd
      for (int64_t c = 0; c < C; c++) db[c] += g[c];
    }
    if (!dx) continue;
    const float mG = (float)(sumG / (double)C), mGX = (float)(sumGX / (double)C);
    float *d = dx + n * C;
#pragma omp simd
    for (int64_t c = 0; c < C; c++) d[c] += r * (g[c] * w[c] - mG - ((xr[c] - m) * r) * mGX);
  }
}

/* out may be x itself (the sampler applies GELU in place). */
VECTOR_CLONES
static void gelu_forward(float *out, float *th, const float *x, int64_t n) {
  if (th) {
#pragma omp simd
    for (int64_t i = 0; i < n; i++) {
      const float v = x[i];
      const float t = tanh_f(GELU_K * (v + GELU_A * v * v * v));
      out[i] = 0.5f * v * (1.0f + t);
      th[i] = t;
    }
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; i++) {
      const float v = x[i];
      out[i] = 0.5f * v * (1.0f + tanh_f(GELU_K * (v + GELU_A * v * v * v)));
    }
  }
}

VECTOR_CLONES
static void gelu_backward(float *dx, int accumulate, const float *dy, const float *x, const float *th, int64_t n) {
  /* A select rather than keep·dx: a fresh arena buffer may hold NaN, which 0·NaN would let through. */
#pragma omp simd
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i], t = th[i];
    const float d = 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * GELU_K * (1.0f + 3.0f * GELU_A * v * v);
    dx[i] = (accumulate ? dx[i] : 0.0f) + dy[i] * d;
  }
}

/* Row r of the (rows, cols) block: softmax over its first first + (r % period) + 1 entries, zeros after. */
VECTOR_CLONES
static void prefix_softmax(float *p, int64_t rows, int64_t cols, int64_t period, int64_t first) {
  for (int64_t r = 0; r < rows; r++) {
    float *o = p + r * cols;
    const int64_t vis = first + r % period + 1;
    const double s = exp_shifted(o, vis, max_of(o, vis), 1.0f);
    const float inv = (float)(1.0 / s);
#pragma omp simd
    for (int64_t j = 0; j < vis; j++) o[j] *= inv;
    for (int64_t j = vis; j < cols; j++) o[j] = 0;
  }
}

/* dp becomes P ⊙ (dP − rowsum(dP ⊙ P)) over the same visible prefixes. */
VECTOR_CLONES
static void prefix_softmax_backward(float *dp, const float *p, int64_t rows, int64_t cols, int64_t period, int64_t first) {
  for (int64_t r = 0; r < rows; r++) {
    float *d = dp + r * cols;
    const float *q = p + r * cols;
    const int64_t vis = first + r % period + 1;
    double dot = 0;
#pragma omp simd reduction(+ : dot)
    for (int64_t j = 0; j < vis; j++) dot += d[j] * q[j];
    const float df = (float)dot;
#pragma omp simd
    for (int64_t j = 0; j < vis; j++) d[j] = q[j] * (d[j] - df);
    for (int64_t j = vis; j < cols; j++) d[j] = 0;
  }
}

/* Each row of lg (R, V) becomes exp((row − max(row))·scale); rowMax and rowSum receive the max and the sum. */
VECTOR_CLONES
static void exp_rows(float *lg, float *rowMax, double *rowSum, int64_t R, int64_t V, float scale) {
  for (int64_t r = 0; r < R; r++) {
    float *o = lg + r * V;
    const float m = max_of(o, V);
    rowMax[r] = m;
    rowSum[r] = exp_shifted(o, V, m, scale);
  }
}

/* Rows r0..r1 of sampleRows: each row's p = exp((logit − max)·scale) in the part's scratch (V floats), as
 * exp_rows makes them, then the first token whose running sum passes u·z, in double as the sampler did in
 * JavaScript; V − 1 when rounding never lets it pass. */
typedef struct {
  const float *logits;
  const double *uniforms;
  int32_t *tokens;
  int64_t V;
  float scale;
} sample_ctx;

static void sample_part(const void *ctx, int64_t r0, int64_t r1, float *p) {
  const sample_ctx *c = ctx;
  const int64_t V = c->V;
  for (int64_t r = r0; r < r1; r++) {
    memcpy(p, c->logits + r * V, sizeof(float) * (size_t)V);
    float m = 0;
    double z = 0;
    exp_rows(p, &m, &z, 1, V, c->scale);
    double u = c->uniforms[r] * z;
    int64_t tok = V - 1;
    for (int64_t j = 0; j < V; j++) {
      u -= p[j];
      if (u < 0) {
        tok = j;
        break;
      }
    }
    c->tokens[r] = (int32_t)tok;
  }
}

/* out may be a or b (a gradient accumulating in place). */
VECTOR_CLONES
static void add_arrays(float *out, const float *a, const float *b, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

VECTOR_CLONES
static void adamw(float *w, float *g, float *m, float *v, int64_t n, float gs, float b1, float b2, float stepSize,
                  float invSqrtBc2, float eps, float decay) {
  const float c1 = 1.0f - b1, c2 = 1.0f - b2;
#pragma omp simd
  for (int64_t i = 0; i < n; i++) {
    const float gi = g[i] * gs;
    const float mi = b1 * m[i] + c1 * gi;
    const float vi = b2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] = w[i] * decay - (stepSize * mi) / (sqrtf(vi) * invSqrtBc2 + eps);
    g[i] = 0;
  }
}

VECTOR_CLONES
static double sum_squares(const float *g, int64_t n, double start) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; i++) s += (double)g[i] * g[i];
  return start + s;
}

/* ---- The cross-entropy's row loops (loss.ts): row r of a chunk is row rows[r0 + r] of the batch. ---- */

VECTOR_CLONES
static void gather_rows(float *out, const float *x, const int32_t *rows, int64_t R, int64_t C) {
  for (int64_t r = 0; r < R; r++) memcpy(out + r * C, x + (int64_t)rows[r] * C, sizeof(float) * (size_t)C);
}

VECTOR_CLONES
static void cross_entropy_input_grad(float *dx, const float *dxc, const float *w, const int32_t *rows, const int32_t *targets,
                                     const float *rowKS, const float *rowK, int64_t R, int64_t C) {
  for (int64_t r = 0; r < R; r++) {
    float *o = dx + (int64_t)rows[r] * C;
    const float *t = w + (int64_t)targets[rows[r]] * C, *e = dxc + r * C;
    const float ks = rowKS[r], k = rowK[r];
#pragma omp simd
    for (int64_t c = 0; c < C; c++) o[c] = ks * e[c] - k * t[c];
  }
}

VECTOR_CLONES
static void scale_rows(float *out, const float *x, const float *scale, int64_t R, int64_t C) {
  for (int64_t r = 0; r < R; r++) {
    const float ks = scale[r];
#pragma omp simd
    for (int64_t c = 0; c < C; c++) out[r * C + c] = ks * x[r * C + c];
  }
}

VECTOR_CLONES
static void cross_entropy_target_grad(float *dw, const float *xc, const int32_t *rows, const int32_t *targets, const float *rowK,
                                      int64_t R, int64_t C) {
  for (int64_t r = 0; r < R; r++) {
    float *o = dw + (int64_t)targets[rows[r]] * C;
    const float k = rowK[r];
#pragma omp simd
    for (int64_t c = 0; c < C; c++) o[c] -= k * xc[r * C + c];
  }
}

/* ---- Splitting the elementwise kernels over the cores (parallel.h): each part runs the same loop on a
 * contiguous range of elements (rows, for layer norm), so a split never changes a value. The flop
 * estimates only decide whether a split pays. ---- */

typedef struct {
  float *out, *th, *mean, *rstd;
  const float *x, *w, *b, *dy, *addend;
  int64_t C;
  int accumulate;
} elementwise_ctx;

static void layer_norm_forward_part(const void *ctx, int64_t n0, int64_t n1, float *scratch) {
  (void)scratch;
  const elementwise_ctx *c = ctx;
  layer_norm_forward(c->out + n0 * c->C, c->mean ? c->mean + n0 : NULL, c->rstd ? c->rstd + n0 : NULL, c->x + n0 * c->C,
                     c->w, c->b, n1 - n0, c->C);
}

static void gelu_forward_part(const void *ctx, int64_t i0, int64_t i1, float *scratch) {
  (void)scratch;
  const elementwise_ctx *c = ctx;
  gelu_forward(c->out + i0, c->th ? c->th + i0 : NULL, c->x + i0, i1 - i0);
}

static void gelu_backward_part(const void *ctx, int64_t i0, int64_t i1, float *scratch) {
  (void)scratch;
  const elementwise_ctx *c = ctx;
  gelu_backward(c->out + i0, c->accumulate, c->dy + i0, c->x + i0, c->th + i0, i1 - i0);
}

static void add_part(const void *ctx, int64_t i0, int64_t i1, float *scratch) {
  (void)scratch;
  const elementwise_ctx *c = ctx;
  add_arrays(c->out + i0, c->x + i0, c->addend + i0, i1 - i0);
}

/* Runs a part function over n items, split when `flops` pays (no scratch, so it cannot fail). */
static void split(part_fn part, const elementwise_ctx *ctx, int64_t n, double flops) {
  run_parts(part, ctx, n, split_threads(flops), 0);
}

/* ---- Node-API wrappers: read, check extents, run. ---- */

/* a·b (+ c) for counts below 2^31, as an int64 that cannot overflow. */
static int64_t span(int64_t a, int64_t b, int64_t c) { return a * b + c; }

static napi_value js_layer_norm_forward(napi_env env, napi_callback_info info) {
#define FN "layerNormForward"
  napi_value v[10];
  float *out = NULL, *mean = NULL, *rstd = NULL, *x = NULL, *w = NULL, *b = NULL;
  int64_t outLen = 0, meanLen = 0, rstdLen = 0, xLen = 0, wLen = 0, bLen = 0, outOff = 0, xOff = 0, N = 0, C = 0;
  if (!arg_count(env, info, FN, 10, v) || !F32(0, "out", out, outLen) || !INDEX(1, "outOff", outOff) ||
      !F32_OR_NULL(2, "mean", mean, meanLen) || !F32_OR_NULL(3, "rstd", rstd, rstdLen) || !F32(4, "x", x, xLen) ||
      !INDEX(5, "xOff", xOff) || !F32(6, "w", w, wLen) || !F32(7, "b", b, bLen) || !INDEX(8, "N", N) || !INDEX(9, "C", C))
    return NULL;
  if (!fits(env, FN, "out", outLen, span(N, C, outOff)) || !fits(env, FN, "x", xLen, span(N, C, xOff)) ||
      !fits(env, FN, "w", wLen, C) || !fits(env, FN, "b", bLen, C) ||
      (mean && !fits(env, FN, "mean", meanLen, N)) || (rstd && !fits(env, FN, "rstd", rstdLen, N)))
    return NULL;
  if (C == 0) return NULL;
  const elementwise_ctx ctx = {.out = out + outOff, .mean = mean, .rstd = rstd, .x = x + xOff, .w = w, .b = b, .C = C};
  split(layer_norm_forward_part, &ctx, N, 8.0 * (double)N * (double)C);
  return NULL;
#undef FN
}

static napi_value js_layer_norm_backward(napi_env env, napi_callback_info info) {
#define FN "layerNormBackward"
  napi_value v[10];
  float *dx = NULL, *dw = NULL, *db = NULL, *dy = NULL, *x = NULL, *w = NULL, *mean = NULL, *rstd = NULL;
  int64_t dxLen = 0, dwLen = 0, dbLen = 0, dyLen = 0, xLen = 0, wLen = 0, meanLen = 0, rstdLen = 0, N = 0, C = 0;
  if (!arg_count(env, info, FN, 10, v) || !F32_OR_NULL(0, "dx", dx, dxLen) || !F32_OR_NULL(1, "dw", dw, dwLen) ||
      !F32_OR_NULL(2, "db", db, dbLen) || !F32(3, "dy", dy, dyLen) || !F32(4, "x", x, xLen) || !F32(5, "w", w, wLen) ||
      !F32(6, "mean", mean, meanLen) || !F32(7, "rstd", rstd, rstdLen) || !INDEX(8, "N", N) || !INDEX(9, "C", C))
    return NULL;
  const int64_t NC = span(N, C, 0);
  if ((dx && !fits(env, FN, "dx", dxLen, NC)) || (dw && !fits(env, FN, "dw", dwLen, C)) ||
      (db && !fits(env, FN, "db", dbLen, C)) || !fits(env, FN, "dy", dyLen, NC) || !fits(env, FN, "x", xLen, NC) ||
      !fits(env, FN, "w", wLen, C) || !fits(env, FN, "mean", meanLen, N) || !fits(env, FN, "rstd", rstdLen, N))
    return NULL;
  if (C == 0) return NULL;
  layer_norm_backward(dx, dw, db, dy, x, w, mean, rstd, N, C);
  return NULL;
#undef FN
}

static napi_value js_gelu_forward(napi_env env, napi_callback_info info) {
#define FN "geluForward"
  napi_value v[4];
  float *out = NULL, *th = NULL, *x = NULL;
  int64_t outLen = 0, thLen = 0, xLen = 0, n = 0;
  if (!arg_count(env, info, FN, 4, v) || !F32(0, "out", out, outLen) || !F32_OR_NULL(1, "th", th, thLen) ||
      !F32(2, "x", x, xLen) || !INDEX(3, "n", n))
    return NULL;
  if (!fits(env, FN, "out", outLen, n) || (th && !fits(env, FN, "th", thLen, n)) || !fits(env, FN, "x", xLen, n)) return NULL;
  const elementwise_ctx ctx = {.out = out, .th = th, .x = x};
  split(gelu_forward_part, &ctx, n, 24.0 * (double)n);
  return NULL;
#undef FN
}

static napi_value js_gelu_backward(napi_env env, napi_callback_info info) {
#define FN "geluBackward"
  napi_value v[6];
  float *dx = NULL, *dy = NULL, *x = NULL, *th = NULL;
  int64_t dxLen = 0, dyLen = 0, xLen = 0, thLen = 0, n = 0;
  int acc = 0;
  if (!arg_count(env, info, FN, 6, v) || !F32(0, "dx", dx, dxLen) || !arg_bool(env, v[1], FN, "accumulate", &acc) ||
      !F32(2, "dy", dy, dyLen) || !F32(3, "x", x, xLen) || !F32(4, "th", th, thLen) || !INDEX(5, "n", n))
    return NULL;
  if (!fits(env, FN, "dx", dxLen, n) || !fits(env, FN, "dy", dyLen, n) || !fits(env, FN, "x", xLen, n) ||
      !fits(env, FN, "th", thLen, n))
    return NULL;
  const elementwise_ctx ctx = {.out = dx, .accumulate = acc, .dy = dy, .x = x, .th = th};
  split(gelu_backward_part, &ctx, n, 16.0 * (double)n);
  return NULL;
#undef FN
}

/* (p, off, rows, cols, period, first): the visible prefix of every row must fit in cols. */
static int prefix_args(napi_env env, const char *fn, napi_value *v, int64_t len, int64_t *off, int64_t *rows,
                       int64_t *cols, int64_t *period, int64_t *first) {
  if (!arg_index(env, v[0], fn, "off", off) || !arg_index(env, v[1], fn, "rows", rows) ||
      !arg_index(env, v[2], fn, "cols", cols) || !arg_index(env, v[3], fn, "period", period) ||
      !arg_index(env, v[4], fn, "first", first))
    return 0;
  if (*period < 1) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s.period: expected an integer ≥ 1", fn);
    return fail_range(env, msg);
  }
  if (*rows > 0 && *first + (*rows < *period ? *rows : *period) > *cols) {
    char msg[200];
    snprintf(msg, sizeof msg, "%s.cols: rows see up to %lld entries but have %lld columns", fn,
             (long long)(*first + (*rows < *period ? *rows : *period)), (long long)*cols);
    return fail_range(env, msg);
  }
  return fits(env, fn, "p", len, span(*rows, *cols, *off));
}

static napi_value js_prefix_softmax(napi_env env, napi_callback_info info) {
#define FN "prefixSoftmax"
  napi_value v[6];
  float *p = NULL;
  int64_t len = 0, off = 0, rows = 0, cols = 0, period = 0, first = 0;
  if (!arg_count(env, info, FN, 6, v) || !F32(0, "p", p, len) ||
      !prefix_args(env, FN, v + 1, len, &off, &rows, &cols, &period, &first))
    return NULL;
  prefix_softmax(p + off, rows, cols, period, first);
  return NULL;
#undef FN
}

static napi_value js_prefix_softmax_backward(napi_env env, napi_callback_info info) {
#define FN "prefixSoftmaxBackward"
  napi_value v[7];
  float *dp = NULL, *p = NULL;
  int64_t dpLen = 0, pLen = 0, off = 0, rows = 0, cols = 0, period = 0, first = 0;
  if (!arg_count(env, info, FN, 7, v) || !F32(0, "dp", dp, dpLen) || !F32(1, "p", p, pLen) ||
      !prefix_args(env, FN, v + 2, pLen, &off, &rows, &cols, &period, &first) ||
      !fits(env, FN, "dp", dpLen, span(rows, cols, off)))
    return NULL;
  prefix_softmax_backward(dp + off, p + off, rows, cols, period, first);
  return NULL;
#undef FN
}

static napi_value js_exp_rows(napi_env env, napi_callback_info info) {
#define FN "expRows"
  napi_value v[6];
  float *lg = NULL, *rowMax = NULL, scale = 1;
  double *rowSum = NULL;
  int64_t lgLen = 0, maxLen = 0, sumLen = 0, R = 0, V = 0;
  if (!arg_count(env, info, FN, 6, v) || !F32(0, "lg", lg, lgLen) || !F32(1, "rowMax", rowMax, maxLen) ||
      !arg_array(env, v[2], FN, "rowSum", napi_float64_array, 0, (void **)&rowSum, &sumLen) ||
      !INDEX(3, "R", R) || !INDEX(4, "V", V) || !arg_float(env, v[5], FN, "scale", &scale))
    return NULL;
  if (V < 1) return fail_range(env, "expRows.V: expected an integer ≥ 1"), NULL;
  if (!fits(env, FN, "lg", lgLen, span(R, V, 0)) || !fits(env, FN, "rowMax", maxLen, R) || !fits(env, FN, "rowSum", sumLen, R))
    return NULL;
  exp_rows(lg, rowMax, rowSum, R, V, scale);
  return NULL;
#undef FN
}

/* sampleRows(logits, R, V, scale, uniforms, tokens) */
static napi_value js_sample_rows(napi_env env, napi_callback_info info) {
#define FN "sampleRows"
  napi_value v[6];
  float *logits = NULL, scale = 1;
  double *uniforms = NULL;
  int32_t *tokens = NULL;
  int64_t lgLen = 0, uLen = 0, tLen = 0, R = 0, V = 0;
  if (!arg_count(env, info, FN, 6, v) || !F32(0, "logits", logits, lgLen) || !INDEX(1, "R", R) || !INDEX(2, "V", V) ||
      !arg_float(env, v[3], FN, "scale", &scale) ||
      !arg_array(env, v[4], FN, "uniforms", napi_float64_array, 0, (void **)&uniforms, &uLen) ||
      !I32(5, "tokens", tokens, tLen))
    return NULL;
  if (V < 1) return fail_range(env, "sampleRows.V: expected an integer ≥ 1"), NULL;
  if (!fits(env, FN, "logits", lgLen, span(R, V, 0)) || !fits(env, FN, "uniforms", uLen, R) || !fits(env, FN, "tokens", tLen, R))
    return NULL;
  if (R == 0) return NULL;
  const sample_ctx ctx = {logits, uniforms, tokens, V, scale};
  if (!run_parts(sample_part, &ctx, R, split_threads(24.0 * (double)R * (double)V), V)) fail_memory(env, FN);
  return NULL;
#undef FN
}

static napi_value js_add(napi_env env, napi_callback_info info) {
#define FN "add"
  napi_value v[4];
  float *out = NULL, *a = NULL, *b = NULL;
  int64_t outLen = 0, aLen = 0, bLen = 0, n = 0;
  if (!arg_count(env, info, FN, 4, v) || !F32(0, "out", out, outLen) || !F32(1, "a", a, aLen) || !F32(2, "b", b, bLen) ||
      !INDEX(3, "n", n))
    return NULL;
  if (!fits(env, FN, "out", outLen, n) || !fits(env, FN, "a", aLen, n) || !fits(env, FN, "b", bLen, n)) return NULL;
  const elementwise_ctx ctx = {.out = out, .x = a, .addend = b};
  split(add_part, &ctx, n, 4.0 * (double)n);
  return NULL;
#undef FN
}

static napi_value js_adamw(napi_env env, napi_callback_info info) {
#define FN "adamw"
  napi_value v[11];
  float *w = NULL, *g = NULL, *m = NULL, *vv = NULL;
  int64_t wLen = 0, gLen = 0, mLen = 0, vLen = 0;
  float gs = 0, b1 = 0, b2 = 0, stepSize = 0, invSqrtBc2 = 0, eps = 0, decay = 0;
  if (!arg_count(env, info, FN, 11, v) || !F32(0, "w", w, wLen) || !F32(1, "g", g, gLen) || !F32(2, "m", m, mLen) ||
      !F32(3, "v", vv, vLen) || !arg_float(env, v[4], FN, "gradScale", &gs) || !arg_float(env, v[5], FN, "beta1", &b1) ||
      !arg_float(env, v[6], FN, "beta2", &b2) || !arg_float(env, v[7], FN, "stepSize", &stepSize) ||
      !arg_float(env, v[8], FN, "invSqrtBc2", &invSqrtBc2) || !arg_float(env, v[9], FN, "eps", &eps) ||
      !arg_float(env, v[10], FN, "decay", &decay))
    return NULL;
  if (!fits(env, FN, "g", gLen, wLen) || !fits(env, FN, "m", mLen, wLen) || !fits(env, FN, "v", vLen, wLen)) return NULL;
  adamw(w, g, m, vv, wLen, gs, b1, b2, stepSize, invSqrtBc2, eps, decay);
  return NULL;
#undef FN
}

static napi_value js_sum_squares(napi_env env, napi_callback_info info) {
#define FN "sumSquares"
  napi_value v[2], out;
  float *g = NULL;
  int64_t len = 0;
  double start = 0;
  if (!arg_count(env, info, FN, 2, v) || !F32(0, "g", g, len) || !arg_double(env, v[1], FN, "start", &start)) return NULL;
  napi_create_double(env, sum_squares(g, len, start), &out);
  return out;
#undef FN
}

/* rows[r0 .. r0+R) must exist and each must index a row of `nRows`; with targets, each targets[row] a row
 * of `nTargets`. The message names the entry. */
static int check_rows(napi_env env, const char *fn, const int32_t *rows, int64_t rowsLen, int64_t r0, int64_t R, int64_t nRows,
                      const int32_t *targets, int64_t targetsLen, int64_t nTargets) {
  if (!fits(env, fn, "rows", rowsLen, r0 + R)) return 0;
  char msg[200];
  for (int64_t r = r0; r < r0 + R; r++) {
    const int64_t i = rows[r];
    if (i < 0 || i >= nRows) {
      snprintf(msg, sizeof msg, "%s.rows[%lld]: row %lld is outside [0, %lld)", fn, (long long)r, (long long)i, (long long)nRows);
      return fail_range(env, msg);
    }
    if (!targets) continue;
    if (i >= targetsLen || targets[i] < 0 || targets[i] >= nTargets) {
      snprintf(msg, sizeof msg, "%s.targets[%lld]: expected a row of [0, %lld)", fn, (long long)i, (long long)nTargets);
      return fail_range(env, msg);
    }
  }
  return 1;
}

/* gatherRows(out, x, rows, r0, R, C) */
static napi_value js_gather_rows(napi_env env, napi_callback_info info) {
#define FN "gatherRows"
  napi_value v[6];
  float *out = NULL, *x = NULL;
  int32_t *rows = NULL;
  int64_t outLen = 0, xLen = 0, rowsLen = 0, r0 = 0, R = 0, C = 0;
  if (!arg_count(env, info, FN, 6, v) || !F32(0, "out", out, outLen) || !F32(1, "x", x, xLen) || !I32(2, "rows", rows, rowsLen) ||
      !INDEX(3, "r0", r0) || !INDEX(4, "R", R) || !INDEX(5, "C", C))
    return NULL;
  if (C == 0 || R == 0) return NULL;
  if (!fits(env, FN, "out", outLen, span(R, C, 0)) || !check_rows(env, FN, rows, rowsLen, r0, R, xLen / C, NULL, 0, 0)) return NULL;
  gather_rows(out, x, rows + r0, R, C);
  return NULL;
#undef FN
}

/* crossEntropyInputGrad(dx, dxc, w, rows, targets, rowKS, rowK, r0, R, C) */
static napi_value js_cross_entropy_input_grad(napi_env env, napi_callback_info info) {
#define FN "crossEntropyInputGrad"
  napi_value v[10];
  float *dx = NULL, *dxc = NULL, *w = NULL, *ks = NULL, *k = NULL;
  int32_t *rows = NULL, *targets = NULL;
  int64_t dxLen = 0, dxcLen = 0, wLen = 0, ksLen = 0, kLen = 0, rowsLen = 0, tLen = 0, r0 = 0, R = 0, C = 0;
  if (!arg_count(env, info, FN, 10, v) || !F32(0, "dx", dx, dxLen) || !F32(1, "dxc", dxc, dxcLen) || !F32(2, "w", w, wLen) ||
      !I32(3, "rows", rows, rowsLen) || !I32(4, "targets", targets, tLen) || !F32(5, "rowKS", ks, ksLen) ||
      !F32(6, "rowK", k, kLen) || !INDEX(7, "r0", r0) || !INDEX(8, "R", R) || !INDEX(9, "C", C))
    return NULL;
  if (C == 0 || R == 0) return NULL;
  if (!fits(env, FN, "dxc", dxcLen, span(R, C, 0)) || !fits(env, FN, "rowKS", ksLen, R) || !fits(env, FN, "rowK", kLen, R) ||
      !check_rows(env, FN, rows, rowsLen, r0, R, dxLen / C, targets, tLen, wLen / C))
    return NULL;
  cross_entropy_input_grad(dx, dxc, w, rows + r0, targets, ks, k, R, C);
  return NULL;
#undef FN
}

/* scaleRows(out, x, scale, R, C) */
static napi_value js_scale_rows(napi_env env, napi_callback_info info) {
#define FN "scaleRows"
  napi_value v[5];
  float *out = NULL, *x = NULL, *scale = NULL;
  int64_t outLen = 0, xLen = 0, sLen = 0, R = 0, C = 0;
  if (!arg_count(env, info, FN, 5, v) || !F32(0, "out", out, outLen) || !F32(1, "x", x, xLen) || !F32(2, "scale", scale, sLen) ||
      !INDEX(3, "R", R) || !INDEX(4, "C", C))
    return NULL;
  if (!fits(env, FN, "out", outLen, span(R, C, 0)) || !fits(env, FN, "x", xLen, span(R, C, 0)) || !fits(env, FN, "scale", sLen, R))
    return NULL;
  scale_rows(out, x, scale, R, C);
  return NULL;
#undef FN
}

/* crossEntropyTargetGrad(dw, xc, rows, targets, rowK, r0, R, C) */
static napi_value js_cross_entropy_target_grad(napi_env env, napi_callback_info info) {
#define FN "crossEntropyTargetGrad"
  napi_value v[8];
  float *dw = NULL, *xc = NULL, *k = NULL;
  int32_t *rows = NULL, *targets = NULL;
  int64_t dwLen = 0, xcLen = 0, kLen = 0, rowsLen = 0, tLen = 0, r0 = 0, R = 0, C = 0;
  if (!arg_count(env, info, FN, 8, v) || !F32(0, "dw", dw, dwLen) || !F32(1, "xc", xc, xcLen) || !I32(2, "rows", rows, rowsLen) ||
      !I32(3, "targets", targets, tLen) || !F32(4, "rowK", k, kLen) || !INDEX(5, "r0", r0) || !INDEX(6, "R", R) || !INDEX(7, "C", C))
    return NULL;
  if (C == 0 || R == 0) return NULL;
  if (!fits(env, FN, "xc", xcLen, span(R, C, 0)) || !fits(env, FN, "rowK", kLen, R) ||
      !check_rows(env, FN, rows, rowsLen, r0, R, INT32_MAX, targets, tLen, dwLen / C))
    return NULL;
  cross_entropy_target_grad(dw, xc, rows + r0, targets, k, R, C);
  return NULL;
#undef FN
}

/* Adds the kernels to the addon's exports; called from the module init in bct_gemm.c. */
napi_status bct_define_kernels(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"layerNormForward", NULL, js_layer_norm_forward, NULL, NULL, NULL, napi_default, NULL},
    {"layerNormBackward", NULL, js_layer_norm_backward, NULL, NULL, NULL, napi_default, NULL},
    {"geluForward", NULL, js_gelu_forward, NULL, NULL, NULL, napi_default, NULL},
    {"geluBackward", NULL, js_gelu_backward, NULL, NULL, NULL, napi_default, NULL},
    {"prefixSoftmax", NULL, js_prefix_softmax, NULL, NULL, NULL, napi_default, NULL},
    {"prefixSoftmaxBackward", NULL, js_prefix_softmax_backward, NULL, NULL, NULL, napi_default, NULL},
    {"expRows", NULL, js_exp_rows, NULL, NULL, NULL, napi_default, NULL},
    {"sampleRows", NULL, js_sample_rows, NULL, NULL, NULL, napi_default, NULL},
    {"add", NULL, js_add, NULL, NULL, NULL, napi_default, NULL},
    {"adamw", NULL, js_adamw, NULL, NULL, NULL, napi_default, NULL},
    {"sumSquares", NULL, js_sum_squares, NULL, NULL, NULL, napi_default, NULL},
    {"gatherRows", NULL, js_gather_rows, NULL, NULL, NULL, napi_default, NULL},
    {"crossEntropyInputGrad", NULL, js_cross_entropy_input_grad, NULL, NULL, NULL, napi_default, NULL},
    {"scaleRows", NULL, js_scale_rows, NULL, NULL, NULL, napi_default, NULL},
    {"crossEntropyTargetGrad", NULL, js_cross_entropy_target_grad, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
