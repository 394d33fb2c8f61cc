// Flat rows of a sweep for `bct export` (CSV, JSONL, pandas): every table starts with the same columns
// (sweep_id, sweep, cell_id, cell, method, lora_rank, lr, seed, batch_size), so tables join on
// (sweep_id, cell_id, step); rows come sorted by cell id and step as numbers; rates and their bounds are
// rounded to 6 decimals (a Wilson bound of 3.5e-18 is 0).

import { DEFAULT_BROKEN, metricsTable, type BrokenThresholds } from '../analysis/index.js';
import type { Db } from '../store/index.js';
import { findSweep, sweepCapability, sweepCells, sweepSamples, trainLogSteps, type CellRow } from './record.js';

export type ExportRow = Record<string, string | number | null>;

/** The columns every exported table starts with, for one cell of a sweep. */
export function cellColumns(sweep: { id: number; name: string }, c: Pick<CellRow, 'id' | 'name' | 'loraRank' | 'lr' | 'seed' | 'batchSize'>): ExportRow {
  const lora = c.loraRank !== null && c.loraRank > 0;
  return {
    sweep_id: sweep.id,
    sweep: sweep.name,
    cell_id: c.id,
    cell: c.name,
    method: lora ? 'lora' : 'full',
    lora_rank: lora ? c.loraRank : 0,
    lr: c.lr,
    seed: c.seed,
    batch_size: c.batchSize,
  };
}

/** A rate, bound or loss rounded to 6 decimals; NaN and ±Infinity become null. */
export function round6(x: number | null): number | null {
  if (x === null || !Number.isFinite(x)) return null;
  const r = Math.round(x * 1e6) / 1e6;
  return Object.is(r, -0) ? 0 : r;
}

/** The per-checkpoint metrics table of a sweep (src/analysis metricsTable) with the common cell columns. */
export function sweepMetricsRows(db: Db, sweepId: number, broken: BrokenThresholds = DEFAULT_BROKEN): ExportRow[] {
  const sweep = findSweep(db, sweepId);
  const cells = sweepCells(db, sweepId);
  const byId = new Map(cells.map((c) => [c.cellId, c]));
  const rows = metricsTable(sweepSamples(db, sweepId), cells, sweepCapability(db, sweepId), broken);
  const keep = new Set(['family', 'step', 'samples_seen', 'eval_n', 'eval_errors', 'train_n', 'train_errors', 'interval']);
  return rows
    .map((r) => {
      const c = byId.get(r.cell_id)!;
      const rest = Object.entries(r).filter(([k]) => !['cell_id', 'lr', 'seed', 'batch_size'].includes(k));
      return {
        ...cellColumns(sweep, c),
        ...Object.fromEntries(
          rest.map(([k, v]) => [k, typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'number' ? (keep.has(k) ? v : round6(v)) : (v as string | null)]),
        ),
      } as ExportRow;
    })
    .sort((a, b) => (a['cell_id'] as number) - (b['cell_id'] as number) || (a['step'] as number) - (b['step'] as number));
}

/** Every optimizer step of every cell of a sweep (`bct export --table train_log`): loss, gradient norm (null
 *  when the backend did not report it), tokens and latency, with the common cell columns. */
export function trainLogRows(db: Db, sweepId: number): ExportRow[] {
  const sweep = findSweep(db, sweepId);
  const cells = new Map(sweepCells(db, sweepId).map((c) => [c.id, c]));
  const rows = trainLogSteps(db, sweepId);
  return rows.map((r) => ({
    ...cellColumns(sweep, cells.get(r.cellId)!),
    step: r.step,
    loss: r.loss,
    grad_norm: r.gradNorm,
    tokens: r.tokens,
    latency_ms: Math.round(r.latencyMs * 1000) / 1000,
  }));
}
