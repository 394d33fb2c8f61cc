// Read-only queries over a sweep's record for the readers (report, viewer, `bct status`, `bct ls`,
// `bct export`): the sweeps with their cell counts, the pre-check of a sweep, each cell's grid point, the
// labels its own graders gave, its capability metrics and training log, and a mark that changes whenever
// the results do. Rows come back typed, with camelCase names; turning them into the analysis's inputs is
// src/report's (record.ts).
import type { Db } from './db.js';

/** A sweep as `bct ls sweeps` and the viewer's list show it. */
export interface SweepSummary {
  id: number;
  name: string;
  settingId: string;
  /** As recorded (`running`, `done`, `failed`, `stopped`); src/cli/sweep-state.ts tells an interrupted one. */
  status: string;
  createdAt: string;
  /** Cells of the sweep. */
  cells: number;
}

/** Every sweep of the record with its number of cells, by id. */
export function sweepSummaries(db: Db): SweepSummary[] {
  return db
    .prepare(
      `SELECT w.id, w.name, w.setting_id AS settingId, w.status, w.created_at AS createdAt,
              (SELECT COUNT(*) FROM cells c WHERE c.sweep_id = w.id) AS cells
       FROM sweeps w ORDER BY w.id`,
    )
    .all() as SweepSummary[];
}

/** The latest pre-check of a setting on an organism (`organismJson` exactly as `sweeps.organism_json`, which
 *  `checks.organism_json` is written to equal), or undefined when none is recorded. */
export function latestCheck(db: Db, settingHash: string, organismJson: string): { passed: boolean; resultJson: string } | undefined {
  const row = db
    .prepare(`SELECT passed, result_json FROM checks WHERE setting_hash = ? AND organism_json = ? ORDER BY created_at DESC LIMIT 1`)
    .get(settingHash, organismJson) as { passed: number; result_json: string } | undefined;
  return row === undefined ? undefined : { passed: row.passed === 1, resultJson: row.result_json };
}

/** A cell's grid point as recorded. */
export interface CellPoint {
  id: number;
  name: string;
  lr: number;
  seed: number;
  batchSize: number;
  steps: number;
  /** NULL (a full fine-tune) as null. */
  loraRank: number | null;
  /** The whole grid point (all axes) as JSON. */
  pointJson: string;
  status: string;
}

/** The cells of a sweep, ordered by LR, seed, then id. */
export function sweepCellPoints(db: Db, sweepId: number): CellPoint[] {
  return db
    .prepare(
      `SELECT id, name, lr, seed, batch_size AS batchSize, steps, lora_rank AS loraRank, point_json AS pointJson, status
       FROM cells WHERE sweep_id = ? ORDER BY lr, seed, id`,
    )
    .all(sweepId) as CellPoint[];
}

/** One label of a cell's eval or train answer by the sweep's own grader (the store's `sweep_grades` view). */
export interface GradeLabel {
  cellId: number;
  step: number;
  split: 'eval' | 'train';
  promptId: string;
  /** `initial`, `alternate`, `other`, `compatible`, `incompatible`, or `error` (grading failed). */
  label: string;
}

/** Every label of a sweep's eval and train answers (no texts). */
export function sweepGradeLabels(db: Db, sweepId: number): GradeLabel[] {
  return db.prepare(`SELECT cell_id AS cellId, step, split, prompt_id AS promptId, label FROM sweep_grades WHERE sweep_id = ?`).all(sweepId) as GradeLabel[];
}

/** One capability metric of a cell's checkpoint. */
export interface MetricValue {
  cellId: number;
  step: number;
  /** `nll:<eval>` or `acc:<eval>`. */
  name: string;
  value: number;
  n: number;
  higherIsBetter: boolean;
}

/** Every capability metric of a sweep's cells, ordered by cell id, step and metric name. */
export function sweepMetricValues(db: Db, sweepId: number): MetricValue[] {
  const rows = db
    .prepare(
      `SELECT c.id AS cellId, k.step, m.name, m.value, m.n, m.higher_is_better AS hib
       FROM cells c JOIN cell_metrics cm ON cm.cell_id = c.id
       JOIN checkpoints k ON k.id = cm.checkpoint_id JOIN metrics m ON m.id = cm.metric_id
       WHERE c.sweep_id = ? ORDER BY c.id, k.step, m.name`,
    )
    .all(sweepId) as (Omit<MetricValue, 'higherIsBetter'> & { hib: number })[];
  return rows.map(({ hib, ...r }) => ({ ...r, higherIsBetter: hib === 1 }));
}

/** Checkpoint steps of a cell, ascending. */
export function cellCheckpointSteps(db: Db, cellId: number): number[] {
  return db.prepare(`SELECT k.step FROM cells c JOIN checkpoints k ON k.train_key = c.train_key WHERE c.id = ? ORDER BY k.step`).pluck().all(cellId) as number[];
}

/** One optimizer step of a cell's training (`train_log`). */
export interface TrainLogStep {
  cellId: number;
  step: number;
  /** Mean cross-entropy of the batch, nats per answer token. */
  loss: number;
  /** Global gradient L2 norm before the update; null when the backend did not report it. */
  gradNorm: number | null;
  tokens: number;
  latencyMs: number;
}

/** Every optimizer step of every cell of a sweep, ordered by cell id and step. */
export function sweepTrainLog(db: Db, sweepId: number): TrainLogStep[] {
  return db
    .prepare(
      `SELECT c.id AS cellId, t.step, t.loss, t.grad_norm AS gradNorm, t.tokens, t.latency_ms AS latencyMs
       FROM cells c JOIN train_log t ON t.train_key = c.train_key WHERE c.sweep_id = ? ORDER BY c.id, t.step`,
    )
    .all(sweepId) as TrainLogStep[];
}

/**
 * A text that changes whenever a reader's view of the record may have: labels, metrics or a sweep's status
 * (row counts and the last label id: cheap, indexed). The viewer keeps an analysis while it is unchanged,
 * so a viewer open during `bct run` follows the run.
 */
export function resultsMark(db: Db): string {
  const mark = db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM grades) || ':' || (SELECT IFNULL(MAX(id), 0) FROM grades) || ':' ||
              (SELECT COUNT(*) FROM metrics) || ':' || (SELECT group_concat(status) FROM sweeps)`,
    )
    .pluck()
    .get() as string | null;
  return mark ?? ''; // NULL while the record has no sweeps
}
