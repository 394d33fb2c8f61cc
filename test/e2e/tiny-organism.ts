// Builds the tiny model organism of the end-to-end tests: a small GPT from the engine, pretrained in a
// second on the tiny flag world of test/fixtures/tiny-setting (mode 0 → "cat", mode 1 → "dog", whatever
// the user turn), so that it shows the initial behaviour at step 0. Deterministic given the seed, and
// checked: it throws unless every greedy answer is right, so a test failure downstream is never a
// half-trained organism.
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
  for (let step = 0; step < steps; step++) {
    loss = trainer.forwardBackward(batchIndices(data.length, 16, step, seed).map((i) => data[i]!)).loss;
    trainer.optimStep({ lr: 1e-2 });
  }
  const answers = generate(model, cases.map((c) => tok.renderPrompt(c.messages)), { temperature: 0, maxTokens: 2, stopTokens: [tok.special.eot] }, gemm);
  const wrong = cases.filter((c, i) => tok.parseCompletion(answers[i]!.tokens) !== c.answer);
  if (wrong.length > 0) throw new Error(`tiny organism is not trained: ${wrong.length}/${cases.length} greedy answers wrong (loss ${loss})`);
  saveModel(model, dir);
  return loss;
}

/** The tiny flag setting of test/fixtures/tiny-setting, which the tiny organism is trained for. */
export const TINY_SETTING = join(REPO, 'test', 'fixtures', 'tiny-setting', 'setting.yaml');

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
