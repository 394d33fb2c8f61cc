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
  const BH = B * H;
  const TT = T * T;
  const TD = T * D;
  const g = tape.gemm;
  const rec = tape.needsGrad(qkv);
  const q = tape.scratch(BH * TD); // (B, H, T, D)
  const k = tape.scratch(BH * TD); // (B, H, T, D)
  const v = tape.scratch(BH * TD); // (B, H, T, D)
  splitHeads(qkv.data, q, k, v, B, T, C, H, D);
  const p = tape.scratch(BH * TT); // (B, H, T, T) attention probabilities
  const scale = 1 / Math.sqrt(D);
  g.sgemmStridedBatched(false, true, T, T, D, scale, q, 0, D, TD, k, 0, D, TD, 0, p, 0, T, TT, BH);
  causalSoftmaxRows(p, BH, T);
  const yh = tape.scratch(BH * TD); // (B, H, T, D)
  g.sgemmStridedBatched(false, false, T, D, T, 1, p, 0, T, TT, v, 0, D, TD, 0, yh, 0, D, TD, BH);
  const y = tape.output([B, T, C], rec); // (B, T, C)
  mergeHeads(yh, y.data, B, T, C, H, D);
  if (rec) {
    tape.record(() => {
      if (!y.grad) return;
      const dyh = tape.gradScratchRaw(BH * TD); // (B, H, T, D)
      splitOne(y.grad, dyh, B, T, C, H, D);
      const dp = tape.gradScratchRaw(BH * TT); // (B, H, T, T)
      g.sgemmStridedBatched(false, true, T, T, D, 1, dyh, 0, D, TD, v, 0, D, TD, 0, dp, 0, T, TT, BH);
      const dv = tape.gradScratchRaw(BH * TD); // (B, H, T, D)
      g.sgemmStridedBatched(true, false, T, D, T, 1, p, 0, T, TT, dyh, 0, D, TD, 0, dv, 0, D, TD, BH);
      softmaxBackwardRows(dp, p, BH, T); // dp becomes dS (pre-scale)
      const dq = tape.gradScratchRaw(BH * TD); // (B, H, T, D)
      const dk = tape.gradScratchRaw(BH * TD); // (B, H, T, D)
      g.sgemmStridedBatched(false, false, T, D, T, scale, dp, 0, T, TT, k, 0, D, TD, 0, dq, 0, D, TD, BH);
      g.sgemmStridedBatched(true, false, T, D, T, scale, dp, 0, T, TT, q, 0, D, TD, 0, dk, 0, D, TD, BH);
      const [dqkv, acc] = tape.gradTarget(qkv);
      mergeQkvGrads(dqkv, acc, dq, dk, dv, B, T, C, H, D);
    });
  }
  return y;
}

/** qkv (B, T, 3C) → q, k, v (B, H, T, D). */
function splitHeads(src: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array,
  B: number, T: number, C: number, H: number, D: number): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const s = (b * T + t) * 3 * C;
      for (let h = 0; h < H; h++) {
        const d0 = ((b * H + h) * T + t) * D;
        const s0 = s + h * D;
        for (let d = 0; d < D; d++) {
          q[d0 + d] = src[s0 + d]!;
          k[d0 + d] = src[s0 + C + d]!;
          v[d0 + d] = src[s0 + 2 * C + d]!;
        }
      }
    }
  }
}

/** (B, T, C) → (B, H, T, D). */
function splitOne(src: Float32Array, dst: Float32Array, B: number, T: number, C: number, H: number, D: number): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < H; h++) {
        dst.set(src.subarray((b * T + t) * C + h * D, (b * T + t) * C + h * D + D), ((b * H + h) * T + t) * D);
      }
    }
  }
}

/** (B, H, T, D) → (B, T, C). */
function mergeHeads(src: Float32Array, dst: Float32Array, B: number, T: number, C: number, H: number, D: number): void {
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const s = ((b * H + h) * T + t) * D;
        dst.set(src.subarray(s, s + D), (b * T + t) * C + h * D);
      }
    }
  }
}

/** dqkv (B, T, 3C) (+)= [dq | dk | dv], each (B, H, T, D); adds when `acc`. */
function mergeQkvGrads(dst: Float32Array, acc: boolean, dq: Float32Array, dk: Float32Array, dv: Float32Array,
  B: number, T: number, C: number, H: number, D: number): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const s = (b * T + t) * 3 * C;
      for (let h = 0; h < H; h++) {
        const d0 = ((b * H + h) * T + t) * D;
        const s0 = s + h * D;
        for (let d = 0; d < D; d++) {
          dst[s0 + d] = acc ? dst[s0 + d]! + dq[d0 + d]! : dq[d0 + d]!;
          dst[s0 + C + d] = acc ? dst[s0 + C + d]! + dk[d0 + d]! : dk[d0 + d]!;
          dst[s0 + 2 * C + d] = acc ? dst[s0 + 2 * C + d]! + dv[d0 + d]! : dv[d0 + d]!;
        }
      }
    }
  }
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
