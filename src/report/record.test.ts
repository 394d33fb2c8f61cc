import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFixtureRecord } from './fixture.js';
import { trainLogRows, sweepMetricsRows } from './exports.js';
import { gradedAnswerPage, promptAnswers, searchPrompts } from '../store/index.js';
import { findSweep, sweepCapability, sweepCells, sweepSamples, trainLogSeries } from './record.js';

test('the adapter reads a sweep of the record into analysis inputs, and pages answers by keyset', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bct-record-'));
  try {
    const { project, sweepId } = buildFixtureRecord(dir, { lrs: [1e-3], seeds: [0, 1], steps: [0, 10], evalPrompts: 7, trainPrompts: 3 });
    const db = project.db;
    const meta = findSweep(db);
    assert.equal(meta.id, sweepId);
    assert.equal(meta.check?.passed, true);
    assert.throws(() => findSweep(db, 'nope'), /no sweep "nope"; known: 1 \(fixture-sweep\)/);
    const cells = sweepCells(db, sweepId);
    assert.equal(cells.length, 2);
    assert.equal(cells[0]!.family, 'full');
    const samples = sweepSamples(db, sweepId);
    assert.equal(samples.length, 2 * 2 * (7 + 3));
    assert.equal(sweepCapability(db, sweepId).length, 2 * 2 * 2);
    // Pages of 3 over the 7 eval answers at step 10 of the first cell: 3 + 3 + 1, no overlap, no gap.
    const ids: number[] = [];
    let after: number | undefined;
    const sizes: number[] = [];
    do {
      const page = gradedAnswerPage(db, { cellId: cells[0]!.id, step: 10, limit: 3, after });
      sizes.push(page.rows.length);
      ids.push(...page.rows.map((r) => r.sampleId));
      after = page.next ?? undefined;
    } while (after !== undefined);
    assert.deepEqual(sizes, [3, 3, 1]);
    assert.equal(new Set(ids).size, 7);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    const byLabel = gradedAnswerPage(db, { cellId: cells[0]!.id, step: 10, label: 'initial', limit: 100 }).rows;
    assert.ok(byLabel.every((r) => r.label === 'initial'));
    const side = promptAnswers(db, cells[0]!.id, 'e0', [0, 10]);
    assert.equal(side[0]!.length, 1);
    assert.equal(side[10]![0]!.promptId, 'e0');
    project.db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('export rows: every table starts with the same cell columns, sorted by cell id and step as numbers, bounds rounded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bct-metrics-'));
  try {
    // 12 cells, so that cell ids 10..12 sort after 9 as numbers (as strings "10" < "9").
    const { project, sweepId } = buildFixtureRecord(dir, { lrs: [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2], seeds: [0, 1], steps: [0, 10, 30], evalPrompts: 10 });
    const rows = sweepMetricsRows(project.db, sweepId);
    assert.equal(rows.length, 12 * 3);
    const common = ['sweep_id', 'sweep', 'cell_id', 'cell', 'method', 'lora_rank', 'lr', 'seed', 'batch_size'];
    assert.deepEqual(Object.keys(rows[0]!).slice(0, common.length), common);
    const order = rows.map((r) => [r['cell_id'] as number, r['step'] as number]);
    assert.deepEqual(order, [...order].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!));
    assert.ok((rows.at(-1)!['cell_id'] as number) >= 10);
    for (const r of rows) {
      assert.ok(r['broken'] === 0 || r['broken'] === 1);
      assert.equal(r['eval_n'], 10);
      assert.equal(r['method'], 'full');
      assert.equal(r['lora_rank'], 0);
      for (const k of ['initial_lo', 'initial_hi', 'other_lo', 'compatible_hi']) {
        const v = r[k] as number;
        assert.equal(v, Math.round(v * 1e6) / 1e6, `${k} = ${v} is rounded to 6 decimals`);
      }
    }
    // The fixture's top LR loses capability (accuracy 0.9 -> 0.63 at step 30, a 30% loss): broken there.
    const top = rows.filter((r) => r['lr'] === 3e-3 && r['step'] === 30)[0]!;
    assert.equal(top['broken'], 1);
    assert.ok((top['capability_loss'] as number) >= 0.1);
    // train_log joins on the same columns: one row per optimizer step.
    const log = trainLogRows(project.db, sweepId);
    assert.equal(log.length, 12 * 30);
    assert.deepEqual(Object.keys(log[0]!).slice(0, common.length), common);
    const byCell = new Map(rows.map((r) => [r['cell_id'], common.map((k) => r[k])]));
    for (const l of log) assert.deepEqual(common.map((k) => l[k]), byCell.get(l['cell_id']));
    assert.ok(log.every((l) => typeof l['loss'] === 'number' && typeof l['grad_norm'] === 'number'));
    project.db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the training log: step by step when short, binned on a log scale when long, NULL gradient norms kept as null', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bct-trainlog-'));
  try {
    const { project, sweepId } = buildFixtureRecord(dir, { lrs: [1e-3], seeds: [0], steps: [0, 2000], evalPrompts: 2, trainPrompts: 1, gradNorm: false });
    const all = trainLogRows(project.db, sweepId);
    assert.equal(all.length, 2000);
    assert.ok(all.every((r) => r['grad_norm'] === null));
    const exact = trainLogSeries(project.db, sweepId, 5000);
    assert.deepEqual(exact.map((p) => p.step), all.map((r) => r['step']));
    const binned = trainLogSeries(project.db, sweepId, 100);
    assert.ok(binned.length <= 101 && binned.length >= 50, `${binned.length} points`);
    // Log bins: the first steps keep their own points, the last bins average many steps.
    assert.deepEqual(binned.slice(0, 3).map((p) => p.step), [1, 2, 3]);
    assert.ok(binned.at(-1)!.step > 1900);
    assert.ok(binned.every((p) => p.gradNorm === null));
    // Each bin is a run of consecutive steps [a, b] (mean step (a + b)/2) and its loss their mean loss.
    let a = 1;
    for (const p of binned) {
      const b = Math.round(2 * p.step - a);
      const run = all.slice(a - 1, b);
      assert.ok(Math.abs(run.reduce((s, r) => s + (r['loss'] as number), 0) / run.length - p.loss) < 1e-12, `bin ${a}..${b}`);
      a = b + 1;
    }
    assert.equal(a, 2001, 'the bins cover every step once');
    project.db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('prompt search: an exact id first, then text matches; LIKE wildcards in the query are literal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bct-search-'));
  try {
    const { project, sweepId } = buildFixtureRecord(dir, { lrs: [1e-3], seeds: [0], steps: [0, 10], evalPrompts: 12, trainPrompts: 2 });
    const db = project.db;
    const byId = searchPrompts(db, sweepId, 'e1');
    assert.equal(byId[0]!.promptId, 'e1');
    assert.equal(byId[0]!.split, 'eval');
    // "owl" is the word of prompts 2 and 10 of each split (8 words in turn).
    const owl = searchPrompts(db, sweepId, 'OWL');
    assert.deepEqual(owl.map((h) => `${h.split}:${h.promptId}`).sort(), ['eval:e10', 'eval:e2'].sort());
    assert.ok(owl.every((h) => h.prompt.includes('owl')));
    assert.deepEqual(searchPrompts(db, sweepId, '%'), []);
    assert.deepEqual(searchPrompts(db, sweepId, '_'), []);
    assert.equal(searchPrompts(db, sweepId, 'echo', 3).length, 3);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('family names carry only the axes that vary at a fixed LR and seed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bct-family-'));
  try {
    const { project } = buildFixtureRecord(dir, { lrs: [1e-3], seeds: [0], steps: [0, 10], evalPrompts: 2, trainPrompts: 1, sweepName: 'a', batchSize: 8 });
    // A second sweep in the same record with LoRA: still its own families.
    const lora = buildFixtureRecord(dir, { lrs: [1e-3, 1e-2], seeds: [0], steps: [0, 10], evalPrompts: 2, trainPrompts: 1, sweepName: 'b', loraRank: 4 });
    assert.deepEqual(sweepCells(project.db, 1).map((c) => c.family), ['full']);
    assert.deepEqual(sweepCells(project.db, lora.sweepId).map((c) => c.family), ['lora r=4', 'lora r=4']);
    // Two batch sizes at the same LR and seed: the batch size joins the family.
    project.db.prepare(`UPDATE cells SET batch_size = 16, point_json = json_set(point_json, '$.batchSize', 16) WHERE id = (SELECT MAX(id) FROM cells WHERE sweep_id = ?)`).run(lora.sweepId);
    project.db.prepare(`UPDATE cells SET lr = 1e-3, point_json = json_set(point_json, '$.lr', 1e-3) WHERE id = (SELECT MAX(id) FROM cells WHERE sweep_id = ?)`).run(lora.sweepId);
    assert.deepEqual(sweepCells(project.db, lora.sweepId).map((c) => c.family).sort(), ['lora r=4 bs=16', 'lora r=4 bs=8']);
    lora.project.db.close();
    project.db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
