// Capability charts on the sweep's step axis: the worst capability loss against step 0 per cell, each
// capability evaluation's raw value, and transfer against capability loss (Pareto). Same colours, dashes
// and hollow broken checkpoints as the transfer charts (plots.ts).

import type { TopLevelSpec } from 'vega-lite';
import { formatLr, groupKey, type CapabilityLoss, type CapabilityScore, type CellInfo, type ParetoPoint } from '../analysis/index.js';
import { colorByLr, dashBy, facetColumns, ruleLayer, seriesStyle, shapeBy, stepScale, VL_SCHEMA, xOn, type SeriesStyle, type StepScale } from './plots.js';

const STEP_TITLE = 'gradient steps (symlog)';

interface CellSeries {
  cell: string;
  family: string;
  lrLabel: string;
  seed: number;
}

function cellSeries(cells: readonly CellInfo[]): Map<string, CellSeries> {
  return new Map(cells.map((c) => [c.cellId, { cell: `${groupKey(c)} seed ${c.seed}`, family: c.family, lrLabel: formatLr(c.lr), seed: c.seed }]));
}

export interface CapabilityOptions {
  style?: SeriesStyle;
  scale?: StepScale;
  /** Cell checkpoints that are broken (`${cellId}@${step}`): drawn hollow. */
  broken?: ReadonlySet<string>;
  facet?: boolean;
  width?: number;
  height?: number;
}

/** The capability-loss chart as a layer spec (data + layers), before faceting. */
export function capabilityLayers(losses: readonly CapabilityLoss[], cells: readonly CellInfo[], threshold: number, o: CapabilityOptions = {}) {
  const info = cellSeries(cells);
  const values = losses.flatMap((l) => {
    const c = info.get(l.cellId);
    return c === undefined ? [] : [{ ...c, step: l.step, loss: l.loss, lo: l.lo, hi: l.hi, broken: o.broken?.has(`${l.cellId}@${l.step}`) ?? false }];
  });
  const style = o.style ?? seriesStyle(cells);
  const x = xOn(o.scale ?? stepScale(values.map((v) => v.step)), STEP_TITLE, 'step');
  const y = { field: 'loss', type: 'quantitative' as const, title: 'capability loss', axis: { format: '.0%' } };
  const color = colorByLr(style);
  const tooltip = [{ field: 'cell' }, { field: 'step' }, { field: 'loss', format: '.1%' }, { field: 'lo', title: '95% lo', format: '.1%' }, { field: 'hi', title: '95% hi', format: '.1%' }, { field: 'broken' }];
  const layer: Record<string, unknown>[] = [
    { name: 'cap_lines', mark: { type: 'line', strokeWidth: 1.5, opacity: 0.8 }, encoding: { x, y, color, strokeDash: dashBy(style.families), detail: { field: 'cell' } } },
    { name: 'cap_checkpoints', transform: [{ filter: '!datum.broken' }], mark: { type: 'point', filled: true, size: 30 }, encoding: { x, y, color, shape: shapeBy(style.families), tooltip } },
    { name: 'cap_broken_checkpoints', transform: [{ filter: 'datum.broken' }], mark: { type: 'point', filled: false, size: 48, strokeWidth: 1.8 }, encoding: { x, y, color, shape: shapeBy(style.families), tooltip } },
    ...ruleLayer(threshold, `broken from ${Number((100 * threshold).toPrecision(3))}% (95% lower end)`, 'broken_threshold', ['family'], '#b42318'),
  ];
  return { data: { values }, layer, style, families: [...new Set(values.map((v) => v.family))] };
}

/** Capability loss (worst over evaluations, against step 0; src/analysis/capability.ts) per cell against steps. */
export function capabilitySpec(losses: readonly CapabilityLoss[], cells: readonly CellInfo[], threshold: number, o: CapabilityOptions = {}): TopLevelSpec {
  const { data, layer, style, families } = capabilityLayers(losses, cells, threshold, o);
  const panels = o.facet === false ? [] : style.families.filter((f) => families.includes(f));
  return {
    $schema: VL_SCHEMA,
    title: { text: 'capability loss (worst evaluation, vs step 0)', subtitle: 'one line per seed · hollow: broken checkpoint · red: the broken threshold' },
    ...facetColumns({ data, layer }, 'family', panels, o.width ?? (panels.length > 1 ? 300 : 380), o.height ?? 220),
  } as TopLevelSpec;
}

/**
 * Each capability evaluation's raw value against steps, one panel per evaluation (own y scale), wrapped
 * into rows of `columns` panels so that the chart fits the page.
 */
export function capabilityMetricsSpec(scores: readonly CapabilityScore[], cells: readonly CellInfo[], o: { style?: SeriesStyle; scale?: StepScale; columns?: number } = {}): TopLevelSpec {
  const info = cellSeries(cells);
  const values = scores.flatMap((s) => {
    const c = info.get(s.cellId);
    return c === undefined ? [] : [{ ...c, step: s.step, value: s.value, metric: `${s.name} (${s.higherIsBetter ? 'higher' : 'lower'} is better)` }];
  });
  const style = o.style ?? seriesStyle(cells);
  const metrics = [...new Set(values.map((v) => v.metric))].sort();
  return {
    $schema: VL_SCHEMA,
    title: { text: 'capability evaluations', subtitle: 'one line per seed; each panel has its own y scale' },
    data: { values },
    facet: { field: 'metric', type: 'nominal', title: null, sort: metrics },
    // Four panels as 2 × 2 rather than 3 + 1; more wrap into rows of three.
    columns: o.columns ?? (metrics.length === 4 ? 2 : Math.max(1, Math.min(metrics.length, 3))),
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 240,
      height: 170,
      mark: { type: 'line', point: true, strokeWidth: 1.4, opacity: 0.85 },
      encoding: {
        x: xOn(o.scale ?? stepScale(values.map((v) => v.step)), STEP_TITLE, 'step'),
        y: { field: 'value', type: 'quantitative', title: 'value', scale: { zero: false } },
        color: colorByLr(style),
        strokeDash: dashBy(style.families),
        detail: { field: 'cell' },
        tooltip: [{ field: 'cell' }, { field: 'metric' }, { field: 'step' }, { field: 'value', format: '.4f' }],
      },
    },
  } as TopLevelSpec;
}

/** Transfer (alternate rate) against capability loss for every checkpoint; the Pareto front joined by a
 *  line; broken checkpoints hollow. */
export function paretoSpec(points: readonly ParetoPoint[], cells: readonly CellInfo[], o: { style?: SeriesStyle } = {}): TopLevelSpec {
  const info = cellSeries(cells);
  const values = points.flatMap((p) => {
    const c = info.get(p.cellId);
    return c === undefined ? [] : [{ ...c, loss: Number.isNaN(p.capabilityLoss) ? 0 : p.capabilityLoss, alternate: p.alternate, step: p.step, broken: p.broken, front: p.onFront }];
  });
  const style = o.style ?? seriesStyle(cells);
  const x = { field: 'loss', type: 'quantitative' as const, title: 'capability loss vs step 0', axis: { format: '.0%' } };
  const y = { field: 'alternate', type: 'quantitative' as const, title: 'alternate rate on eval prompts', scale: { domain: [0, 1] }, axis: { format: '.0%' } };
  const color = colorByLr(style);
  const shape = shapeBy(style.families);
  const tooltip = [{ field: 'cell' }, { field: 'step' }, { field: 'alternate', format: '.1%' }, { field: 'loss', format: '.1%' }, { field: 'broken' }, { field: 'front', title: 'on the front' }];
  return {
    $schema: VL_SCHEMA,
    title: { text: 'transfer against capability loss (every checkpoint)', subtitle: 'grey line: Pareto front · hollow: broken' },
    width: 380,
    height: 260,
    data: { values },
    layer: [
      { name: 'pareto_front', transform: [{ filter: 'datum.front' }], mark: { type: 'line', color: '#999', strokeWidth: 1, interpolate: 'step-after' }, encoding: { x, y, order: { field: 'loss' } } },
      { name: 'pareto_checkpoints', transform: [{ filter: '!datum.broken' }], mark: { type: 'point', filled: true, size: 44 }, encoding: { x, y, color, shape, tooltip } },
      { name: 'pareto_broken_checkpoints', transform: [{ filter: 'datum.broken' }], mark: { type: 'point', filled: false, size: 56, strokeWidth: 1.8 }, encoding: { x, y, color, shape, tooltip } },
    ],
  } as TopLevelSpec;
}
