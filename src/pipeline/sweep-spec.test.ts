import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkpointSteps, grid, gridOf, pointSteps, runName, sweepConfigSchema } from './sweep-spec.js';

test('grid is the cartesian product in a fixed order and skips empty axes', () => {
  const g = grid({ lr: [1e-4, 1e-3], seed: [0, 1], batchSize: [8], steps: [10], epochs: [], loraRank: [0, 4] });
  assert.equal(g.length, 8);
  assert.deepEqual(g[0], { lr: 1e-4, seed: 0, batchSize: 8, steps: 10, loraRank: 0 });
  assert.deepEqual(g[1], { lr: 1e-4, seed: 0, batchSize: 8, steps: 10, loraRank: 4 });
  assert.deepEqual(g[7], { lr: 1e-3, seed: 1, batchSize: 8, steps: 10, loraRank: 4 });
  assert.equal(new Set(g.map(runName)).size, 8, 'names are unique');
});

test('runName writes exact short numbers', () => {
  assert.equal(runName({ lr: 3e-4, seed: 2, batchSize: 16, steps: 100, loraRank: 0 }), 'lr=3e-4.seed=2.bs=16.steps=100.full');
  assert.equal(runName({ lr: 0.1 + 0.2, seed: 0, batchSize: 1, epochs: 2.5, loraRank: 8 }), 'lr=3e-1.seed=0.bs=1.epochs=2.5e0.lora8');
});

test('checkpoint schedules always include step 0 and the last step', () => {
  assert.deepEqual(checkpointSteps(10, { every: 4 }), [0, 4, 8, 10]);
  assert.deepEqual(checkpointSteps(100, { count: 3 }), [0, 1, 10, 100]);
  assert.deepEqual(checkpointSteps(2, { count: 5 }), [0, 1, 2]);
  assert.deepEqual(checkpointSteps(1, {}), [0, 1]);
});

test('epochs become steps once the dataset size is known', () => {
  assert.equal(pointSteps({ lr: 1, seed: 0, batchSize: 8, epochs: 2, loraRank: 0 }, 20), 5);
  assert.equal(pointSteps({ lr: 1, seed: 0, batchSize: 8, steps: 7, loraRank: 0 }, 20), 7);
});

test('the schema fills defaults, refuses unknown keys and names the field', () => {
  const c = sweepConfigSchema.parse({ setting: 'x' });
  assert.deepEqual(c.lrs, [1e-4, 1e-3]);
  assert.equal(gridOf(c).length, 2);
  const bad = sweepConfigSchema.safeParse({ setting: 'x', lrs: [1e-3, -1] });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error!.issues[0]!.path, ['lrs', 1]);
  assert.equal(sweepConfigSchema.safeParse({ setting: 'x', lr: [1] }).success, false);
  assert.equal(sweepConfigSchema.safeParse({ setting: 'x', steps: [1], epochs: [1] }).success, false);
});
