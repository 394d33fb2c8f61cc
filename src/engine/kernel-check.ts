// A check of a kernel set against the TypeScript references in place, for benchmarks to run before they
// time anything: one training step of a small GPT and a few sampled tokens, with each kernel set on the
// same GEMM. (kernels.test.ts checks every kernel alone, edge cases included.)
import type { Gemm } from './gemm/index.js';
import { Gpt } from './gpt.js';
import { TYPESCRIPT_KERNELS, type Kernels } from './kernels.js';
import { Rng } from './rng.js';
import { generate } from './sampler.js';
import { Trainer } from './train.js';

/** Largest relative difference |a − b| / (1 + |b|) between `kernels` and the TypeScript kernels over the
 *  loss, every gradient and every updated weight of one AdamW step, and the log-probabilities of the
 *  tokens both sample alike (greedy; prefill and decode attention). */
export function validateKernels(gemm: Gemm, kernels: Kernels): number {
  const cfg = { vocabSize: 97, contextLength: 24, dModel: 64, nLayer: 2, nHead: 4 };
  const rng = new Rng(7);
  const batch = Array.from({ length: 4 }, (_, b) => ({ tokens: Array.from({ length: 12 + 3 * b }, () => rng.int(cfg.vocabSize)) }));
  const prompts = batch.map((s) => s.tokens.slice(0, 3 + (s.tokens.length % 5)));
  const run = (k: Kernels): number[][] => {
    const model = new Gpt(cfg, 3);
    const trainer = new Trainer(model, gemm, k);
    const { loss } = trainer.forwardBackward(batch);
    const grads = model.namedParams().map(([, p]) => Array.from(p.grad!));
    trainer.optimStep({ lr: 1e-2, weightDecay: 0.1 });
    const weights = model.namedParams().map(([, p]) => Array.from(p.data));
    const gens = generate(model, prompts, { temperature: 0, maxTokens: 8, logprobs: true }, gemm, k);
    return [[loss], ...grads, ...weights, ...gens.map((g) => g.tokens), ...gens.map((g) => g.logprobs!)];
  };
  const ref = run(TYPESCRIPT_KERNELS);
  const got = run(kernels);
  const rows = prompts.length;
  let worst = 0;
  for (let i = 0; i < ref.length - 2 * rows; i++) {
    ref[i]!.forEach((b, j) => { worst = Math.max(worst, Math.abs(got[i]![j]! - b) / (1 + Math.abs(b))); });
  }
  for (let r = 0; r < rows; r++) {
    const [tokA, tokB] = [ref[ref.length - 2 * rows + r]!, got[got.length - 2 * rows + r]!];
    const [lpA, lpB] = [ref[ref.length - rows + r]!, got[got.length - rows + r]!];
    // Up to the first token where the two disagree (a near tie decided by the last bits); the first
    // token must agree, or the difference is not one of rounding.
    if (tokA[0] !== tokB[0]) return Infinity;
    for (let j = 0; j < tokA.length && tokA[j] === tokB[j]; j++) worst = Math.max(worst, Math.abs(lpB[j]! - lpA[j]!) / (1 + Math.abs(lpA[j]!)));
  }
  return worst;
}
