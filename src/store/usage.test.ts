// A sweep's usage is the sum over its own rows: its cells' training logs, linked answers, metrics and the
// labels of its own graders, and the pre-check and data its manifest names; rows of other sweeps,
// unlinked answers and labels of other graders are not counted.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import {
  beginSweep,
  cellUsages,
  ensureCells,
  insertCheckpoint,
  insertGrades,
  insertMetric,
  insertSamples,
  openProject,
  putCheck,
  putDataset,
  sweepUsage,
  totalTokens,
  type NewSample,
} from './index.js';

const cell = (name: string, trainKey: string) => ({ name, train_key: trainKey, lr: 0.1, seed: 0, batch_size: 2, steps: 2, lora_rank: null, schedule_json: '{"steps":[0,2]}', sampling_key: 's', point_json: '{}' });
const sample = (key: string, checkpointId: number, split: string, promptTokens: number, completionTokens: number): NewSample => ({
  key, checkpointId, split, promptId: key, sampleIndex: 0, seed: 0, samplingKey: 's', prompt: [], completion: 'x', promptTokens, completionTokens, finishReason: 'stop', latencyMs: 1,
});
const grade = (key: string, sampleId: number, graderKey: string, prefill: number, sampled: number) => ({
  key, sampleId, graderKey, grader: {}, label: 'initial', score: 1, reason: '', judgePrefillTokens: prefill, judgeSampledTokens: sampled,
});

test('a sweep\'s usage counts its own rows once, by cell, with its pre-check and data', () => {
  const p = openProject(join(tempDir('bct-usage-'), 'proj'), { create: true });
  const db = p.db;
  const usage = (prefill: number, sampled: number) => ({ organism: { trained: 0, prefill, sampled }, judge: { trained: 0, prefill: 2 * prefill, sampled: 0 } });
  putCheck(db, { key: 'check:1', settingId: 's', settingHash: 'h', organism: {}, passed: true, result: {}, usage: usage(100, 10) });
  putDataset(db, 'data:1', [], [], usage(50, 5), { source: { kind: 'reference' } });
  putCheck(db, { key: 'check:other', settingId: 's', settingHash: 'h', organism: {}, passed: true, result: {}, usage: usage(9999, 9999) });
  const sweep = beginSweep(db, { key: 'sweep:a', name: 'a', settingId: 's', settingHash: 'h', organism: {}, spec: {}, evalGraderKey: 'ge', trainGraderKey: 'gt', graders: {}, manifest: { hashes: { check: 'check:1', dataset: 'data:1' } } });
  const [c1, c2] = ensureCells(db, sweep.id, [cell('c1', 'train:1'), cell('c2', 'train:2')]);
  const log = (tokens: number) => [1, 2].map((step) => ({ step, loss: 1, gradNorm: 1, tokens, latencyMs: 1 }));
  const k1 = insertCheckpoint(db, { trainKey: 'train:1', step: 2, weightsHash: null, stateHash: null, examplesSeen: 4 }, log(7));
  const k2 = insertCheckpoint(db, { trainKey: 'train:2', step: 2, weightsHash: null, stateHash: null, examplesSeen: 4 }, log(11));
  insertSamples(db, [sample('e1', k1.id, 'eval', 20, 3), sample('t1', k1.id, 'train', 30, 4), sample('c1', k1.id, 'cap:x', 40, 1)], { cellId: c1!.id, checkpointId: k1.id });
  insertSamples(db, [sample('e2', k2.id, 'eval', 21, 2)], { cellId: c2!.id, checkpointId: k2.id });
  // An answer of the same checkpoint that no cell of this sweep links (another sweep drew it).
  const other = openProject(p.dir);
  other.db.prepare(`INSERT INTO samples (key, checkpoint_id, split, prompt_id, sample_index, seed, sampling_key, prompt_json, completion, prompt_tokens, completion_tokens, finish_reason, latency_ms, created_at)
    VALUES ('unlinked', ?, 'eval', 'u', 0, 0, 's', '[]', 'x', 1000, 1000, 'stop', 1, 't')`).run(k1.id);
  other.db.close();
  const id = (key: string) => db.prepare(`SELECT id FROM samples WHERE key = ?`).pluck().get(key) as number;
  insertGrades(db, [
    grade('g1', id('e1'), 'ge', 15, 1), // the sweep's eval grader: counted
    grade('g1-old', id('e1'), 'ge-old', 500, 500), // an earlier grader version: not this sweep's label
    grade('g2', id('t1'), 'gt', 6, 0), // the sweep's train grader: counted
    grade('g3', id('t1'), 'ge', 700, 0), // the eval grader on a train answer: not a label the sweep uses
    grade('g4', id('c1'), 'cap-grader', 2, 0), // a capability answer: its set's grader
  ]);
  insertMetric(db, { key: 'm1', checkpointId: k1.id, name: 'nll:x', value: 1, n: 3, higherIsBetter: false, prefillTokens: 17 }, { cellId: c1!.id, checkpointId: k1.id });

  const cells = cellUsages(db, sweep.id);
  assert.deepEqual(cells.map((c) => [c.name, c.usage, c.answers, c.unmetered]), [
    ['c1', { organism: { trained: 14, prefill: 20 + 30 + 40 + 17, sampled: 3 + 4 + 1 }, judge: { trained: 0, prefill: 15 + 6 + 2, sampled: 1 } }, 3, 0],
    ['c2', { organism: { trained: 22, prefill: 21, sampled: 2 }, judge: { trained: 0, prefill: 0, sampled: 0 } }, 1, 0],
  ]);
  assert.deepEqual(cellUsages(db, sweep.id, c2!.id).map((c) => c.name), ['c2'], 'one cell alone');
  const u = sweepUsage(db, sweep.id);
  assert.deepEqual(u.check, usage(100, 10));
  assert.deepEqual(u.data, usage(50, 5));
  assert.equal(totalTokens(u.total), 14 + 107 + 8 + 24 + 22 + 21 + 2 + 110 + 200 + 55 + 100);

  // Answers recorded before token accounting have no prompt tokens: counted as unmetered, not as 0.
  db.prepare(`UPDATE samples SET prompt_tokens = NULL WHERE key = 'e2'`).run();
  assert.equal(sweepUsage(db, sweep.id).unmetered, 1);
  db.close();
});
