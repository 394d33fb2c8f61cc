// Sampler and scorer tests on a tiny model (pure-TypeScript GEMM, deterministic).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGemmBackend } from './gemm/index.js';
import { loadOpenblasGemm } from './gemm/openblas.js';
import { Gpt } from './gpt.js';
import { Trainer } from './train.js';
import { GPT_TINY as TINY } from './config.js';
import { Rng } from './rng.js';
import { TokenPicker, generate, score } from './sampler.js';

const gemm = getGemmBackend('typescript');
const PROMPTS = [[1, 2, 3], [5], [9, 8, 7, 6, 5, 4, 3]];

/** A tiny model trained a few steps so its distributions are far from uniform. */
function trained(lora = false): Gpt {
  const m = new Gpt(TINY, 11);
  if (lora) m.addLora({ rank: 2, alpha: 8, targets: ['attn.c_attn', 'mlp.c_proj'] }, 3);
  const tr = new Trainer(m, gemm);
  const seqs = Array.from({ length: 6 }, (_, i) => ({ tokens: Array.from({ length: 12 }, (_, t) => (3 * i + 2 * t) % 32) }));
  for (let s = 0; s < 15; s++) {
    tr.forwardBackward(seqs);
    tr.optimStep({ lr: 2e-2 });
  }
  return m;
}

test('KV-cache greedy generation equals token-by-token recomputation without the cache', () => {
  const m = trained();
  const prompts = [...PROMPTS, [3, 3], [5, 6], [1, 30]]; // the last three decode as one group
  const cached = generate(m, prompts, { temperature: 0, maxTokens: 8 }, gemm);
  prompts.forEach((p, r) => {
    const seq = [...p];
    for (let k = 0; k < 8; k++) seq.push(generate(m, [seq], { temperature: 0, maxTokens: 1 }, gemm)[0]!.tokens[0]!);
    assert.deepEqual(cached[r]!.tokens, seq.slice(p.length), `prompt ${r}`);
  });
});

test('sampled tokens carry the same log-probabilities as teacher-forced scoring (tolerance 1e-4)', () => {
  for (const lora of [false, true]) {
    const m = trained(lora);
    // Prompts of equal length decode in one group per head; unequal ones row by row. Test both.
    const prompts = [...PROMPTS, [4, 4, 4], [7, 1, 2], [0, 9, 9]];
    const gens = generate(m, prompts, { temperature: 1, maxTokens: 6, seed: 4, logprobs: true }, gemm);
    const scores = score(m, prompts.map((p, i) => ({ prompt: p, continuation: gens[i]!.tokens })), gemm);
    gens.forEach((g, i) => {
      g.logprobs!.forEach((lp, k) => assert.ok(Math.abs(lp - scores[i]!.tokenLogprobs[k]!) < 1e-4,
        `lora=${lora} prompt ${i} token ${k}: cache ${lp} vs score ${scores[i]!.tokenLogprobs[k]}`));
      const sum = scores[i]!.tokenLogprobs.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(scores[i]!.logprob - sum) < 1e-9);
    });
  }
});

test('greedy is deterministic and independent of batching; a seed reproduces a sample', () => {
  const m = trained();
  const a = generate(m, PROMPTS, { temperature: 0, maxTokens: 6 }, gemm);
  assert.deepEqual(generate(m, PROMPTS, { temperature: 0, maxTokens: 6 }, gemm), a);
  assert.deepEqual(generate(m, [PROMPTS[2]!], { temperature: 0, maxTokens: 6 }, gemm)[0], a[2]);
  const fresh = new Gpt(TINY, 1); // near-uniform, so different seeds give different samples
  const s1 = generate(fresh, PROMPTS, { temperature: 1, maxTokens: 10, seed: 7 }, gemm);
  assert.deepEqual(generate(fresh, PROMPTS, { temperature: 1, maxTokens: 10, seed: 7 }, gemm), s1);
  assert.notDeepEqual(generate(fresh, PROMPTS, { temperature: 1, maxTokens: 10, seed: 8 }, gemm), s1);
  const own = generate(fresh, [PROMPTS[1]!], { temperature: 1, maxTokens: 10, seeds: [7 + 1] }, gemm)[0];
  assert.deepEqual(own, s1[1], 'per-prompt seeds make a row independent of its batch');
});

test('with OpenBLAS and the native kernels, a sampled row has the same tokens and log-probabilities alone as in any batch', {
  skip: loadOpenblasGemm().gemm?.sgemmPacked ? false : 'the addon has no packed products',
}, () => {
  const blas = loadOpenblasGemm().gemm!;
  const m = new Gpt({ vocabSize: 300, contextLength: 48, dModel: 64, nLayer: 2, nHead: 4 }, 5);
  // 40 rows: the products and kernels are split over the cores; equal-length prompts decode as groups.
  const prompts = Array.from({ length: 40 }, (_, i) => Array.from({ length: 1 + (i % 4) }, (_, t) => (7 * i + 3 * t) % 300));
  const opts = { temperature: 1, maxTokens: 12, seed: 9, logprobs: true };
  const all = generate(m, prompts, opts, blas);
  for (const i of [0, 13, 39]) {
    const alone = generate(m, [prompts[i]!], { ...opts, seeds: [9 + i] }, blas)[0];
    assert.deepEqual(alone, all[i], `prompt ${i}`);
  }
  const greedy = generate(m, prompts.slice(0, 8), { ...opts, temperature: 0 }, blas);
  assert.deepEqual(generate(m, prompts.slice(0, 3), { ...opts, temperature: 0 }, blas), greedy.slice(0, 3));
});

test('stop tokens, max tokens, context limit, a tiny top-p and input errors', () => {
  const m = trained();
  const g = generate(m, PROMPTS, { temperature: 0, maxTokens: 6 }, gemm);
  const stopAt = g[0]!.tokens[2]!;
  const s = generate(m, [PROMPTS[0]!], { temperature: 0, maxTokens: 6, stopTokens: [stopAt] }, gemm)[0]!;
  assert.equal(s.finishReason, 'stop');
  assert.deepEqual(s.tokens, g[0]!.tokens.slice(0, g[0]!.tokens.indexOf(stopAt) + 1));
  assert.equal(g[1]!.finishReason, 'length');
  assert.equal(g[1]!.tokens.length, 6);
  const long = Array.from({ length: 14 }, (_, i) => i);
  assert.equal(generate(m, [long], { temperature: 0, maxTokens: 50 }, gemm)[0]!.tokens.length, 3, 'stops at context length + 1');
  const nucleus = generate(m, PROMPTS, { temperature: 1, topP: 1e-6, maxTokens: 6, seed: 3 }, gemm);
  assert.deepEqual(nucleus, g, 'a nucleus holding only the top token is greedy');
  assert.throws(() => score(m, [{ prompt: [1], continuation: [2] }, { prompt: long, continuation: [1, 2, 3, 4] }], gemm), /items\[1\]: prompt \+ continuation is 18 tokens/);
  assert.throws(() => generate(m, [[1], [40]], {}, gemm), /prompts\[1\]: token id 40/);
});

test('top-p sampling draws only from the nucleus, in proportion', () => {
  const logits = Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)]);
  const picker = new TokenPicker(4);
  const rngs = [new Rng(1)];
  const row = Int32Array.of(0);
  const tok = new Int32Array(1);
  const pick = (topP: number): number => (picker.pickRows(logits, 1, 1, topP, rngs, row, tok), tok[0]!);
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 4000; i++) counts[pick(0.75)]!++;
  assert.equal(counts[2]! + counts[3]!, 0, 'tokens outside the 0.8 nucleus never appear');
  assert.ok(Math.abs(counts[0]! / 4000 - 0.625) < 0.03, `token 0 share ${counts[0]! / 4000}, expected 0.5/0.8`);
  const all = [0, 0, 0, 0];
  for (let i = 0; i < 4000; i++) all[pick(1)]!++;
  assert.ok(all[3]! > 100, 'with top-p 1 every token appears');
});
