// Migrations on records written by earlier schemas. 1 → 2: the cells keep exactly the answers and metrics
// they were reported with (the rule of schema 1: same checkpoint and sampling key), now recorded in
// cell_samples / cell_metrics. 2 → 3: every row is kept (the sweeps table is rebuilt), tokens recorded
// before it are unknown (NULL), a sweep may be `stopped`, and foreign keys are enforced again after it.
// 3 → 4: a dataset recorded before it keeps its row, with its source unknown (NULL). 4 → 5: every
// checkpoint recorded before it was trained here (no served model), and a served one can be recorded.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { MIGRATIONS } from './migrations.js';
import { insertCheckpoint, openProject, SCHEMA_VERSION } from './index.js';

test('migrating a schemaVersion 1 record keeps each cell its own answers and metrics', () => {
  const dir = join(tempDir('bct-migrate-'), 'proj');
  mkdirSync(dir, { recursive: true });
  const v1 = new Database(join(dir, 'record.sqlite'));
  v1.exec(MIGRATIONS[0]!);
  v1.exec(`
    INSERT INTO meta VALUES ('schemaVersion', '1');
    INSERT INTO sweeps VALUES (1, 'sweep:a', 'a', 's', 'h', '{}', '{}', 'ge', 'gt', '{}', '{}', 'done', NULL, 't', 't');
    INSERT INTO cells VALUES (1, 1, 'c1', 'train:x', 0.1, 0, 8, 8, NULL, '{}', 'sampling:1', '{}', 'done', NULL, 't');
    INSERT INTO cells VALUES (2, 1, 'c2', 'train:x', 0.1, 0, 8, 8, NULL, '{}', 'sampling:2', '{}', 'done', NULL, 't');
    INSERT INTO checkpoints VALUES (1, 'train:x', 0, NULL, NULL, 0, 't');
    INSERT INTO samples VALUES (1, 'sample:1', 1, 'eval', 'e0', 0, 0, 'sampling:1', '[]', 'cat', 1, 'stop', 1, 't');
    INSERT INTO samples VALUES (2, 'sample:2', 1, 'eval', 'e0', 0, 0, 'sampling:2', '[]', 'dog', 1, 'stop', 1, 't');
    INSERT INTO grades VALUES (1, 'grade:1', 1, 'ge', '{}', 'initial', 1, '', 't');
    INSERT INTO grades VALUES (2, 'grade:2', 2, 'ge', '{}', 'alternate', 0, '', 't');
    INSERT INTO metrics VALUES (1, 'capability:1', 1, 'nll:x', 1.5, 3, 0, 't');
  `);
  v1.close();
  const p = openProject(dir);
  assert.equal(SCHEMA_VERSION, 5);
  const rows = p.db.prepare(`SELECT cell_id, label FROM sweep_grades ORDER BY cell_id`).all();
  assert.deepEqual(rows, [{ cell_id: 1, label: 'initial' }, { cell_id: 2, label: 'alternate' }]);
  assert.deepEqual(p.db.prepare(`SELECT cell_id, metric_id FROM cell_metrics ORDER BY cell_id`).all(), [{ cell_id: 1, metric_id: 1 }, { cell_id: 2, metric_id: 1 }]);
  p.db.close();
});

test('migrating a schemaVersion 2 record keeps every row, allows `stopped`, and leaves old tokens unknown', () => {
  const dir = join(tempDir('bct-migrate-'), 'proj');
  mkdirSync(dir, { recursive: true });
  const v2 = new Database(join(dir, 'record.sqlite'));
  v2.pragma('foreign_keys = ON');
  v2.exec(MIGRATIONS[0]!);
  v2.exec(MIGRATIONS[1]!);
  v2.exec(`
    INSERT INTO meta VALUES ('schemaVersion', '2');
    INSERT INTO sweeps VALUES (7, 'sweep:a', 'a', 's', 'h', '{}', '{"lrs":[0.1]}', 'ge', 'gt', '{}', '{}', 'failed', 'boom', 't0', 't1');
    INSERT INTO cells VALUES (3, 7, 'c1', 'train:x', 0.1, 0, 8, 8, NULL, '{}', 'sampling:1', '{}', 'done', NULL, 't');
    INSERT INTO checkpoints VALUES (1, 'train:x', 0, NULL, NULL, 0, 't');
    INSERT INTO samples VALUES (1, 'sample:1', 1, 'eval', 'e0', 0, 0, 'sampling:1', '[]', 'cat', 1, 'stop', 1, 't');
    INSERT INTO cell_samples VALUES (3, 1, 1);
    INSERT INTO grades VALUES (1, 'grade:1', 1, 'ge', '{}', 'initial', 1, '', 't');
    INSERT INTO timings (sweep_id, cell_id, stage, items, ms, created_at) VALUES (7, 3, 'train', 8, 5, 't');
  `);
  v2.close();
  const p = openProject(dir);
  const sweep = p.db.prepare(`SELECT * FROM sweeps`).get() as Record<string, unknown>;
  assert.deepEqual(sweep, { id: 7, key: 'sweep:a', name: 'a', setting_id: 's', setting_hash: 'h', organism_json: '{}', spec_json: '{"lrs":[0.1]}', eval_grader_key: 'ge', train_grader_key: 'gt', graders_json: '{}', manifest_json: '{}', status: 'failed', error: 'boom', created_at: 't0', updated_at: 't1' });
  assert.deepEqual(p.db.prepare(`SELECT cell_id, label FROM sweep_grades`).all(), [{ cell_id: 3, label: 'initial' }], 'the view over the rebuilt table');
  assert.deepEqual(p.db.prepare(`SELECT prompt_tokens, completion_tokens FROM samples`).get(), { prompt_tokens: null, completion_tokens: 1 });
  assert.deepEqual(p.db.prepare(`SELECT judge_prefill_tokens, judge_sampled_tokens FROM grades`).get(), { judge_prefill_tokens: null, judge_sampled_tokens: null });
  p.db.prepare(`UPDATE sweeps SET status = 'stopped' WHERE id = 7`).run();
  assert.throws(() => p.db.prepare(`UPDATE sweeps SET status = 'paused' WHERE id = 7`).run(), /CHECK constraint/);
  assert.equal(p.db.pragma('foreign_keys', { simple: true }), 1);
  assert.throws(() => p.db.prepare(`INSERT INTO cells VALUES (4, 99, 'c2', 'train:y', 0.1, 0, 8, 8, NULL, '{}', 's', '{}', 'done', NULL, 't')`).run(), /FOREIGN KEY/);
  p.db.close();
});

/** A record written by the first `version` migrations with `rows` inserted, opened (so migrated) by this
 *  bctlab. */
function migratedFrom(version: number, rows: string): ReturnType<typeof openProject> {
  const dir = join(tempDir('bct-migrate-'), 'proj');
  mkdirSync(dir, { recursive: true });
  const old = new Database(join(dir, 'record.sqlite'));
  for (const m of MIGRATIONS.slice(0, version)) old.exec(m);
  old.exec(`INSERT INTO meta VALUES ('schemaVersion', '${version}');\n${rows}`);
  old.close();
  return openProject(dir);
}

test('migrating a schemaVersion 3 record keeps its datasets, their source unknown', () => {
  const p = migratedFrom(3, `INSERT INTO datasets (key, examples_json, n, dropped_json, usage_json, created_at) VALUES ('data:v1:a', '[{"promptId":"t0"}]', 1, '[]', NULL, 't');`);
  assert.deepEqual(p.db.prepare(`SELECT key, n, examples_json, source_json FROM datasets`).get(), { key: 'data:v1:a', n: 1, examples_json: '[{"promptId":"t0"}]', source_json: null });
  p.db.close();
});

test('migrating a schemaVersion 4 record keeps its checkpoints as trained here (no served model)', () => {
  const p = migratedFrom(
    4,
    `
    INSERT INTO artifacts VALUES ('w1', 'weights', 10, 't');
    INSERT INTO checkpoints VALUES (1, 'train:x', 0, NULL, NULL, 0, 't');
    INSERT INTO checkpoints VALUES (2, 'train:x', 4, 'w1', NULL, 32, 't');
  `,
  );
  assert.deepEqual(p.db.prepare(`SELECT id, step, weights_hash, served_model FROM checkpoints ORDER BY id`).all(), [
    { id: 1, step: 0, weights_hash: null, served_model: null },
    { id: 2, step: 4, weights_hash: 'w1', served_model: null },
  ]);
  const served = insertCheckpoint(p.db, { trainKey: 'train:served', step: 50, weightsHash: null, stateHash: null, examplesSeen: 0, servedModel: 'rh-1e-4-s50' }, []);
  assert.equal(served.served_model, 'rh-1e-4-s50');
  assert.equal(served.weights_hash, null);
  p.db.close();
});
