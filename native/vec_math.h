/* Vector math shared by the addon's kernels (bct_kernels.c, bct_attention.c): the float32 exponential,
 * the max and the shifted exponentials of a row that every softmax here is made of, and the clone
 * attribute that compiles a kernel once per x86-64 instruction-set level (picked when the addon loads).
 */
#ifndef BCT_VEC_MATH_H
#define BCT_VEC_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define VECTOR_CLONES
#endif

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

/* Eight floats (one AVX register, or two SSE ones on the baseline clone), eight int32s, four doubles;
 * loaded and stored unaligned. */
typedef float v8 __attribute__((vector_size(32)));
typedef int32_t vi8 __attribute__((vector_size(32)));
typedef double v4d __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));
#define VEC_INLINE inline __attribute__((always_inline)) /* inlined into each clone that calls it */
static VEC_INLINE v8 load8(const float *p) { return *(const v8u *)p; }
static VEC_INLINE void store8(float *p, v8 x) { *(v8u *)p = x; }

/* exp_f on eight lanes: the same steps, so the same values up to FMA contraction. */
static VEC_INLINE v8 exp8(v8 x) {
  const v8 big = (v8){0} + 12582912.0f;
  const v8 kf = (x * 1.44269504088896341f + big) - big;
  const v8 r = (x - kf * 0.693359375f) - kf * -2.12194440e-4f;
  const v8 p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720 + r * (1.0f / 5040)))))));
  const vi8 bits = (__builtin_convertvector(kf, vi8) + 127) << 23;
  const vi8 keep = x >= -87.0f; /* all ones where x ≥ −87 */
  return (v8)((vi8)(p * (v8)bits) & keep);
}

/* The largest lane, and the sum of the lanes in double. */
static VEC_INLINE float max8(v8 x) {
  float m = x[0];
  for (int i = 1; i < 8; i++) m = x[i] > m ? x[i] : m;
  return m;
}
static VEC_INLINE v4d widen_sum(v8 x) {
  return __builtin_convertvector(__builtin_shufflevector(x, x, 0, 1, 2, 3), v4d) +
         __builtin_convertvector(__builtin_shufflevector(x, x, 4, 5, 6, 7), v4d);
}

#endif
