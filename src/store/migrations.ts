// The SQLite schema of the record, as an append-only list of migrations. Migration i brings the database
// from schemaVersion i to i+1. NEVER edit a shipped migration: append a new one (and document the change
// in README.md, which describes every table and column for readers such as src/analysis/).

export const MIGRATIONS: readonly string[] = [
  // 0 → 1: the first schema.
  `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE artifacts (
    hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    created_at TEXT NOT NULL
  );

  CREATE TABLE sweeps (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    setting_id TEXT NOT NULL,
    setting_hash TEXT NOT NULL,
    organism_json TEXT NOT NULL,
    spec_json TEXT NOT NULL,
    eval_grader_key TEXT NOT NULL,
    train_grader_key TEXT NOT NULL,
    graders_json TEXT NOT NULL,
    manifest_json TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );

  CREATE TABLE cells (
    id INTEGER PRIMARY KEY,
    sweep_id INTEGER NOT NULL REFERENCES sweeps(id),
    name TEXT NOT NULL,
    train_key TEXT NOT NULL,
    lr REAL NOT NULL,
    seed INTEGER NOT NULL,
    batch_size INTEGER NOT NULL,
    steps INTEGER NOT NULL,
    lora_rank INTEGER,
    schedule_json TEXT NOT NULL,
    sampling_key TEXT NOT NULL,
    point_json TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
    error TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (sweep_id, name)
  );
  CREATE INDEX cells_train_key ON cells(train_key);

  CREATE TABLE checkpoints (
    id INTEGER PRIMARY KEY,
    train_key TEXT NOT NULL,
    step INTEGER NOT NULL,
    weights_hash TEXT REFERENCES artifacts(hash),
    state_hash TEXT REFERENCES artifacts(hash),
    examples_seen INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (train_key, step)
  );

  CREATE TABLE train_log (
    train_key TEXT NOT NULL,
    step INTEGER NOT NULL,
    loss REAL NOT NULL,
    grad_norm REAL NOT NULL,
    tokens INTEGER NOT NULL,
    latency_ms REAL NOT NULL,
    PRIMARY KEY (train_key, step)
  );

  CREATE TABLE datasets (
    key TEXT PRIMARY KEY,
    examples_json TEXT NOT NULL,
    n INTEGER NOT NULL,
    dropped_json TEXT NOT NULL,
    created_at TEXT NOT NULL
  );

  CREATE TABLE samples (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id),
    split TEXT NOT NULL,
    prompt_id TEXT NOT NULL,
    sample_index INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    sampling_key TEXT NOT NULL,
    prompt_json TEXT NOT NULL,
    completion TEXT NOT NULL,
    completion_tokens INTEGER NOT NULL,
    finish_reason TEXT NOT NULL,
    latency_ms REAL NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX samples_checkpoint ON samples(checkpoint_id, sampling_key, split);

  CREATE TABLE grades (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    sample_id INTEGER NOT NULL REFERENCES samples(id),
    grader_key TEXT NOT NULL,
    grader_json TEXT NOT NULL,
    label TEXT NOT NULL,
    score REAL NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX grades_sample ON grades(sample_id, grader_key);

  CREATE TABLE metrics (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id),
    name TEXT NOT NULL,
    value REAL NOT NULL,
    n INTEGER NOT NULL,
    higher_is_better INTEGER NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX metrics_checkpoint ON metrics(checkpoint_id);

  CREATE TABLE checks (
    key TEXT PRIMARY KEY,
    setting_id TEXT NOT NULL,
    setting_hash TEXT NOT NULL,
    organism_json TEXT NOT NULL,
    passed INTEGER NOT NULL,
    result_json TEXT NOT NULL,
    created_at TEXT NOT NULL
  );

  CREATE TABLE timings (
    id INTEGER PRIMARY KEY,
    sweep_id INTEGER REFERENCES sweeps(id),
    cell_id INTEGER REFERENCES cells(id),
    stage TEXT NOT NULL,
    items INTEGER NOT NULL,
    ms REAL NOT NULL,
    created_at TEXT NOT NULL
  );

  -- One row per (sweep, cell, checkpoint, sample) on eval and train prompts, with the label given by the
  -- sweep's own graders and sampled with the sweep's own sampling parameters: what rates are computed from.
  CREATE VIEW sweep_grades AS
  SELECT c.sweep_id AS sweep_id, c.id AS cell_id, k.id AS checkpoint_id, k.step AS step,
         k.examples_seen AS examples_seen, s.split AS split, s.prompt_id AS prompt_id,
         s.sample_index AS sample_index, s.id AS sample_id, g.label AS label, g.score AS score
  FROM cells c
  JOIN sweeps w ON w.id = c.sweep_id
  JOIN checkpoints k ON k.train_key = c.train_key
  JOIN samples s ON s.checkpoint_id = k.id AND s.sampling_key = c.sampling_key
  JOIN grades g ON g.sample_id = s.id
   AND g.grader_key = CASE s.split WHEN 'eval' THEN w.eval_grader_key ELSE w.train_grader_key END
  WHERE s.split IN ('eval', 'train');
  `,

  // 1 → 2: which answers and metrics belong to a cell is recorded, not inferred. Answers are shared across
  // sweeps by content key (common random numbers), so the sweep that first sampled one is not the only one
  // it belongs to; inferring membership from `samples.sampling_key` made a sweep's results depend on the
  // sweeps run before it in the same project. Existing cells keep the membership they were reported with.
  // Also: train_log.grad_norm may be NULL (not reported by a remote server).
  `
  CREATE TABLE cell_samples (
    cell_id INTEGER NOT NULL REFERENCES cells(id),
    checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id),
    sample_id INTEGER NOT NULL REFERENCES samples(id),
    PRIMARY KEY (cell_id, checkpoint_id, sample_id)
  ) WITHOUT ROWID;
  CREATE INDEX cell_samples_sample ON cell_samples(sample_id);

  CREATE TABLE cell_metrics (
    cell_id INTEGER NOT NULL REFERENCES cells(id),
    checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id),
    metric_id INTEGER NOT NULL REFERENCES metrics(id),
    PRIMARY KEY (cell_id, checkpoint_id, metric_id)
  ) WITHOUT ROWID;

  INSERT OR IGNORE INTO cell_samples (cell_id, checkpoint_id, sample_id)
  SELECT c.id, k.id, s.id FROM cells c
  JOIN checkpoints k ON k.train_key = c.train_key
  JOIN samples s ON s.checkpoint_id = k.id AND s.sampling_key = c.sampling_key;

  INSERT OR IGNORE INTO cell_metrics (cell_id, checkpoint_id, metric_id)
  SELECT c.id, k.id, m.id FROM cells c
  JOIN checkpoints k ON k.train_key = c.train_key
  JOIN metrics m ON m.checkpoint_id = k.id;

  -- A remote server may not report the gradient norm of a step: NULL then, never a made-up number.
  CREATE TABLE train_log_2 (
    train_key TEXT NOT NULL,
    step INTEGER NOT NULL,
    loss REAL NOT NULL,
    grad_norm REAL,
    tokens INTEGER NOT NULL,
    latency_ms REAL NOT NULL,
    PRIMARY KEY (train_key, step)
  );
  INSERT INTO train_log_2 SELECT train_key, step, loss, grad_norm, tokens, latency_ms FROM train_log;
  DROP TABLE train_log;
  ALTER TABLE train_log_2 RENAME TO train_log;

  DROP VIEW sweep_grades;
  -- One row per (sweep, cell, checkpoint, sample) on eval and train prompts: the cell's own answers
  -- (cell_samples) with the label given by the sweep's own graders. What rates are computed from.
  CREATE VIEW sweep_grades AS
  SELECT c.sweep_id AS sweep_id, c.id AS cell_id, k.id AS checkpoint_id, k.step AS step,
         k.examples_seen AS examples_seen, s.split AS split, s.prompt_id AS prompt_id,
         s.sample_index AS sample_index, s.id AS sample_id, g.label AS label, g.score AS score
  FROM cells c
  JOIN sweeps w ON w.id = c.sweep_id
  JOIN cell_samples cs ON cs.cell_id = c.id
  JOIN checkpoints k ON k.id = cs.checkpoint_id
  JOIN samples s ON s.id = cs.sample_id
  JOIN grades g ON g.sample_id = s.id
   AND g.grader_key = CASE s.split WHEN 'eval' THEN w.eval_grader_key ELSE w.train_grader_key END
  WHERE s.split IN ('eval', 'train');
  `,

  // 2 → 3: tokens, for costs and budgets (src/store/usage.ts reads them). Each row that a model call
  // produced keeps the tokens that call read and wrote, so what a sweep's record took is a sum over its
  // own rows. NULL means "recorded before schema 3": unknown, never a made-up 0. And a sweep may stop at
  // its budget: status `stopped`. SQLite cannot change a CHECK constraint in place, so `sweeps` is
  // rebuilt (same columns, same order, same ids) with foreign keys off for the migration (db.ts
  // `migrate`; cells and timings point at it) and the view over it recreated.
  `
  ALTER TABLE samples ADD COLUMN prompt_tokens INTEGER;
  ALTER TABLE grades ADD COLUMN judge_prefill_tokens INTEGER;
  ALTER TABLE grades ADD COLUMN judge_sampled_tokens INTEGER;
  ALTER TABLE metrics ADD COLUMN prefill_tokens INTEGER;
  ALTER TABLE datasets ADD COLUMN usage_json TEXT;
  ALTER TABLE checks ADD COLUMN usage_json TEXT;

  DROP VIEW sweep_grades;
  CREATE TABLE sweeps_3 (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    setting_id TEXT NOT NULL,
    setting_hash TEXT NOT NULL,
    organism_json TEXT NOT NULL,
    spec_json TEXT NOT NULL,
    eval_grader_key TEXT NOT NULL,
    train_grader_key TEXT NOT NULL,
    graders_json TEXT NOT NULL,
    manifest_json TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'stopped')),
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  INSERT INTO sweeps_3 SELECT * FROM sweeps;
  DROP TABLE sweeps;
  ALTER TABLE sweeps_3 RENAME TO sweeps;
  CREATE VIEW sweep_grades AS
  SELECT c.sweep_id AS sweep_id, c.id AS cell_id, k.id AS checkpoint_id, k.step AS step,
         k.examples_seen AS examples_seen, s.split AS split, s.prompt_id AS prompt_id,
         s.sample_index AS sample_index, s.id AS sample_id, g.label AS label, g.score AS score
  FROM cells c
  JOIN sweeps w ON w.id = c.sweep_id
  JOIN cell_samples cs ON cs.cell_id = c.id
  JOIN checkpoints k ON k.id = cs.checkpoint_id
  JOIN samples s ON s.id = cs.sample_id
  JOIN grades g ON g.sample_id = s.id
   AND g.grader_key = CASE s.split WHEN 'eval' THEN w.eval_grader_key ELSE w.train_grader_key END
  WHERE s.split IN ('eval', 'train');
  `,
  // 3 → 4: where a dataset's targets came from. `source_json` holds the source (its kind, a teacher's
  // identity, a dataset file's hash, a stream's generator and seed), what a sampled source kept of what it
  // drew, and the organism's NLL on the targets (src/pipeline/data.ts `DataSummary`); NULL for a dataset
  // recorded before schema 4 (reference or on-policy targets, source unrecorded).
  `
  ALTER TABLE datasets ADD COLUMN source_json TEXT;
  `,
  // 4 → 5: checkpoints trained elsewhere. A served sweep's checkpoint is a model its server serves, sampled
  // by that name (src/pipeline/served.ts): `served_model` holds the name, and such a checkpoint has no
  // weights artifact. NULL for every checkpoint trained here (and every one recorded before schema 5).
  `
  ALTER TABLE checkpoints ADD COLUMN served_model TEXT;
  `,
];
