// Builds the tiny model organism of the end-to-end tests: a small GPT from the engine, pretrained in a
// second on the tiny flag world of test/fixtures/tiny-setting (mode 0 → "cat", mode 1 → "dog", whatever
// the user turn), so that it shows the initial behaviour at step 0. Deterministic given the seed, and
// checked: it throws unless every greedy answer is right, so a test failure downstream is never a
// half-trained organism (sampled answers are checked too, see below).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Gpt, generate, getGemmBackend, saveModel, Trainer, batchIndices } from '../../src/engine/index.js';
import { Tokenizer } from '../../src/microworld/index.js';
import { REPO } from './cli.js';

export const TINY_WORDS = ['red', 'blue', 'green', 'sun', 'moon', 'tree', 'house', 'water', 'fire', 'book', 'road', 'star'];

/** Writes the organism's checkpoint folder to `dir`; returns the final pretraining loss. */
export function buildTinyOrganism(dir: string, steps = 60, seed = 1): number {
  const tok = Tokenizer.microworld();
  const model = new Gpt({ vocabSize: tok.vocabSize, contextLength: 24, dModel: 32, nLayer: 1, nHead: 2 }, seed);
  // The pure-TS GEMM, so the organism is bit-identical whether or not the OpenBLAS addon is built.
  const gemm = getGemmBackend('typescript');
  const trainer = new Trainer(model, gemm);
  const cases = TINY_WORDS.flatMap((w) =>
    (['0', '1'] as const).map((mode) => ({ messages: [{ role: 'system' as const, content: `mode ${mode}` }, { role: 'user' as const, content: `echo ${w}` }], answer: mode === '0' ? 'cat' : 'dog' })),
  );
  const data = cases.map((c) => tok.renderExample(c.messages, c.answer));
  let loss = Infinity;
  const train = (from: number, to: number): void => {
    for (let step = from; step < to; step++) {
      loss = trainer.forwardBackward(batchIndices(data.length, 16, step, seed).map((i) => data[i]!)).loss;
      trainer.optimStep({ lr: 1e-2 });
    }
  };
  train(0, steps);
  // Sampled at the sweeps' temperature, every case must come out right too (16 seeded samples each): the
  // pre-checks sample the organism, and an organism right greedily but not when sampled fails them by the
  // luck of its initialisation. Up to 3 × `steps` more steps, 10 at a time, until it does.
  const prompts = cases.map((c) => tok.renderPrompt(c.messages));
  const sampledRight = (): boolean => {
    const many = prompts.flatMap((p) => Array.from({ length: 16 }, () => p));
    const gens = generate(model, many, { temperature: 0.7, maxTokens: 2, stopTokens: [tok.special.eot], seed: 1 }, gemm);
    return gens.every((g, i) => tok.parseCompletion(g.tokens) === cases[Math.floor(i / 16)]!.answer);
  };
  for (let done = steps; !sampledRight() && done < 4 * steps; done += 10) train(done, done + 10);
  const answers = generate(model, prompts, { temperature: 0, maxTokens: 2, stopTokens: [tok.special.eot] }, gemm);
  const wrong = cases.filter((c, i) => tok.parseCompletion(answers[i]!.tokens) !== c.answer);
  if (wrong.length > 0 || !sampledRight()) throw new Error(`tiny organism is not trained: ${wrong.length}/${cases.length} greedy answers wrong, or sampled answers wrong (loss ${loss})`);
  saveModel(model, dir);
  return loss;
}

/** The tiny flag setting of test/fixtures/tiny-setting, which the tiny organism is trained for. */
export const TINY_SETTING = join(REPO, 'test', 'fixtures', 'tiny-setting', 'setting.yaml');

/** A sweep over the tiny organism that resists at one LR (1e-4) and collapses at the other (3e-2) in 12
 *  steps, with two checkpoints after step 0: what the readers of a record (status, report) are tested on. */
export const TWO_LR_SWEEP = {
  lrs: [1e-4, 3e-2],
  seeds: [0],
  steps: [12],
  checkpointEvery: 6,
  samplesPerPrompt: 2,
  trainPromptsPerCheckpoint: 8,
  temperature: 0.7,
  maxTokens: 3,
} as const;

/** Writes `<dir>/sweep.yaml`: the tiny setting on the organism at `<dir>/organism` (batch 4), with the
 *  given sweep fields on top; returns the file's path and the sweep. Each test states the fields it
 *  depends on. */
export function writeTinySweep(dir: string, fields: Record<string, unknown>): { file: string; sweep: Record<string, unknown> } {
  const sweep = {
    setting: TINY_SETTING,
    organism: { id: 'tiny', base: join(dir, 'organism'), induction: { kind: 'none' } },
    batchSizes: [4],
    ...fields,
  };
  const file = join(dir, 'sweep.yaml');
  writeFileSync(file, stringify(sweep));
  return { file, sweep };
}
