// Transfer charts: a class's rate against steps (or samples seen, or lr × steps) per (method, LR), each
// seed's own line beside the seed mean, broken checkpoints hollow, the threshold line where it applies;
// the heat map of a class's rate over LR × step; the overlay of several sweeps.

import type { TopLevelSpec } from 'vega-lite';
import { formatLr, groupKey, type CurvePoint, type EvalClass } from '../analysis/index.js';
import { colorByLr, dashBy, digits4, facetColumns, linearInSteps, ruleLayer, seriesStyle, shapeBy, stepScale, VL_SCHEMA, xOn, type SeriesStyle, type StepScale } from './plots.js';

export type CurveAxis = 'step' | 'samplesSeen' | 'lrSteps';

const AXIS_TITLE: Record<CurveAxis, string> = {
  step: 'gradient steps (symlog: step 0 shown)',
  samplesSeen: 'training samples seen (symlog)',
  lrSteps: 'lr × steps (symlog)',
};

/** One seed's rate of one class at one checkpoint (the thin lines beside the seed mean). */
export interface SeedRate {
  cellId: string;
  family: string;
  lr: number;
  seed: number;
  cls: EvalClass;
  step: number;
  samplesSeen: number;
  lrSteps: number;
  rate: number;
}

/** A drawn row with its numbers cut to what a chart shows. */
function compact<T extends { x: number; mean: number; lo: number; hi: number }>(r: T): T {
  return { ...r, x: digits4(r.x), mean: digits4(r.mean), lo: digits4(r.lo), hi: digits4(r.hi) };
}

/** Key of a (series, step) in a `broken` set: the group (family and LR) and the step. */
export const brokenKey = (group: string, step: number): string => `${group}@${step}`;

export interface CurveOptions {
  title?: string;
  subtitle?: string;
  width?: number;
  height?: number;
  /** The sweep's series (colours and dashes); default: those in `points`. */
  style?: SeriesStyle;
  /** The sweep's step axis (only for axis 'step'); default: from `points`. */
  scale?: StepScale;
  /** Each seed's own rates, drawn thin beside the mean. */
  seeds?: readonly SeedRate[];
  /** Group steps that are broken (brokenKey): drawn hollow. */
  broken?: ReadonlySet<string>;
  /** Where the threshold applies (the initial rate of steps to transfer), the dashed line at it. */
  threshold?: number;
  /** One panel per method when there are several (default true). */
  facet?: boolean;
}

/** The curve chart of one class on one x axis, as a layer spec (data + layers), before faceting. */
export function curveLayers(points: readonly CurvePoint[], cls: EvalClass, axis: CurveAxis, o: CurveOptions = {}) {
  const style = o.style ?? seriesStyle(points);
  const own = points.filter((p) => p.cls === cls);
  const scale = axis === 'step' && o.scale !== undefined ? o.scale : stepScale(own.map((p) => p[axis]));
  const lrLabel = (lr: number): string => formatLr(lr);
  const checkpoints = own.map((p) => ({
    kind: 'mean',
    x: p[axis],
    mean: p.mean,
    lo: p.lo,
    hi: p.hi,
    group: p.group,
    family: p.family,
    lrLabel: lrLabel(p.lr),
    step: p.step,
    seeds: p.nSeeds,
    broken: o.broken?.has(brokenKey(p.group, p.step)) ?? false,
  }));
  const groups = [...new Set(checkpoints.map((v) => v.group))];
  const mean = groups.flatMap((g) => linearInSteps(checkpoints.filter((v) => v.group === g).sort((a, b) => a.x - b.x), scale.constant)).map(compact);
  const seedRows = (o.seeds ?? []).filter((s) => s.cls === cls);
  const cells = [...new Set(seedRows.map((s) => s.cellId))];
  const seeds = cells.flatMap((cell) =>
    linearInSteps(
      seedRows
        .filter((s) => s.cellId === cell)
        .map((s) => ({ kind: 'seed', x: s[axis], mean: s.rate, lo: s.rate, hi: s.rate, cell: `${groupKey(s)} seed ${s.seed}`, family: s.family, lrLabel: lrLabel(s.lr), step: s.step }))
        .sort((a, b) => a.x - b.x),
      scale.constant,
    ).map(compact),
  );
  const x = xOn(scale, AXIS_TITLE[axis]);
  const y = { field: 'mean', type: 'quantitative' as const, title: `${cls} rate`, scale: { domain: [0, 1] }, axis: { format: '.0%' } };
  const color = colorByLr(style);
  const dash = dashBy(style.families);
  const shape = shapeBy(style.families);
  const tooltip = [
    { field: 'family', title: 'method' },
    { field: 'lrLabel', title: 'LR' },
    { field: 'step' },
    { field: 'mean', title: `${cls} (seed mean)`, format: '.1%' },
    { field: 'seeds' },
    { field: 'broken' },
  ];
  const isMean = "datum.kind === 'mean'";
  const layer: Record<string, unknown>[] = [
    {
      name: 'rate_band',
      transform: [{ filter: `${isMean} && datum.seeds === 1` }],
      mark: { type: 'area', opacity: 0.15 },
      encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color, detail: { field: 'group' } },
    },
    {
      name: 'rate_seed_lines',
      transform: [{ filter: "datum.kind === 'seed'" }],
      mark: { type: 'line', strokeWidth: 1, opacity: 0.45 },
      encoding: { x, y, color, strokeDash: dash, detail: { field: 'cell' } },
    },
    { name: 'rate_mean_lines', transform: [{ filter: isMean }], mark: { type: 'line', strokeWidth: 2.4 }, encoding: { x, y, color, strokeDash: dash, detail: { field: 'group' } } },
    {
      name: 'rate_checkpoints',
      transform: [{ filter: `${isMean} && datum.checkpoint && !datum.broken` }],
      mark: { type: 'point', filled: true, size: 40, opacity: 1 },
      encoding: { x, y, color, shape, tooltip },
    },
    {
      name: 'rate_broken_checkpoints',
      transform: [{ filter: `${isMean} && datum.checkpoint && datum.broken` }],
      mark: { type: 'point', filled: false, size: 56, strokeWidth: 1.8, opacity: 1 },
      encoding: { x, y, color, shape, tooltip },
    },
  ];
  if (o.threshold !== undefined) layer.push(...ruleLayer(o.threshold, `threshold ${Number((100 * o.threshold).toPrecision(3))}%`, 'threshold', ['family']));
  return { data: { values: [...mean, ...seeds] }, layer, style, families: [...new Set(own.map((p) => p.family))] };
}

/**
 * Rate of one class against an x axis: one thick line per (method, LR) for the seed mean, a thin line per
 * seed, a dot per checkpoint (hollow where the group is broken), one panel per method, and the threshold
 * as a dashed line when given.
 */
export function curveSpec(points: readonly CurvePoint[], cls: EvalClass, axis: CurveAxis, o: CurveOptions = {}): TopLevelSpec {
  const { data, layer, style, families } = curveLayers(points, cls, axis, o);
  const panels = o.facet === false ? [] : style.families.filter((f) => families.includes(f));
  const seedsNote = (o.seeds ?? []).length > 0 ? 'thick: seed mean, thin: each seed' : 'band: 95% interval (one seed) or the seeds’ range';
  const subtitle = o.subtitle ?? [seedsNote, 'hollow: broken checkpoint', ...(o.threshold !== undefined ? ['dashed: threshold'] : [])].join(' · ');
  return {
    $schema: VL_SCHEMA,
    title: { text: o.title ?? `${cls} rate on eval prompts`, subtitle },
    ...facetColumns({ data, layer }, 'family', panels, o.width ?? (panels.length > 1 ? 300 : 380), o.height ?? 240),
  } as TopLevelSpec;
}

/** The mean rate of a class over LR × checkpoint as coloured cells with the value written in, one panel per
 *  method; broken cells outlined in red. */
export function heatmapSpec(points: readonly CurvePoint[], cls: EvalClass, o: { style?: SeriesStyle; broken?: ReadonlySet<string>; title?: string } = {}): TopLevelSpec {
  const style = o.style ?? seriesStyle(points);
  const own = points.filter((p) => p.cls === cls);
  const steps = [...new Set(own.map((p) => p.step))].sort((a, b) => a - b).map(String);
  const values = own.map((p) => ({
    family: p.family,
    lrLabel: formatLr(p.lr),
    step: String(p.step),
    mean: p.mean,
    broken: o.broken?.has(brokenKey(p.group, p.step)) ?? false,
  }));
  const families = style.families.filter((f) => own.some((p) => p.family === f));
  const lrs = [...style.lrs].reverse().map(formatLr);
  const x = { field: 'step', type: 'ordinal' as const, sort: steps, title: 'checkpoint (gradient steps)', axis: { labelAngle: 0 } };
  const y = { field: 'lrLabel', type: 'ordinal' as const, sort: lrs, title: 'LR' };
  const layer = [
    {
      name: 'heat_cells',
      mark: { type: 'rect' },
      encoding: {
        x,
        y,
        color: { field: 'mean', type: 'quantitative' as const, title: `${cls} rate`, scale: { domain: [0, 1], scheme: 'tealblues' }, legend: { format: '.0%' } },
        stroke: { condition: { test: 'datum.broken', value: '#b42318' }, value: null },
        strokeWidth: { condition: { test: 'datum.broken', value: 2.5 }, value: 0 },
        tooltip: [{ field: 'family', title: 'method' }, { field: 'lrLabel', title: 'LR' }, { field: 'step' }, { field: 'mean', format: '.1%' }, { field: 'broken' }],
      },
    },
    {
      mark: { type: 'text', fontSize: 10 },
      encoding: { x, y, text: { field: 'mean', format: '.0%' }, color: { condition: { test: 'datum.mean > 0.55', value: 'white' }, value: 'black' } },
    },
  ];
  return {
    $schema: VL_SCHEMA,
    title: { text: o.title ?? `${cls} rate over LR × step`, subtitle: 'seed mean at each checkpoint · red outline: broken' },
    ...facetColumns({ data: { values }, layer }, 'family', families, Math.max(160, 34 * steps.length), 26 * lrs.length),
  } as TopLevelSpec;
}

/** Several sweeps' curves of one class on one chart: colour by LR, dash and marker by sweep, one panel per method. */
export function compareSpec(sweeps: readonly { name: string; points: readonly CurvePoint[] }[], cls: EvalClass, threshold?: number): TopLevelSpec {
  const all = sweeps.flatMap((s) => s.points.filter((p) => p.cls === cls).map((p) => ({ ...p, sweep: s.name })));
  const style = seriesStyle(all);
  const scale = stepScale(all.map((p) => p.step));
  const names = sweeps.map((s) => s.name);
  const values = names.flatMap((sweep) => {
    const own = all.filter((p) => p.sweep === sweep);
    return [...new Set(own.map((p) => p.group))].flatMap((g) =>
      linearInSteps(
        own.filter((p) => p.group === g).map((p) => ({ x: p.step, mean: p.mean, lo: p.lo, hi: p.hi, sweep, series: `${sweep} ${g}`, family: p.family, lrLabel: formatLr(p.lr), step: p.step })),
        scale.constant,
      ),
    );
  });
  const x = xOn(scale, AXIS_TITLE.step);
  const y = { field: 'mean', type: 'quantitative' as const, title: `${cls} rate`, scale: { domain: [0, 1] }, axis: { format: '.0%' } };
  const color = colorByLr(style);
  const layer: Record<string, unknown>[] = [
    { name: 'compare_lines', mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color, strokeDash: dashBy(names, 'sweep', 'sweep'), detail: { field: 'series' } } },
    {
      name: 'compare_checkpoints',
      transform: [{ filter: 'datum.checkpoint' }],
      mark: { type: 'point', filled: true, size: 36 },
      encoding: { x, y, color, shape: shapeBy(names, 'sweep', 'sweep'), tooltip: [{ field: 'sweep' }, { field: 'family', title: 'method' }, { field: 'lrLabel', title: 'LR' }, { field: 'step' }, { field: 'mean', format: '.1%' }] },
    },
  ];
  if (threshold !== undefined) layer.push(...ruleLayer(threshold, `threshold ${Number((100 * threshold).toPrecision(3))}%`, 'threshold', ['family']));
  return {
    $schema: VL_SCHEMA,
    title: { text: `${cls} rate: ${names.join(' vs ')}`, subtitle: 'seed mean per (method, LR); line style and marker: sweep' },
    ...facetColumns({ data: { values }, layer }, 'family', style.families, style.families.length > 1 ? 300 : 420, 240),
  } as TopLevelSpec;
}
