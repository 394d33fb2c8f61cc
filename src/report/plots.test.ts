import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstCrossing, type CurvePoint } from '../analysis/index.js';
import { curveSpec, linearInSteps } from './plots.js';

const pt = (step: number, mean: number): CurvePoint => ({
  group: 'full lr=1e-3', family: 'full', lr: 1e-3, cls: 'initial', step, samplesSeen: 4 * step, lrSteps: 1e-3 * step, mean, lo: mean - 0.1, hi: mean + 0.1, nSeeds: 1,
});

/** Where a polyline drawn straight between its points on a symlog axis (constant c) crosses y. */
function drawnCrossing(line: readonly { x: number; mean: number }[], y: number, c: number): number {
  const f = (x: number): number => Math.log1p(x / c);
  for (let i = 1; i < line.length; i++) {
    const a = line[i - 1]!;
    const b = line[i]!;
    if (a.mean >= y && b.mean < y) return c * Math.expm1(f(a.x) + ((a.mean - y) / (a.mean - b.mean)) * (f(b.x) - f(a.x)));
  }
  return NaN;
}

test('the plotted curve crosses the threshold where the reported crossing is', () => {
  // 0.75 at step 2, 0.25 at step 6: the crossing, linear in steps, is at 4. A straight segment on the symlog
  // axis (constant 2) would cross at 2·(e^((ln 2 + ln 4)/2) − 1) = 3.66.
  const points = [pt(0, 1), pt(2, 0.75), pt(6, 0.25), pt(20, 0.1)];
  const reported = firstCrossing(points.map((p) => ({ step: p.step, value: p.mean })), 0.5).steps;
  assert.equal(reported, 4);
  const checkpoints = points.map((p) => ({ x: p.step, mean: p.mean, lo: p.lo, hi: p.hi }));
  assert.ok(Math.abs(drawnCrossing(checkpoints, 0.5, 2) - 3.657) < 1e-3, 'straight symlog segments put it elsewhere');
  const spec = curveSpec(points, 'initial', 'step', { threshold: 0.5 }) as unknown as {
    data: { values: { x: number; mean: number; checkpoint: boolean }[] };
    layer: { mark: { type: string }; encoding: { y: { datum?: number } } }[];
  };
  const line = spec.data.values;
  assert.ok(Math.abs(drawnCrossing(line, 0.5, 2) - reported) < 0.01 * reported, `drawn at ${drawnCrossing(line, 0.5, 2)}`);
  // Dots only at the checkpoints; the threshold rule at the threshold given.
  assert.deepEqual(line.filter((v) => v.checkpoint).map((v) => v.x), [0, 2, 6, 20]);
  assert.equal((curveSpec(points, 'initial', 'step', { threshold: 0.3 }) as unknown as typeof spec).layer.at(-1)!.encoding.y.datum, 0.3);
  // On the samples-seen axis (4 samples a step) the same crossing, 16 samples.
  const seen = (curveSpec(points, 'initial', 'samplesSeen') as unknown as typeof spec).data.values;
  assert.ok(Math.abs(drawnCrossing(seen, 0.5, 8) - 16) < 0.16);
});

test('points between checkpoints are linear in x and even on the symlog axis', () => {
  const dense = linearInSteps([{ x: 0, mean: 1, lo: 0.9, hi: 1 }, { x: 10, mean: 0, lo: 0, hi: 0.1 }], 1);
  assert.equal(dense.length, 17);
  for (const p of dense) assert.ok(Math.abs(p.mean - (1 - p.x / 10)) < 1e-12 && Math.abs(p.lo - (0.9 - 0.09 * p.x)) < 1e-12);
  const t = dense.map((p) => Math.log1p(p.x));
  for (let i = 1; i < t.length - 1; i++) assert.ok(Math.abs(t[i]! - t[i - 1]! - Math.log1p(10) / 16) < 1e-9);
});
