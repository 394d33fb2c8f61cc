import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brokenPredicate, brokenStates, capabilityLoss, paretoView } from './capability.js';
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

test('an accuracy loss has an interval from its item counts; an NLL loss and a baseline are points', () => {
  const a = (step: number, value: number, n?: number): CapabilityScore => ({ ...acc(step, value), n });
  // 32/32 at step 0; 16/32 at 10: loss 0.5, interval 1 − ratio's [0.3363, 0.6792] = [0.321, 0.664].
  // 28/32 at 20: loss 0.125, ratio's Wilson-based limits [0.7193, 1.0065]: loss [−0.0065, 0.281].
  const rows = capabilityLoss([a(0, 1, 32), a(10, 0.5, 32), a(20, 0.875, 32), nll(0, 2), nll(10, 2.2), nll(20, 2)]);
  assert.deepEqual([rows[0]!.loss, rows[0]!.lo, rows[0]!.hi], [0, 0, 0]);
  const r10 = rows[1]!.metrics['acc']!;
  assert.ok(Math.abs(r10.lo - 0.3208) < 1e-3 && Math.abs(r10.hi - 0.6637) < 1e-3, `${r10.lo}..${r10.hi}`);
  const r20 = rows[2]!.metrics['acc']!;
  assert.ok(Math.abs(r20.loss - 0.125) < 1e-12);
  assert.ok(Math.abs(r20.lo + 0.0065) < 1e-3 && Math.abs(r20.hi - 0.2807) < 1e-3, `${r20.lo}..${r20.hi}`);
  const n10 = rows[1]!.metrics['nll']!;
  assert.equal(n10.lo, n10.loss);
  assert.equal(n10.hi, n10.loss);
  // The checkpoint's interval: the largest lower end and the largest upper end over its evaluations.
  assert.equal(rows[1]!.lo, Math.max(r10.lo, n10.lo));
  assert.equal(rows[1]!.hi, Math.max(r10.hi, n10.hi));
});

function evalAt(cellId: string, step: number, counts: { initial: number; alternate: number; other: number }): GradedSample[] {
  const out: GradedSample[] = [];
  let p = 0;
  for (const label of ['initial', 'alternate', 'other'] as const) {
    for (let i = 0; i < counts[label]; i++) out.push({ cellId, step, promptId: `p${p++}`, split: 'eval', label });
  }
  return out;
}

test('broken only when credibly above a threshold; Pareto front marked', () => {
  const cells: CellInfo[] = [{ cellId: 'c', family: 'full', lr: 1e-3, seed: 0, batchSize: 1 }];
  const rates = checkpointRates(
    [
      ...evalAt('c', 0, { initial: 10, alternate: 0, other: 0 }),
      ...evalAt('c', 10, { initial: 4, alternate: 6, other: 0 }),
      // 3/10 other: rate 0.3 ≥ 0.2, but Wilson's lower end is 0.108: uncertain, not broken.
      ...evalAt('c', 20, { initial: 1, alternate: 6, other: 3 }),
      ...evalAt('c', 30, { initial: 0, alternate: 9, other: 1 }),
      // 8/10 other: Wilson's lower end 0.49 ≥ 0.2: broken.
      ...evalAt('c', 40, { initial: 0, alternate: 2, other: 8 }),
    ],
    cells,
  );
  const a = (step: number, value: number): CapabilityScore => ({ ...acc(step, value), n: 32 });
  // step 30: 16/32 against 32/32, loss [0.32, 0.66]: broken. step 10: 28/32, loss [−0.007, 0.28]: uncertain.
  const losses = capabilityLoss([a(0, 1), a(10, 0.875), a(20, 0.97), a(30, 0.5), a(40, 1)]);
  const state = brokenStates(rates, losses);
  assert.deepEqual([0, 10, 20, 30, 40].map((s) => state('c', s)), ['ok', 'uncertain', 'uncertain', 'broken', 'broken']);
  const broken = brokenPredicate(rates, losses);
  assert.deepEqual([0, 10, 20, 30, 40].map((s) => broken('c', s)), [false, false, false, true, true]);
  assert.equal(state('c', 99), 'ok', 'no data is never broken');
  const pts = paretoView(rates, losses, cells);
  const front = pts.filter((p) => p.onFront).map((p) => p.step);
  // (alternate, loss): 0 (0, 0) and 10 (.6, .125) are dominated by 40 (.2, 0) and 20 (.6, .03); 30 (.9, .5).
  assert.deepEqual(front, [20, 30, 40]);
  assert.equal(pts.find((p) => p.step === 30)!.broken, true);
});
