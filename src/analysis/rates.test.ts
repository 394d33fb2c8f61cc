import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkpointRates } from './rates.js';
import type { GradedSample } from './types.js';

function ev(step: number, promptId: string, label: GradedSample['label']): GradedSample {
  return { cellId: 'c1', step, promptId, split: 'eval', label };
}

test('counts classes per checkpoint with Wilson intervals when one sample per prompt', () => {
  const samples: GradedSample[] = [
    ev(0, 'p1', 'initial'), ev(0, 'p2', 'initial'), ev(0, 'p3', 'initial'), ev(0, 'p4', 'other'),
    ev(10, 'p1', 'alternate'), ev(10, 'p2', 'initial'), ev(10, 'p3', 'alternate'), ev(10, 'p4', 'alternate'),
    { cellId: 'c1', step: 10, promptId: 't1', split: 'train', label: 'compatible' },
    { cellId: 'c1', step: 10, promptId: 't2', split: 'train', label: 'incompatible' },
  ];
  const rows = checkpointRates(samples, [{ cellId: 'c1', family: 'full', lr: 1e-3, seed: 0, batchSize: 8 }]);
  assert.equal(rows.length, 2);
  assert.deepEqual(rows.map((r) => r.step), [0, 10]);
  assert.equal(rows[0]!.eval.initial.rate, 0.75);
  assert.equal(rows[0]!.eval.other.k, 1);
  assert.equal(rows[1]!.eval.alternate.rate, 0.75);
  assert.equal(rows[1]!.compatible.rate, 0.5);
  assert.equal(rows[1]!.samplesSeen, 80);
  assert.equal(rows[1]!.interval, 'wilson');
  assert.ok(Number.isNaN(rows[0]!.compatible.rate), 'no train samples at step 0 means no rate');
});

test('several answers per prompt: intervals clustered by prompt, as wide as ten clusters make them', () => {
  const samples: GradedSample[] = [];
  for (let p = 0; p < 10; p++) for (let j = 0; j < 5; j++) samples.push(ev(0, `p${p}`, p < 5 ? 'initial' : 'alternate'));
  const [row] = checkpointRates(samples);
  assert.equal(row!.interval, 'wilson-clustered');
  assert.equal(row!.eval.initial.rate, 0.5);
  assert.equal(row!.eval.initial.n, 50);
  // Every prompt agrees with itself: n_eff = 10 prompts, not 50 answers (t with 9 df, about ±0.28).
  assert.ok(row!.eval.initial.hi - row!.eval.initial.lo > 0.5, 'ten clusters give a wide interval');
  // No answer is `other`: the interval still has width (Wilson over the 10 prompts: 0 to z²/(10+z²) = 0.278).
  assert.equal(row!.eval.other.lo, 0);
  assert.ok(Math.abs(row!.eval.other.hi - 0.2775) < 1e-3, `other hi ${row!.eval.other.hi}`);
});

test('grading errors are in no n and are counted on their own', () => {
  const samples: GradedSample[] = [
    ev(0, 'p1', 'initial'), ev(0, 'p2', 'initial'), ev(0, 'p3', 'alternate'), ev(0, 'p4', 'error'), ev(0, 'p5', 'error'),
    { cellId: 'c1', step: 0, promptId: 't1', split: 'train', label: 'compatible' },
    { cellId: 'c1', step: 0, promptId: 't2', split: 'train', label: 'error' },
  ];
  const [row] = checkpointRates(samples);
  assert.equal(row!.eval.initial.n, 3);
  assert.equal(row!.eval.initial.rate, 2 / 3);
  assert.equal(row!.eval.other.k, 0, 'a failed grade is not an `other` answer');
  assert.deepEqual(row!.errors, { eval: 2, train: 1 });
  assert.equal(row!.compatible.n, 1);
  assert.equal(row!.compatible.rate, 1);
});
