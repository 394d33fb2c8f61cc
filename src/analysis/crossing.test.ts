import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstCrossing, stepsToTransfer } from './crossing.js';
import type { CellInfo, GradedSample } from './types.js';

test('interpolates linearly between the checkpoints around the crossing', () => {
  // 0.9 at 10, 0.3 at 20: crosses 0.5 at 10 + (0.4/0.6)*10 = 16.67
  const c = firstCrossing([{ step: 20, value: 0.3 }, { step: 0, value: 1 }, { step: 10, value: 0.9 }], 0.5);
  assert.equal(c.status, 'transfer');
  assert.ok(Math.abs(c.steps - 16.6667) < 1e-3);
  assert.equal(firstCrossing([{ step: 0, value: 0.2 }], 0.5).steps, 0);
});

test('never crossing is censored at the last step, and a broken crossing is not transfer', () => {
  assert.deepEqual(firstCrossing([{ step: 0, value: 1 }, { step: 100, value: 0.6 }], 0.5), {
    status: 'censored',
    steps: 100,
    lastStep: 100,
  });
  const b = firstCrossing([{ step: 0, value: 1 }, { step: 100, value: 0.1, broken: true }], 0.5);
  assert.equal(b.status, 'broken');
});

function cellSamples(cellId: string, rates: Record<number, number>, nPrompts = 20): GradedSample[] {
  const out: GradedSample[] = [];
  for (const [step, rate] of Object.entries(rates)) {
    const k = Math.round(rate * nPrompts);
    for (let p = 0; p < nPrompts; p++) {
      out.push({ cellId, step: Number(step), promptId: `p${p}`, split: 'eval', label: p < k ? 'initial' : 'alternate' });
    }
  }
  return out;
}

test('steps to transfer pools seeds, gives an interval, and keeps censored groups', () => {
  const cells: CellInfo[] = [
    { cellId: 'hi-s0', family: 'full', lr: 1e-3, seed: 0, batchSize: 4 },
    { cellId: 'hi-s1', family: 'full', lr: 1e-3, seed: 1, batchSize: 4 },
    { cellId: 'lo-s0', family: 'full', lr: 1e-4, seed: 0, batchSize: 4 },
  ];
  const samples = [
    ...cellSamples('hi-s0', { 0: 1, 10: 0.8, 20: 0 }),
    ...cellSamples('hi-s1', { 0: 1, 10: 0.6, 20: 0 }),
    ...cellSamples('lo-s0', { 0: 1, 10: 1, 20: 0.9 }),
  ];
  const rows = stepsToTransfer(samples, cells, { resamples: 200 });
  assert.equal(rows.length, 2);
  const lo = rows[0]!;
  const hi = rows[1]!;
  assert.equal(lo.lr, 1e-4);
  assert.equal(lo.status, 'censored');
  assert.equal(lo.label, '> 20');
  // mean curve of the high LR: 1, 0.7, 0 -> crosses at 10 + (0.2/0.7)*10 = 12.857
  assert.equal(hi.status, 'transfer');
  assert.ok(Math.abs(hi.steps - 12.857) < 1e-3);
  // Every replicate crosses by step 20 (all prompts are alternate there); resampled prompts can bring
  // the step-10 rate under 0.5, so the low end may fall below 10 but not below 5 (0.5 reached at 0.5*10).
  assert.ok(hi.lo < hi.steps && hi.hi > hi.steps && hi.lo >= 5 && hi.hi <= 20, `${hi.lo}..${hi.hi}`);
  assert.equal(hi.transferShare, 1);
  assert.match(hi.label, /^13 \[\d+, 1\d\]$/);
  assert.equal(hi.nSeeds, 2);
  // Same seed, same interval.
  assert.deepEqual(stepsToTransfer(samples, cells, { resamples: 200 }), rows);
});

test('a group whose crossing lands on broken checkpoints is reported broken', () => {
  const cells: CellInfo[] = [{ cellId: 'a', family: 'full', lr: 1, seed: 0, batchSize: 1 }];
  const samples = cellSamples('a', { 0: 1, 10: 0.1 });
  const [row] = stepsToTransfer(samples, cells, { resamples: 50, isBroken: (_c, step) => step === 10 });
  assert.equal(row!.status, 'broken');
  assert.equal(row!.transferShare, 0);
  assert.match(row!.label, /^broken at ~/);
});

test('per-cell crossings list each seed on its own', async () => {
  const { cellCrossings } = await import('./crossing.js');
  const { checkpointRates } = await import('./rates.js');
  const rates = checkpointRates([
    ...cellSamples('a', { 0: 1, 10: 0.6, 20: 0.2 }),
    ...cellSamples('b', { 0: 1, 10: 0.9, 20: 0.8 }),
  ]);
  const c = cellCrossings(rates);
  // a: 0.6 at 10, 0.2 at 20 -> 10 + (0.1/0.4)*10 = 12.5
  assert.equal(c.get('a')!.label, '12.5');
  assert.equal(c.get('b')!.label, '> 20');
});

test('coverage: the steps-to-transfer interval contains the true crossing about 95% of the time', async () => {
  const { seededRandom } = await import('./intervals.js');
  const rnd = seededRandom(5);
  const steps = [0, 5, 10, 20, 40, 80];
  const p = (step: number): number => Math.exp(-step / 30);
  // The target is the crossing of the linearly interpolated true curve: 20 + (p(20) − 0.5)/(p(20) − p(40))·20.
  const target = 20 + ((p(20) - 0.5) / (p(20) - p(40))) * 20;
  const cells: CellInfo[] = [0, 1].map((seed) => ({ cellId: `s${seed}`, family: 'full', lr: 1e-3, seed, batchSize: 1 }));
  let hit = 0;
  const R = 100;
  for (let r = 0; r < R; r++) {
    const samples: GradedSample[] = [];
    for (const c of cells) {
      for (const step of steps) {
        for (let q = 0; q < 60; q++) samples.push({ cellId: c.cellId, step, promptId: `p${q}`, split: 'eval', label: rnd() < p(step) ? 'initial' : 'alternate' });
      }
    }
    const [row] = stepsToTransfer(samples, cells, { resamples: 300, seed: r });
    if (row!.lo <= target && target <= row!.hi) hit++;
  }
  assert.ok(hit >= 88, `coverage ${hit / R} of ${target.toFixed(2)}`); // 0.95 − 2.5 SE over 100 repetitions
});
