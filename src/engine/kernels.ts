// The small ops of the engine as plain typed-array loops, shared by the taped ops (ops.ts, attention.ts,
// loss.ts), AdamW (optim.ts) and the KV-cache sampler (sampler.ts). These loops are the reference: the
// pure-TypeScript path runs them and is bit for bit reproducible; the addon (native/bct_kernels.c) has
// vectorised versions of the same functions, which agree with them to float tolerance (kernel-select.ts
// picks one set per GEMM backend).
// Shape legend: N rows, C channels, R rows of logits, V vocab. Sums are kept in float64 locals and stored
// as float32.

export const LN_EPS = 1e-5;
const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

// Math.exp costs about twice this range reduction plus a degree-7 polynomial (relative error < 1e-8,
// below float32 resolution); softmaxes and the cross-entropy call it once per logit.
const POW2 = new Float64Array(300); // (300) 2^k for k in [-150, 149]
for (let k = 0; k < 300; k++) POW2[k] = Math.pow(2, k - 150);

/** e^x for x ≤ 88; returns 0 below −87 (where float32 underflows anyway). */
export function fastExp(x: number): number {
  if (x < -87) return 0;
  const k = Math.floor(x * Math.LOG2E + 0.5);
  const r = x - k * Math.LN2;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040)))))));
  return p * POW2[k + 150]!;
}

// Math.tanh costs several times a multiply-add chain in V8, and GELU calls it once per activation, so
// tanh is a rational minimax approximation (odd degree-13 over even degree-6, the form Eigen uses for
// float): absolute error below 3e-7 everywhere. Beyond |u| = 7.905 tanh is within 3e-7 of ±1 and the
// result is exactly ±1: the rational form there gives ±0.99999974, and GELU's gradient multiplies 1 − t² by
// a cubic in x, so that residue made gelu'(x) wrong by up to 6e-4 at |x| ≈ 30, where trained MLPs do go.
/** tanh(u) to float32 accuracy. */
export function fastTanh(u: number): number {
  // No sign-dependent branch on purpose: activations have random signs, and such a branch mispredicts
  // half the time (it tripled the cost of GELU). The saturation tests compare magnitudes, not signs.
  // Near 0, p/q is x·(1 − 1.3e-7), so no special case is needed there.
  if (u > 7.90531110763549805) return 1;
  if (u < -7.90531110763549805) return -1;
  const x = u;
  const x2 = x * x;
  const p = x * (4.89352455891786e-3 + x2 * (6.37261928875436e-4 + x2 * (1.48572235717979e-5 + x2 * (5.12229709037114e-8 +
    x2 * (-8.60467152213735e-11 + x2 * (2.00018790482477e-13 + x2 * -2.76076847742355e-16))))));
  const q = 4.89352518554385e-3 + x2 * (2.26843463243900e-3 + x2 * (1.18534705686654e-4 + x2 * 1.19825839466702e-6));
  return p / q;
}

/** out, x: (N, C); w, b: (C); mean, rstd: (N) saved for backward (may be null when not needed). */
export function layerNormForward(
  out: Float32Array, outOff: number, mean: Float32Array | null, rstd: Float32Array | null,
  x: Float32Array, xOff: number, w: Float32Array, b: Float32Array, N: number, C: number,
): void {
  for (let n = 0; n < N; n++) {
    const o = xOff + n * C;
    let s = 0;
    for (let c = 0; c < C; c++) s += x[o + c]!;
    const m = s / C;
    let v = 0;
    for (let c = 0; c < C; c++) {
      const d = x[o + c]! - m;
      v += d * d;
    }
    const r = 1 / Math.sqrt(v / C + LN_EPS);
    const p = outOff + n * C;
    for (let c = 0; c < C; c++) out[p + c] = (x[o + c]! - m) * r * w[c]! + b[c]!;
    if (mean) mean[n] = m;
    if (rstd) rstd[n] = r;
  }
}

/** Accumulates into dx (N, C) and, when given, dw, db (C). */
export function layerNormBackward(
  dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null, dy: Float32Array,
  x: Float32Array, w: Float32Array, mean: Float32Array, rstd: Float32Array, N: number, C: number,
): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    const m = mean[n]!;
    const r = rstd[n]!;
    let sumG = 0;
    let sumGX = 0;
    for (let c = 0; c < C; c++) {
      const xhat = (x[o + c]! - m) * r;
      const g = dy[o + c]! * w[c]!;
      sumG += g;
      sumGX += g * xhat;
      if (dw) dw[c] += dy[o + c]! * xhat;
      if (db) db[c] += dy[o + c]!;
    }
    if (!dx) continue;
    const mG = sumG / C;
    const mGX = sumGX / C;
    for (let c = 0; c < C; c++) {
      const xhat = (x[o + c]! - m) * r;
      dx[o + c] += r * (dy[o + c]! * w[c]! - mG - xhat * mGX);
    }
  }
}

/** GELU, tanh approximation (GPT-2; torch `gelu(approximate='tanh')`). th (n) keeps tanh for backward. */
export function geluForward(out: Float32Array, th: Float32Array | null, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    const t = fastTanh(GELU_K * (v + GELU_A * v * v * v));
    out[i] = 0.5 * v * (1 + t);
    if (th) th[i] = t;
  }
}

/** dx (+)= dy · gelu'(x) (adds when `accumulate`), using the tanh values saved by the forward pass. */
export function geluBackward(dx: Float32Array, accumulate: boolean, dy: Float32Array, x: Float32Array, th: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    const t = th[i]!;
    const d = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * GELU_K * (1 + 3 * GELU_A * v * v);
    dx[i] = accumulate ? dx[i]! + dy[i]! * d : dy[i]! * d;
  }
}

/** In place over `rows` rows of `cols` scores from `off`: row r becomes a softmax over its first
 *  first + (r mod period) + 1 entries (a causal prefix), zeros after. Training attention: rows = B·H·T,
 *  period T, first 0; the sampler: n new positions per head starting at position `first`. */
export function prefixSoftmax(p: Float32Array, off: number, rows: number, cols: number, period: number, first: number): void {
  for (let r = 0; r < rows; r++) {
    const o = off + r * cols;
    const vis = first + (r % period) + 1;
    let m = -Infinity;
    for (let j = 0; j < vis; j++) if (p[o + j]! > m) m = p[o + j]!;
    let s = 0;
    for (let j = 0; j < vis; j++) {
      const e = fastExp(p[o + j]! - m);
      p[o + j] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let j = 0; j < vis; j++) p[o + j]! *= inv;
    for (let j = vis; j < cols; j++) p[o + j] = 0;
  }
}

/** In place: dp becomes dS = P ⊙ (dP − rowsum(dP ⊙ P)) over the prefixes of prefixSoftmax. */
export function prefixSoftmaxBackward(dp: Float32Array, p: Float32Array, off: number, rows: number, cols: number,
  period: number, first: number): void {
  for (let r = 0; r < rows; r++) {
    const o = off + r * cols;
    const vis = first + (r % period) + 1;
    let dot = 0;
    for (let j = 0; j < vis; j++) dot += dp[o + j]! * p[o + j]!;
    for (let j = 0; j < vis; j++) dp[o + j] = p[o + j]! * (dp[o + j]! - dot);
    for (let j = vis; j < cols; j++) dp[o + j] = 0;
  }
}

/** Each row of lg (R, V) becomes exp((row − max(row))·scale); rowMax (R) and rowSum (R) receive the max
 *  and the sum of the exponentials (float64, so the cross-entropy's log-sum-exp loses nothing). scale is 1
 *  for the cross-entropy and 1/temperature for sampling. */
export function expRows(lg: Float32Array, rowMax: Float32Array, rowSum: Float64Array, R: number, V: number, scale: number): void {
  for (let r = 0; r < R; r++) {
    const o = r * V;
    let m = -Infinity;
    for (let j = 0; j < V; j++) if (lg[o + j]! > m) m = lg[o + j]!;
    let s = 0;
    for (let j = 0; j < V; j++) {
      const e = fastExp((lg[o + j]! - m) * scale);
      lg[o + j] = e;
      s += e;
    }
    rowMax[r] = m;
    rowSum[r] = s;
  }
}

/** Draws one token per row of logits (R, V) from softmax(scale·logit): row r's token is the first j where
 *  the running sum of p = exp((logit − max)·scale) passes uniforms[r]·z (z the row's sum; V − 1 when
 *  rounding never lets it pass), in float64 as TokenPicker did row by row. logits are left as they are. */
export function sampleRows(logits: Float32Array, R: number, V: number, scale: number, uniforms: Float64Array,
  tokens: Int32Array): void {
  const p = new Float32Array(V); // (V)
  const max = new Float32Array(1); // (1)
  const sum = new Float64Array(1); // (1)
  for (let r = 0; r < R; r++) {
    p.set(logits.subarray(r * V, (r + 1) * V));
    expRows(p, max, sum, 1, V, scale);
    let u = uniforms[r]! * sum[0]!;
    let tok = V - 1;
    for (let j = 0; j < V; j++) {
      u -= p[j]!;
      if (u < 0) {
        tok = j;
        break;
      }
    }
    tokens[r] = tok;
  }
}

/** out = a + b elementwise over n values; out may be a or b. */
export function add(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
}

/** One AdamW update of a parameter w from its gradient g (times gradScale), moments m and v, in place;
 *  zeroes g. stepSize = lr / (1 − β₁ᵗ), invSqrtBc2 = 1 / √(1 − β₂ᵗ), decay = 1 − lr·wd (or 1). */
export function adamw(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, gradScale: number,
  b1: number, b2: number, stepSize: number, invSqrtBc2: number, eps: number, decay: number): void {
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]! * gradScale;
    const mi = b1 * m[i]! + c1 * gi;
    const vi = b2 * v[i]! + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] = w[i]! * decay - (stepSize * mi) / (Math.sqrt(vi) * invSqrtBc2 + eps);
    g[i] = 0;
  }
}

/** start + Σ gᵢ², summed in float64 (start carries the sum over earlier tensors). */
export function sumSquares(g: Float32Array, start: number): number {
  let sq = start;
  for (let i = 0; i < g.length; i++) sq += g[i]! * g[i]!;
  return sq;
}

// The cross-entropy's row loops (loss.ts). Row r < R of a chunk is row rows[r0 + r] of the batch; its
// target is targets[rows[r0 + r]].

/** out[r·C ..] = x[rows[r0 + r]·C ..] for r < R: the chunk's rows of x, gathered. */
export function gatherRows(out: Float32Array, x: Float32Array, rows: Int32Array, r0: number, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    const o = rows[r0 + r]! * C;
    for (let c = 0; c < C; c++) out[r * C + c] = x[o + c]!;
  }
}

/** dx[rows[r0 + r]·C ..] = rowKS[r]·dxc[r·C ..] − rowK[r]·w[target·C ..]: the input gradient kᵢ(eᵢ/sᵢ W − W[tᵢ]). */
export function crossEntropyInputGrad(dx: Float32Array, dxc: Float32Array, w: Float32Array, rows: Int32Array,
  targets: Int32Array, rowKS: Float32Array, rowK: Float32Array, r0: number, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    const ks = rowKS[r]!;
    const k = rowK[r]!;
    const o = rows[r0 + r]! * C;
    const t = targets[rows[r0 + r]!]! * C;
    for (let c = 0; c < C; c++) dx[o + c] = ks * dxc[r * C + c]! - k * w[t + c]!;
  }
}

/** out[r·C ..] = scale[r]·x[r·C ..] for r < R. */
export function scaleRows(out: Float32Array, x: Float32Array, scale: Float32Array, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    const ks = scale[r]!;
    for (let c = 0; c < C; c++) out[r * C + c] = ks * x[r * C + c]!;
  }
}

/** dw[target·C ..] −= rowK[r]·xc[r·C ..], rows in order: the head's gradient −Σᵢ kᵢ onehot(tᵢ) xcᵢ. */
export function crossEntropyTargetGrad(dw: Float32Array, xc: Float32Array, rows: Int32Array, targets: Int32Array,
  rowK: Float32Array, r0: number, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    const k = rowK[r]!;
    const t = targets[rows[r0 + r]!]! * C;
    for (let c = 0; c < C; c++) dw[t + c] -= k * xc[r * C + c]!;
  }
}

/** The small ops as one set: the TypeScript references above, or the addon's vectorised versions. */
export interface Kernels {
  readonly backend: 'typescript' | 'native';
  layerNormForward: typeof layerNormForward;
  layerNormBackward: typeof layerNormBackward;
  geluForward: typeof geluForward;
  geluBackward: typeof geluBackward;
  prefixSoftmax: typeof prefixSoftmax;
  prefixSoftmaxBackward: typeof prefixSoftmaxBackward;
  expRows: typeof expRows;
  sampleRows: typeof sampleRows;
  add: typeof add;
  adamw: typeof adamw;
  sumSquares: typeof sumSquares;
  gatherRows: typeof gatherRows;
  crossEntropyInputGrad: typeof crossEntropyInputGrad;
  scaleRows: typeof scaleRows;
  crossEntropyTargetGrad: typeof crossEntropyTargetGrad;
  /** Native only: for each entry e in e0..e1 (one new token of row rows[e] at position pos[e], its query at
   *  row e of qkv (E, 3C), C = H·D), softmax(scale·q Kᵀ) V over the row's keys 0..pos[e] in the (S, H, T, D)
   *  caches kc and vc, into row e of out (E, C). Its reference is the sampler's per-head strided batches
   *  with prefixSoftmax (sampler.ts). */
  decodeAttention?: (qkv: Float32Array, H: number, D: number, T: number, rows: Int32Array, pos: Int32Array,
    e0: number, e1: number, kc: Float32Array, vc: Float32Array, out: Float32Array, scale: number) => void;
  /** Native only: entry e's key and value (columns C..3C of row e of qkv (E, 3C), C = H·D) into row rows[e],
   *  position pos[e] of the (S, H, T, D) caches kc and vc. Its reference is the sampler's loop. */
  storeKv?: (qkv: Float32Array, E: number, H: number, D: number, T: number, rows: Int32Array, pos: Int32Array,
    kc: Float32Array, vc: Float32Array) => void;
  /** Native only: causal self-attention of the (B, T, 3C) projection qkv (C = H·D, heads read in place),
   *  writing y = P V (B, T, C) and the probabilities p (B, H, T, T) for causalAttentionBackward (above the
   *  diagonal only as far as it reads). Its reference is attention.ts's strided batches with prefixSoftmax. */
  causalAttention?: (qkv: Float32Array, p: Float32Array, y: Float32Array, B: number, T: number, H: number, D: number,
    scale: number) => void;
  /** Native only: the backward of causalAttention from dy (B, T, C) and the forward's p, into dqkv (B, T, 3C),
   *  added to it when accumulate, written otherwise. */
  causalAttentionBackward?: (qkv: Float32Array, p: Float32Array, dy: Float32Array, dqkv: Float32Array, accumulate: boolean,
    B: number, T: number, H: number, D: number, scale: number) => void;
}

export const TYPESCRIPT_KERNELS: Kernels = {
  backend: 'typescript', layerNormForward, layerNormBackward, geluForward, geluBackward, prefixSoftmax,
  prefixSoftmaxBackward, expRows, sampleRows, add, adamw, sumSquares, gatherRows, crossEntropyInputGrad, scaleRows,
  crossEntropyTargetGrad,
};
