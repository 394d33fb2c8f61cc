/* Argument readers shared by the addon's functions (bct_gemm.c, bct_kernels.c, bct_attention.c).
 *
 * Each reader converts one JavaScript argument or throws a TypeError/RangeError whose message names the
 * function and the argument ("sgemm.lda: ...", "gelu.x: ..."), returning 0 so that checks chain with `||`
 * and the caller returns before anything is read or written.
 */
#ifndef BCT_ARGS_H
#define BCT_ARGS_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <node_api.h>

static inline int fail_type(napi_env env, const char *fn, const char *arg, const char *what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s.%s: %s", fn, arg, what);
  napi_throw_type_error(env, "ERR_BCT_NATIVE_ARG", msg);
  return 0;
}

static inline int fail_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, "ERR_BCT_NATIVE_ARG", msg);
  return 0;
}

/* A kernel's scratch could not be allocated: an Error naming the function. */
static inline int fail_memory(napi_env env, const char *fn) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: could not allocate the scratch", fn);
  napi_throw_error(env, "ERR_BCT_NATIVE_MEMORY", msg);
  return 0;
}

/* Exactly `want` arguments into v (which holds at least `want` slots). */
static inline int arg_count(napi_env env, napi_callback_info info, const char *fn, size_t want, napi_value *v) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, v, NULL, NULL) != napi_ok) return 0;
  if (argc != want) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s: expected %zu arguments, got %zu", fn, want, argc);
    napi_throw_type_error(env, "ERR_BCT_NATIVE_ARG", msg);
    return 0;
  }
  return 1;
}

static inline int arg_bool(napi_env env, napi_value v, const char *fn, const char *arg, int *out) {
  bool b;
  if (napi_get_value_bool(env, v, &b) != napi_ok) return fail_type(env, fn, arg, "expected a boolean");
  *out = b;
  return 1;
}

static inline int arg_float(napi_env env, napi_value v, const char *fn, const char *arg, float *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return fail_type(env, fn, arg, "expected a number");
  *out = (float)d;
  return 1;
}

static inline int arg_double(napi_env env, napi_value v, const char *fn, const char *arg, double *out) {
  if (napi_get_value_double(env, v, out) != napi_ok) return fail_type(env, fn, arg, "expected a number");
  return 1;
}

/* A non-negative integer that also fits OpenBLAS's 32-bit blasint. */
static inline int arg_index(napi_env env, napi_value v, const char *fn, const char *arg, int64_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return fail_type(env, fn, arg, "expected a number");
  if (!(d >= 0 && d <= (double)INT_MAX) || d != (double)(int64_t)d) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s.%s: expected an integer in [0, %d], got %g", fn, arg, INT_MAX, d);
    return fail_range(env, msg);
  }
  *out = (int64_t)d;
  return 1;
}

/* A typed array of the given element type; with `nullable`, null gives data NULL and length 0. */
static inline int arg_array(napi_env env, napi_value v, const char *fn, const char *arg, napi_typedarray_type want,
                            int nullable, void **data, int64_t *len) {
  const char *what = want == napi_float64_array ? "expected a Float64Array"
                     : want == napi_int32_array ? "expected an Int32Array" : "expected a Float32Array";
  if (nullable) {
    napi_valuetype t;
    if (napi_typeof(env, v, &t) != napi_ok) return fail_type(env, fn, arg, what);
    if (t == napi_null) {
      *data = NULL;
      *len = 0;
      return 1;
    }
  }
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return fail_type(env, fn, arg, what);
  napi_typedarray_type type;
  size_t length;
  void *ptr;
  if (napi_get_typedarray_info(env, v, &type, &length, &ptr, NULL, NULL) != napi_ok || type != want)
    return fail_type(env, fn, arg, what);
  *data = ptr;
  *len = (int64_t)length;
  return 1;
}

static inline int arg_f32(napi_env env, napi_value v, const char *fn, const char *arg, float **data, int64_t *len) {
  return arg_array(env, v, fn, arg, napi_float32_array, 0, (void **)data, len);
}

/* An array must hold at least `need` elements from the start (need ≥ 0, already overflow-checked). */
static inline int fits(napi_env env, const char *fn, const char *arg, int64_t len, int64_t need) {
  if (need <= len) return 1;
  char msg[200];
  snprintf(msg, sizeof msg, "%s.%s: needs %lld elements but the array has %lld", fn, arg, (long long)need, (long long)len);
  return fail_range(env, msg);
}

/* Readers for the kernels' wrappers, where `v` holds the arguments and FN names the function. */
#define F32(i, name, ptr, len) arg_array(env, v[i], FN, name, napi_float32_array, 0, (void **)&ptr, &len)
#define F32_OR_NULL(i, name, ptr, len) arg_array(env, v[i], FN, name, napi_float32_array, 1, (void **)&ptr, &len)
#define I32(i, name, ptr, len) arg_array(env, v[i], FN, name, napi_int32_array, 0, (void **)&ptr, &len)
#define INDEX(i, name, out) arg_index(env, v[i], FN, name, &out)

#endif
