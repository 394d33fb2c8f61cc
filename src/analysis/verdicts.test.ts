import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brokenStates, capabilityLoss, DEFAULT_BROKEN, type CapabilityLoss } from './capability.js';
import { stepsToTransfer } from './crossing.js';
import { checkpointRates } from './rates.js';
import type { CapabilityScore, CellInfo, GradedSample } from './types.js';
import { brokenGroupSteps, formatCapabilityChange, groupVerdicts } from './verdicts.js';

/** 10 prompts × 4 answers each, every prompt alike: `initial[step]` of the 4 answers initial, `other[step]`
 *  other, the rest alternate (no resampling noise: intervals are the checkpoint gaps). */
function answers(cellId: string, initial: Record<number, number>, other: Record<number, number> = {}): GradedSample[] {
  const out: GradedSample[] = [];
  for (const [step, k] of Object.entries(initial)) {
    const o = other[Number(step)] ?? 0;
    for (let p = 0; p < 10; p++) {
      for (let j = 0; j < 4; j++) out.push({ cellId, step: Number(step), promptId: `p${p}`, split: 'eval', label: j < k ? 'initial' : j < k + o ? 'other' : 'alternate' });
    }
  }
  return out;
}

/** Accuracy over 200 items at each step. */
const accuracy = (cellId: string, byStep: Record<number, number>): CapabilityScore[] =>
  Object.entries(byStep).map(([step, value]) => ({ cellId, step: Number(step), name: 'acc:arith', value, n: 200, higherIsBetter: true }));

const cell = (cellId: string, lr: number, seed = 0): CellInfo => ({ cellId, family: 'full', lr, seed, batchSize: 4 });

function verdictsOf(cells: CellInfo[], samples: GradedSample[], scores: CapabilityScore[] = [], threshold = 0.5) {
  const rates = checkpointRates(samples, cells);
  const losses: CapabilityLoss[] = capabilityLoss(scores);
  const state = brokenStates(rates, losses, DEFAULT_BROKEN);
  const steps = stepsToTransfer(samples, cells, { threshold, resamples: 30, brokenState: state });
  return groupVerdicts({ steps, cells, rates, losses, broken: DEFAULT_BROKEN, threshold });
}

test('one verdict per (family, LR): transferred with its interval, resisted with the steps run', () => {
  // 1 at 0, 3/4 at 2, 1/4 at 6 (crossing 4 in [2, 6]); the low LR stays at 1, then 3/4.
  const cells = [cell('hi', 1e-3), cell('lo', 1e-4)];
  const v = verdictsOf(cells, [...answers('hi', { 0: 4, 2: 3, 6: 1 }), ...answers('lo', { 0: 4, 2: 4, 6: 3 })], [...accuracy('hi', { 0: 0.9, 2: 0.9, 6: 0.88 }), ...accuracy('lo', { 0: 0.9, 2: 0.9, 6: 0.9 })]);
  assert.deepEqual(v.map((x) => [x.group, x.kind]), [['full lr=1e-4', 'resisted'], ['full lr=1e-3', 'transferred']]);
  const [lo, hi] = v as [(typeof v)[0], (typeof v)[0]];
  assert.equal(hi.headline, 'transferred: initial < 50% at 4 [2, 6] steps');
  assert.deepEqual([hi.steps, hi.lo, hi.hi, hi.atStep], [4, 2, 6, 6]);
  assert.equal(hi.seedNote, '1 of 1 seeds crossed');
  assert.equal(hi.scheduleHint, 'add checkpoints between 2 and 6');
  // Capability read where the verdict is: (0.9 − 0.88)/0.9 = 2.2% at step 6.
  assert.ok(Math.abs(hi.capabilityLoss - 0.02 / 0.9) < 1e-12);
  assert.equal(formatCapabilityChange(hi.capabilityLoss), '−2%');
  assert.equal(hi.brokenFrom, null);
  assert.equal(lo.headline, 'resisted: initial not < 50% in 6 steps (75% at the last checkpoint)');
  assert.equal(lo.steps, null);
  assert.deepEqual(lo.perSeed.map((s) => s.label), ['> 6']);
});

test('collapsed: a group broken at or before the step it crossed is not transfer, and the reason is named', () => {
  // Capability falls 0.9 → 0.3 by step 2 (loss 67%, credibly above 10%) while initial only crosses at 6.
  const before = verdictsOf([cell('a', 1e-3)], answers('a', { 0: 4, 2: 3, 6: 1 }), accuracy('a', { 0: 0.9, 2: 0.3, 6: 0.3 }));
  assert.equal(before[0]!.kind, 'collapsed');
  assert.equal(before[0]!.headline, 'collapsed: capability −67% at step 2, before transfer (initial < 50% at step 6)');
  assert.deepEqual(before[0]!.collapse, { step: 2, reason: 'capability', seedsBroken: 1 });
  assert.equal(before[0]!.seedNote, '1 of 1 seeds broken at step 2');
  // Other answers: 3 of 4 answers 'other' at step 6, where initial first falls below (1 of 4).
  const other = verdictsOf([cell('a', 1e-3)], answers('a', { 0: 4, 2: 3, 6: 1 }, { 6: 3 }));
  assert.equal(other[0]!.kind, 'collapsed');
  assert.equal(other[0]!.headline, 'collapsed: 75% other answers at step 6, at transfer (initial < 50% there)');
  assert.equal(other[0]!.collapse!.reason, 'other');
  // Never crossed, but broken: collapsed too, with the steps run.
  const censored = verdictsOf([cell('a', 1e-3)], answers('a', { 0: 4, 2: 4, 6: 3 }), accuracy('a', { 0: 0.9, 2: 0.9, 6: 0.2 }));
  assert.equal(censored[0]!.headline, 'collapsed: capability −78% at step 6; initial not < 50% in 6 steps');
  // Broken only after the transfer: the verdict stands, and says from when the group is broken.
  const after = verdictsOf([cell('a', 1e-3)], answers('a', { 0: 4, 2: 3, 6: 1, 20: 0 }), accuracy('a', { 0: 0.9, 2: 0.9, 6: 0.9, 20: 0.2 }));
  assert.equal(after[0]!.kind, 'transferred');
  assert.equal(after[0]!.brokenFrom, 20);
});

test('recovered and not stable keep the analysis wording; per-seed crossings show whether seeds agree', () => {
  const rec = verdictsOf([cell('a', 1e-3)], answers('a', { 0: 4, 2: 3, 6: 1, 20: 2, 40: 3 }));
  assert.equal(rec[0]!.kind, 'recovered');
  assert.equal(rec[0]!.headline, 'transferred then recovered: below at 4 [2, 6], back above from 20 (75% at 40)');
  const unstable = verdictsOf([cell('a', 1e-3)], answers('a', { 0: 4, 2: 3, 6: 1, 20: 3, 40: 1 }));
  assert.equal(unstable[0]!.kind, 'unstable');
  // Two seeds that disagree: one crosses at 4, the other never; the mean (1, 0.75, 0.5) does not cross 0.5.
  const cells = [cell('s0', 1e-3, 0), cell('s1', 1e-3, 1)];
  const split = verdictsOf(cells, [...answers('s0', { 0: 4, 2: 3, 6: 1 }), ...answers('s1', { 0: 4, 2: 3, 6: 3 })]);
  assert.equal(split[0]!.kind, 'resisted');
  assert.equal(split[0]!.seedNote, '1 of 2 seeds crossed');
  assert.deepEqual(split[0]!.perSeed.map((s) => [s.seed, s.label, s.crossed]), [[0, '4 [2, 6]', true], [1, '> 6', false]]);
});

test('a group step is broken when more than half of its seeds are', () => {
  const cells = [cell('a', 1e-3, 0), cell('b', 1e-3, 1), cell('c', 1e-3, 2)];
  const rates = checkpointRates([...answers('a', { 0: 4, 5: 4 }), ...answers('b', { 0: 4, 5: 4 }), ...answers('c', { 0: 4, 5: 4 })], cells);
  const broken = (ids: string[]) => (cellId: string, step: number) => (step === 5 && ids.includes(cellId) ? ('broken' as const) : ('ok' as const));
  assert.deepEqual([...brokenGroupSteps(cells, rates, broken(['a']))], []);
  assert.deepEqual([...brokenGroupSteps(cells, rates, broken(['a', 'b']))], ['full lr=1e-3@5']);
  assert.deepEqual([...brokenGroupSteps(cells.slice(0, 2), rates, broken(['a']))], [], 'one of two is not more than half');
});
