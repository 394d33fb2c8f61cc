// The LM head fused with a weighted cross-entropy: logits = x Wᵀ are made in chunks of rows and never
// for the whole batch at once, and only for rows whose loss weight is positive (e.g. assistant tokens).
// Because nothing follows the loss, the gradients with respect to x and W are computed in the same pass
// and scaled by the upstream gradient in backward.
// Shape legend: N rows (B·T), C channels, V vocab, R rows per chunk.
import { ShapeError } from '../errors.js';
import { Tape, Tensor, fmtShape } from './tensor.js';

const CHUNK = 512;

// float64 row sums of exp(logit − max), reused across calls (the arenas hand out float32 only).
let rowSumBuf = new Float64Array(CHUNK); // (CHUNK)
let rowsBuf = new Int32Array(CHUNK); // (≥ N) indices of the rows with a positive weight, reused likewise

export interface CrossEntropyResult {
  /** Σᵢ wᵢ·nllᵢ / Σᵢ wᵢ as a scalar (1); 0 when no weight is positive. */
  loss: Tensor;
  /** Per-row negative log-likelihood of the target, natural log; 0 for rows of weight 0. (N) */
  nll: Float32Array;
  /** Σᵢ wᵢ, the normaliser. */
  weightSum: number;
}

/** Weighted cross-entropy of softmax(x Wᵀ) against targets. x (..., C) seen as (N, C), w (V, C), targets/weights (N). */
export function linearCrossEntropy(tape: Tape, x: Tensor, w: Tensor, targets: Int32Array,
  weights: Float32Array): CrossEntropyResult {
  const [V, C] = w.shape as [number, number];
  const N = x.size / C;
  if (w.shape.length !== 2 || x.shape[x.shape.length - 1] !== C || targets.length !== N || weights.length !== N) {
    throw new ShapeError(`crossEntropy: input ${fmtShape(x.shape)} with head ${fmtShape(w.shape)}, ` +
      `${targets.length} targets and ${weights.length} weights; expected (N, C), (V, C), N and N`);
  }
  const g = tape.gemm;
  const rec = tape.needsGrad(x, w);
  const nll = tape.scratch(N).fill(0); // (N)
  if (rowsBuf.length < N) rowsBuf = new Int32Array(N); // (N)
  let nRows = 0;
  let weightSum = 0;
  for (let i = 0; i < N; i++) {
    if (weights[i]! > 0) {
      rowsBuf[nRows++] = i;
      weightSum += weights[i]!;
    }
  }
  const rows = rowsBuf.subarray(0, nRows); // (nRows) the rows with a positive weight
  const k = tape.kernels;
  const RC = Math.max(1, Math.min(CHUNK, nRows)); // rows per chunk; small for scoring a few tokens
  const xc = tape.scratch(RC * C); // (R, C)
  const lg = tape.scratch(RC * V); // (R, V)
  const dx = rec && x.requiresGrad ? tape.scratch(N * C).fill(0) : null; // (N, C)
  const dw = rec && w.requiresGrad ? tape.scratch(V * C).fill(0) : null; // (V, C)
  const dxc = dx ? tape.scratch(RC * C) : null; // (R, C)
  const xs = dw ? tape.scratch(RC * C) : null; // (R, C) rows of xc scaled by kᵢ/sᵢ
  const rowK = tape.scratch(RC); // (R) kᵢ = wᵢ/Σw
  const rowKS = tape.scratch(RC); // (R) kᵢ/sᵢ, sᵢ = Σⱼ exp(logitⱼ − max)
  const rowMax = tape.scratch(RC); // (R) max logit of each row
  if (rowSumBuf.length < RC) rowSumBuf = new Float64Array(RC); // (R)
  const rowSum = rowSumBuf; // (R) sᵢ, kept in float64 for the log-sum-exp
  const rowTarget = tape.scratch(RC); // (R) logit of each row's target, read before expRows overwrites it
  let total = 0;
  for (let r0 = 0; r0 < nRows; r0 += RC) {
    const R = Math.min(RC, nRows - r0);
    k.gatherRows(xc, x.data, rows, r0, R, C);
    g.sgemm(false, true, R, V, C, 1, xc, 0, C, w.data, 0, C, 0, lg, 0, V);
    for (let r = 0; r < R; r++) {
      const i = rows[r0 + r]!;
      const tgt = targets[i]!;
      if (tgt < 0 || tgt >= V) throw new ShapeError(`crossEntropy: target ${tgt} at row ${i} is outside the vocabulary [0, ${V})`);
      rowTarget[r] = lg[r * V + tgt]!;
    }
    k.expRows(lg, rowMax, rowSum, R, V, 1); // each row now holds exp(logit − max)
    for (let r = 0; r < R; r++) {
      const i = rows[r0 + r]!;
      const s = rowSum[r]!;
      const l = Math.log(s) + rowMax[r]! - rowTarget[r]!;
      nll[i] = l;
      total += weights[i]! * l;
      rowK[r] = weights[i]! / weightSum;
      rowKS[r] = rowK[r]! / s;
    }
    if (!rec) continue;
    // d loss / d logitsᵢ = kᵢ·(eᵢ/sᵢ − onehot(tᵢ)). Rather than rescaling every V-long row of e, the
    // per-row factors go on the C-long side: dxᵢ = (kᵢ/sᵢ)(e W)ᵢ − kᵢ W[tᵢ] and
    // dW += eᵀ diag(k/s) xc − Σᵢ kᵢ onehot(tᵢ) xcᵢ.
    if (dx && dxc) {
      g.sgemm(false, false, R, C, V, 1, lg, 0, V, w.data, 0, C, 0, dxc, 0, C);
      k.crossEntropyInputGrad(dx, dxc, w.data, rows, targets, rowKS, rowK, r0, R, C);
    }
    if (dw && xs) {
      k.scaleRows(xs, xc, rowKS, R, C);
      g.sgemm(true, false, V, C, R, 1, lg, 0, V, xs, 0, C, 1, dw, 0, C);
      k.crossEntropyTargetGrad(dw, xc, rows, targets, rowK, r0, R, C);
    }
  }
  const loss = tape.output([1], rec); // (1)
  loss.data[0] = weightSum > 0 ? total / weightSum : 0;
  if (rec) {
    tape.record(() => {
      if (!loss.grad) return;
      const up = loss.grad[0]!;
      if (dx) axpy(tape.gradTarget(x), dx, up);
      if (dw) axpy(tape.gradTarget(w), dw, up);
    });
  }
  return { loss, nll, weightSum };
}

/** y (+)= a·x into a gradient target (adds when it already holds values). */
function axpy([y, acc]: [Float32Array, boolean], x: Float32Array, a: number): void {
  if (acc) for (let i = 0; i < y.length; i++) y[i] += a * x[i]!;
  else for (let i = 0; i < y.length; i++) y[i] = a * x[i]!;
}
