import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { CheckpointError, StoreError } from '../errors.js';
import { artifactPath, beginSweep, collectGarbage, contentHash, getSweep, insertCheckpoint, listCheckpoints, openProject, putArtifact, releaseStates, SCHEMA_VERSION, stageKey } from './index.js';

test('opens a new project with WAL and the current schema, and reopens it', () => {
  const dir = join(tempDir('bct-store-'), 'proj');
  assert.throws(() => openProject(dir), StoreError);
  const p = openProject(dir, { create: true });
  assert.equal(p.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal((p.db.prepare(`SELECT value FROM meta WHERE key='schemaVersion'`).get() as { value: string }).value, String(SCHEMA_VERSION));
  const tables = (p.db.prepare(`SELECT name FROM sqlite_master WHERE type IN ('table','view') ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
  for (const t of ['artifacts', 'cell_metrics', 'cell_samples', 'cells', 'checkpoints', 'checks', 'datasets', 'grades', 'metrics', 'samples', 'sweep_grades', 'sweeps', 'timings', 'train_log']) assert.ok(tables.includes(t), t);
  p.db.close();
  const again = openProject(dir);
  again.db.prepare(`UPDATE meta SET value = ? WHERE key = 'schemaVersion'`).run(String(SCHEMA_VERSION + 1));
  again.db.close();
  assert.throws(() => openProject(dir), new RegExp(`schemaVersion ${SCHEMA_VERSION + 1} but this bctlab reads up to ${SCHEMA_VERSION}`));
});

test('artifacts are stored by content hash; a truncated file is a CheckpointError naming it', () => {
  const p = openProject(join(tempDir('bct-store-'), 'proj'), { create: true });
  const src = join(p.dir, 'w.bin');
  writeFileSync(src, 'weights');
  const h = putArtifact(p, src, 'weights');
  assert.equal(existsSync(src), false);
  assert.match(h, /^[0-9a-f]{64}$/);
  writeFileSync(src, 'weights');
  assert.equal(putArtifact(p, src, 'weights'), h);
  const path = artifactPath(p, h);
  appendFileSync(path, 'x');
  assert.throws(() => artifactPath(p, h), (e: unknown) => e instanceof CheckpointError && e.message.includes(path) && /corrupt/.test(e.message));
});

test('content keys are canonical and versioned', () => {
  assert.equal(contentHash({ a: 1, b: [1, 2] }), contentHash({ b: [1, 2], a: 1 }));
  assert.notEqual(contentHash({ a: 1 }), contentHash({ a: 2 }));
  assert.match(stageKey('sample', { x: 1 }), /^sample:v1:[0-9a-f]{32}$/);
  assert.throws(() => contentHash({ f: () => 1 }), /functions cannot be hashed/);
});

test('garbage collection removes unreferenced artifacts and unlisted files, keeps referenced ones', () => {
  const p = openProject(join(tempDir('bct-store-'), 'proj'), { create: true });
  const put = (text: string, kind: string): string => {
    const f = join(p.dir, `${text}.bin`);
    writeFileSync(f, text);
    return putArtifact(p, f, kind);
  };
  const w = put('weights', 'weights');
  const s1 = put('state-1', 'state');
  const s2 = put('state-2', 'state');
  const orphan = put('orphan', 'state');
  insertCheckpoint(p.db, { trainKey: 't', step: 1, weightsHash: w, stateHash: s1, examplesSeen: 4 }, []);
  insertCheckpoint(p.db, { trainKey: 't', step: 2, weightsHash: w, stateHash: s2, examplesSeen: 8 }, []);
  releaseStates(p, 't', s2);
  assert.deepEqual(listCheckpoints(p.db, 't').map((c) => c.state_hash), [null, s2]);
  assert.equal(existsSync(join(p.artifactsDir, s1)), false);
  writeFileSync(join(p.artifactsDir, 'stray'), 'x');
  assert.equal(collectGarbage(p), 0, 'nothing recent is collected: another run may be writing it');
  assert.equal(collectGarbage(p, 0), 2, 'the orphan state and the stray file');
  assert.deepEqual(readdirSync(p.artifactsDir).sort(), [s2, w].sort());
  assert.equal(existsSync(join(p.artifactsDir, orphan)), false);
  releaseStates(p, 't', null);
  assert.deepEqual(readdirSync(p.artifactsDir), [w]);
});

test('a sweep is found again by its key; a new sweep under a taken name gets a suffix', () => {
  const p = openProject(join(tempDir('bct-store-'), 'proj'), { create: true });
  const sweep = (key: string) => ({ key, name: 'mine', settingId: 's', settingHash: 'h', organism: {}, spec: {}, evalGraderKey: 'e', trainGraderKey: 't', graders: {}, manifest: {} });
  const a = beginSweep(p.db, sweep('sweep:v1:a'));
  assert.equal(a.name, 'mine');
  assert.equal(beginSweep(p.db, sweep('sweep:v1:a')).id, a.id);
  assert.equal(beginSweep(p.db, sweep('sweep:v1:b')).name, 'mine-2');
  assert.equal(beginSweep(p.db, sweep('sweep:v1:c')).name, 'mine-3');
  assert.equal(getSweep(p.db, 'mine')?.id, a.id);
});
