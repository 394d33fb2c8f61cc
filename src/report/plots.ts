// Plots as SVG strings, rendered in Node: a Vega-Lite spec compiled to Vega and drawn by a headless
// vega.View (renderer 'none', so no canvas is needed). The same specs drive the viewer's interactive
// charts, where vega-embed is not available offline, so the viewer gets the SVG from the server too.

import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { CurvePoint, EvalClass, ParetoPoint, CapabilityLoss, CapabilityScore, CellInfo } from '../analysis/index.js';
import { formatLr, groupKey } from '../analysis/index.js';

/** Renders a Vega-Lite spec to an SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export type CurveAxis = 'step' | 'samplesSeen' | 'lrSteps';

const AXIS_TITLE: Record<CurveAxis, string> = {
  step: 'gradient steps (symlog: step 0 shown)',
  samplesSeen: 'training samples seen (symlog)',
  lrSteps: 'lr × steps (symlog)',
};

/** Symlog's linear zone ends at `constant`: the smallest positive x keeps step 0 visible without squashing. */
function symlogConstant(xs: readonly number[]): number {
  const pos = xs.filter((x) => x > 0);
  return pos.length === 0 ? 1 : Math.min(...pos);
}

/** Tick values 0, then 1-3-10 steps per decade from the smallest positive x to the largest: symlog's own ticks
 *  are sparse at the low end, where the early checkpoints are. */
function logTicks(xs: readonly number[]): number[] {
  const pos = xs.filter((x) => x > 0);
  if (pos.length === 0) return [0];
  const lo = Math.floor(Math.log10(Math.min(...pos)));
  const max = Math.max(...pos);
  const out = [0];
  for (let e = lo; 10 ** e <= max * 1.0001; e++) for (const m of [1, 3]) if (m * 10 ** e <= max * 1.0001) out.push(Number((m * 10 ** e).toPrecision(3)));
  return out;
}

/** Points drawn between two checkpoints so that the plotted line is linear in steps, as the crossing is. */
const SEGMENT_POINTS = 16;

/**
 * One group's checkpoints (sorted by x) with points inserted between each pair: evenly spaced on the symlog
 * axis, values linear in x. x is steps, or a fixed multiple of steps within a group (samples seen, lr ×
 * steps), so linear in x is linear in steps — the interpolation the crossing uses. Straight segments
 * between checkpoints on a symlog axis would be another curve and put the drawn crossing elsewhere.
 */
export function linearInSteps<T extends { x: number; mean: number; lo: number; hi: number }>(pts: readonly T[], constant: number): (T & { checkpoint: boolean })[] {
  const out: (T & { checkpoint: boolean })[] = [];
  const f = (x: number): number => Math.sign(x) * Math.log1p(Math.abs(x) / constant);
  const finv = (t: number): number => Math.sign(t) * constant * Math.expm1(Math.abs(t));
  pts.forEach((p, i) => {
    out.push({ ...p, checkpoint: true });
    const q = pts[i + 1];
    if (q === undefined || q.x === p.x) return;
    for (let j = 1; j < SEGMENT_POINTS; j++) {
      const x = finv(f(p.x) + ((f(q.x) - f(p.x)) * j) / SEGMENT_POINTS);
      const w = (x - p.x) / (q.x - p.x);
      const at = (a: number, b: number): number => a + w * (b - a);
      out.push({ ...p, x, mean: at(p.mean, q.mean), lo: at(p.lo, q.lo), hi: at(p.hi, q.hi), checkpoint: false });
    }
  });
  return out;
}

/**
 * Rate of one class against an x axis: one line per (family, LR), the seeds' range as a band, a dot per
 * checkpoint and the threshold as a dashed rule (default 0.5).
 */
export function curveSpec(
  points: readonly CurvePoint[],
  cls: EvalClass,
  axis: CurveAxis,
  opts: { width?: number; height?: number; title?: string; threshold?: number } = {},
): TopLevelSpec {
  const checkpoints = points
    .filter((p) => p.cls === cls)
    .map((p) => ({ x: p[axis], mean: p.mean, lo: p.lo, hi: p.hi, group: p.group, lr: p.lr, seeds: p.nSeeds, step: p.step }));
  const groups = [...new Set(checkpoints.map((v) => v.group))];
  const constant = symlogConstant(checkpoints.map((v) => v.x));
  const values = groups.flatMap((g) => linearInSteps(checkpoints.filter((v) => v.group === g).sort((a, b) => a.x - b.x), constant));
  const x = {
    field: 'x',
    type: 'quantitative' as const,
    title: AXIS_TITLE[axis],
    scale: { type: 'symlog' as const, constant },
    axis: { values: logTicks(checkpoints.map((v) => v.x)), format: '~r' },
  };
  const color = { field: 'group', type: 'nominal' as const, title: 'family, LR', sort: groups, scale: { scheme: 'viridis' } };
  const y = { field: 'mean', type: 'quantitative' as const, title: `${cls} rate`, scale: { domain: [0, 1] } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title ?? `${cls} rate on eval prompts`,
    width: opts.width ?? 360,
    height: opts.height ?? 260,
    data: { values },
    layer: [
      { mark: { type: 'area', opacity: 0.18 }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: { ...color, legend: null } } },
      { mark: { type: 'line' }, encoding: { x, y, color } },
      {
        transform: [{ filter: 'datum.checkpoint' }],
        mark: { type: 'point', filled: true },
        encoding: {
          x,
          y,
          color,
          tooltip: [{ field: 'group' }, { field: 'step' }, { field: 'mean', format: '.3f' }, { field: 'lo', format: '.3f' }, { field: 'hi', format: '.3f' }, { field: 'seeds' }],
        },
      },
      { mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { y: { datum: opts.threshold ?? 0.5 } } },
    ],
  } as TopLevelSpec;
}

/** Capability loss (worst loss against step 0, see src/analysis/capability.ts) against steps, one line per cell. */
export function capabilitySpec(losses: readonly CapabilityLoss[], cells: readonly CellInfo[], threshold: number): TopLevelSpec {
  const info = new Map(cells.map((c) => [c.cellId, c]));
  const values = losses.flatMap((l) => {
    const c = info.get(l.cellId);
    return c === undefined ? [] : [{ step: l.step, loss: l.loss, group: groupKey(c), cell: `${groupKey(c)} seed ${c.seed}` }];
  });
  const groups = [...new Set(cells.slice().sort((a, b) => a.lr - b.lr).map((c) => groupKey(c)))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'capability loss (worst over evaluations, vs step 0)',
    width: 360,
    height: 240,
    data: { values },
    layer: [
      {
        mark: { type: 'line', point: true, opacity: 0.8 },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'gradient steps (symlog)', scale: { type: 'symlog', constant: symlogConstant(values.map((v) => v.step)) }, axis: { values: logTicks(values.map((v) => v.step)), format: '~r' } },
          y: { field: 'loss', type: 'quantitative', title: 'capability loss' },
          color: { field: 'group', type: 'nominal', title: 'family, LR', sort: groups, scale: { scheme: 'viridis' } },
          detail: { field: 'cell' },
          tooltip: [{ field: 'cell' }, { field: 'step' }, { field: 'loss', format: '.3f' }],
        },
      },
      { mark: { type: 'rule', strokeDash: [4, 4], color: '#c33' }, encoding: { y: { datum: threshold } } },
    ],
  } as TopLevelSpec;
}

/** Each capability evaluation's raw value against steps (one panel per evaluation, own y scale). */
export function capabilityMetricsSpec(scores: readonly CapabilityScore[], cells: readonly CellInfo[]): TopLevelSpec {
  const info = new Map(cells.map((c) => [c.cellId, c]));
  const values = scores.flatMap((s) => {
    const c = info.get(s.cellId);
    return c === undefined ? [] : [{ step: s.step, value: s.value, metric: `${s.name} (${s.higherIsBetter ? 'higher' : 'lower'} is better)`, group: groupKey(c), cell: `${groupKey(c)} seed ${c.seed}` }];
  });
  const groups = [...new Set(cells.slice().sort((a, b) => a.lr - b.lr).map((c) => groupKey(c)))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'capability evaluations',
    data: { values },
    facet: { column: { field: 'metric', type: 'nominal', title: null } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 260,
      height: 200,
      mark: { type: 'line', point: true, opacity: 0.8 },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'gradient steps (symlog)', scale: { type: 'symlog', constant: symlogConstant(values.map((v) => v.step)) }, axis: { values: logTicks(values.map((v) => v.step)), format: '~r' } },
        y: { field: 'value', type: 'quantitative', title: 'value' },
        color: { field: 'group', type: 'nominal', title: 'family, LR', sort: groups, scale: { scheme: 'viridis' } },
        detail: { field: 'cell' },
        tooltip: [{ field: 'cell' }, { field: 'metric' }, { field: 'step' }, { field: 'value', format: '.4f' }],
      },
    },
  } as TopLevelSpec;
}

/** Transfer (alternate rate) against capability loss for every checkpoint; broken ones as crosses. */
export function paretoSpec(points: readonly ParetoPoint[]): TopLevelSpec {
  const values = points.map((p) => ({
    loss: Number.isNaN(p.capabilityLoss) ? 0 : p.capabilityLoss,
    alternate: p.alternate,
    group: p.group,
    lr: p.lr,
    step: p.step,
    state: p.broken ? 'broken' : p.onFront ? 'Pareto front' : 'dominated',
  }));
  const groups = [...new Set([...points].sort((a, b) => a.lr - b.lr).map((p) => p.group))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'transfer against capability loss (every checkpoint)',
    width: 360,
    height: 260,
    data: { values },
    mark: { type: 'point', filled: true, size: 60 },
    encoding: {
      x: { field: 'loss', type: 'quantitative', title: 'capability loss' },
      y: { field: 'alternate', type: 'quantitative', title: 'alternate rate on eval prompts', scale: { domain: [0, 1] } },
      color: { field: 'group', type: 'nominal', title: 'family, LR', sort: groups, scale: { scheme: 'viridis' } },
      shape: { field: 'state', type: 'nominal', title: 'checkpoint', scale: { domain: ['Pareto front', 'dominated', 'broken'], range: ['diamond', 'circle', 'cross'] } },
      tooltip: [{ field: 'group' }, { field: 'step' }, { field: 'alternate', format: '.3f' }, { field: 'loss', format: '.3f' }, { field: 'state' }],
    },
  } as TopLevelSpec;
}

/** The theory plot: P(initial) against steps per LR, closed form as lines and SGD simulation as points. */
export function theorySpec(
  closed: readonly { lr: number; step: number; rate: number }[],
  simulated: readonly { lr: number; step: number; rate: number }[],
): TopLevelSpec {
  const lrs = [...new Set(closed.map((c) => c.lr))].sort((a, b) => a - b).map(formatLr);
  const lab = (r: { lr: number; step: number; rate: number }, source: string) => ({ ...r, lrLabel: formatLr(r.lr), source });
  const x = {
    field: 'step',
    type: 'quantitative',
    title: 'gradient steps (symlog: step 0 shown)',
    scale: { type: 'symlog', constant: 1 },
    axis: { values: logTicks(closed.map((c) => c.step)), format: '~r' },
  };
  const color = { field: 'lrLabel', type: 'nominal', title: 'LR', sort: lrs, scale: { scheme: 'viridis' } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'linear model: P(initial behaviour) on eval inputs',
    width: 460,
    height: 280,
    layer: [
      {
        data: { values: closed.map((c) => lab(c, 'closed form')) },
        mark: { type: 'line' },
        encoding: { x, y: { field: 'rate', type: 'quantitative', title: 'P(initial)', scale: { domain: [0, 1] } }, color },
      },
      {
        data: { values: simulated.map((c) => lab(c, 'SGD simulation')) },
        mark: { type: 'point', shape: 'circle', size: 30 },
        encoding: { x, y: { field: 'rate', type: 'quantitative' }, color },
      },
      { mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { y: { datum: 0.5 } } },
    ],
  } as TopLevelSpec;
}
