import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrokenState } from './capability.js';
import { cellCrossings, firstCrossing, stepsToTransfer } from './crossing.js';
import { seededRandom } from './intervals.js';
import { checkpointRates } from './rates.js';
import type { CellInfo, GradedSample } from './types.js';

test('interpolates linearly between the checkpoints around the crossing, which bracket it', () => {
  // 0.9 at 10, 0.3 at 20: crosses 0.5 at 10 + (0.4/0.6)*10 = 16.67, between checkpoints 10 and 20
  const c = firstCrossing([{ step: 20, value: 0.3 }, { step: 0, value: 1 }, { step: 10, value: 0.9 }], 0.5);
  assert.equal(c.status, 'transfer');
  assert.ok(Math.abs(c.steps - 16.6667) < 1e-3);
  assert.deepEqual(c.bracket, [10, 20]);
  // Already below at the first checkpoint: the crossing is somewhere in [0, that step].
  const early = firstCrossing([{ step: 5, value: 0.2 }, { step: 10, value: 0.1 }], 0.5);
  assert.equal(early.steps, 5);
  assert.deepEqual(early.bracket, [0, 5]);
});

test('never crossing is censored at the last step, and a broken crossing is not transfer', () => {
  assert.deepEqual(firstCrossing([{ step: 0, value: 1 }, { step: 100, value: 0.6 }], 0.5), {
    status: 'censored',
    steps: 100,
    lastStep: 100,
    bracket: null,
    recoveredAt: null,
    lastValue: 0.6,
  });
  const b = firstCrossing([{ step: 0, value: 1 }, { step: 100, value: 0.1, broken: true }], 0.5);
  assert.equal(b.status, 'broken');
});

test('a curve back above the threshold is "transferred then recovered" or "not stable", with the steps', () => {
  const rec = firstCrossing([{ step: 0, value: 1 }, { step: 4, value: 0.4 }, { step: 20, value: 0.53 }, { step: 40, value: 0.53 }], 0.5);
  assert.equal(rec.status, 'recovered');
  assert.equal(rec.recoveredAt, 20);
  const unstable = firstCrossing([{ step: 0, value: 1 }, { step: 4, value: 0.4 }, { step: 20, value: 0.6 }, { step: 40, value: 0.41 }], 0.5);
  assert.equal(unstable.status, 'unstable');
  assert.equal(unstable.recoveredAt, 20);
  assert.equal(firstCrossing([{ step: 0, value: 1 }, { step: 4, value: 0.4 }, { step: 20, value: 0.1 }], 0.5).status, 'transfer');
  // Per-seed labels say so; the crossing, 0 + (0.5/0.6)·4 = 3.3, keeps its checkpoints [0, 4].
  const rates = checkpointRates([
    ...cellSamples('r', { 0: 1, 4: 0.4, 20: 0.55, 40: 0.55 }),
    ...cellSamples('u', { 0: 1, 4: 0.4, 20: 0.6, 40: 0.4 }),
  ]);
  const c = cellCrossings(rates);
  assert.equal(c.get('r')!.label, 'transferred then recovered: below at 3 [0, 4], back above from 20 (55% at 40)');
  assert.equal(c.get('u')!.label, 'not stable: below at 3 [0, 4], back above at 20, below again at 40 (40%)');
});

/** `nPrompts` prompts with one answer each; the first rate·n prompts initial, the rest alternate. */
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

/** Every prompt answered alike (`perPrompt` answers, `initial` of them initial): resampling prompts changes nothing. */
function identicalPrompts(cellId: string, initial: Record<number, number>, perPrompt = 4, nPrompts = 10): GradedSample[] {
  const out: GradedSample[] = [];
  for (const [step, k] of Object.entries(initial)) {
    for (let p = 0; p < nPrompts; p++) {
      for (let j = 0; j < perPrompt; j++) out.push({ cellId, step: Number(step), promptId: `p${p}`, split: 'eval', label: j < k ? 'initial' : 'alternate' });
    }
  }
  return out;
}

const cell = (cellId: string, seed = 0, lr = 1e-3): CellInfo => ({ cellId, family: 'full', lr, seed, batchSize: 4 });

test('the interval holds the whole gap between the checkpoints around the crossing, and hints at checkpoints', () => {
  // 1 at step 0, 3/4 at step 2, 1/4 at step 6: crossing at 2 + (0.25/0.5)·4 = 4. No resampling noise
  // (all prompts alike), so the interval is exactly the gap [2, 6], which dominates: a hint to add checkpoints.
  const [row] = stepsToTransfer(identicalPrompts('a', { 0: 4, 2: 3, 6: 1 }), [cell('a')], { resamples: 50 });
  assert.equal(row!.status, 'transfer');
  assert.equal(row!.steps, 4);
  assert.deepEqual(row!.bracket, [2, 6]);
  assert.deepEqual([row!.lo, row!.hi, row!.noiseLo, row!.noiseHi], [2, 6, 4, 4]);
  assert.equal(row!.scheduleHint, 'add checkpoints between 2 and 6');
  assert.equal(row!.label, '4 [2, 6] · 1 of 1 seeds crossed');
  assert.equal(row!.seedsResampled, false);
  assert.match(row!.warnings[0]!, /^1 seed cannot give a between-seed interval/);
});

test('a recovered curve is reported as such, with the steps, not as steps to transfer alone', () => {
  const [row] = stepsToTransfer(identicalPrompts('a', { 0: 4, 2: 3, 6: 1, 20: 2, 40: 3 }), [cell('a')], { resamples: 20 });
  assert.equal(row!.status, 'recovered');
  assert.equal(row!.recoveredAt, 20);
  assert.equal(row!.label, 'transferred then recovered: below at 4 [2, 6], back above from 20 (75% at 40) · 1 of 1 seeds crossed');
});

test('steps to transfer pools seeds, keeps censored groups, and says two seeds give no between-seed interval', () => {
  const cells: CellInfo[] = [cell('hi-s0', 0), cell('hi-s1', 1), cell('lo-s0', 0, 1e-4)];
  const samples = [
    ...cellSamples('hi-s0', { 0: 1, 10: 0.8, 20: 0 }),
    ...cellSamples('hi-s1', { 0: 1, 10: 0.6, 20: 0 }),
    ...cellSamples('lo-s0', { 0: 1, 10: 1, 20: 0.9 }),
  ];
  const rows = stepsToTransfer(samples, cells, { resamples: 200 });
  assert.equal(rows.length, 2);
  const [lo, hi] = rows as [(typeof rows)[0], (typeof rows)[0]];
  assert.equal(lo.lr, 1e-4);
  assert.equal(lo.status, 'censored');
  assert.equal(lo.label, '> 20 · 0 of 1 seeds crossed');
  assert.equal(lo.hi, Infinity);
  // mean curve of the high LR: 1, 0.7, 0 -> crosses at 10 + (0.2/0.7)*10 = 12.857, between 10 and 20.
  assert.equal(hi.status, 'transfer');
  assert.ok(Math.abs(hi.steps - 12.857) < 1e-3);
  // Every replicate crosses by step 20 (all prompts are alternate there): the upper end is 20; the lower end
  // is at most 10, lower where resampled prompts bring step 10 under 0.5.
  assert.ok(hi.lo <= 10 && hi.hi === 20, `${hi.lo}..${hi.hi}`);
  assert.ok(hi.noiseLo >= 5 && hi.noiseHi <= 20);
  assert.equal(hi.transferShare, 1);
  assert.equal(hi.seedsCrossed, 2);
  assert.equal(hi.seedsResampled, false);
  assert.match(hi.label, /^13 \[\d+, 20\] · 2 of 2 seeds crossed$/);
  assert.match(hi.warnings.join('\n'), /2 seeds cannot give a between-seed interval/);
  // Same seed, same interval.
  assert.deepEqual(stepsToTransfer(samples, cells, { resamples: 200 }), rows);
  // Three seeds are resampled, and the warning goes.
  const three = stepsToTransfer([...samples, ...cellSamples('hi-s2', { 0: 1, 10: 0.7, 20: 0 })], [...cells, cell('hi-s2', 2)], { resamples: 100 });
  assert.equal(three[1]!.seedsResampled, true);
  assert.deepEqual(three[1]!.warnings, []);
});

test('a group step is broken when more than half its seeds are; one broken seed of two is a warning', () => {
  const cells = [cell('a', 0), cell('b', 1)];
  const samples = [...identicalPrompts('a', { 0: 4, 10: 0 }), ...identicalPrompts('b', { 0: 4, 10: 0 })];
  const stateOf = (broken: string[]) => (cellId: string, step: number): BrokenState => (step === 10 && broken.includes(cellId) ? 'broken' : 'ok');
  const [one] = stepsToTransfer(samples, cells, { resamples: 20, brokenState: stateOf(['a']) });
  assert.equal(one!.status, 'transfer');
  assert.equal(one!.seedsCrossed, 1, 'seed a crossed on a broken checkpoint: not a crossing');
  assert.equal(one!.seedsBroken, 1);
  assert.match(one!.warnings.join('\n'), /1 of 2 seeds broken at step 10/);
  assert.match(one!.label, /· 1 of 2 seeds crossed$/);
  const [both] = stepsToTransfer(samples, cells, { resamples: 20, brokenState: stateOf(['a', 'b']) });
  assert.equal(both!.status, 'broken');
  assert.equal(both!.transferShare, 0);
  assert.equal(both!.label, 'broken at ~5 · 2 of 2 seeds broken there'); // 1 → 0 between steps 0 and 10
  const [unsure] = stepsToTransfer(samples, cells, { resamples: 20, brokenState: (_c, step) => (step === 10 ? 'uncertain' : 'ok') });
  assert.equal(unsure!.status, 'transfer');
  assert.match(unsure!.warnings.join('\n'), /2 of 2 seeds at step 10 .* not credibly/);
});

test('grading errors are in no n of the crossing', () => {
  // Step 10: 8 initial and 12 errors out of 20 answers: the rate is 8/8, not 8/20, so no crossing.
  const samples = cellSamples('a', { 0: 1, 10: 1 }).map((s, i) => (s.step === 10 && i % 20 >= 8 ? { ...s, label: 'error' as const } : s));
  const [row] = stepsToTransfer(samples, [cell('a')], { resamples: 20 });
  assert.equal(row!.status, 'censored');
});

test('dense checkpoints: the gap no longer dominates and there is no hint', () => {
  const rnd = seededRandom(3);
  const samples: GradedSample[] = [];
  for (let step = 0; step <= 40; step += 2) {
    for (let p = 0; p < 40; p++) samples.push({ cellId: 'a', step, promptId: `p${p}`, split: 'eval', label: rnd() < 1 - step / 40 ? 'initial' : 'alternate' });
  }
  const [row] = stepsToTransfer(samples, [cell('a')], { resamples: 300 });
  assert.equal(row!.bracket![1] - row!.bracket![0], 2);
  assert.ok(row!.noiseHi - row!.noiseLo > 2, `resampling interval ${row!.noiseLo}..${row!.noiseHi}`);
  assert.equal(row!.scheduleHint, null);
  assert.ok(row!.lo <= row!.bracket![0] && row!.hi >= row!.bracket![1]);
});

test('coverage: the interval contains the true crossing of the continuous curve at least 95% of the time', (t) => {
  const rnd = seededRandom(5);
  const steps = [0, 5, 10, 40, 80];
  const p = (step: number): number => Math.exp(-step / 30);
  // The true curve crosses 0.5 at 30·ln 2 = 20.79, inside the checkpoint gap 10..40; linear interpolation
  // between p(10) = 0.717 and p(40) = 0.264 puts it at 10 + 30·0.217/0.453 = 24.3. With 400 prompts the
  // resampling noise alone is narrow and misses 20.79; the gap is what covers it.
  const target = 30 * Math.log(2);
  const cells: CellInfo[] = [0, 1].map((seed) => cell(`s${seed}`, seed));
  for (const { prompts, R } of [{ prompts: 60, R: 100 }, { prompts: 400, R: 30 }]) {
    let hit = 0;
    let hitNoise = 0;
    for (let r = 0; r < R; r++) {
      const samples: GradedSample[] = [];
      for (const c of cells) {
        for (const step of steps) {
          for (let q = 0; q < prompts; q++) samples.push({ cellId: c.cellId, step, promptId: `p${q}`, split: 'eval', label: rnd() < p(step) ? 'initial' : 'alternate' });
        }
      }
      const [row] = stepsToTransfer(samples, cells, { resamples: 200, seed: r });
      if (row!.lo <= target && target <= row!.hi) hit++;
      if (row!.noiseLo <= target && target <= row!.noiseHi) hitNoise++;
    }
    t.diagnostic(`${prompts} prompts: interval covers ${hit}/${R}, resampling alone ${hitNoise}/${R}`);
    assert.ok(hit >= 0.95 * R, `${prompts} prompts: coverage ${hit / R}`);
    if (prompts === 400) assert.ok(hitNoise < 0.5 * R, `${prompts} prompts: resampling alone covers ${hitNoise / R}`);
  }
});
