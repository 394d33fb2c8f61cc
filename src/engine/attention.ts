// Fused causal multi-head self-attention: qkv (B, T, 3C) → y (B, T, C), one op with one backward.
// Shape legend: B batch, T time, C channels, H heads, D head dim (C/H).
// Both big products per (batch, head) go through sgemmStridedBatched: S = Q Kᵀ (T×T) and Y = P V (T×D).
// Sequences are right-padded, so padding never leaks into earlier positions under the causal mask.
import { ShapeError } from '../errors.js';
import { Tape, Tensor, fmtShape } from './tensor.js';
import { fastExp } from './kernels.js';

/** Causal self-attention. qkv holds [q | k | v] along the last dim, each split into H heads of size D. */
export function causalSelfAttention(tape: Tape, qkv: Tensor, nHead: number): Tensor {
  const [B, T, C3] = qkv.shape as [number, number, number];
  if (qkv.shape.length !== 3 || C3 % (3 * nHead) !== 0) {
    throw new ShapeError(`attention: qkv ${fmtShape(qkv.shape)} with ${nHead} heads; expected (B, T, 3C) with C divisible by H`);
  }
  const C = C3 / 3;
  const H = nHead;
  const D = C / H;
  const TT = T * T;
  const g = tape.gemm;
  const rec = tape.needsGrad(qkv);
  const x = qkv.data;
  const scale = 1 / Math.sqrt(D);
  // Heads are read in place: for sequence b, head h's q is the (T, D) block at b·T·3C + h·D with row
  // stride 3C (k at +C, v at +2C), so one strided batch over the H heads per sequence needs no copies.
  const p = tape.scratch(B * H * TT); // (B, H, T, T) attention probabilities
  for (let b = 0; b < B; b++) {
    const o = b * T * C3;
    g.sgemmStridedBatched(false, true, T, T, D, scale, x, o, C3, D, x, o + C, C3, D, 0, p, b * H * TT, T, TT, H);
  }
  causalSoftmaxRows(p, B * H, T);
  const y = tape.output([B, T, C], rec); // (B, T, C)
  for (let b = 0; b < B; b++) {
    const o = b * T * C3;
    g.sgemmStridedBatched(false, false, T, D, T, 1, p, b * H * TT, T, TT, x, o + 2 * C, C3, D, 0, y.data, b * T * C, C, D, H);
  }
  if (rec) {
    tape.record(() => {
      const dy = y.grad;
      if (!dy) return;
      const [dx, acc] = tape.gradTarget(qkv);
      const beta = acc ? 1 : 0;
      const dp = tape.gradScratchRaw(B * H * TT); // (B, H, T, T)
      for (let b = 0; b < B; b++) {
        const o = b * T * C3;
        const pb = b * H * TT;
        // dP = dY Vᵀ; dV = Pᵀ dY (written into the v part of dqkv)
        g.sgemmStridedBatched(false, true, T, T, D, 1, dy, b * T * C, C, D, x, o + 2 * C, C3, D, 0, dp, pb, T, TT, H);
        g.sgemmStridedBatched(true, false, T, D, T, 1, p, pb, T, TT, dy, b * T * C, C, D, beta, dx, o + 2 * C, C3, D, H);
      }
      softmaxBackwardRows(dp, p, B * H, T); // dp becomes dS (before the 1/√D scale)
      for (let b = 0; b < B; b++) {
        const o = b * T * C3;
        const pb = b * H * TT;
        // dQ = scale · dS K; dK = scale · dSᵀ Q
        g.sgemmStridedBatched(false, false, T, D, T, scale, dp, pb, T, TT, x, o + C, C3, D, beta, dx, o, C3, D, H);
        g.sgemmStridedBatched(true, false, T, D, T, scale, dp, pb, T, TT, x, o, C3, D, beta, dx, o + C, C3, D, H);
      }
    });
  }
  return y;
}

/** In place over BH blocks of (T, T) scores: row i becomes softmax over columns 0..i, zeros after. */
function causalSoftmaxRows(p: Float32Array, BH: number, T: number): void {
  for (let bh = 0; bh < BH; bh++) {
    for (let i = 0; i < T; i++) {
      const o = (bh * T + i) * T;
      let m = -Infinity;
      for (let j = 0; j <= i; j++) if (p[o + j]! > m) m = p[o + j]!;
      let s = 0;
      for (let j = 0; j <= i; j++) {
        const e = fastExp(p[o + j]! - m);
        p[o + j] = e;
        s += e;
      }
      const inv = 1 / s;
      for (let j = 0; j <= i; j++) p[o + j]! *= inv;
      for (let j = i + 1; j < T; j++) p[o + j] = 0;
    }
  }
}

/** In place: dp (BH, T, T) becomes dS = P ⊙ (dP − rowsum(dP ⊙ P)); masked entries have P = 0. */
function softmaxBackwardRows(dp: Float32Array, p: Float32Array, BH: number, T: number): void {
  for (let bh = 0; bh < BH; bh++) {
    for (let i = 0; i < T; i++) {
      const o = (bh * T + i) * T;
      let dot = 0;
      for (let j = 0; j <= i; j++) dot += dp[o + j]! * p[o + j]!;
      for (let j = 0; j <= i; j++) dp[o + j] = p[o + j]! * (dp[o + j]! - dot);
      for (let j = i + 1; j < T; j++) dp[o + j] = 0;
    }
  }
}
