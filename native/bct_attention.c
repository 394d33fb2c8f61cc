/* Fused causal self-attention for training, forward and backward, on the (B, T, 3C) projection that
 * src/engine/attention.ts makes (C = H·D; head h of sequence b reads q, k and v in place, row stride 3C).
 *
 * Why in C: through OpenBLAS, one layer's attention is 6·B strided batches of H tiny products (at
 * microworld scale 48×48×32), each below the size where a second thread pays, so it ran on one core and
 * computed the masked upper triangle too. Here each (sequence, head) item does only the causal half, keeps
 * its softmax in the same pass, and the items are split over the cores.
 *
 * Per item, with S = scale·Q Kᵀ (causal: row i sees keys 0..i) and P = softmax(S) row by row:
 *   forward   P (T, T), kept for the backward; Y = P V                         into y (B, T, C)
 *   backward  dP = dY Vᵀ; dV = Pᵀ dY; dS = P ⊙ (dP − rowsum(dP ⊙ P)); dQ = scale·dS K; dK = scale·dSᵀ Q
 * Each item's operands are first packed (rows padded to a multiple of 8 channels, K or V also transposed),
 * and the products run as small register-blocked kernels on 8-float vectors, skipping the zero half. P's
 * rows hold zeros above the diagonal only as far as these kernels read (zero_to). Arithmetic is float32
 * with float64 row sums, as in the TypeScript path through sgemm and prefixSoftmax, but in another order:
 * results agree with it to float tolerance (src/engine/kernels.test.ts), and do not depend on how the
 * items are split over threads.
 */
#include <node_api.h>
#include "args.h"
#include "parallel.h"
#include "vec_math.h"

#define MAX_SEQUENCE 4096 /* T: an item's P block is T² floats */

/* One training call (item = b·H + h). */
typedef struct {
  const float *qkv, *p, *dy; /* p is read by the backward */
  float *p_out, *y, *dx;      /* written: P and Y (forward), dqkv (backward) */
  int accumulate;             /* backward: add into dx instead of overwriting */
  int64_t T, H, D;
  float scale;
} attn_job;

static VEC_INLINE int64_t round8(int64_t n) { return (n + 7) & ~(int64_t)7; }

/* Copies the (T, D) block at src (row stride ld) into dst (T, D8), zero-padding each row to D8. */
static VEC_INLINE void pack_rows(float *dst, const float *src, int64_t ld, int64_t T, int64_t D, int64_t D8) {
  for (int64_t t = 0; t < T; t++) {
    for (int64_t d = 0; d < D; d++) dst[t * D8 + d] = src[t * ld + d];
    for (int64_t d = D; d < D8; d++) dst[t * D8 + d] = 0;
  }
}

/* The transpose of the (T, D) block at src into dst (D8, T8), zero-padded. */
static VEC_INLINE void pack_transposed(float *dst, const float *src, int64_t ld, int64_t T, int64_t D, int64_t D8, int64_t T8) {
  for (int64_t t = 0; t < T; t++)
    for (int64_t d = 0; d < D; d++) dst[d * T8 + t] = src[t * ld + d];
  for (int64_t d = 0; d < D8; d++)
    for (int64_t t = d < D ? T : 0; t < T8; t++) dst[d * T8 + t] = 0;
}

/* Writes (or adds) the (T, D8) block src to the (T, D) block at dst (row stride ld). */
static VEC_INLINE void store_rows(float *dst, int64_t ld, const float *src, int64_t T, int64_t D, int64_t D8, int accumulate) {
  for (int64_t t = 0; t < T; t++) {
    float *o = dst + t * ld;
    const float *x = src + t * D8;
    if (accumulate)
      for (int64_t d = 0; d < D; d++) o[d] += x[d];
    else
      for (int64_t d = 0; d < D; d++) o[d] = x[d];
  }
}

/* sc (4, T8) ← rows i0..i0+3 of A (T, D8) times Bt (D8, T8), keys 0..8·chunks−1. Rows past T repeat row
 * T−1 (their results are not read). Four rows share each load of Bt; two chunks keep eight sums going. */
static VEC_INLINE void scores4(float *sc, const float *A, const float *Bt, int64_t i0, int64_t T, int64_t D8, int64_t T8,
                           int64_t chunks) {
  const float *a[4];
  for (int r = 0; r < 4; r++) a[r] = A + (i0 + r < T ? i0 + r : T - 1) * D8;
  int64_t c = 0;
  for (; c + 1 < chunks; c += 2) {
    v8 s0[4] = {0}, s1[4] = {0};
    for (int64_t d = 0; d < D8; d++) {
      const v8 b0 = load8(Bt + d * T8 + 8 * c), b1 = load8(Bt + d * T8 + 8 * c + 8);
      for (int r = 0; r < 4; r++) {
        s0[r] += a[r][d] * b0;
        s1[r] += a[r][d] * b1;
      }
    }
    for (int r = 0; r < 4; r++) {
      store8(sc + r * T8 + 8 * c, s0[r]);
      store8(sc + r * T8 + 8 * c + 8, s1[r]);
    }
  }
  if (c < chunks) {
    v8 s0[4] = {0};
    for (int64_t d = 0; d < D8; d++) {
      const v8 b0 = load8(Bt + d * T8 + 8 * c);
      for (int r = 0; r < 4; r++) s0[r] += a[r][d] * b0;
    }
    for (int r = 0; r < 4; r++) store8(sc + r * T8 + 8 * c, s0[r]);
  }
}

/* out (T, D8) ← W X for a lower-triangular W (T, T), row stride ldw, zero above the diagonal; X (T, D8).
 * With `transposed`, out ← Wᵀ X instead. Four output rows share each load of X; two 8-channel chunks keep
 * eight sums going. Rows (or, transposed, columns) past T repeat the last one and are not stored. */
static VEC_INLINE void lower_times(float *out, const float *W, int64_t ldw, int transposed, const float *X, int64_t T,
                               int64_t D8) {
  const int64_t chunks = D8 / 8;
  for (int64_t r0 = 0; r0 < T; r0 += 4) {
    /* Not transposed: out row r0+r = Σ_{t ≤ r0+3} W[r0+r, t] X[t] (the zeros cover t > r0+r).
     * Transposed:     out row r0+r = Σ_{t ≥ r0} W[t, r0+r] X[t] (the zeros cover t < r0+r). */
    const int64_t t0 = transposed ? r0 : 0, t1 = transposed ? T : (r0 + 4 < T ? r0 + 4 : T);
    int64_t idx[4];
    for (int r = 0; r < 4; r++) idx[r] = r0 + r < T ? r0 + r : T - 1;
    int64_t c = 0;
    for (; c < chunks; c += 2) {
      const int two = c + 1 < chunks;
      v8 s0[4] = {0}, s1[4] = {0};
      for (int64_t t = t0; t < t1; t++) {
        const float *x = X + t * D8 + 8 * c;
        const v8 x0 = load8(x), x1 = two ? load8(x + 8) : x0;
        for (int r = 0; r < 4; r++) {
          const float w = transposed ? W[t * ldw + idx[r]] : W[idx[r] * ldw + t];
          s0[r] += w * x0;
          s1[r] += w * x1;
        }
      }
      for (int r = 0; r < 4 && r0 + r < T; r++) {
        store8(out + (r0 + r) * D8 + 8 * c, s0[r]);
        if (two) store8(out + (r0 + r) * D8 + 8 * c + 8, s1[r]);
      }
    }
  }
}

/* Rows of P and dS are written from key 0 to zero_to(i0, T) for the rows i0..i0+3 of a block: the
 * softmax's keys 0..i, then zeros, as far as any kernel here reads (the 8-key chunks of the next row
 * block's softmax, and the 4×4 diagonal block of lower_times). Entries past it are never read. */
static VEC_INLINE int64_t zero_to(int64_t i0, int64_t T) {
  const int64_t end = round8(i0 + 4);
  return end < T ? end : T;
}

/* Writes (or, for a chunk past T, writes only up to T) the eight values x at row + 8c. */
static VEC_INLINE void store_chunk(float *row, int64_t c, int64_t T, v8 x) {
  if (8 * c + 8 <= T) store8(row + 8 * c, x);
  else
    for (int64_t t = 8 * c; t < T; t++) row[t] = x[t - 8 * c];
}

/* The eight values at row + 8c, zeros for those past T. */
static VEC_INLINE v8 load_chunk(const float *row, int64_t c, int64_t T) {
  if (8 * c + 8 <= T) return load8(row + 8 * c);
  v8 x = {0};
  for (int64_t t = 8 * c; t < T; t++) x[t - 8 * c] = row[t];
  return x;
}

/* pi[0..i] ← softmax(scale · s[0..i]), pi[i+1..end) ← 0. s (T8 floats, keys 0..round8(i+1)) is overwritten. */
static VEC_INLINE void softmax_row(float *pi, float *s, int64_t i, int64_t T, float scale, int64_t end) {
  const int64_t n = i + 1, chunks = (n + 7) / 8;
  for (int64_t t = n; t < 8 * chunks; t++) s[t] = -INFINITY; /* masked: exp8 gives 0 */
  v8 mx = load8(s);
  for (int64_t c = 1; c < chunks; c++) {
    const v8 x = load8(s + 8 * c);
    mx = (v8)(((vi8)x & (x > mx)) | ((vi8)mx & ~(x > mx)));
  }
  /* scale > 0, so the max of the unscaled row shifts the scaled one. */
  const float m = max8(mx);
  v4d sum = {0};
  for (int64_t c = 0; c < chunks; c++) {
    const v8 e = exp8((load8(s + 8 * c) - m) * scale);
    store8(s + 8 * c, e);
    sum += widen_sum(e);
  }
  const float inv = (float)(1.0 / (sum[0] + sum[1] + sum[2] + sum[3]));
  for (int64_t c = 0; c < chunks; c++) store_chunk(pi, c, T, load8(s + 8 * c) * inv);
  for (int64_t t = 8 * chunks; t < end; t++) pi[t] = 0;
}

/* dsi[0..i] ← scale · P ⊙ (dP − rowsum(dP ⊙ P)) from the row pi of P and dp = dP (keys 0..round8(i+1);
 * pi is zero past i), dsi[i+1..end) ← 0. */
static VEC_INLINE void softmax_row_backward(float *dsi, const float *dp, const float *pi, int64_t i, int64_t T, float scale,
                                        int64_t end) {
  const int64_t chunks = (i + 8) / 8;
  v4d dot = {0};
  for (int64_t c = 0; c < chunks; c++) dot += widen_sum(load8(dp + 8 * c) * load_chunk(pi, c, T));
  const float df = (float)(dot[0] + dot[1] + dot[2] + dot[3]);
  for (int64_t c = 0; c < chunks; c++) store_chunk(dsi, c, T, load_chunk(pi, c, T) * (load8(dp + 8 * c) - df) * scale);
  for (int64_t t = 8 * chunks; t < end; t++) dsi[t] = 0;
}

/* Forward of items it0..it1: P and Y. Scratch: q, v and y packed (T, D8), kt (D8, T8), sc (4, T8). */
VECTOR_CLONES
static void forward_items(const void *ctx, int64_t it0, int64_t it1, float *scratch) {
  const attn_job *j = ctx;
  const int64_t T = j->T, H = j->H, D = j->D, C = H * D, C3 = 3 * C, D8 = round8(D), T8 = round8(T);
  float *qp = scratch, *vp = qp + T * D8, *yp = vp + T * D8, *kt = yp + T * D8, *sc = kt + D8 * T8;
  for (int64_t it = it0; it < it1; it++) {
    const int64_t b = it / H, h = it % H;
    const float *q = j->qkv + b * T * C3 + h * D;
    float *pb = j->p_out + it * T * T;
    pack_rows(qp, q, C3, T, D, D8);
    pack_transposed(kt, q + C, C3, T, D, D8, T8);
    pack_rows(vp, q + 2 * C, C3, T, D, D8);
    for (int64_t i0 = 0; i0 < T; i0 += 4) {
      const int64_t keys = i0 + 4 < T ? i0 + 4 : T;
      scores4(sc, qp, kt, i0, T, D8, T8, (keys + 7) / 8);
      for (int64_t i = i0; i < keys; i++) softmax_row(pb + i * T, sc + (i - i0) * T8, i, T, j->scale, zero_to(i0, T));
    }
    lower_times(yp, pb, T, 0, vp, T, D8);
    store_rows(j->y + b * T * C + h * D, C, yp, T, D, D8, 0);
  }
}

/* Backward of items it0..it1 into dx (the (B, T, 3C) gradient of qkv). Scratch: q, k, dy and the three
 * gradients packed (T, D8), vt (D8, T8), sc (4, T8), ds (T, T). */
VECTOR_CLONES
static void backward_items(const void *ctx, int64_t it0, int64_t it1, float *scratch) {
  const attn_job *j = ctx;
  const int64_t T = j->T, H = j->H, D = j->D, C = H * D, C3 = 3 * C, D8 = round8(D), T8 = round8(T);
  float *qp = scratch, *kp = qp + T * D8, *dyp = kp + T * D8, *dq = dyp + T * D8, *dk = dq + T * D8,
        *dv = dk + T * D8, *vt = dv + T * D8, *sc = vt + D8 * T8, *ds = sc + 4 * T8;
  for (int64_t it = it0; it < it1; it++) {
    const int64_t b = it / H, h = it % H;
    const float *q = j->qkv + b * T * C3 + h * D, *pb = j->p + it * T * T;
    float *dx = j->dx + b * T * C3 + h * D;
    pack_rows(qp, q, C3, T, D, D8);
    pack_rows(kp, q + C, C3, T, D, D8);
    pack_transposed(vt, q + 2 * C, C3, T, D, D8, T8);
    pack_rows(dyp, j->dy + b * T * C + h * D, C, T, D, D8);
    for (int64_t i0 = 0; i0 < T; i0 += 4) {
      const int64_t keys = i0 + 4 < T ? i0 + 4 : T;
      scores4(sc, dyp, vt, i0, T, D8, T8, (keys + 7) / 8); /* dP rows i0..i0+3 */
      for (int64_t i = i0; i < keys; i++)
        softmax_row_backward(ds + i * T, sc + (i - i0) * T8, pb + i * T, i, T, j->scale, zero_to(i0, T));
    }
    lower_times(dv, pb, T, 1, dyp, T, D8); /* dV = Pᵀ dY */
    lower_times(dq, ds, T, 0, kp, T, D8);  /* dQ = scale·dS K */
    lower_times(dk, ds, T, 1, qp, T, D8);  /* dK = scale·dSᵀ Q */
    store_rows(dx, C3, dq, T, D, D8, j->accumulate);
    store_rows(dx + C, C3, dk, T, D, D8, j->accumulate);
    store_rows(dx + 2 * C, C3, dv, T, D, D8, j->accumulate);
  }
}

/* ---- Decode: single-token rows against their KV caches (the sampler). ---- */

typedef struct {
  const float *qkv, *k, *v;
  const int32_t *rows, *pos;
  float *out;
  int64_t H, D, T;
  float scale;
} decode_job;

/* Lane r of the result is the sum of the lanes of a[r] (the steps of eight horizontal adds). */
static VEC_INLINE v8 hadd(v8 x, v8 y) {
  return __builtin_shufflevector(x, y, 0, 2, 8, 10, 4, 6, 12, 14) + __builtin_shufflevector(x, y, 1, 3, 9, 11, 5, 7, 13, 15);
}
static VEC_INLINE v8 lane_sums(const v8 a[8]) {
  const v8 u0 = hadd(hadd(a[0], a[1]), hadd(a[2], a[3])), u1 = hadd(hadd(a[4], a[5]), hadd(a[6], a[7]));
  return __builtin_shufflevector(u0, u1, 0, 1, 2, 3, 8, 9, 10, 11) + __builtin_shufflevector(u0, u1, 4, 5, 6, 7, 12, 13, 14, 15);
}

/* sc[0..keys) ← q · k_t for one row and head. With D a multiple of 8, eight keys at a time: eight
 * independent sums, reduced together. */
static VEC_INLINE void decode_scores(float *sc, const float *qh, const float *kh, int64_t keys, int64_t D) {
  int64_t t = 0;
  if (D % 8 == 0) {
    for (; t + 8 <= keys; t += 8) {
      /* Key by key, so the cache is read in address order (the loop is bound by memory). */
      v8 a[8] = {0};
      for (int r = 0; r < 8; r++)
        for (int64_t d = 0; d < D; d += 8) a[r] += load8(qh + d) * load8(kh + (t + r) * D + d);
      store8(sc + t, lane_sums(a));
    }
  }
  for (; t < keys; t++) {
    float s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t d = 0; d < D; d++) s += qh[d] * kh[t * D + d];
    sc[t] = s;
  }
}

/* o[0..D) ← Σ_t w[t] v_t. With D a multiple of 8, sixteen channels at a time over two keys. */
static VEC_INLINE void decode_values(float *o, const float *w, const float *vh, int64_t keys, int64_t D) {
  if (D % 8 == 0) {
    for (int64_t c = 0; c < D; c += 16) {
      const int two = c + 8 < D;
      v8 a0 = {0}, a1 = {0}, b0 = {0}, b1 = {0};
      int64_t t = 0;
      for (; t + 2 <= keys; t += 2) {
        const float *x = vh + t * D + c, *y = x + D;
        a0 += w[t] * load8(x);
        b0 += w[t + 1] * load8(y);
        if (two) {
          a1 += w[t] * load8(x + 8);
          b1 += w[t + 1] * load8(y + 8);
        }
      }
      if (t < keys) {
        a0 += w[t] * load8(vh + t * D + c);
        if (two) a1 += w[t] * load8(vh + t * D + c + 8);
      }
      store8(o + c, a0 + b0);
      if (two) store8(o + c + 8, a1 + b1);
    }
    return;
  }
  for (int64_t d = 0; d < D; d++) o[d] = 0;
  for (int64_t t = 0; t < keys; t++) {
    const float x = w[t];
#pragma omp simd
    for (int64_t d = 0; d < D; d++) o[d] += x * vh[t * D + d];
  }
}

/* Entries e0..e1, every head: softmax(scale · q Kᵀ) V over the pos[e] + 1 keys of row rows[e]. Scratch: one
 * entry's scores, T rounded up to 8. */
VECTOR_CLONES
static void decode_entries(const void *ctx, int64_t e0, int64_t e1, float *sc) {
  const decode_job *j = ctx;
  const int64_t H = j->H, D = j->D, T = j->T, C = H * D;
  for (int64_t e = e0; e < e1; e++) {
    const int64_t keys = (int64_t)j->pos[e] + 1, row = (int64_t)j->rows[e] * H * T * D;
    for (int64_t h = 0; h < H; h++) {
      const float *kh = j->k + row + h * T * D, *vh = j->v + row + h * T * D;
      decode_scores(sc, j->qkv + e * 3 * C + h * D, kh, keys, D);
      softmax_row(sc, sc, keys - 1, round8(keys), j->scale, 0);
      decode_values(j->out + e * C + h * D, sc, vh, keys, D);
    }
  }
}

/* ---- Node-API wrappers: read, check extents, run. ---- */

/* B, T, H, D with 1 ≤ T ≤ MAX_SEQUENCE and the element counts of qkv (B·T·3C), P (B·H·T²) and y (B·T·C),
 * overflow-checked. */
static int shape_args(napi_env env, const char *fn, napi_value *v, int64_t *B, int64_t *T, int64_t *H, int64_t *D,
                      int64_t *nQkv, int64_t *nP, int64_t *nY) {
  if (!arg_index(env, v[0], fn, "B", B) || !arg_index(env, v[1], fn, "T", T) || !arg_index(env, v[2], fn, "H", H) ||
      !arg_index(env, v[3], fn, "D", D))
    return 0;
  if (*T < 1 || *T > MAX_SEQUENCE || *H < 1 || *D < 1) {
    char msg[200];
    snprintf(msg, sizeof msg, "%s: expected 1 ≤ T ≤ %d, H ≥ 1 and D ≥ 1, got T %lld, H %lld, D %lld", fn, MAX_SEQUENCE,
             (long long)*T, (long long)*H, (long long)*D);
    return fail_range(env, msg);
  }
  int64_t bt, c, bh;
  if (__builtin_mul_overflow(*B, *T, &bt) || __builtin_mul_overflow(*H, *D, &c) || __builtin_mul_overflow(bt, c, nY) ||
      __builtin_mul_overflow(*nY, 3, nQkv) || __builtin_mul_overflow(*B, *H, &bh) ||
      __builtin_mul_overflow(bh, *T * *T, nP)) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s: B·T·H·D or B·H·T² does not fit in 64 bits", fn);
    return fail_range(env, msg);
  }
  return 1;
}

/* causalAttention(qkv, p, y, B, T, H, D, scale) */
static napi_value js_causal_attention(napi_env env, napi_callback_info info) {
#define FN "causalAttention"
  napi_value v[8];
  float *qkv = NULL, *p = NULL, *y = NULL, scale = 0;
  int64_t qLen = 0, pLen = 0, yLen = 0, B = 0, T = 0, H = 0, D = 0, nQkv = 0, nP = 0, nY = 0;
  if (!arg_count(env, info, FN, 8, v) || !F32(0, "qkv", qkv, qLen) || !F32(1, "p", p, pLen) || !F32(2, "y", y, yLen) ||
      !shape_args(env, FN, v + 3, &B, &T, &H, &D, &nQkv, &nP, &nY) || !arg_float(env, v[7], FN, "scale", &scale))
    return NULL;
  if (!fits(env, FN, "qkv", qLen, nQkv) || !fits(env, FN, "p", pLen, nP) || !fits(env, FN, "y", yLen, nY)) return NULL;
  if (B == 0) return NULL;
  const attn_job job = {.qkv = qkv, .p_out = p, .y = y, .T = T, .H = H, .D = D, .scale = scale};
  const double flops = 2.0 * (double)B * (double)H * (double)T * (double)T * (double)D; /* the causal half of QKᵀ and PV */
  const int64_t D8 = round8(D), T8 = round8(T);
  if (!run_parts(forward_items, &job, B * H, split_threads(flops), 3 * T * D8 + D8 * T8 + 4 * T8)) fail_memory(env, FN);
  return NULL;
#undef FN
}

/* causalAttentionBackward(qkv, p, dy, dqkv, accumulate, B, T, H, D, scale) */
static napi_value js_causal_attention_backward(napi_env env, napi_callback_info info) {
#define FN "causalAttentionBackward"
  napi_value v[10];
  float *qkv = NULL, *p = NULL, *dy = NULL, *dx = NULL, scale = 0;
  int64_t qLen = 0, pLen = 0, dyLen = 0, dxLen = 0, B = 0, T = 0, H = 0, D = 0, nQkv = 0, nP = 0, nY = 0;
  int accumulate = 0;
  if (!arg_count(env, info, FN, 10, v) || !F32(0, "qkv", qkv, qLen) || !F32(1, "p", p, pLen) || !F32(2, "dy", dy, dyLen) ||
      !F32(3, "dqkv", dx, dxLen) || !arg_bool(env, v[4], FN, "accumulate", &accumulate) ||
      !shape_args(env, FN, v + 5, &B, &T, &H, &D, &nQkv, &nP, &nY) || !arg_float(env, v[9], FN, "scale", &scale))
    return NULL;
  if (!fits(env, FN, "qkv", qLen, nQkv) || !fits(env, FN, "p", pLen, nP) || !fits(env, FN, "dy", dyLen, nY) ||
      !fits(env, FN, "dqkv", dxLen, nQkv))
    return NULL;
  if (B == 0) return NULL;
  const attn_job job = {.qkv = qkv, .p = p, .dy = dy, .dx = dx, .accumulate = accumulate, .T = T, .H = H, .D = D, .scale = scale};
  const double flops = 4.0 * (double)B * (double)H * (double)T * (double)T * (double)D;
  const int64_t D8 = round8(D), T8 = round8(T);
  if (!run_parts(backward_items, &job, B * H, split_threads(flops), 6 * T * D8 + D8 * T8 + 4 * T8 + T * T)) fail_memory(env, FN);
  return NULL;
#undef FN
}

/* The (S, H, T, D) caches kc and vc, and entries e0..e1 of rows/pos (within them): the shared checks of
 * storeKv and decodeAttention. Sets *keys, when not NULL, to the keys all entries attend to. */
static int cache_entries(napi_env env, const char *fn, int64_t H, int64_t D, int64_t T, const int32_t *rows,
                         int64_t rLen, const int32_t *pos, int64_t pLen, int64_t e0, int64_t e1, int64_t kLen,
                         int64_t vLen, double *keys) {
  int64_t C = 0, rowSize = 0;
  char msg[200];
  if (H < 1 || D < 1 || T < 1 || __builtin_mul_overflow(H, D, &C) || __builtin_mul_overflow(C, T, &rowSize) ||
      kLen != vLen || kLen < rowSize || kLen % rowSize != 0) {
    snprintf(msg, sizeof msg, "%s: expected H, D, T ≥ 1 and caches of equal length, a multiple of H·T·D = %lld; got %lld and %lld",
             fn, (long long)rowSize, (long long)kLen, (long long)vLen);
    return fail_range(env, msg);
  }
  if (e0 > e1) {
    snprintf(msg, sizeof msg, "%s: expected e0 ≤ e1, got %lld and %lld", fn, (long long)e0, (long long)e1);
    return fail_range(env, msg);
  }
  if (!fits(env, fn, "rows", rLen, e1) || !fits(env, fn, "pos", pLen, e1)) return 0;
  const int64_t S = kLen / rowSize; /* rows in the caches */
  double sum = 0;
  for (int64_t e = e0; e < e1; e++) {
    if (rows[e] < 0 || rows[e] >= S || pos[e] < 0 || pos[e] >= T) {
      snprintf(msg, sizeof msg, "%s: entry %lld is at row %d, position %d; expected a row below %lld and a position below %lld",
               fn, (long long)e, rows[e], pos[e], (long long)S, (long long)T);
      return fail_range(env, msg);
    }
    sum += pos[e] + 1.0;
  }
  if (keys) *keys = sum;
  return 1;
}

/* decodeAttention(qkv, H, D, T, rows, pos, e0, e1, kc, vc, out, scale): for each entry e in e0..e1 (one new
 * token of row rows[e] at position pos[e], its query in row e of qkv (E, 3C)), softmax(scale·q Kᵀ) V over
 * the row's keys 0..pos[e] in the (S, H, T, D) caches, into row e of out (E, C). One call takes every
 * single-token entry of a step, whatever its row and position. */
static napi_value js_decode_attention(napi_env env, napi_callback_info info) {
#define FN "decodeAttention"
  napi_value v[12];
  float *qkv = NULL, *kc = NULL, *vc = NULL, *out = NULL, scale = 0;
  int32_t *rows = NULL, *pos = NULL;
  int64_t qLen = 0, rLen = 0, pLen = 0, kLen = 0, vLen = 0, outLen = 0, H = 0, D = 0, T = 0, e0 = 0, e1 = 0;
  double keys = 0;
  if (!arg_count(env, info, FN, 12, v) || !F32(0, "qkv", qkv, qLen) || !INDEX(1, "H", H) || !INDEX(2, "D", D) ||
      !INDEX(3, "T", T) || !I32(4, "rows", rows, rLen) || !I32(5, "pos", pos, pLen) || !INDEX(6, "e0", e0) ||
      !INDEX(7, "e1", e1) || !F32(8, "kc", kc, kLen) || !F32(9, "vc", vc, vLen) || !F32(10, "out", out, outLen) ||
      !arg_float(env, v[11], FN, "scale", &scale))
    return NULL;
  if (!cache_entries(env, FN, H, D, T, rows, rLen, pos, pLen, e0, e1, kLen, vLen, &keys)) return NULL;
  if (!fits(env, FN, "qkv", qLen, e1 * 3 * H * D) || !fits(env, FN, "out", outLen, e1 * H * D)) return NULL;
  if (e1 == e0) return NULL;
  /* run_parts numbers the items from 0: the job's arrays start at entry e0. */
  const decode_job job = {qkv + e0 * 3 * H * D, kc, vc, rows + e0, pos + e0, out + e0 * H * D, H, D, T, scale};
  if (!run_parts(decode_entries, &job, e1 - e0, split_threads(4.0 * keys * (double)(H * D)), round8(T)))
    fail_memory(env, FN);
  return NULL;
#undef FN
}

/* storeKv(qkv, E, H, D, T, rows, pos, kc, vc): entry e's key and value (columns C..3C of qkv row e, C = H·D)
 * into row rows[e], position pos[e] of the (S, H, T, D) caches, every index checked first. The same loop
 * in JavaScript took 0.45 ms of a 7–8 ms gpt-4m decode step at 64 rows, mostly page faults (the sampler
 * now touches its caches up front); this one takes 0.13 ms. */
static napi_value js_store_kv(napi_env env, napi_callback_info info) {
#define FN "storeKv"
  napi_value v[9];
  float *qkv = NULL, *kc = NULL, *vc = NULL;
  int32_t *rows = NULL, *pos = NULL;
  int64_t qLen = 0, rLen = 0, pLen = 0, kLen = 0, vLen = 0, E = 0, H = 0, D = 0, T = 0;
  if (!arg_count(env, info, FN, 9, v) || !F32(0, "qkv", qkv, qLen) || !INDEX(1, "E", E) || !INDEX(2, "H", H) ||
      !INDEX(3, "D", D) || !INDEX(4, "T", T) || !I32(5, "rows", rows, rLen) || !I32(6, "pos", pos, pLen) ||
      !F32(7, "kc", kc, kLen) || !F32(8, "vc", vc, vLen))
    return NULL;
  if (!cache_entries(env, FN, H, D, T, rows, rLen, pos, pLen, 0, E, kLen, vLen, NULL)) return NULL;
  const int64_t C = H * D;
  if (!fits(env, FN, "qkv", qLen, E * 3 * C)) return NULL;
  for (int64_t e = 0; e < E; e++) {
    const float *src = qkv + e * 3 * C;
    for (int64_t h = 0; h < H; h++) {
      const int64_t dst = ((rows[e] * H + h) * T + pos[e]) * D;
      memcpy(kc + dst, src + C + h * D, sizeof(float) * (size_t)D);
      memcpy(vc + dst, src + 2 * C + h * D, sizeof(float) * (size_t)D);
    }
  }
  return NULL;
#undef FN
}

/* Adds the attention kernels to the addon's exports; called from the module init in bct_gemm.c. */
napi_status bct_define_attention(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"causalAttention", NULL, js_causal_attention, NULL, NULL, NULL, napi_default, NULL},
    {"causalAttentionBackward", NULL, js_causal_attention_backward, NULL, NULL, NULL, napi_default, NULL},
    {"decodeAttention", NULL, js_decode_attention, NULL, NULL, NULL, napi_default, NULL},
    {"storeKv", NULL, js_store_kv, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
