// Read-only queries over the record (src/store's schema, documented in src/store/README.md) that the
// report and the viewer need, and the adapter that turns a sweep into the analysis's plain arrays.
// Sample lists are paged by keyset (sample id), never loaded whole.

import { resolveSweep, type Db } from '../store/index.js';
import type { CapabilityScore, CellInfo, GradedSample } from '../analysis/index.js';

export interface SweepSummary {
  id: number;
  name: string;
  settingId: string;
  status: string;
  createdAt: string;
  cells: number;
}

export interface SweepMeta extends SweepSummary {
  settingHash: string;
  organism: unknown;
  spec: unknown;
  graders: unknown;
  manifest: unknown;
  /** The pre-check of this setting on this organism, if recorded. */
  check: { passed: boolean; result: unknown } | null;
}

/** A cell with the analysis's view of it and its record name. */
export interface CellRow extends CellInfo {
  id: number;
  name: string;
  loraRank: number | null;
  steps: number;
  status: string;
}

export function listSweeps(db: Db): SweepSummary[] {
  return db
    .prepare(
      `SELECT w.id, w.name, w.setting_id AS settingId, w.status, w.created_at AS createdAt,
              (SELECT COUNT(*) FROM cells c WHERE c.sweep_id = w.id) AS cells
       FROM sweeps w ORDER BY w.id`,
    )
    .all() as SweepSummary[];
}

/** Finds a sweep by id or name; without `ref`, the most recent one. */
export function findSweep(db: Db, ref?: string | number): SweepMeta {
  const sweep = resolveSweep(db, ref === undefined ? undefined : String(ref));
  const summary = listSweeps(db).find((s) => s.id === sweep.id)!;
  const check = db
    .prepare(`SELECT passed, result_json FROM checks WHERE setting_hash = ? AND organism_json = ? ORDER BY created_at DESC LIMIT 1`)
    .get(sweep.setting_hash, sweep.organism_json) as { passed: number; result_json: string } | undefined;
  return {
    ...summary,
    settingHash: sweep.setting_hash,
    organism: JSON.parse(sweep.organism_json) as unknown,
    spec: JSON.parse(sweep.spec_json) as unknown,
    graders: JSON.parse(sweep.graders_json) as unknown,
    manifest: JSON.parse(sweep.manifest_json) as unknown,
    check: check === undefined ? null : { passed: check.passed === 1, result: JSON.parse(check.result_json) as unknown },
  };
}

/**
 * Cells of a sweep. The family is the fine-tuning mode (`full`, `lora r=N`) plus every other axis of the
 * grid point that takes several values at one (LR, seed) — e.g. `bs=8` when batch sizes were swept. An
 * axis that only varies together with the LR (steps in an equal lr × steps design) stays out, so those
 * cells remain one family and the LR check can compare them.
 */
export function sweepCells(db: Db, sweepId: number): CellRow[] {
  const rows = db
    .prepare(`SELECT id, name, lr, seed, batch_size, steps, lora_rank, point_json, status FROM cells WHERE sweep_id = ? ORDER BY lr, seed, id`)
    .all(sweepId) as { id: number; name: string; lr: number; seed: number; batch_size: number; steps: number; lora_rank: number | null; point_json: string; status: string }[];
  const points: Record<string, unknown>[] = rows.map((r) => {
    const p = JSON.parse(r.point_json) as Record<string, unknown>;
    return { ...p, batchSize: r.batch_size, steps: r.steps };
  });
  const skip = new Set(['lr', 'seed', 'loraRank']);
  const keys = [...new Set(points.flatMap((p) => Object.keys(p)))].filter((k) => !skip.has(k)).sort();
  const varying = keys.filter((k) => {
    const seen = new Map<string, string>();
    return rows.some((r, i) => {
      const at = `${r.lr}|${r.seed}`;
      const v = JSON.stringify(points[i]![k]);
      const prev = seen.get(at);
      seen.set(at, v);
      return prev !== undefined && prev !== v;
    });
  });
  const short: Record<string, string> = { batchSize: 'bs' };
  return rows.map((r, i) => ({
    cellId: String(r.id),
    id: r.id,
    name: r.name,
    family: [r.lora_rank === null || r.lora_rank === 0 ? 'full' : `lora r=${r.lora_rank}`, ...varying.map((k) => `${short[k] ?? k}=${formatAxis(points[i]![k])}`)].join(' '),
    lr: r.lr,
    seed: r.seed,
    batchSize: r.batch_size,
    loraRank: r.lora_rank,
    steps: r.steps,
    status: r.status,
  }));
}

function formatAxis(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Every graded eval/train answer of a sweep as analysis input (labels only; no texts). A grade that failed
 *  (label `error`) is kept: the analysis leaves it out of every n and counts it on its own. */
export function sweepSamples(db: Db, sweepId: number): GradedSample[] {
  const rows = db
    .prepare(`SELECT cell_id, step, split, prompt_id, label FROM sweep_grades WHERE sweep_id = ?`)
    .raw()
    .all(sweepId) as [number, number, 'eval' | 'train', string, GradedSample['label']][];
  return rows.map(([cellId, step, split, promptId, label]) => ({ cellId: String(cellId), step, split, promptId, label }));
}

/** Capability metrics of every checkpoint of a sweep's cells. */
export function sweepCapability(db: Db, sweepId: number): CapabilityScore[] {
  const rows = db
    .prepare(
      `SELECT c.id AS cellId, k.step, m.name, m.value, m.n, m.higher_is_better AS hib
       FROM cells c JOIN cell_metrics cm ON cm.cell_id = c.id
       JOIN checkpoints k ON k.id = cm.checkpoint_id JOIN metrics m ON m.id = cm.metric_id
       WHERE c.sweep_id = ?`,
    )
    .all(sweepId) as { cellId: number; step: number; name: string; value: number; n: number; hib: number }[];
  return rows.map((r) => ({ cellId: String(r.cellId), step: r.step, name: r.name, value: r.value, n: r.n, higherIsBetter: r.hib === 1 }));
}

/** Checkpoint steps of a cell, ascending. */
export function cellSteps(db: Db, cellId: number): number[] {
  return (
    db
      .prepare(`SELECT k.step FROM cells c JOIN checkpoints k ON k.train_key = c.train_key WHERE c.id = ? ORDER BY k.step`)
      .raw()
      .all(cellId) as [number][]
  ).map(([s]) => s);
}

/** One answer with its grade. */
export interface SampleRow {
  sampleId: number;
  step: number;
  split: string;
  promptId: string;
  sampleIndex: number;
  label: string;
  reason: string;
  prompt: string;
  completion: string;
}

export interface SamplePageQuery {
  cellId: number;
  step: number;
  split?: 'eval' | 'train';
  /** Only answers with this label. */
  label?: string;
  /** Keyset cursor: return answers with sample id greater than this. */
  after?: number;
  /** Page size, at most 500; default 50. */
  limit?: number;
}

// The cell's own answers (cell_samples) and the sweep's own graders decide which grade of a sample counts (as
// in the store's `sweep_grades` view); spelled out here so the pager walks the cell's answers in id order.
const GRADED_ANSWERS = `
  SELECT s.id AS sampleId, k.step, s.split, s.prompt_id AS promptId, s.sample_index AS sampleIndex, gr.label,
         gr.reason, s.prompt_json AS prompt, s.completion
  FROM cells c JOIN sweeps w ON w.id = c.sweep_id
  JOIN checkpoints k ON k.train_key = c.train_key AND k.step = @step
  JOIN cell_samples cs ON cs.cell_id = c.id AND cs.checkpoint_id = k.id
  JOIN samples s ON s.id = cs.sample_id AND s.split = @split
  JOIN grades gr ON gr.sample_id = s.id
   AND gr.grader_key = CASE s.split WHEN 'eval' THEN w.eval_grader_key ELSE w.train_grader_key END
  WHERE c.id = @cellId`;

/** One page of graded answers at a checkpoint, ordered by sample id; `next` is the cursor of the next page. */
export function samplePage(db: Db, q: SamplePageQuery): { rows: SampleRow[]; next: number | null } {
  const limit = Math.max(1, Math.min(500, q.limit ?? 50));
  const rows = db
    .prepare(`${GRADED_ANSWERS} AND (@label IS NULL OR gr.label = @label) AND s.id > @after ORDER BY s.id LIMIT @limit`)
    .all({ cellId: q.cellId, step: q.step, split: q.split ?? 'eval', label: q.label ?? null, after: q.after ?? 0, limit: limit + 1 }) as SampleRow[];
  const more = rows.length > limit;
  if (more) rows.pop();
  return { rows, next: more ? rows[rows.length - 1]!.sampleId : null };
}

/** The answers of one cell to one eval prompt at each of the given steps (for a side-by-side view). */
export function promptAnswers(db: Db, cellId: number, promptId: string, steps: readonly number[], split: 'eval' | 'train' = 'eval'): Record<number, SampleRow[]> {
  const stmt = db.prepare(`${GRADED_ANSWERS} AND s.prompt_id = @promptId ORDER BY s.sample_index LIMIT 20`);
  const out: Record<number, SampleRow[]> = {};
  for (const step of steps) out[step] = stmt.all({ cellId, step, split, promptId }) as SampleRow[];
  return out;
}

/** Up to `perClass` example answers of each eval class at a step of a cell (for the report). */
export function examplesByClass(db: Db, cellId: number, step: number, perClass: number): Record<string, SampleRow[]> {
  const out: Record<string, SampleRow[]> = {};
  for (const label of ['initial', 'alternate', 'other']) out[label] = samplePage(db, { cellId, step, label, limit: perClass }).rows;
  return out;
}

/** One optimizer step of a cell's training (the record's `train_log`). */
export interface TrainLogPoint {
  cellId: string;
  /** The step, or for a binned series the mean step of the bin. */
  step: number;
  /** Mean cross-entropy of the batch, nats per answer token (mean over the bin). */
  loss: number;
  /** Global gradient L2 norm before the update (mean over the bin); null when the backend did not report it. */
  gradNorm: number | null;
}

/** Every optimizer step of every cell of a sweep, ordered by cell id and step. */
export function trainLogSteps(db: Db, sweepId: number): { cellId: number; step: number; loss: number; gradNorm: number | null; tokens: number; latencyMs: number }[] {
  return db
    .prepare(
      `SELECT c.id AS cellId, t.step, t.loss, t.grad_norm AS gradNorm, t.tokens, t.latency_ms AS latencyMs
       FROM cells c JOIN train_log t ON t.train_key = c.train_key WHERE c.sweep_id = ? ORDER BY c.id, t.step`,
    )
    .all(sweepId) as { cellId: number; step: number; loss: number; gradNorm: number | null; tokens: number; latencyMs: number }[];
}

/** Points per cell of a binned training-log series: enough to show the shape on a log axis. */
export const TRAIN_LOG_POINTS = 240;

/**
 * Every cell's training log, at most `maxPoints` points per cell: steps are binned on a log scale (so the
 * first steps, where the loss moves fastest, keep their own points) and each bin is averaged. Logs no
 * longer than `maxPoints` come back step by step.
 */
export function trainLogSeries(db: Db, sweepId: number, maxPoints = TRAIN_LOG_POINTS): TrainLogPoint[] {
  const points = Math.max(2, Math.min(5000, Math.floor(maxPoints)));
  const rows = db
    .prepare(`SELECT c.id, t.step, t.loss, t.grad_norm FROM cells c JOIN train_log t ON t.train_key = c.train_key WHERE c.sweep_id = ? ORDER BY c.id, t.step`)
    .raw()
    .all(sweepId) as [number, number, number, number | null][];
  const out: TrainLogPoint[] = [];
  let i = 0;
  while (i < rows.length) {
    let j = i;
    while (j < rows.length && rows[j]![0] === rows[i]![0]) j++;
    const cell = rows.slice(i, j);
    const last = cell[cell.length - 1]![1];
    // Bin b holds steps with floor(points · ln(step) / ln(last + 1)) = b (steps start at 1).
    const binOf = cell.length <= points ? (k: number): number => k : (k: number): number => Math.floor((points * Math.log(cell[k]![1])) / Math.log(last + 1));
    let k = 0;
    while (k < cell.length) {
      const b = binOf(k);
      let n = 0;
      let step = 0;
      let loss = 0;
      let gn = 0;
      let gnN = 0;
      for (; k < cell.length && binOf(k) === b; k++) {
        const [, s, l, g] = cell[k]!;
        n++;
        step += s;
        loss += l;
        if (g !== null) {
          gn += g;
          gnN++;
        }
      }
      out.push({ cellId: String(cell[0]![0]), step: step / n, loss: loss / n, gradNorm: gnN === 0 ? null : gn / gnN });
    }
    i = j;
  }
  return out;
}

/** A prompt of a sweep found by `searchPrompts`. */
export interface PromptHit {
  split: 'eval' | 'train';
  promptId: string;
  /** The messages the model saw (JSON, as recorded). */
  prompt: string;
}

/**
 * Prompts of a sweep's eval and train answers whose id is `query` or whose text contains it (case-insensitive
 * for ASCII), at most `limit` (≤ 200), exact id matches first.
 */
export function searchPrompts(db: Db, sweepId: number, query: string, limit = 50): PromptHit[] {
  const q = query.slice(0, 200);
  const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return db
    .prepare(
      `SELECT s.split, s.prompt_id AS promptId, MIN(s.prompt_json) AS prompt
       FROM cells c JOIN cell_samples cs ON cs.cell_id = c.id JOIN samples s ON s.id = cs.sample_id
       WHERE c.sweep_id = @sweepId AND s.split IN ('eval', 'train') AND (s.prompt_id = @q OR s.prompt_json LIKE @like ESCAPE '\\')
       GROUP BY s.split, s.prompt_id ORDER BY s.prompt_id <> @q, s.split, length(s.prompt_id), s.prompt_id LIMIT @limit`,
    )
    .all({ sweepId, q, like, limit: Math.max(1, Math.min(200, Math.floor(limit))) }) as PromptHit[];
}

/** The recorded prompt (messages JSON) of every prompt one cell answered on `split`, by prompt id. */
export function promptTexts(db: Db, cellId: number, split: 'eval' | 'train'): Map<string, string> {
  const rows = db
    .prepare(
      `SELECT s.prompt_id, MIN(s.prompt_json) FROM cell_samples cs JOIN samples s ON s.id = cs.sample_id
       WHERE cs.cell_id = ? AND s.split = ? GROUP BY s.prompt_id`,
    )
    .raw()
    .all(cellId, split) as [string, string][];
  return new Map(rows);
}
