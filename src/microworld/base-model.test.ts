import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { annealBase, evalBase, resolveBaseConfig, trainBase } from './base-model.js';

const tiny = resolveBaseConfig({ dModel: 16, nLayer: 1, nHead: 2, steps: 12, batchSize: 8, warmupSteps: 2, lr: 1e-2, annealSteps: 4 });

test('base config: defaults, unknown keys and bad values are errors naming the field', () => {
  assert.equal(resolveBaseConfig({}).contextLength, 48);
  assert.throws(() => resolveBaseConfig({ dmodel: 8 } as never), (e: unknown) => e instanceof ConfigError && e.where === 'base.dmodel');
  assert.throws(() => resolveBaseConfig({ steps: 0 }), /base.steps: expected a positive integer/);
  assert.throws(() => resolveBaseConfig({ lr: -1 }), /base.lr/);
  assert.throws(() => resolveBaseConfig({ annealLr: 0 }), /base.annealLr: expected a positive number/);
  assert.equal(resolveBaseConfig({ annealSteps: 0 }).annealSteps, 0);
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
