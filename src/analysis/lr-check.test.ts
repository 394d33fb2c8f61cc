import { test } from 'node:test';
import assert from 'node:assert/strict';
import { equalBudget, lrCheck } from './lr-check.js';
import type { StepsToTransfer } from './crossing.js';
import type { CurvePoint } from './curves.js';

function row(lr: number, status: StepsToTransfer['status'], steps: number): StepsToTransfer {
  return {
    group: `full lr=${lr}`, family: 'full', lr, status, steps, lastStep: status === 'censored' ? steps : 1000,
    lo: steps, hi: steps, transferShare: 1, nSeeds: 1, nPrompts: 10, threshold: 0.5, label: '',
  };
}

test('reports low-LR steps as multiples of N·S, censored as a lower bound', () => {
  const rows = [row(1e-3, 'transfer', 10), row(1e-4, 'censored', 600), row(5e-4, 'transfer', 40)];
  const curve: CurvePoint[] = [0, 50, 150].map((step, i) => ({
    group: 'full lr=0.0001', family: 'full', lr: 1e-4, cls: 'initial', step, samplesSeen: step, lrSteps: step * 1e-4,
    mean: [1, 0.9, 0.7][i]!, lo: 0, hi: 1, nSeeds: 1,
  }));
  const out = lrCheck(rows, curve);
  assert.equal(out.length, 3); // (1e-3,5e-4), (1e-3,1e-4), (5e-4,1e-4)
  const a = out.find((p) => p.lrHigh === 1e-3 && p.lrLow === 1e-4)!;
  assert.ok(Math.abs(a.n - 10) < 1e-9);
  assert.ok(Math.abs(a.multiple - 6) < 1e-9); // 600 / (10 * 10)
  assert.equal(a.label, '> 6.0×');
  assert.ok(Math.abs(a.lowRateAtNaive - 0.8) < 1e-9); // step 100: halfway between 0.9 (step 50) and 0.7 (step 150)
  const b = out.find((p) => p.lrHigh === 1e-3 && p.lrLow === 5e-4)!;
  assert.equal(b.label, '2.0×'); // 40 / (2 * 10)
  const c = out.find((p) => p.lrHigh === 5e-4)!;
  assert.equal(c.label, '> 3.0×'); // 600 / (5 * 40)
});

test('equal lr × steps: each LR read at the largest budget all of them reached', () => {
  const pt = (lr: number, step: number, mean: number): CurvePoint => ({
    group: `full lr=${lr}`, family: 'full', lr, cls: 'initial', step, samplesSeen: step, lrSteps: lr * step, mean, lo: mean, hi: mean, nSeeds: 1,
  });
  // lr 1e-2 runs to step 100 (budget 1), lr 1e-3 to step 500 (budget 0.5): common budget 0.5.
  const rows = equalBudget([pt(1e-2, 0, 1), pt(1e-2, 100, 0), pt(1e-3, 0, 1), pt(1e-3, 500, 0.8)]);
  assert.equal(rows.length, 2);
  assert.equal(rows[0]!.lr, 1e-2);
  assert.equal(rows[0]!.budget, 0.5);
  assert.ok(Math.abs(rows[0]!.steps - 50) < 1e-9);
  assert.ok(Math.abs(rows[0]!.initial - 0.5) < 1e-9); // halfway from 1 to 0
  assert.ok(Math.abs(rows[1]!.initial - 0.8) < 1e-9);
});
