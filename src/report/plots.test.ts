import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstCrossing, type CurvePoint } from '../analysis/index.js';
import { tempDir } from '../../test/temp-dir.js';
import { analyzeSweep } from './analyze.js';
import { sweepCharts } from './charts.js';
import { buildFixtureRecord, DEMO_FIXTURE } from './fixture.js';
import { linearInSteps, lrColors, seriesStyle } from './plots.js';
import { brokenKey, curveSpec } from './transfer-plots.js';

const pt = (step: number, mean: number, family = 'full', lr = 1e-3): CurvePoint => ({
  group: `${family} lr=${lr === 1e-3 ? '1e-3' : '1e-4'}`, family, lr, cls: 'initial', step, samplesSeen: 4 * step, lrSteps: lr * step, mean, lo: mean - 0.1, hi: mean + 0.1, nSeeds: 1,
});

interface Layer {
  name?: string;
  mark: { type: string; filled?: boolean };
  encoding: Record<string, { datum?: number; field?: string; legend?: unknown; scale?: { domain?: unknown[]; range?: unknown[] } }>;
}
type Spec = { data: { values: { x: number; mean: number; checkpoint: boolean; kind: string; broken?: boolean }[] }; layer: Layer[]; spec?: { layer: Layer[] }; facet?: unknown };

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
  const spec = curveSpec(points, 'initial', 'step', { threshold: 0.5 }) as unknown as Spec;
  const line = spec.data.values.filter((v) => v.kind === 'mean');
  assert.ok(Math.abs(drawnCrossing(line, 0.5, 2) - reported) < 0.01 * reported, `drawn at ${drawnCrossing(line, 0.5, 2)}`);
  // Dots only at the checkpoints.
  assert.deepEqual(line.filter((v) => v.checkpoint).map((v) => v.x), [0, 2, 6, 20]);
  // On the samples-seen axis (4 samples a step) the same crossing, 16 samples.
  const seen = (curveSpec(points, 'initial', 'samplesSeen') as unknown as Spec).data.values;
  assert.ok(Math.abs(drawnCrossing(seen, 0.5, 8) - 16) < 0.16);
});

test('the threshold line is drawn at the threshold given, and only when one is given', () => {
  const points = [pt(0, 1), pt(10, 0.2)];
  const rule = (s: Spec): number | undefined => s.layer.find((l) => l.name === 'threshold')?.encoding['y']?.datum;
  assert.equal(rule(curveSpec(points, 'initial', 'step', { threshold: 0.3 }) as unknown as Spec), 0.3);
  assert.equal(rule(curveSpec(points, 'alternate', 'step') as unknown as Spec), undefined);
});

test('every series layer keeps its legend, colour follows LR and dash and marker follow the method', () => {
  const points = [pt(0, 1), pt(10, 0.2), pt(0, 1, 'full', 1e-4), pt(10, 0.9, 'full', 1e-4), pt(0, 1, 'lora r=8'), pt(10, 0.5, 'lora r=8')];
  const spec = curveSpec(points, 'initial', 'step', { broken: new Set([brokenKey('full lr=1e-3', 10)]) }) as unknown as Spec;
  // Two methods: one panel each.
  assert.ok(spec.facet !== undefined && spec.spec !== undefined);
  const layers = spec.spec!.layer;
  for (const l of layers.filter((x) => x.encoding['color'] !== undefined)) {
    assert.equal(l.encoding['color']!.legend === null, false, `${l.name} drops the legend`);
    assert.deepEqual(l.encoding['color']!.scale!.domain, ['1e-4', '1e-3']);
  }
  assert.deepEqual(layers.find((l) => l.name === 'rate_mean_lines')!.encoding['strokeDash']!.scale!.domain, ['full', 'lora r=8']);
  assert.deepEqual(layers.find((l) => l.name === 'rate_checkpoints')!.encoding['shape']!.scale!.range, ['circle', 'square']);
  // Broken checkpoints are their own hollow layer.
  assert.equal(layers.find((l) => l.name === 'rate_broken_checkpoints')!.mark.filled, false);
  assert.deepEqual(spec.data.values.filter((v) => v.broken).map((v) => v.x), [10]);
  // Colours: one per LR, distinct, dark to light in LR order; methods sorted full first.
  const colors = lrColors([1e-4, 3e-4, 1e-3, 3e-3]);
  assert.equal(new Set(colors).size, 4);
  const lum = (hex: string): number => [1, 3, 5].reduce((s, i, k) => s + [0.2126, 0.7152, 0.0722][k]! * parseInt(hex.slice(i, i + 2), 16), 0);
  assert.ok(colors.every((c, i) => i === 0 || lum(c) > lum(colors[i - 1]!)), colors.join(' '));
  assert.deepEqual(seriesStyle([{ lr: 1, family: 'lora r=16' }, { lr: 1, family: 'full' }, { lr: 1, family: 'lora r=4' }]).families, ['full', 'lora r=4', 'lora r=16']);
});

test('a sweep gets one chart of each kind, all with the same colours for the same LR', () => {
  const dir = tempDir('bct-charts-');
  const { project } = buildFixtureRecord(dir, DEMO_FIXTURE);
  const a = analyzeSweep(project.db, undefined, { resamples: 20 });
  project.db.close();
  const charts = sweepCharts(a);
  assert.deepEqual(charts.map((c) => c.id), [
    'glance-full', 'glance-lora-r-8', 'initial-steps', 'alternate-heatmap', 'alternate-steps', 'other-steps', 'initial-samples', 'initial-lr-steps',
    'capability-loss', 'pareto', 'capability-metrics', 'train-loss', 'grad-norm',
  ]);
  // Every colour scale of every chart maps the same LRs to the same colours.
  const scales = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o['field'] === 'lrLabel' && o['scale'] !== undefined) scales.add(JSON.stringify(o['scale']));
      Object.values(o).forEach(walk);
    }
  };
  charts.filter((c) => c.id !== 'alternate-heatmap').forEach((c) => walk(c.spec));
  assert.equal(scales.size, 1, [...scales].join('\n'));
  assert.deepEqual(JSON.parse([...scales][0]!), { domain: ['1e-4', '3e-4', '1e-3', '3e-3'], range: lrColors([1e-4, 3e-4, 1e-3, 3e-3]) });
});

test('points between checkpoints are linear in x and even on the symlog axis', () => {
  const dense = linearInSteps([{ x: 0, mean: 1, lo: 0.9, hi: 1 }, { x: 10, mean: 0, lo: 0, hi: 0.1 }], 1);
  assert.equal(dense.length, 17);
  for (const p of dense) assert.ok(Math.abs(p.mean - (1 - p.x / 10)) < 1e-12 && Math.abs(p.lo - (0.9 - 0.09 * p.x)) < 1e-12);
  const t = dense.map((p) => Math.log1p(p.x));
  for (let i = 1; i < t.length - 1; i++) assert.ok(Math.abs(t[i]! - t[i - 1]! - Math.log1p(10) / 16) < 1e-9);
});
