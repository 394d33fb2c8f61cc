// Transfer curves: the rate of each eval class against gradient steps, training samples seen and lr × steps,
// one line per (family, LR), with the seeds as a band (their min..max) around the mean.

import type { CheckpointRates } from './rates.js';
import { EVAL_CLASSES, groupKey, type CellInfo, type EvalClass } from './types.js';

export interface CurvePoint {
  /** Curve key: family and LR, e.g. "full lr=1e-3". */
  group: string;
  family: string;
  lr: number;
  cls: EvalClass;
  step: number;
  /** step × batch size. */
  samplesSeen: number;
  /** lr × step: curves at different LRs coincide on this axis if only their product matters. */
  lrSteps: number;
  /** Mean over seeds of the per-seed rate. */
  mean: number;
  /** Lowest and highest per-seed rate (the band). With one seed: its 95% rate interval instead (intervals.ts). */
  lo: number;
  hi: number;
  nSeeds: number;
}

/** One point per (group, class, step). Cells without CellInfo are skipped. Sorted by group, class, step. */
export function transferCurves(rates: readonly CheckpointRates[], cells: readonly CellInfo[]): CurvePoint[] {
  const info = new Map(cells.map((c) => [c.cellId, c]));
  const acc = new Map<string, { cell: CellInfo; cls: EvalClass; step: number; rows: CheckpointRates[] }>();
  for (const r of rates) {
    const cell = info.get(r.cellId);
    if (cell === undefined) continue;
    for (const cls of EVAL_CLASSES) {
      if (r.eval[cls].n === 0) continue;
      const key = `${groupKey(cell)}\u0000${cls}\u0000${r.step}`;
      let a = acc.get(key);
      if (a === undefined) acc.set(key, (a = { cell, cls, step: r.step, rows: [] }));
      a.rows.push(r);
    }
  }
  const out: CurvePoint[] = [];
  for (const { cell, cls, step, rows } of acc.values()) {
    const vals = rows.map((r) => r.eval[cls].rate);
    const mean = vals.reduce((s, v) => s + v, 0) / vals.length;
    const single = rows.length === 1 ? rows[0]!.eval[cls] : undefined;
    out.push({
      group: groupKey(cell),
      family: cell.family,
      lr: cell.lr,
      cls,
      step,
      samplesSeen: step * cell.batchSize,
      lrSteps: cell.lr * step,
      mean,
      lo: single?.lo ?? Math.min(...vals),
      hi: single?.hi ?? Math.max(...vals),
      nSeeds: rows.length,
    });
  }
  return out.sort((a, b) =>
    a.group !== b.group ? (a.family !== b.family ? cmp(a.family, b.family) : a.lr - b.lr) : a.cls !== b.cls ? cmp(a.cls, b.cls) : a.step - b.step,
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
