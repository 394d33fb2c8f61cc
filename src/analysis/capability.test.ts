import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brokenPredicate, capabilityLoss, paretoView } from './capability.js';
import { checkpointRates } from './rates.js';
import type { CapabilityScore, CellInfo, GradedSample } from './types.js';

const acc = (step: number, value: number): CapabilityScore => ({ cellId: 'c', step, name: 'acc', value, higherIsBetter: true });
const nll = (step: number, value: number): CapabilityScore => ({ cellId: 'c', step, name: 'nll', value, higherIsBetter: false });

test('capability loss is the worst loss against step 0: relative for accuracy, of likelihood for NLL', () => {
  const rows = capabilityLoss([acc(0, 0.8), nll(0, 2), acc(10, 0.6), nll(10, 2.2)]);
  assert.equal(rows.length, 2);
  assert.equal(rows[0]!.loss, 0);
  // acc: (0.8-0.6)/0.8 = 0.25; nll: likelihood drop 1 - exp(-(2.2-2)) = 0.1813 -> worst 0.25
  assert.ok(Math.abs(rows[1]!.loss - 0.25) < 1e-12);
  assert.ok(Math.abs(rows[1]!.metrics['nll']!.loss - 0.18127) < 1e-5);
  // A tiny NLL that grows by 30% is a tiny loss of likelihood, not a 30% capability loss.
  const small = capabilityLoss([nll(0, 0.001), nll(5, 0.0013)]);
  assert.ok(Math.abs(small[1]!.loss - 0.0003) < 1e-6);
});

function evalAt(cellId: string, step: number, counts: { initial: number; alternate: number; other: number }): GradedSample[] {
  const out: GradedSample[] = [];
  let p = 0;
  for (const label of ['initial', 'alternate', 'other'] as const) {
    for (let i = 0; i < counts[label]; i++) out.push({ cellId, step, promptId: `p${p++}`, split: 'eval', label });
  }
  return out;
}

test('checkpoints with many `other` answers or large capability loss are broken; Pareto front marked', () => {
  const cells: CellInfo[] = [{ cellId: 'c', family: 'full', lr: 1e-3, seed: 0, batchSize: 1 }];
  const rates = checkpointRates(
    [
      ...evalAt('c', 0, { initial: 10, alternate: 0, other: 0 }),
      ...evalAt('c', 10, { initial: 4, alternate: 6, other: 0 }),
      ...evalAt('c', 20, { initial: 1, alternate: 6, other: 3 }),
      ...evalAt('c', 30, { initial: 0, alternate: 9, other: 1 }),
    ],
    cells,
  );
  const losses = capabilityLoss([acc(0, 1), acc(10, 0.98), acc(20, 0.97), acc(30, 0.5)]);
  const broken = brokenPredicate(rates, losses);
  assert.deepEqual([0, 10, 20, 30].map((s) => broken('c', s)), [false, false, true, true]);
  const pts = paretoView(rates, losses, cells);
  const front = pts.filter((p) => p.onFront).map((p) => p.step);
  // step 0: alt 0, loss 0; step 10: alt .6 loss .02; step 20: alt .6 loss .03 (dominated by 10); step 30: alt .9 loss .5
  assert.deepEqual(front, [0, 10, 30]);
  assert.equal(pts.find((p) => p.step === 30)!.broken, true);
});
