// The one chart path of the report and the viewer: Vega-Lite specs, compiled to Vega here. The report
// renders them to SVG in Node (a headless vega.View with renderer 'none', no canvas); the viewer's page
// draws the same compiled specs with vega in the browser. Every chart of a sweep takes its colours and
// dashes from one SeriesStyle, so a series looks the same on every chart and on both surfaces: colour by
// LR (viridis, ordered, perceptually even), dash and marker by method (full, LoRA rank).
//
// x axes over steps are symlog so that step 0 is shown, with 1-3-10 ticks, and share one StepScale per
// sweep, so transfer, capability and training panels line up step for step.

import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { formatLr } from '../analysis/index.js';

/** Renders a Vega-Lite spec to an SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The Vega spec a Vega-Lite spec compiles to: what the viewer's page draws. */
export function compileSpec(spec: TopLevelSpec): vega.Spec {
  return vl.compile(spec).spec;
}

export const VL_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** The series of a sweep (or of several compared): which LRs and methods exist, in order. */
export interface SeriesStyle {
  /** LRs ascending. */
  lrs: number[];
  /** Methods (families) in display order: full first, then LoRA ranks ascending, then the rest. */
  families: string[];
}

export function seriesStyle(cells: readonly { lr: number; family: string }[]): SeriesStyle {
  const rank = (f: string): number => (f === 'full' ? -1 : Number(/^lora r=(\d+)/.exec(f)?.[1] ?? Infinity));
  return {
    lrs: [...new Set(cells.map((c) => c.lr))].sort((a, b) => a - b),
    families: [...new Set(cells.map((c) => c.family))].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0)),
  };
}

/**
 * One colour per LR: viridis sampled evenly from dark purple to green, ordered like the LRs. The light
 * yellow end of viridis is left out: it does not show on white.
 */
export function lrColors(lrs: readonly number[]): string[] {
  const ramp = vega.scheme('viridis') as (t: number) => string;
  return lrs.map((_, i) => toHex(ramp(lrs.length === 1 ? 0.45 : (0.82 * i) / (lrs.length - 1))));
}

function toHex(rgb: string): string {
  const m = /rgb\((\d+), ?(\d+), ?(\d+)\)/.exec(rgb);
  if (m === null) return rgb;
  return `#${[m[1], m[2], m[3]].map((v) => Number(v).toString(16).padStart(2, '0')).join('')}`;
}

const DASHES: number[][] = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4]];
const SHAPES = ['circle', 'square', 'triangle-up', 'diamond', 'cross'];

/** Colour encoding by LR (field `lrLabel`). */
export function colorByLr(style: SeriesStyle) {
  const domain = style.lrs.map(formatLr);
  // Full opacity in the legend: a chart's bands and thin seed lines would otherwise lend it theirs.
  return { field: 'lrLabel', type: 'ordinal' as const, title: 'LR', sort: domain, scale: { domain, range: lrColors(style.lrs) }, legend: { symbolOpacity: 1 } };
}

/** Dash encoding by method (field `family`), or by any other field with its own domain (compare: by sweep). */
export function dashBy(domain: readonly string[], field = 'family', title = 'method') {
  return { field, type: 'nominal' as const, title, sort: [...domain], scale: { domain: [...domain], range: domain.map((_, i) => DASHES[i % DASHES.length]!) } };
}

/** Marker encoding by method, matching dashBy. */
export function shapeBy(domain: readonly string[], field = 'family', title = 'method') {
  return { field, type: 'nominal' as const, title, sort: [...domain], scale: { domain: [...domain], range: domain.map((_, i) => SHAPES[i % SHAPES.length]!) } };
}

/** A symlog step axis shared by every step chart of a sweep. */
export interface StepScale {
  /** Symlog's linear zone ends here: the smallest positive checkpoint keeps step 0 visible without squashing. */
  constant: number;
  max: number;
  ticks: number[];
}

export function stepScale(xs: readonly number[]): StepScale {
  const pos = xs.filter((x) => x > 0);
  const max = pos.length === 0 ? 1 : Math.max(...pos);
  return { constant: pos.length === 0 ? 1 : Math.min(...pos), max, ticks: logTicks(pos, max) };
}

/** Tick values 0, then 1-3-10 per decade from the smallest positive x to the largest: symlog's own ticks are
 *  sparse at the low end, where the early checkpoints are. */
function logTicks(pos: readonly number[], max: number): number[] {
  if (pos.length === 0) return [0];
  const lo = Math.floor(Math.log10(Math.min(...pos)));
  const out = [0];
  for (let e = lo; 10 ** e <= max * 1.0001; e++) for (const m of [1, 3]) if (m * 10 ** e <= max * 1.0001) out.push(Number((m * 10 ** e).toPrecision(3)));
  return out;
}

/** An x encoding on a StepScale. */
export function xOn(scale: StepScale, title: string, field = 'x') {
  return {
    field,
    type: 'quantitative' as const,
    title,
    scale: { type: 'symlog' as const, constant: scale.constant, domain: [0, scale.max], nice: false },
    axis: { values: scale.ticks, format: '~r' },
  };
}

/** A plotted value to 4 significant digits: charts carry thousands of points into the page, and a pixel
 *  cannot show more. */
export const digits4 = (x: number): number => (Number.isFinite(x) ? Number(x.toPrecision(4)) : x);

/** Points drawn between two checkpoints so that the plotted line is linear in steps, as the crossing is. */
const SEGMENT_POINTS = 16;

/**
 * One series' checkpoints (sorted by x) with points inserted between each pair: evenly spaced on the symlog
 * axis, values linear in x. x is steps, or a fixed multiple of steps within a series (samples seen, lr ×
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
 * A horizontal reference line at `y` (one per facet: the rows are first reduced to one per `groupby`), with
 * its meaning written beside it. Named `name`, so the SVG holds it as `<g class="... name_marks">`.
 */
export function ruleLayer(y: number, text: string, name: string, groupby: string[] = [], color = '#666') {
  return [
    {
      name,
      transform: [{ aggregate: [{ op: 'count' as const, as: 'rows' }], groupby }],
      mark: { type: 'rule' as const, strokeDash: [4, 4], color, strokeWidth: 1.2 },
      encoding: { y: { datum: y } },
    },
    {
      transform: [{ aggregate: [{ op: 'count' as const, as: 'rows' }], groupby }],
      mark: { type: 'text' as const, align: 'right' as const, baseline: 'bottom' as const, dy: -2, fontSize: 10, color, x: 'width' as const },
      encoding: { y: { datum: y }, text: { value: text } },
    },
  ];
}

/** Lays a chart out as small multiples, one column per value of `field` (only when it has several values). */
export function facetColumns(spec: Record<string, unknown>, field: string, values: readonly string[], width: number, height: number): Record<string, unknown> {
  const { data, layer, ...rest } = spec as { data: unknown; layer: unknown[] };
  if (values.length <= 1) return { ...rest, data, width, height, layer };
  return { ...rest, data, facet: { column: { field, type: 'nominal', title: null, sort: [...values], header: { labelFontSize: 12, labelFontWeight: 'bold' } } }, spec: { width, height, layer } };
}

/** The theory plot: P(initial) against steps per LR, closed form as lines and SGD simulation as points. */
export function theorySpec(
  closed: readonly { lr: number; step: number; rate: number }[],
  simulated: readonly { lr: number; step: number; rate: number }[],
): TopLevelSpec {
  const style = seriesStyle(closed.map((c) => ({ lr: c.lr, family: 'linear model' })));
  const lab = (r: { lr: number; step: number; rate: number }, source: string) => ({ ...r, lrLabel: formatLr(r.lr), source });
  const x = xOn(stepScale(closed.map((c) => c.step)), 'gradient steps (symlog: step 0 shown)', 'step');
  const color = colorByLr(style);
  return {
    $schema: VL_SCHEMA,
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
      { data: { values: [{}] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { y: { datum: 0.5 } } },
    ],
  } as TopLevelSpec;
}
