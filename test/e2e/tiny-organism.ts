// Builds the tiny model organism of the end-to-end tests: a small GPT from the engine, pretrained in a
// few seconds on the tiny flag world of test/fixtures/tiny-setting (mode 0 → "cat", mode 1 → "dog",
// whatever the user turn), so that it shows the initial behaviour at step 0. Deterministic given the seed.
import { Gpt, getGemmBackend, saveModel, Trainer, batchIndices } from '../../src/engine/index.js';
import { Tokenizer } from '../../src/microworld/index.js';

export const TINY_WORDS = ['red', 'blue', 'green', 'sun', 'moon', 'tree', 'house', 'water', 'fire', 'book', 'road', 'star'];

/** Writes the organism's checkpoint folder to `dir`; returns the final pretraining loss. */
export function buildTinyOrganism(dir: string, steps = 60, seed = 1): number {
  const tok = Tokenizer.microworld();
  const model = new Gpt({ vocabSize: tok.vocabSize, contextLength: 24, dModel: 48, nLayer: 2, nHead: 2 }, seed);
  // The pure-TS GEMM, so the organism is bit-identical whether or not the OpenBLAS addon is built.
  const trainer = new Trainer(model, getGemmBackend('typescript'));
  const data = TINY_WORDS.flatMap((w) =>
    (['0', '1'] as const).map((mode) =>
      tok.renderExample([{ role: 'system', content: `mode ${mode}` }, { role: 'user', content: `echo ${w}` }], mode === '0' ? 'cat' : 'dog'),
    ),
  );
  let loss = Infinity;
  for (let step = 0; step < steps; step++) {
    loss = trainer.forwardBackward(batchIndices(data.length, 16, step, seed).map((i) => data[i]!)).loss;
    trainer.optimStep({ lr: 1e-2 });
  }
  saveModel(model, dir);
  return loss;
}
