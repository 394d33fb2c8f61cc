// The report's and the viewer's view of a sweep, built on the store's reads (src/store/sweep-reads.ts,
// answer-reads.ts): the sweep with its JSON fields parsed, its cells with their families, and the
// analysis's plain arrays (labels, capability scores, a binned training log).

import {
  gradedAnswerPage,
  latestCheck,
  resolveSweep,
  sweepCellPoints,
  sweepGradeLabels,
  sweepMetricValues,
  sweepSummaries,
  sweepTrainLog,
  type Db,
  type GradedAnswer,
  type SweepSummary,
} from '../store/index.js';
import type { CapabilityScore, CellInfo, GradedSample } from '../analysis/index.js';

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

/** Finds a sweep by id or name; without `ref`, the most recent one. */
export function findSweep(db: Db, ref?: string | number): SweepMeta {
  const sweep = resolveSweep(db, ref === undefined ? undefined : String(ref));
  const summary = sweepSummaries(db).find((s) => s.id === sweep.id)!;
  const check = latestCheck(db, sweep.setting_hash, sweep.organism_json);
  return {
    ...summary,
    settingHash: sweep.setting_hash,
    organism: JSON.parse(sweep.organism_json) as unknown,
    spec: JSON.parse(sweep.spec_json) as unknown,
    graders: JSON.parse(sweep.graders_json) as unknown,
    manifest: JSON.parse(sweep.manifest_json) as unknown,
    check: check === undefined ? null : { passed: check.passed, result: JSON.parse(check.resultJson) as unknown },
  };
}

/**
 * Cells of a sweep. The family is the fine-tuning mode (`full`, `lora r=N`) plus every other axis of the
 * grid point that takes several values at one (LR, seed) — e.g. `bs=8` when batch sizes were swept. An
 * axis that only varies together with the LR (steps in an equal lr × steps design) stays out, so those
 * cells remain one family and the LR check can compare them.
 */
export function sweepCells(db: Db, sweepId: number): CellRow[] {
  const rows = sweepCellPoints(db, sweepId);
  const points: Record<string, unknown>[] = rows.map((r) => {
    const p = JSON.parse(r.pointJson) as Record<string, unknown>;
    return { ...p, batchSize: r.batchSize, steps: r.steps };
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
    family: [r.loraRank === null || r.loraRank === 0 ? 'full' : `lora r=${r.loraRank}`, ...varying.map((k) => `${short[k] ?? k}=${formatAxis(points[i]![k])}`)].join(' '),
    lr: r.lr,
    seed: r.seed,
    batchSize: r.batchSize,
    loraRank: r.loraRank,
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
  return sweepGradeLabels(db, sweepId).map((g) => ({ cellId: String(g.cellId), step: g.step, split: g.split, promptId: g.promptId, label: g.label as GradedSample['label'] }));
}

/** Capability metrics of every checkpoint of a sweep's cells. */
export function sweepCapability(db: Db, sweepId: number): CapabilityScore[] {
  return sweepMetricValues(db, sweepId).map((m) => ({ ...m, cellId: String(m.cellId) }));
}

/** Up to `perClass` example answers of each eval class at a step of a cell (for the report). */
export function examplesByClass(db: Db, cellId: number, step: number, perClass: number): Record<string, GradedAnswer[]> {
  const out: Record<string, GradedAnswer[]> = {};
  for (const label of ['initial', 'alternate', 'other']) out[label] = gradedAnswerPage(db, { cellId, step, label, limit: perClass }).rows;
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

/** Points per cell of a binned training-log series: enough to show the shape on a log axis. */
export const TRAIN_LOG_POINTS = 240;

/**
 * Every cell's training log, at most `maxPoints` points per cell: steps are binned on a log scale (so the
 * first steps, where the loss moves fastest, keep their own points) and each bin is averaged. Logs no
 * longer than `maxPoints` come back step by step.
 */
export function trainLogSeries(db: Db, sweepId: number, maxPoints = TRAIN_LOG_POINTS): TrainLogPoint[] {
  const points = Math.max(2, Math.min(5000, Math.floor(maxPoints)));
  const rows = sweepTrainLog(db, sweepId);
  const out: TrainLogPoint[] = [];
  let i = 0;
  while (i < rows.length) {
    let j = i;
    while (j < rows.length && rows[j]!.cellId === rows[i]!.cellId) j++;
    const cell = rows.slice(i, j);
    const last = cell[cell.length - 1]!.step;
    // Bin b holds steps with floor(points · ln(step) / ln(last + 1)) = b (steps start at 1).
    const binOf = cell.length <= points ? (k: number): number => k : (k: number): number => Math.floor((points * Math.log(cell[k]!.step)) / Math.log(last + 1));
    let k = 0;
    while (k < cell.length) {
      const b = binOf(k);
      let n = 0;
      let step = 0;
      let loss = 0;
      let gn = 0;
      let gnN = 0;
      for (; k < cell.length && binOf(k) === b; k++) {
        const { step: s, loss: l, gradNorm: g } = cell[k]!;
        n++;
        step += s;
        loss += l;
        if (g !== null) {
          gn += g;
          gnN++;
        }
      }
      out.push({ cellId: String(cell[0]!.cellId), step: step / n, loss: loss / n, gradNorm: gnN === 0 ? null : gn / gnN });
    }
    i = j;
  }
  return out;
}
