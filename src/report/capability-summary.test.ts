// What the report, `bct status` and the train_log export say about capability per evaluation, spread,
// the broken rule and training instability, on a fixture record (real SQLite) and against the numbers in it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { DEFAULT_BROKEN } from '../analysis/index.js';
import { analyzeSweep, capabilityBlock, instabilityBlock, summaryTable } from './analyze.js';
import { trainLogRows } from './exports.js';
import { buildFixtureRecord } from './fixture.js';

test('per-evaluation capability and spread per (method, LR), the broken rule in words, unstable cells named', () => {
  const { project, sweepId } = buildFixtureRecord(join(tempDir('bct-capsum-'), 'p'), {
    lrs: [1e-4, 3e-3],
    seeds: [0, 1],
    steps: [0, 10, 30],
    evalPrompts: 10,
    trainPrompts: 2,
    capabilityEvals: ['acc:arith', 'nll:heldout', 'spread:arith'],
  });
  const db = project.db;
  const a = analyzeSweep(db, sweepId, { resamples: 20 });
  const hi = a.groups.find((g) => g.lr === 3e-3)!;
  // Seed means at the last checkpoint, straight from the metric rows.
  const at = (name: string): number[] =>
    db
      .prepare(`SELECT m.value FROM metrics m JOIN checkpoints k ON k.id = m.checkpoint_id JOIN cells c ON c.train_key = k.train_key WHERE c.lr = 3e-3 AND k.step = 30 AND m.name = ?`)
      .pluck()
      .all(name) as number[];
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.equal(at('acc:arith').length, 2);
  assert.ok(Math.abs(hi.capability['acc:arith']!.value - mean(at('acc:arith'))) < 1e-12);
  assert.ok(Math.abs(hi.capability['nll:heldout']!.value - mean(at('nll:heldout'))) < 1e-12);
  assert.deepEqual(Object.keys(hi.capability), ['acc:arith', 'nll:heldout'], 'spread is not a capability evaluation');
  // Spread pooled over its evaluation: the seed mean of round(value × 50) / 50.
  assert.ok(Math.abs(hi.spread - mean(at('spread:arith').map((v) => Math.round(v * 50) / 50))) < 1e-12);
  assert.ok(Math.abs(hi.spreadByEval['arith']! - hi.spread) < 1e-12);

  const block = capabilityBlock(a);
  assert.match(block[0]!, /capability at the last checkpoint .*worst of the accuracy and NLL evaluations.*spread/);
  assert.match(block[1]!, /family\s+lr\s+step\s+acc:arith\s+nll:heldout\s+spread/);
  const row = block.find((l) => /full\s+3e-3\s+30/.test(l))!;
  assert.ok(row.includes(`${(100 * hi.capability['acc:arith']!.value).toFixed(0)}%`), row);
  assert.ok(row.trimEnd().endsWith(`${(100 * hi.spread).toFixed(0)}%`), row);
  const text = summaryTable(a);
  assert.match(text, /\(broken = capability loss ≥ 10% \(worst of the accuracy and NLL evaluations\) or other ≥ 20%, each by its 95% lower end; spread of the alternate not counted\)/);
  assert.match(text, /^family .*capability change\s+spread$/m);

  // Counting only NLL changes the capability loss to the NLL's own.
  const nllOnly = analyzeSweep(db, sweepId, { resamples: 20, broken: { ...DEFAULT_BROKEN, evals: ['nll'] } });
  const g = nllOnly.groups.find((x) => x.lr === 3e-3)!;
  assert.ok(Math.abs(g.capabilityLoss - g.capability['nll:heldout']!.loss) < 1e-12);
  assert.notEqual(g.capabilityLoss, hi.capabilityLoss);
  assert.match(summaryTable(nllOnly), /worst of the NLL evaluations/);

  // The fixture's training losses fall: no cell is unstable. Knock one cell out from step 15 on.
  assert.match(instabilityBlock(a)[0]!, /: 0 of 4 cells$/);
  const cell = a.cells.find((c) => c.lr === 3e-3 && c.seed === 1)!;
  db.prepare(`UPDATE train_log SET loss = loss * 1000 WHERE step >= 15 AND train_key = (SELECT train_key FROM cells WHERE id = ?)`).run(cell.id);
  const b = analyzeSweep(db, sweepId, { resamples: 20 });
  const lines = instabilityBlock(b);
  assert.match(lines[0]!, /training loss above 10× its early value.*: 1 of 4 cells$/);
  assert.equal(lines.length, 2);
  assert.ok(lines[1]!.startsWith(`  ${cell.name}: unstable: loss above 10× its early`), lines[1]);
  assert.match(lines[1]!, /from step 16 /, 'steps 14-16: two of three raised, the first median above the bar');
  assert.match(instabilityBlock(analyzeSweep(db, sweepId, { resamples: 20, instabilityFactor: 5000 }))[0]!, /above 5000×.*: 0 of 4 cells$/);

  // The train_log export carries the flag on every row of the cell, with sweep and cell ids.
  const rows = trainLogRows(db, sweepId);
  const own = rows.filter((r) => r['cell_id'] === cell.id);
  assert.equal(own.length, 30);
  assert.ok(own.every((r) => r['sweep_id'] === sweepId && r['unstable'] === 1 && r['unstable_from'] === 16));
  assert.ok(rows.filter((r) => r['cell_id'] !== cell.id).every((r) => r['unstable'] === 0 && r['unstable_from'] === null));
  const r20 = own.find((r) => r['step'] === 20)!;
  assert.ok(Math.abs((r20['loss_vs_early'] as number) - Math.round(((r20['loss'] as number) / (r20['early_loss'] as number)) * 1e6) / 1e6) < 1e-9);
  project.db.close();
});
