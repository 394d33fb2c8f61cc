// Training signals next to transfer: the training loss and the gradient norm per cell against steps
// (log y), on the sweep's step axis, one panel per method. A remote backend may not report the gradient
// norm (NULL in the record): those steps are left out and the chart says so.

import type { TopLevelSpec } from 'vega-lite';
import { formatLr, groupKey, type CellInfo } from '../analysis/index.js';
import { colorByLr, dashBy, digits4, facetColumns, seriesStyle, stepScale, VL_SCHEMA, xOn, type SeriesStyle, type StepScale } from './plots.js';
import type { TrainLogPoint } from './record.js';

export type TrainSignal = 'loss' | 'gradNorm';

const SIGNAL_TITLE: Record<TrainSignal, string> = {
  loss: 'training loss (nats per answer token)',
  gradNorm: 'gradient norm (L2, before the update)',
};

// Short enough to fit beside a 180-pixel-high panel: a longer rotated title pushes the chart's title up.
const AXIS_TITLE: Record<TrainSignal, string> = { loss: 'loss (nats/token, log)', gradNorm: 'gradient norm (log)' };

/** How many points of the series a log axis can show: values ≤ 0 (or missing) cannot be drawn. */
export function drawable(points: readonly TrainLogPoint[], signal: TrainSignal): { shown: TrainLogPoint[]; missing: number } {
  const shown = points.filter((p) => {
    const v = p[signal];
    return v !== null && v > 0 && Number.isFinite(v);
  });
  return { shown, missing: points.length - shown.length };
}

export function trainLayers(points: readonly TrainLogPoint[], cells: readonly CellInfo[], signal: TrainSignal, o: { style?: SeriesStyle; scale?: StepScale } = {}) {
  const info = new Map(cells.map((c) => [c.cellId, c]));
  const style = o.style ?? seriesStyle(cells);
  const values = drawable(points, signal).shown.flatMap((p) => {
    const c = info.get(p.cellId);
    return c === undefined ? [] : [{ step: digits4(p.step), value: digits4(p[signal]!), cell: `${groupKey(c)} seed ${c.seed}`, family: c.family, lrLabel: formatLr(c.lr) }];
  });
  const x = xOn(o.scale ?? stepScale(values.map((v) => v.step)), 'gradient steps (symlog)', 'step');
  const layer = [
    {
      name: `${signal}_lines`,
      mark: { type: 'line', strokeWidth: 1.4, opacity: 0.85 },
      encoding: {
        x,
        y: { field: 'value', type: 'quantitative', title: AXIS_TITLE[signal], scale: { type: 'log' }, axis: { format: '.1~e' } },
        color: colorByLr(style),
        strokeDash: dashBy(style.families),
        detail: { field: 'cell' },
        tooltip: [{ field: 'cell' }, { field: 'step', format: '.0f' }, { field: 'value', title: signal === 'loss' ? 'loss' : 'gradient norm', format: '.3~e' }],
      },
    },
  ];
  return { data: { values }, layer, style, families: [...new Set(values.map((v) => v.family))] };
}

/** Training loss or gradient norm per cell against steps, log y, one panel per method. */
export function trainLogSpec(
  points: readonly TrainLogPoint[],
  cells: readonly CellInfo[],
  signal: TrainSignal,
  o: { style?: SeriesStyle; scale?: StepScale; width?: number; height?: number } = {},
): TopLevelSpec {
  const { data, layer, style, families } = trainLayers(points, cells, signal, o);
  const { missing } = drawable(points, signal);
  const note = missing === 0 ? 'one line per seed' : `one line per seed · ${missing} of ${points.length} points not shown (${signal === 'gradNorm' ? 'not reported by the backend, or ' : ''}≤ 0 on a log axis)`;
  const panels = style.families.filter((f) => families.includes(f));
  return {
    $schema: VL_SCHEMA,
    title: { text: SIGNAL_TITLE[signal], subtitle: note },
    ...facetColumns({ data, layer }, 'family', panels, panels.length > 1 ? 300 : 380, 200),
  } as TopLevelSpec;
}
