// Fused causal multi-head self-attention: qkv (B, T, 3C) → y (B, T, C), one op with one backward.
// Shape legend: B batch, T time, C channels, H heads, D head dim (C/H).
// With the addon's kernels, forward and backward are one fused call each (native/bct_attention.c: only the
// causal half, split over the cores). Otherwise both big products per (batch, head) go through
// sgemmStridedBatched, S = Q Kᵀ (T×T) and Y = P V (T×D), with prefixSoftmax between: the reference, and
// on the pure-TypeScript path the bit-exact one.
// Sequences are right-padded, so padding never leaks into earlier positions under the causal mask.
import { ShapeError } from '../errors.js';
import { Tape, Tensor, fmtShape } from './tensor.js';

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
  const fused = tape.kernels.causalAttention && tape.kernels.causalAttentionBackward;
  if (fused) return fusedAttention(tape, qkv, [B, T, H, D], p, rec);
  for (let b = 0; b < B; b++) {
    const o = b * T * C3;
    g.sgemmStridedBatched(false, true, T, T, D, scale, x, o, C3, D, x, o + C, C3, D, 0, p, b * H * TT, T, TT, H);
  }
  tape.kernels.prefixSoftmax(p, 0, B * H * T, T, T, 0); // row i of each (T, T) block sees keys 0..i
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
      tape.kernels.prefixSoftmaxBackward(dp, p, 0, B * H * T, T, T, 0); // dp becomes dS (before the 1/√D scale)
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

/** The addon's fused forward and backward (same contract as the strided-batch path above). */
function fusedAttention(tape: Tape, qkv: Tensor, [B, T, H, D]: readonly [number, number, number, number], p: Float32Array,
  rec: boolean): Tensor {
  const k = tape.kernels;
  const scale = 1 / Math.sqrt(D);
  const y = tape.output([B, T, H * D], rec); // (B, T, C)
  k.causalAttention!(qkv.data, p, y.data, B, T, H, D, scale);
  if (rec) {
    tape.record(() => {
      const dy = y.grad;
      if (!dy) return;
      const [dx, acc] = tape.gradTarget(qkv);
      k.causalAttentionBackward!(qkv.data, p, dy, dx, acc, B, T, H, D, scale);
    });
  }
  return y;
}
