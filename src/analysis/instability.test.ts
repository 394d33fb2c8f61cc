import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { cellInstability, describeInstability, type TrainLossStep } from './instability.js';

/** A cell's log from a list of losses, steps 1, 2, …. */
const log = (cellId: string, losses: readonly number[]): TrainLossStep[] => losses.map((loss, i) => ({ cellId, step: i + 1, loss }));

test('the early loss is the median of the first 10% of steps (1 to 20 of them)', () => {
  // 50 steps: early window 5 steps, median of [5, 1, 2, 9, 3] = 3.
  const [a] = cellInstability(log('a', [5, 1, 2, 9, 3, ...Array(45).fill(2)]));
  assert.equal(a!.earlyLoss, 3);
  assert.deepEqual(a!.earlySteps, [1, 5]);
  // 400 steps: capped at 20; median of 11..30 = 20.5.
  const [b] = cellInstability(log('b', [...Array.from({ length: 20 }, (_, i) => i + 11), ...Array(380).fill(11)]));
  assert.equal(b!.earlyLoss, 20.5);
  assert.deepEqual(b!.earlySteps, [1, 20]);
  // Knocked out by its first update (as the microworld base at 1e-2: 7e-6, then 0.69): the window stops
  // before the step 10× above the first, so the bar is where the cell started.
  const knocked = [7e-6, 0.69, 0.32, 0.24, 0.27, 1.6, 0.59, 1.5, ...Array(192).fill(0.5)];
  const [k] = cellInstability(log('k', knocked));
  assert.deepEqual([k!.earlyLoss, k!.earlySteps], [7e-6, [1, 1]]);
  assert.equal(k!.from, 4, 'median of steps 2-4 is 0.32, far above 7e-5');
  // 6 steps: one step.
  const [c] = cellInstability(log('c', [4, 1, 1, 1, 1, 1]));
  assert.equal(c!.earlyLoss, 4);
});

test('a rise held over 2 of 3 consecutive steps flags the cell from that step; a single spike does not', () => {
  const flat = Array(30).fill(1e-4) as number[];
  // Early loss 1e-4 (steps 1-3). One batch at 50x: not flagged.
  const spike = [...flat];
  spike[14] = 5e-3;
  const [s] = cellInstability(log('spike', spike));
  assert.equal(s!.unstable, false);
  assert.equal(s!.from, null);
  assert.ok(Math.abs(s!.ratio - 1) < 1e-9, `peak of the 3-step medians: ${s!.ratio}`);
  // Knocked out at step 20: 1e-4 -> 0.3 (3000x) from then on; flagged at step 21 (2 of 3 steps above).
  const knocked = flat.map((x, i) => (i >= 19 ? 0.3 : x));
  const [k] = cellInstability(log('knocked', knocked));
  assert.equal(k!.unstable, true);
  assert.equal(k!.from, 21);
  assert.ok(Math.abs(k!.ratio - 3000) < 1e-6);
  assert.equal(k!.peakStep, 21, "the first step at the peak");
  assert.match(describeInstability(k!), /^unstable: loss above 10× its early 0\.0001, the median of steps 1–3, from step 21 \(peak 3000× at step 21\)$/);
  // The factor is the rule's: at 5000x the same cell is stable.
  assert.equal(cellInstability(log('knocked', knocked), 5000)[0]!.unstable, false);
  // A loss that is not finite is a rise.
  const nan = flat.map((x, i) => (i >= 25 ? NaN : x));
  assert.equal(cellInstability(log('nan', nan))[0]!.from, 27);
});

test('a slow decline and a short log are not unstable; cells are judged apart', () => {
  const declining = Array.from({ length: 100 }, (_, i) => 2 * Math.exp(-i / 20));
  const rising = Array.from({ length: 100 }, (_, i) => (i < 50 ? 0.01 : 0.2));
  const out = cellInstability([...log('down', declining), ...log('up', rising)]);
  assert.deepEqual(out.map((c) => [c.cellId, c.unstable, c.from]), [['down', false, null], ['up', true, 52]]);
  const [short] = cellInstability(log('short', [1, 50, 50]));
  assert.equal(short!.peakStep, null);
  assert.equal(short!.unstable, false);
  assert.match(describeInstability(short!), /too short to judge \(3 steps/);
  assert.throws(() => cellInstability([], 1), (e) => e instanceof ConfigError && /above 1, got 1/.test(e.message));
});
