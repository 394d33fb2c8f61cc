// The per-checkpoint metrics table that `bct export --metrics` writes, as CSV or JSONL, for notebooks:
// one row per (cell, checkpoint) with every rate, its interval, the grading errors left out of them, the
// capability loss with its interval, the broken flag, and the spread of the alternate onto capability
// prompts with its interval.

import { brokenPredicate, capabilityLoss, DEFAULT_BROKEN, type BrokenThresholds, type CapabilityLoss } from './capability.js';
import { checkpointRates, type CheckpointRates } from './rates.js';
import { spreadRates, type SpreadRate } from './spread.js';
import type { CapabilityScore, CellInfo, GradedSample } from './types.js';

/** One row of the metrics table. Field order is the CSV column order; changing it changes the format. */
export interface MetricsRow {
  cell_id: string;
  family: string;
  lr: number;
  seed: number;
  batch_size: number;
  step: number;
  samples_seen: number;
  /** Graded eval answers (grading errors excluded). */
  eval_n: number;
  /** Eval answers whose grading failed: in no rate. */
  eval_errors: number;
  initial: number;
  initial_lo: number;
  initial_hi: number;
  alternate: number;
  alternate_lo: number;
  alternate_hi: number;
  other: number;
  other_lo: number;
  other_hi: number;
  train_n: number;
  train_errors: number;
  compatible: number;
  compatible_lo: number;
  compatible_hi: number;
  /** 'wilson' (one answer per prompt) or 'wilson-clustered' (several; src/analysis/intervals.ts). */
  interval: string;
  /** Worst relative capability loss against step 0 and its 95% interval; null without capability data. */
  capability_loss: number | null;
  capability_loss_lo: number | null;
  capability_loss_hi: number | null;
  /** Credibly broken: the 95% lower end of the other rate or of the capability loss (or, when the rule
   *  counts it, of the spread) at or above its threshold. */
  broken: boolean;
  /** Share of the counted capability answers that show the alternate (src/analysis/spread.ts) and its 95%
   *  interval; null without spread data. After `broken`, so that the earlier columns keep their places. */
  spread: number | null;
  spread_lo: number | null;
  spread_hi: number | null;
}

export function metricsTable(
  samples: readonly GradedSample[],
  cells: readonly CellInfo[],
  capability: readonly CapabilityScore[] = [],
  thresholds: BrokenThresholds = DEFAULT_BROKEN,
): MetricsRow[] {
  const rates = checkpointRates(samples, cells);
  const losses = capabilityLoss(capability, thresholds.evals);
  const spread = spreadRates(capability);
  return metricsFromRates(rates, cells, losses, brokenPredicate(rates, losses, thresholds, spread), spread);
}

/** The same table from rates and capability losses already computed. */
export function metricsFromRates(
  rates: readonly CheckpointRates[],
  cells: readonly CellInfo[],
  losses: readonly CapabilityLoss[],
  broken: (cellId: string, step: number) => boolean,
  spread: readonly SpreadRate[] = [],
): MetricsRow[] {
  const info = new Map(cells.map((c) => [c.cellId, c]));
  const lossOf = new Map(losses.map((l) => [`${l.cellId}@${l.step}`, l]));
  const spreadOf = new Map(spread.map((r) => [`${r.cellId}@${r.step}`, r.rate]));
  return rates.map((r) => {
    const c = info.get(r.cellId);
    const e = r.eval;
    const loss = lossOf.get(`${r.cellId}@${r.step}`);
    const sp = spreadOf.get(`${r.cellId}@${r.step}`);
    const finite = (x: number | undefined): number | null => (x === undefined || Number.isNaN(x) ? null : x);
    return {
      cell_id: r.cellId,
      family: c?.family ?? '',
      lr: c?.lr ?? NaN,
      seed: c?.seed ?? NaN,
      batch_size: c?.batchSize ?? NaN,
      step: r.step,
      samples_seen: r.samplesSeen,
      eval_n: e.initial.n,
      eval_errors: r.errors.eval,
      initial: e.initial.rate,
      initial_lo: e.initial.lo,
      initial_hi: e.initial.hi,
      alternate: e.alternate.rate,
      alternate_lo: e.alternate.lo,
      alternate_hi: e.alternate.hi,
      other: e.other.rate,
      other_lo: e.other.lo,
      other_hi: e.other.hi,
      train_n: r.compatible.n,
      train_errors: r.errors.train,
      compatible: r.compatible.rate,
      compatible_lo: r.compatible.lo,
      compatible_hi: r.compatible.hi,
      interval: r.interval,
      capability_loss: finite(loss?.loss),
      capability_loss_lo: finite(loss?.lo),
      capability_loss_hi: finite(loss?.hi),
      broken: broken(r.cellId, r.step),
      spread: finite(sp?.rate),
      spread_lo: finite(sp?.lo),
      spread_hi: finite(sp?.hi),
    };
  });
}

/** CSV with a header; NaN and null become empty fields, strings are quoted when they need it. */
export function metricsCsv(rows: readonly MetricsRow[]): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]!) as (keyof MetricsRow)[];
  const cell = (v: MetricsRow[keyof MetricsRow]): string => {
    if (v === null || (typeof v === 'number' && Number.isNaN(v))) return '';
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

/** One JSON object per line; NaN becomes null (JSON has no NaN). */
export function metricsJsonl(rows: readonly MetricsRow[]): string {
  return rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))).join('\n') + (rows.length ? '\n' : '');
}
