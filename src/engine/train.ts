// Training: the Trainer pairs a model with AdamW and one reusable tape. `forwardBackward` adds the
// gradients of a batch (gradient accumulation: call it k times, then `optimStep` once, which averages
// the k micro-batch gradients); `optimStep` applies AdamW and clears them.
// Two reductions: 'mean' (Σ wᵢ·nllᵢ / Σ wᵢ, bctlab's own) and 'sum' (Σ wᵢ·nllᵢ, Tinker's cross_entropy,
// whose micro-batches add up at optimStep instead of being averaged).
// A readable end-to-end loop that uses this module is recipes/minimal-train.ts.
// Shape legend: B batch, T time (longest sequence − 1).
import { ConfigError, DataError, NumericError } from '../errors.js';
import type { Gemm } from './gemm/index.js';
import { getGemm } from './gemm/index.js';
import type { Gpt, PackedBatch } from './gpt.js';
import type { OptimParams, OptimStepInfo } from './optim.js';
import { AdamW, DEFAULT_OPTIM } from './optim.js';
import { Rng } from './rng.js';
import { Tape } from './tensor.js';
import type { Kernels } from './kernels.js';
import { kernelsFor } from './kernel-select.js';

/** One training sequence. `weights[i]` weighs the loss of predicting tokens[i] from tokens[0..i-1]
 *  (so weights[0] is unused); omitted = 1 everywhere. Put 1 on assistant tokens only for chat SFT. */
export interface Sequence {
  tokens: readonly number[];
  weights?: readonly number[];
}

/** 'mean': loss Σ wᵢ·nllᵢ / Σ wᵢ, micro-batches averaged at optimStep. 'sum': loss Σ wᵢ·nllᵢ (gradient
 *  scaled by wᵢ alone), micro-batches summed at optimStep: Tinker's cross_entropy. */
export type Reduction = 'mean' | 'sum';

export interface ForwardBackwardOptions {
  reduction: Reduction; // default 'mean'
}

export interface ForwardBackwardInfo {
  loss: number; // 'mean': weighted mean NLL, nats per weighted token; 'sum': Σ wᵢ·nllᵢ in nats
  weightedTokens: number; // targets with positive weight
  tokens: number; // all targets in the batch (Σ (length − 1), padding excluded)
}

/** Packs sequences into right-padded (B, T) arrays; lengths must be in [2, contextLength + 1]. */
export function packBatch(seqs: readonly Sequence[], contextLength: number): PackedBatch {
  if (seqs.length === 0) throw new DataError('the batch is empty', 'batch');
  let maxLen = 0;
  seqs.forEach((s, b) => {
    if (s.tokens.length < 2 || s.tokens.length > contextLength + 1) {
      throw new DataError(`sequence of ${s.tokens.length} tokens; expected 2 to ${contextLength + 1} (context length + 1)`, `batch[${b}].tokens`);
    }
    if (s.weights && s.weights.length !== s.tokens.length) {
      throw new DataError(`${s.weights.length} weights for ${s.tokens.length} tokens; expected one per token`, `batch[${b}].weights`);
    }
    const bad = s.weights ? s.weights.findIndex((w) => !(w >= 0 && Number.isFinite(w))) : -1;
    if (bad >= 0) throw new DataError(`weight ${s.weights![bad]} at position ${bad}; expected a finite number ≥ 0`, `batch[${b}].weights`);
    maxLen = Math.max(maxLen, s.tokens.length);
  });
  const B = seqs.length;
  const T = maxLen - 1;
  const ids = new Int32Array(B * T); // (B, T)
  const targets = new Int32Array(B * T); // (B, T)
  const weights = new Float32Array(B * T); // (B, T)
  seqs.forEach((s, b) => {
    for (let t = 0; t + 1 < s.tokens.length; t++) {
      ids[b * T + t] = s.tokens[t]!;
      targets[b * T + t] = s.tokens[t + 1]!;
      weights[b * T + t] = s.weights ? s.weights[t + 1]! : 1;
    }
  });
  return { B, T, ids, targets, weights };
}

export class Trainer {
  readonly optimizer = new AdamW();
  private readonly tape: Tape;
  private micro = 0; // forwardBackward calls since the last optimStep
  private microReduction: Reduction = 'mean'; // reduction of those calls (one kind per step)

  /** kernels: the small ops; by default those that go with `gemm` (kernel-select.ts). */
  constructor(readonly model: Gpt, gemm: Gemm = getGemm(), kernels: Kernels = kernelsFor(gemm)) {
    this.tape = new Tape(gemm, kernels);
  }

  /** Optimizer steps taken so far. */
  get step(): number {
    return this.optimizer.step;
  }

  /** Forward and backward on a batch; gradients add to those of earlier calls since the last step.
   *  With reduction 'sum' a batch without any positive weight is allowed (loss 0, no gradient). */
  forwardBackward(batch: readonly Sequence[], options: Partial<ForwardBackwardOptions> = {}): ForwardBackwardInfo {
    const reduction = options.reduction ?? 'mean';
    if (this.micro > 0 && reduction !== this.microReduction) {
      throw new ConfigError(`this step already accumulated ${this.micro} '${this.microReduction}' batch(es); ` +
        `call optimStep (or zeroGrad) before a '${reduction}' batch`, 'reduction');
    }
    const packed = packBatch(batch, this.model.config.contextLength);
    const tape = this.tape;
    tape.reset();
    tape.recording = true;
    let weighted = 0;
    for (let i = 0; i < packed.weights.length; i++) if (packed.weights[i]! > 0) weighted++;
    if (weighted === 0 && reduction === 'mean') throw new DataError('no target in the batch has a positive loss weight', 'batch');
    const { loss, nll, weightSum } = this.model.forward(tape, packed);
    let value = loss.data[0]!;
    if (reduction === 'sum') {
      value = 0;
      for (let i = 0; i < nll.length; i++) value += packed.weights[i]! * nll[i]!;
    }
    const stepNo = this.step + 1;
    if (!Number.isFinite(value)) {
      throw new NumericError(`loss is ${value} at step ${stepNo}; lower the learning rate or check the data`, `step ${stepNo}`);
    }
    // The fused loss op normalises by Σw; seeding its upstream gradient with Σw undoes that, so 'sum'
    // shares the op (and the GPT's forward) with 'mean' instead of being a second code path.
    if (reduction === 'sum') tape.backward(loss, Float32Array.of(weightSum));
    else tape.backward(loss);
    this.micro++;
    this.microReduction = reduction;
    return { loss: value, weightedTokens: weighted, tokens: batch.reduce((n, s) => n + s.tokens.length - 1, 0) };
  }

  /** Discards the accumulated gradients (e.g. after optimStep threw NumericError). */
  zeroGrad(): void {
    for (const [, t] of this.model.trainableParams()) t.grad!.fill(0);
    this.micro = 0;
  }

  /** AdamW step on the accumulated gradients (averaged over 'mean' micro-batches, summed over 'sum'
   *  ones); clears them. */
  optimStep(p: Partial<OptimParams> & { lr: number }): OptimStepInfo {
    const params = { ...DEFAULT_OPTIM, ...p };
    const scale = this.micro > 0 && this.microReduction === 'mean' ? 1 / this.micro : 1;
    const info = this.optimizer.update(this.model.trainableParams(), params, scale, this.tape.kernels);
    this.micro = 0;
    return info;
  }
}

/** Seeded, stateless data order: the example indices of step `step`, epoch by epoch without replacement.
 *  Being a pure function of (seed, step) makes a resumed run see exactly the same batches. */
export function batchIndices(n: number, batchSize: number, step: number, seed: number): number[] {
  const out: number[] = [];
  let perm: Int32Array | null = null;
  let permEpoch = -1;
  for (let k = 0; k < batchSize; k++) {
    const flat = step * batchSize + k;
    const epoch = Math.floor(flat / n);
    if (epoch !== permEpoch) {
      perm = new Rng(seed * 1000003 + epoch).permutation(n);
      permEpoch = epoch;
    }
    out.push(perm![flat % n]!);
  }
  return out;
}
