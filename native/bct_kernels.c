/* The engine's small ops in C: layer norm, GELU, prefix softmax (attention), shifted exponentials of
 * logit rows (cross-entropy) and the AdamW update, with the signatures and meaning of their TypeScript
 * references in src/engine/kernels.ts. In V8 these loops run one element at a time; here the compiler
 * vectorises them (one clone per instruction-set level, picked when the addon loads), which is what makes
 * them worth a crossing (residual adds too): at microworld scale they took about half of a training step.
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

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define VECTOR_CLONES
#endif

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

/* e^x for x ≤ 88, 0 below −87: round-to-nearest range reduction (the 1.5·2^23 trick, exact without
 * fast-math), a two-part ln 2, a degree-7 polynomial, and 2^k built in the exponent bits. */
static inline float exp_f(float x) {
  const float big = 12582912.0f; /* 1.5 · 2^23 */
  const float kf = (x * 1.44269504088896341f + big) - big;
  const float r = (x - kf * 0.693359375f) - kf * -2.12194440e-4f;
  const float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720 + r * (1.0f / 5040)))))));
  int32_t bits = ((int32_t)kf + 127) << 23;
  float s = 0;
  memcpy(&s, &bits, sizeof s);
  return x < -87.0f ? 0.0f : p * s;
}

/* The largest of x[0..n). */
static inline float max_of(const float *x, int64_t n) {
  float m = -INFINITY;
#pragma omp simd reduction(max : m)
  for (int64_t j = 0; j < n; j++) m = x[j] > m ? x[j] : m;
  return m;
}

/* x[j] ← exp((x[j] − m)·scale) for j < n; returns their sum (in double): the shared middle of every
 * softmax here (attention rows, decode attention, cross-entropy and sampling logits). */
static inline double exp_shifted(float *x, int64_t n, float m, float scale) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t j = 0; j < n; j++) {
    const float e = exp_f((x[j] - m) * scale);
    x[j] = e;
    s += e;
  }
  return s;
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

/* Attention of G single-token rows against their KV caches, every head: row g's query (head h at
 * q + g·qStride + h·D) against keys 0..keys−1 of its cache (k/v + g·rowStride + h·headStride, D apart),
 * softmax(scale · q·Kᵀ) V into out + g·outStride + h·D. sc: keys floats of scratch. */
VECTOR_CLONES
static void decode_attention(const float *q, int64_t qStride, const float *k, const float *v, int64_t rowStride,
                             int64_t headStride, float *out, int64_t outStride, int64_t G, int64_t H, int64_t D,
                             int64_t keys, float scale, float *sc) {
  for (int64_t g = 0; g < G; g++) {
    for (int64_t h = 0; h < H; h++) {
      const float *qh = q + g * qStride + h * D;
      const float *kh = k + g * rowStride + h * headStride, *vh = v + g * rowStride + h * headStride;
      float *o = out + g * outStride + h * D;
      float m = -INFINITY;
      for (int64_t j = 0; j < keys; j++) {
        float s = 0;
#pragma omp simd reduction(+ : s)
        for (int64_t d = 0; d < D; d++) s += qh[d] * kh[j * D + d];
        s *= scale;
        sc[j] = s;
        m = s > m ? s : m;
      }
      const float inv = (float)(1.0 / exp_shifted(sc, keys, m, 1.0f));
#pragma omp simd
      for (int64_t d = 0; d < D; d++) o[d] = 0;
      for (int64_t j = 0; j < keys; j++) {
        const float w = sc[j] * inv;
#pragma omp simd
        for (int64_t d = 0; d < D; d++) o[d] += w * vh[j * D + d];
      }
    }
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

/* ---- Node-API wrappers: read, check extents, run. ---- */

/* An array must hold at least `need` elements from the start (need ≥ 0, already overflow-checked). */
static int fits(napi_env env, const char *fn, const char *arg, int64_t len, int64_t need) {
  if (need <= len) return 1;
  char msg[200];
  snprintf(msg, sizeof msg, "%s.%s: needs %lld elements but the array has %lld", fn, arg, (long long)need, (long long)len);
  return fail_range(env, msg);
}

/* a·b (+ c) for counts below 2^31, as an int64 that cannot overflow. */
static int64_t span(int64_t a, int64_t b, int64_t c) { return a * b + c; }

#define F32(i, name, ptr, len) arg_array(env, v[i], FN, name, napi_float32_array, 0, (void **)&ptr, &len)
#define F32_OR_NULL(i, name, ptr, len) arg_array(env, v[i], FN, name, napi_float32_array, 1, (void **)&ptr, &len)
#define INDEX(i, name, out) arg_index(env, v[i], FN, name, &out)

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
  layer_norm_forward(out + outOff, mean, rstd, x + xOff, w, b, N, C);
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
  gelu_forward(out, th, x, n);
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
  gelu_backward(dx, acc, dy, x, th, n);
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

/* The last element an operand reaches: off + (G−1)·rowStride + (H−1)·headStride + extent. */
static int64_t reach(int64_t off, int64_t G, int64_t rowStride, int64_t H, int64_t headStride, int64_t extent) {
  return off + (G - 1) * rowStride + (H - 1) * headStride + extent;
}

#define MAX_KEYS 16384 /* scratch on the stack: keys floats, at most 64 KiB */

static napi_value js_decode_attention(napi_env env, napi_callback_info info) {
#define FN "decodeAttention"
  napi_value v[16];
  float *q = NULL, *k = NULL, *vv = NULL, *out = NULL, scale = 0;
  int64_t qLen = 0, kLen = 0, vLen = 0, outLen = 0, qOff = 0, qStride = 0, cacheOff = 0, rowStride = 0, headStride = 0,
          outOff = 0, outStride = 0, G = 0, H = 0, D = 0, keys = 0;
  if (!arg_count(env, info, FN, 16, v) || !F32(0, "q", q, qLen) || !INDEX(1, "qOff", qOff) ||
      !INDEX(2, "qStride", qStride) || !F32(3, "k", k, kLen) || !F32(4, "v", vv, vLen) || !INDEX(5, "cacheOff", cacheOff) ||
      !INDEX(6, "rowStride", rowStride) || !INDEX(7, "headStride", headStride) || !F32(8, "out", out, outLen) ||
      !INDEX(9, "outOff", outOff) || !INDEX(10, "outStride", outStride) || !INDEX(11, "G", G) || !INDEX(12, "H", H) ||
      !INDEX(13, "D", D) || !INDEX(14, "keys", keys) || !arg_float(env, v[15], FN, "scale", &scale))
    return NULL;
  if (G == 0 || H == 0 || D == 0) return NULL;
  if (keys < 1 || keys > MAX_KEYS) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s.keys: expected an integer in [1, %d], got %lld", FN, MAX_KEYS, (long long)keys);
    return fail_range(env, msg), NULL;
  }
  if (!fits(env, FN, "q", qLen, reach(qOff, G, qStride, H, D, D)) ||
      !fits(env, FN, "k", kLen, reach(cacheOff, G, rowStride, H, headStride, keys * D)) ||
      !fits(env, FN, "v", vLen, reach(cacheOff, G, rowStride, H, headStride, keys * D)) ||
      !fits(env, FN, "out", outLen, reach(outOff, G, outStride, H, D, D)))
    return NULL;
  float sc[keys];
  decode_attention(q + qOff, qStride, k + cacheOff, vv + cacheOff, rowStride, headStride, out + outOff, outStride,
                   G, H, D, keys, scale, sc);
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
  add_arrays(out, a, b, n);
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
    {"decodeAttention", NULL, js_decode_attention, NULL, NULL, NULL, napi_default, NULL},
    {"add", NULL, js_add, NULL, NULL, NULL, napi_default, NULL},
    {"adamw", NULL, js_adamw, NULL, NULL, NULL, napi_default, NULL},
    {"sumSquares", NULL, js_sum_squares, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
