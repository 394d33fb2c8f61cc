// Reading what a sweep's record took in tokens. Every row a model call produced keeps that call's tokens
// (migration 3): `train_log.tokens` per optimizer step, `samples.prompt_tokens` and `completion_tokens`
// per answer, `metrics.prefill_tokens` per log-likelihood metric, `grades.judge_*_tokens` per label,
// and `usage_json` on the pre-check and the training data. A sweep's usage is the sum over its own rows
// (a cell's answers and metrics are `cell_samples` / `cell_metrics`), so it is the same in a project that
// ran other sweeps as in a fresh one, however often the sweep was resumed, and whichever run computed a
// row first. Work a killed run lost before recording it is in no row, and so in no sum.
import type { Db } from './db.js';

/** Tokens of the calls made to one model. */
export interface RoleTokens {
  /** Trained on: Σ over optimizer steps of each datum's length − 1 (its targets), as `train_log.tokens`. */
  trained: number;
  /** Read: the prompts of sampling requests, the whole sequence of log-probability requests. */
  prefill: number;
  /** Generated. */
  sampled: number;
}

/** The two model roles of a sweep: the organism (trained, sampled, scored for capability) and the judge
 *  of model-graded graders (today the untrained organism; priced as its own role either way). */
export interface TokenUsage {
  organism: RoleTokens;
  judge: RoleTokens;
}

export function zeroUsage(): TokenUsage {
  return { organism: { trained: 0, prefill: 0, sampled: 0 }, judge: { trained: 0, prefill: 0, sampled: 0 } };
}

export function addTokens(x: RoleTokens, y: RoleTokens): RoleTokens {
  return { trained: x.trained + y.trained, prefill: x.prefill + y.prefill, sampled: x.sampled + y.sampled };
}

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return { organism: addTokens(a.organism, b.organism), judge: addTokens(a.judge, b.judge) };
}

/** Every token of every kind and role: what `budget.maxTokens` caps. */
export function totalTokens(u: TokenUsage): number {
  return u.organism.trained + u.organism.prefill + u.organism.sampled + u.judge.trained + u.judge.prefill + u.judge.sampled;
}

export interface CellUsage {
  cellId: number;
  name: string;
  usage: TokenUsage;
  /** The cell's answers, and those of them recorded before token accounting (prompt tokens unknown). */
  answers: number;
  unmetered: number;
}

export interface SweepUsage {
  /** The pre-check and the training data the sweep used; null when it used none (skipCheck; reference
   *  targets cost nothing but are still a zero row) or they were recorded before token accounting. */
  check: TokenUsage | null;
  data: TokenUsage | null;
  cells: CellUsage[];
  total: TokenUsage;
  /** Answers recorded before token accounting, over all cells. */
  unmetered: number;
}

interface CellSums {
  cell_id: number;
  a: number | null;
  b: number | null;
  n?: number;
  unknown?: number;
}

/** Token sums per cell of a sweep, or of one cell of it (`cellId`), from its own rows. */
export function cellUsages(db: Db, sweepId: number, cellId: number | null = null): CellUsage[] {
  const only = cellId === null ? '' : 'AND c.id = @cellId';
  const params = { sweepId, cellId };
  const byCell = (sql: string): Map<number, CellSums> => new Map((db.prepare(sql).all(params) as CellSums[]).map((r) => [r.cell_id, r]));
  // A train_key's log is one training (its steps are part of the key), shared by the cells that have it.
  const trained = byCell(
    `SELECT c.id AS cell_id, SUM(t.tokens) AS a, NULL AS b FROM cells c JOIN train_log t ON t.train_key = c.train_key
     WHERE c.sweep_id = @sweepId ${only} GROUP BY c.id`,
  );
  const sampled = byCell(
    `SELECT c.id AS cell_id, SUM(s.prompt_tokens) AS a, SUM(s.completion_tokens) AS b, COUNT(*) AS n, COUNT(*) - COUNT(s.prompt_tokens) AS unknown
     FROM cells c JOIN cell_samples cs ON cs.cell_id = c.id JOIN samples s ON s.id = cs.sample_id
     WHERE c.sweep_id = @sweepId ${only} GROUP BY c.id`,
  );
  const scored = byCell(
    `SELECT c.id AS cell_id, SUM(m.prefill_tokens) AS a, NULL AS b FROM cells c JOIN cell_metrics cm ON cm.cell_id = c.id JOIN metrics m ON m.id = cm.metric_id
     WHERE c.sweep_id = @sweepId ${only} GROUP BY c.id`,
  );
  // The labels the sweep's own graders gave (eval and train answers); capability answers are graded by
  // their set's grader, whatever its key.
  const judged = byCell(
    `SELECT c.id AS cell_id, SUM(g.judge_prefill_tokens) AS a, SUM(g.judge_sampled_tokens) AS b
     FROM cells c JOIN sweeps w ON w.id = c.sweep_id JOIN cell_samples cs ON cs.cell_id = c.id
     JOIN samples s ON s.id = cs.sample_id JOIN grades g ON g.sample_id = s.id
     WHERE c.sweep_id = @sweepId ${only}
       AND (s.split NOT IN ('eval', 'train') OR g.grader_key = CASE s.split WHEN 'eval' THEN w.eval_grader_key ELSE w.train_grader_key END)
     GROUP BY c.id`,
  );
  const cells = db.prepare(`SELECT c.id, c.name FROM cells c WHERE c.sweep_id = @sweepId ${only} ORDER BY c.id`).all(params) as { id: number; name: string }[];
  return cells.map(({ id, name }) => {
    const s = sampled.get(id);
    return {
      cellId: id,
      name,
      usage: {
        organism: { trained: trained.get(id)?.a ?? 0, prefill: (s?.a ?? 0) + (scored.get(id)?.a ?? 0), sampled: s?.b ?? 0 },
        judge: { trained: 0, prefill: judged.get(id)?.a ?? 0, sampled: judged.get(id)?.b ?? 0 },
      },
      answers: s?.n ?? 0,
      unmetered: s?.unknown ?? 0,
    };
  });
}

/** Everything a sweep's record took: its pre-check and training data (found through the keys in its
 *  manifest) and every cell. */
export function sweepUsage(db: Db, sweepId: number): SweepUsage {
  const row = db
    .prepare(
      `SELECT (SELECT usage_json FROM checks WHERE key = json_extract(w.manifest_json, '$.hashes.check')) AS check_usage,
              (SELECT usage_json FROM datasets WHERE key = json_extract(w.manifest_json, '$.hashes.dataset')) AS data_usage
       FROM sweeps w WHERE w.id = ?`,
    )
    .get(sweepId) as { check_usage: string | null; data_usage: string | null } | undefined;
  const parse = (json: string | null | undefined): TokenUsage | null => (json === null || json === undefined ? null : (JSON.parse(json) as TokenUsage));
  const check = parse(row?.check_usage);
  const data = parse(row?.data_usage);
  const cells = cellUsages(db, sweepId);
  const total = [check, data, ...cells.map((c) => c.usage)].reduce<TokenUsage>((t, u) => (u === null ? t : addUsage(t, u)), zeroUsage());
  return { check, data, cells, total, unmetered: cells.reduce((n, c) => n + c.unmetered, 0) };
}
