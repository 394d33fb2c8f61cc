import { test } from 'node:test';
import assert from 'node:assert/strict';
import { equalBudget, lrCheck } from './lr-check.js';
import type { StepsToTransfer } from './crossing.js';
import type { CurvePoint } from './curves.js';

function row(lr: number, status: StepsToTransfer['status'], steps: number, lo = steps, hi = status === 'censored' ? Infinity : steps): StepsToTransfer {
  return {
    group: `full lr=${lr}`, family: 'full', lr, status, steps, lastStep: status === 'censored' ? steps : 1000, bracket: null, recoveredAt: null,
    lastValue: 0, lo, hi, noiseLo: lo, noiseHi: hi, transferShare: 1, nSeeds: 1, seedsCrossed: 1, seedsBroken: 0, seedsResampled: false,
    nPrompts: 10, threshold: 0.5, scheduleHint: null, warnings: [], label: '',
  };
}

test('low-LR steps as multiples of N·S with intervals from both crossing intervals; censored as lower bounds', () => {
  // S = 10 [8, 12] at 1e-3; 40 [32, 56] at 5e-4; 1e-4 ran 600 steps without crossing.
  const rows = [row(1e-3, 'transfer', 10, 8, 12), row(1e-4, 'censored', 600), row(5e-4, 'transfer', 40, 32, 56)];
  const curve: CurvePoint[] = [0, 50, 150].map((step, i) => ({
    group: 'full lr=0.0001', family: 'full', lr: 1e-4, cls: 'initial', step, samplesSeen: step, lrSteps: step * 1e-4,
    mean: [1, 0.9, 0.7][i]!, lo: 0, hi: 1, nSeeds: 1,
  }));
  const out = lrCheck(rows, curve);
  assert.equal(out.length, 3); // (1e-3,5e-4), (1e-3,1e-4), (5e-4,1e-4)
  const a = out.find((p) => p.lrHigh === 1e-3 && p.lrLow === 1e-4)!;
  assert.ok(Math.abs(a.n - 10) < 1e-9);
  assert.ok(Math.abs(a.multiple - 6) < 1e-9); // 600 / (10 * 10)
  assert.equal(a.bound, true);
  assert.ok(Math.abs(a.multipleLo - 5) < 1e-9); // 600 / (10 * 12): the bound at S's upper end
  assert.equal(a.multipleHi, Infinity);
  assert.equal(a.label, '> 6.0× (95%: > 5.0×)');
  assert.ok(Math.abs(a.lowRateAtNaive - 0.8) < 1e-9); // step 100: halfway between 0.9 (step 50) and 0.7 (step 150)
  const b = out.find((p) => p.lrHigh === 1e-3 && p.lrLow === 5e-4)!;
  // 40 / (2 * 10) = 2; 32 / (2 * 12) = 1.33; 56 / (2 * 8) = 3.5
  assert.equal(b.label, '2.0× [1.3, 3.5]');
  assert.equal(b.bound, false);
  const c = out.find((p) => p.lrHigh === 5e-4)!;
  assert.equal(c.label, '> 3.0× (95%: > 2.1×)'); // 600 / (5 * 40); 600 / (5 * 56) = 2.14
});

test('a high LR that recovered still gives S (its first crossing), marked; an open interval end is ∞', () => {
  const out = lrCheck([row(1e-3, 'recovered', 10, 0, 20), row(1e-4, 'transfer', 300, 200, Infinity)]);
  assert.equal(out.length, 1);
  assert.equal(out[0]!.highStatus, 'recovered');
  // 300 / 100 = 3; 200 / (10 · 20) = 1; upper end open (low LR's hi is ∞, and S's lower end is 0).
  assert.equal(out[0]!.label, '3.0× [1.0, ∞] (high LR recovered)');
  assert.equal(lrCheck([row(1e-3, 'censored', 10), row(1e-4, 'transfer', 300)]).length, 0, 'no S, no pair');
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
