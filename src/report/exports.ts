// Flat rows of a sweep for `bct export` (CSV, JSONL, pandas): every table starts with the same columns
// (sweep_id, sweep, cell_id, cell, method, lora_rank, lr, seed, batch_size), so tables join on
// (sweep_id, cell_id, step); rows come sorted by cell id and step as numbers; rates and their bounds are
// rounded to 6 decimals (a Wilson bound of 3.5e-18 is 0).

import { cellInstability, DEFAULT_BROKEN, metricsTable, type BrokenThresholds } from '../analysis/index.js';
import { listCells, sweepAnswers, sweepMetricValues, sweepTrainLog, type Db } from '../store/index.js';
import { findSweep, sweepCapability, sweepCells, sweepSamples, type CellRow } from './record.js';

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

/** The common columns of each cell of a sweep, by cell id. */
function columnsByCell(db: Db, sweepId: number): Map<number, ExportRow> {
  const sweep = findSweep(db, sweepId);
  return new Map(sweepCells(db, sweepId).map((c) => [c.id, cellColumns(sweep, c)]));
}

/** Every optimizer step of every cell of a sweep (`bct export --table train_log`): loss, gradient norm (null
 *  when the backend did not report it), tokens and latency, with the common cell columns; then the cell's
 *  instability at the default factor (src/analysis/instability.ts): its early loss, this step's loss over
 *  it, and whether (1) and from which step the cell is unstable, the same on every row of the cell. */
export function trainLogRows(db: Db, sweepId: number): ExportRow[] {
  const cells = columnsByCell(db, sweepId);
  const log = sweepTrainLog(db, sweepId);
  const instability = new Map(cellInstability(log.map((r) => ({ cellId: String(r.cellId), step: r.step, loss: r.loss }))).map((c) => [Number(c.cellId), c]));
  return log.map((r) => {
    const c = instability.get(r.cellId)!;
    return {
      ...cells.get(r.cellId)!,
      step: r.step,
      loss: r.loss,
      grad_norm: r.gradNorm,
      tokens: r.tokens,
      latency_ms: Math.round(r.latencyMs * 1000) / 1000,
      early_loss: c.earlyLoss,
      loss_vs_early: c.earlyLoss > 0 ? round6(r.loss / c.earlyLoss) : null,
      unstable: c.unstable ? 1 : 0,
      unstable_from: c.from,
    };
  });
}

/** Every graded eval and train answer of a sweep (`--table grades`): the answer, its label by the sweep's
 *  own grader, the score and the grader's reason, with the common cell columns. */
export function sweepGradeRows(db: Db, sweepId: number): ExportRow[] {
  const cells = columnsByCell(db, sweepId);
  return sweepAnswers(db, sweepId).map((a) => ({
    ...cells.get(a.cellId)!,
    step: a.step,
    examples_seen: a.examplesSeen,
    split: a.split,
    prompt_id: a.promptId,
    sample_index: a.sampleIndex,
    sample_id: a.sampleId,
    completion: a.completion,
    label: a.label,
    score: a.score,
    reason: a.reason,
  }));
}

/** One row per cell of a sweep (`--table cells`): the common columns, then steps, status and training key. */
export function sweepCellRows(db: Db, sweepId: number): ExportRow[] {
  const cells = columnsByCell(db, sweepId);
  return listCells(db, sweepId).map((c) => ({ ...cells.get(c.id)!, steps: c.steps, status: c.status, train_key: c.train_key }));
}

/** One row per capability metric per checkpoint (`--table capability`), with the common cell columns;
 *  `higher_is_better` is 1 or 0. */
export function sweepCapabilityRows(db: Db, sweepId: number): ExportRow[] {
  const cells = columnsByCell(db, sweepId);
  return sweepMetricValues(db, sweepId).map((m) => ({
    ...cells.get(m.cellId)!,
    step: m.step,
    metric: m.name,
    value: m.value,
    n: m.n,
    higher_is_better: m.higherIsBetter ? 1 : 0,
  }));
}
