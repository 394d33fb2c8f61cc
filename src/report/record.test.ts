import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFixtureRecord } from './fixture.js';
import { findSweep, promptAnswers, samplePage, sweepCapability, sweepCells, sweepSamples } from './record.js';

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
      const page = samplePage(db, { cellId: cells[0]!.id, step: 10, limit: 3, after });
      sizes.push(page.rows.length);
      ids.push(...page.rows.map((r) => r.sampleId));
      after = page.next ?? undefined;
    } while (after !== undefined);
    assert.deepEqual(sizes, [3, 3, 1]);
    assert.equal(new Set(ids).size, 7);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    const byLabel = samplePage(db, { cellId: cells[0]!.id, step: 10, label: 'initial', limit: 100 }).rows;
    assert.ok(byLabel.every((r) => r.label === 'initial'));
    const side = promptAnswers(db, cells[0]!.id, 'e0', [0, 10]);
    assert.equal(side[0]!.length, 1);
    assert.equal(side[10]![0]!.promptId, 'e0');
    project.db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('metrics rows for export: one per checkpoint, flat values', async () => {
  const { sweepMetricsRows } = await import('./analyze.js');
  const dir = mkdtempSync(join(tmpdir(), 'bct-metrics-'));
  try {
    const { project, sweepId } = buildFixtureRecord(dir, { lrs: [1e-3, 3e-3], seeds: [0], steps: [0, 10, 30], evalPrompts: 10 });
    const rows = sweepMetricsRows(project.db, sweepId);
    assert.equal(rows.length, 2 * 3);
    for (const r of rows) {
      assert.ok(r['broken'] === 0 || r['broken'] === 1);
      assert.equal(typeof r['initial'], 'number');
      assert.equal(r['eval_n'], 10);
    }
    // The fixture's top LR loses capability (accuracy 0.9 -> 0.63 at step 30, a 30% loss): broken there.
    const top = rows.filter((r) => r['lr'] === 3e-3 && r['step'] === 30)[0]!;
    assert.equal(top['broken'], 1);
    assert.ok((top['capability_loss'] as number) >= 0.1);
    project.db.close();
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
