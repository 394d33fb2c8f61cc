// Migration 1 → 2 on a record written by schemaVersion 1: the cells keep exactly the answers and metrics
// they were reported with (the rule of schema 1: same checkpoint and sampling key), now recorded in
// cell_samples / cell_metrics.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { MIGRATIONS } from './migrations.js';
import { openProject, SCHEMA_VERSION } from './index.js';

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
  assert.equal(SCHEMA_VERSION, 2);
  const rows = p.db.prepare(`SELECT cell_id, label FROM sweep_grades ORDER BY cell_id`).all();
  assert.deepEqual(rows, [{ cell_id: 1, label: 'initial' }, { cell_id: 2, label: 'alternate' }]);
  assert.deepEqual(p.db.prepare(`SELECT cell_id, metric_id FROM cell_metrics ORDER BY cell_id`).all(), [{ cell_id: 1, metric_id: 1 }, { cell_id: 2, metric_id: 1 }]);
  p.db.close();
});
