// Typed reads and writes of the record for the pipeline. Writes are inserts keyed by content (INSERT OR
// IGNORE) or status updates, each batch in one transaction, so an interrupted command leaves whole rows
// only and a re-run neither loses nor duplicates any.
import { ConfigError, StoreError } from '../errors.js';
import { canonicalJson } from './keys.js';
import { now, type Db } from './db.js';

export interface SweepRow {
  id: number;
  key: string;
  name: string;
  setting_id: string;
  setting_hash: string;
  organism_json: string;
  spec_json: string;
  eval_grader_key: string;
  train_grader_key: string;
  graders_json: string;
  manifest_json: string;
  /** `stopped`: stopped at its budget (`budget` in the spec); running it again with a higher cap resumes. */
  status: 'running' | 'done' | 'failed' | 'stopped';
  error: string | null;
  created_at: string;
  updated_at: string;
}

export interface CellRow {
  id: number;
  sweep_id: number;
  name: string;
  train_key: string;
  lr: number;
  seed: number;
  batch_size: number;
  steps: number;
  lora_rank: number | null;
  schedule_json: string;
  sampling_key: string;
  point_json: string;
  status: 'pending' | 'running' | 'done' | 'failed';
  error: string | null;
  updated_at: string;
}

export interface CheckpointRow {
  id: number;
  train_key: string;
  step: number;
  weights_hash: string | null;
  state_hash: string | null;
  examples_seen: number;
  created_at: string;
  /** The model name a server serves for a checkpoint trained elsewhere (a served sweep); null for one
   *  trained here, and for the base at step 0. */
  served_model: string | null;
}

export interface NewSweep {
  key: string;
  name: string;
  settingId: string;
  settingHash: string;
  organism: unknown;
  spec: unknown;
  evalGraderKey: string;
  trainGraderKey: string;
  graders: unknown;
  manifest: unknown;
}

/** Finds or creates the sweep with this key and marks it running. Names stay unique: a new sweep whose
 *  name an earlier sweep (with another spec) holds is recorded as `<name>-2`, `<name>-3`, … The key
 *  leaves out the fields that say how a sweep runs (jobs, force, skipCheck, budget, prices), so a run may
 *  find the sweep with other values of them: `spec_json` is brought up to this run's, which is what its
 *  worker threads rebuild their context from (a raised budget must reach them). */
export function beginSweep(db: Db, s: NewSweep): SweepRow {
  const t = now();
  const existing = db.prepare(`SELECT name FROM sweeps WHERE key = ?`).pluck().get(s.key) as string | undefined;
  let name = existing ?? s.name;
  for (let i = 2; existing === undefined && db.prepare(`SELECT 1 FROM sweeps WHERE name = ?`).get(name) !== undefined; i++) name = `${s.name}-${i}`;
  db.prepare(
    `INSERT OR IGNORE INTO sweeps (key, name, setting_id, setting_hash, organism_json, spec_json, eval_grader_key,
       train_grader_key, graders_json, manifest_json, status, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)`,
  ).run(s.key, name, s.settingId, s.settingHash, canonicalJson(s.organism), canonicalJson(s.spec), s.evalGraderKey, s.trainGraderKey, canonicalJson(s.graders), canonicalJson(s.manifest), t, t);
  db.prepare(`UPDATE sweeps SET status = 'running', error = NULL, spec_json = ?, updated_at = ? WHERE key = ?`).run(canonicalJson(s.spec), t, s.key);
  return db.prepare(`SELECT * FROM sweeps WHERE key = ?`).get(s.key) as SweepRow;
}

export function setSweepStatus(db: Db, id: number, status: SweepRow['status'], error: string | null = null): void {
  db.prepare(`UPDATE sweeps SET status = ?, error = ?, updated_at = ? WHERE id = ?`).run(status, error, now(), id);
}

export function getSweep(db: Db, idOrName: number | string): SweepRow | undefined {
  if (typeof idOrName === 'number') return db.prepare(`SELECT * FROM sweeps WHERE id = ?`).get(idOrName) as SweepRow | undefined;
  return db.prepare(`SELECT * FROM sweeps WHERE name = ? OR key = ?`).get(idOrName, idOrName) as SweepRow | undefined;
}

export function listSweeps(db: Db): SweepRow[] {
  return db.prepare(`SELECT * FROM sweeps ORDER BY id`).all() as SweepRow[];
}

/** The sweep a user names on the command line: by id, name or key; without `ref`, the most recent.
 *  An empty record is a StoreError; an unknown name is a ConfigError listing the known sweeps. */
export function resolveSweep(db: Db, ref?: string): SweepRow {
  const all = listSweeps(db);
  if (all.length === 0) throw new StoreError('the record has no sweeps yet; run `bct run` or `bct demo` first');
  const hit = ref === undefined ? all[all.length - 1] : getSweep(db, /^\d+$/.test(ref) ? Number(ref) : ref);
  if (hit === undefined) throw new ConfigError(`no sweep "${ref}"; known: ${all.map((s) => `${s.id} (${s.name})`).join(', ')}`, 'sweep');
  return hit;
}

export type NewCell = Omit<CellRow, 'id' | 'sweep_id' | 'status' | 'error' | 'updated_at'>;

/** Inserts the sweep's cells that are not there yet; returns all its cells. */
export function ensureCells(db: Db, sweepId: number, cells: readonly NewCell[]): CellRow[] {
  const ins = db.prepare(
    `INSERT OR IGNORE INTO cells (sweep_id, name, train_key, lr, seed, batch_size, steps, lora_rank, schedule_json, sampling_key, point_json, status, updated_at)
     VALUES (@sweep_id, @name, @train_key, @lr, @seed, @batch_size, @steps, @lora_rank, @schedule_json, @sampling_key, @point_json, 'pending', @updated_at)`,
  );
  db.transaction(() => {
    for (const c of cells) ins.run({ ...c, sweep_id: sweepId, updated_at: now() });
  })();
  return listCells(db, sweepId);
}

export function listCells(db: Db, sweepId: number): CellRow[] {
  return db.prepare(`SELECT * FROM cells WHERE sweep_id = ? ORDER BY id`).all(sweepId) as CellRow[];
}

export function getCell(db: Db, id: number): CellRow | undefined {
  return db.prepare(`SELECT * FROM cells WHERE id = ?`).get(id) as CellRow | undefined;
}

export function setCellStatus(db: Db, id: number, status: CellRow['status'], error: string | null = null): void {
  db.prepare(`UPDATE cells SET status = ?, error = ?, updated_at = ? WHERE id = ?`).run(status, error, now(), id);
}

export function listCheckpoints(db: Db, trainKey: string): CheckpointRow[] {
  return db.prepare(`SELECT * FROM checkpoints WHERE train_key = ? ORDER BY step`).all(trainKey) as CheckpointRow[];
}

export interface TrainLogRow {
  step: number;
  loss: number;
  /** NaN when the backend did not report it (stored as NULL). */
  gradNorm: number;
  tokens: number;
  latencyMs: number;
}

/** Records a checkpoint and the training log up to it in one transaction. `servedModel`: the model name
 *  of a checkpoint trained elsewhere (no weights, no state, no log). */
export function insertCheckpoint(
  db: Db,
  c: { trainKey: string; step: number; weightsHash: string | null; stateHash: string | null; examplesSeen: number; servedModel?: string },
  log: readonly TrainLogRow[],
): CheckpointRow {
  const insLog = db.prepare(`INSERT OR REPLACE INTO train_log (train_key, step, loss, grad_norm, tokens, latency_ms) VALUES (?, ?, ?, ?, ?, ?)`);
  db.transaction(() => {
    for (const r of log) insLog.run(c.trainKey, r.step, r.loss, Number.isFinite(r.gradNorm) ? r.gradNorm : null, r.tokens, r.latencyMs);
    db.prepare(
      `INSERT OR IGNORE INTO checkpoints (train_key, step, weights_hash, state_hash, examples_seen, created_at, served_model) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(c.trainKey, c.step, c.weightsHash, c.stateHash, c.examplesSeen, now(), c.servedModel ?? null);
  })();
  return db.prepare(`SELECT * FROM checkpoints WHERE train_key = ? AND step = ?`).get(c.trainKey, c.step) as CheckpointRow;
}

export interface DatasetRow {
  examples_json: string;
  dropped_json: string;
  /** Null for a dataset recorded before token accounting. */
  usage_json: string | null;
  /** Null for a dataset recorded before its source was (migration 4). */
  source_json: string | null;
}

export function getDataset(db: Db, key: string): DatasetRow | undefined {
  return db.prepare(`SELECT examples_json, dropped_json, usage_json, source_json FROM datasets WHERE key = ?`).get(key) as DatasetRow | undefined;
}

/** `usage`: the tokens the model calls that built the examples read and wrote (store/usage.ts);
 *  `source`: where the targets came from and what the source kept (src/pipeline/data.ts). */
export function putDataset(db: Db, key: string, examples: readonly unknown[], dropped: readonly unknown[], usage: unknown, source: unknown): void {
  db.prepare(`INSERT OR IGNORE INTO datasets (key, examples_json, n, dropped_json, usage_json, source_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`).run(
    key,
    canonicalJson(examples),
    examples.length,
    canonicalJson(dropped),
    canonicalJson(usage),
    canonicalJson(source),
    now(),
  );
}

/** Records the source of a dataset recorded before schema 4, once (a recorded source is never changed). */
export function setDatasetSource(db: Db, key: string, source: unknown): void {
  db.prepare(`UPDATE datasets SET source_json = ? WHERE key = ? AND source_json IS NULL`).run(canonicalJson(source), key);
}

/** Which of these keys exist in a table's `key` column. */
export function existingKeys(db: Db, table: 'samples' | 'grades' | 'metrics', keys: readonly string[]): Set<string> {
  const out = new Set<string>();
  const stmt = db.prepare(`SELECT key FROM ${table} WHERE key = ?`).pluck();
  for (const k of keys) if (stmt.get(k) !== undefined) out.add(k);
  return out;
}

export interface NewSample {
  key: string;
  checkpointId: number;
  split: string;
  promptId: string;
  sampleIndex: number;
  seed: number;
  samplingKey: string;
  prompt: unknown;
  completion: string;
  /** Tokens of the prompt as the sampler read it (prefill). */
  promptTokens: number;
  completionTokens: number;
  finishReason: string;
  latencyMs: number;
}

/** The cell and checkpoint an answer or metric is recorded for (`cell_samples`, `cell_metrics`). */
export interface CellCheckpoint {
  cellId: number;
  checkpointId: number;
}

/** Inserts new answers and records them as the cell's, in one transaction. */
export function insertSamples(db: Db, rows: readonly NewSample[], owner: CellCheckpoint): void {
  const ins = db.prepare(
    `INSERT OR IGNORE INTO samples (key, checkpoint_id, split, prompt_id, sample_index, seed, sampling_key, prompt_json, completion, prompt_tokens, completion_tokens, finish_reason, latency_ms, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const t = now();
  db.transaction(() => {
    for (const r of rows) ins.run(r.key, r.checkpointId, r.split, r.promptId, r.sampleIndex, r.seed, r.samplingKey, canonicalJson(r.prompt), r.completion, r.promptTokens, r.completionTokens, r.finishReason, r.latencyMs, t);
    linkSamples(db, owner, rows.map((r) => r.key));
  })();
}

/** Records answers already in the record (sampled by any sweep, found by content key) as the cell's. */
export function linkSamples(db: Db, owner: CellCheckpoint, keys: readonly string[]): void {
  const link = db.prepare(
    `INSERT OR IGNORE INTO cell_samples (cell_id, checkpoint_id, sample_id) SELECT ?, checkpoint_id, id FROM samples WHERE key = ? AND checkpoint_id = ?`,
  );
  db.transaction(() => {
    for (const k of keys) link.run(owner.cellId, k, owner.checkpointId);
  })();
}

export interface SampleRow {
  id: number;
  key: string;
  checkpoint_id: number;
  split: string;
  prompt_id: string;
  sample_index: number;
  completion: string;
}

/** The cell's answers at a checkpoint on one split (prompt set), in prompt order. */
export function samplesOf(db: Db, owner: CellCheckpoint, split: string): SampleRow[] {
  return db
    .prepare(
      `SELECT s.id, s.key, s.checkpoint_id, s.split, s.prompt_id, s.sample_index, s.completion
       FROM cell_samples cs JOIN samples s ON s.id = cs.sample_id
       WHERE cs.cell_id = ? AND cs.checkpoint_id = ? AND s.split = ? ORDER BY s.prompt_id, s.sample_index`,
    )
    .all(owner.cellId, owner.checkpointId, split) as SampleRow[];
}

/** The label each of these answers got from one grader, in their order; undefined where it has none yet. */
export function gradeLabels(db: Db, sampleIds: readonly number[], graderKey: string): (string | undefined)[] {
  const label = db.prepare(`SELECT label FROM grades WHERE sample_id = ? AND grader_key = ?`).pluck();
  return sampleIds.map((id) => label.get(id, graderKey) as string | undefined);
}

export interface NewGrade {
  key: string;
  sampleId: number;
  graderKey: string;
  grader: unknown;
  label: string;
  score: number;
  reason: string;
  /** Tokens the judge model read and sampled for this label; 0 for a grader that calls no model. */
  judgePrefillTokens: number;
  judgeSampledTokens: number;
}

export function insertGrades(db: Db, rows: readonly NewGrade[]): void {
  const ins = db.prepare(
    `INSERT OR IGNORE INTO grades (key, sample_id, grader_key, grader_json, label, score, reason, judge_prefill_tokens, judge_sampled_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const t = now();
  db.transaction(() => {
    for (const r of rows) ins.run(r.key, r.sampleId, r.graderKey, canonicalJson(r.grader), r.label, r.score, r.reason, r.judgePrefillTokens, r.judgeSampledTokens, t);
  })();
}

/** Inserts a metric (unless its key is there) and records it as the cell's, in one transaction.
 *  `prefillTokens`: all tokens the log-probability requests behind it read (0 when it made none). */
export function insertMetric(
  db: Db,
  m: { key: string; checkpointId: number; name: string; value: number; n: number; higherIsBetter: boolean; prefillTokens: number },
  owner: CellCheckpoint,
): void {
  db.transaction(() => {
    db.prepare(`INSERT OR IGNORE INTO metrics (key, checkpoint_id, name, value, n, higher_is_better, prefill_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(
      m.key,
      m.checkpointId,
      m.name,
      m.value,
      m.n,
      m.higherIsBetter ? 1 : 0,
      m.prefillTokens,
      now(),
    );
    linkMetric(db, owner, m.key);
  })();
}

/** Records a metric already in the record (found by content key) as the cell's. */
export function linkMetric(db: Db, owner: CellCheckpoint, key: string): void {
  db.prepare(`INSERT OR IGNORE INTO cell_metrics (cell_id, checkpoint_id, metric_id) SELECT ?, checkpoint_id, id FROM metrics WHERE key = ? AND checkpoint_id = ?`).run(
    owner.cellId,
    key,
    owner.checkpointId,
  );
}

/** `usage_json` is null for a check recorded before token accounting. */
export function getCheck(db: Db, key: string): { passed: number; result_json: string; usage_json: string | null } | undefined {
  return db.prepare(`SELECT passed, result_json, usage_json FROM checks WHERE key = ?`).get(key) as { passed: number; result_json: string; usage_json: string | null } | undefined;
}

/** `usage`: the tokens the check's model calls read and wrote (store/usage.ts). */
export function putCheck(db: Db, c: { key: string; settingId: string; settingHash: string; organism: unknown; passed: boolean; result: unknown; usage: unknown }): void {
  db.prepare(`INSERT OR REPLACE INTO checks (key, setting_id, setting_hash, organism_json, passed, result_json, usage_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(
    c.key,
    c.settingId,
    c.settingHash,
    canonicalJson(c.organism),
    c.passed ? 1 : 0,
    canonicalJson(c.result),
    canonicalJson(c.usage),
    now(),
  );
}

export function recordTiming(db: Db, t: { sweepId: number | null; cellId: number | null; stage: string; items: number; ms: number }): void {
  db.prepare(`INSERT INTO timings (sweep_id, cell_id, stage, items, ms, created_at) VALUES (?, ?, ?, ?, ?, ?)`).run(t.sweepId, t.cellId, t.stage, t.items, t.ms, now());
}
