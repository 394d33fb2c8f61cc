// `bct export`: every table starts with the same sweep and cell columns, so tables join on (sweep_id,
// cell_id, step); rows are sorted by cell id and step as numbers; each table holds what the record holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { buildFixtureRecord } from '../report/index.js';
import { tempDir } from '../../test/temp-dir.js';
import { bctIn } from '../../test/e2e/cli.js';
import { EXPORT_TABLES } from './export.js';

const COMMON = ['sweep_id', 'sweep', 'cell_id', 'cell', 'method', 'lora_rank', 'lr', 'seed', 'batch_size'];

async function exported(dir: string, table: string): Promise<Record<string, unknown>[]> {
  const r = await bctIn(['export', '--table', table, '--format', 'jsonl', '--project', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('every export table starts with the sweep and cell columns, joins on them, and holds the record\'s rows', async () => {
  const dir = tempDir('bct-export-');
  // 12 cells, full and LoRA, so that cell ids 10..12 must sort after 9 as numbers.
  const { project, sweepId } = buildFixtureRecord(dir, { lrs: [1e-4, 1e-3, 3e-3], seeds: [0, 1], loraRanks: [null, 8], steps: [0, 5, 20], evalPrompts: 3, trainPrompts: 2 });
  project.db.close();
  const db = new Database(join(dir, 'record.sqlite'), { readonly: true });
  const count = (sql: string): number => (db.prepare(sql).pluck().get(sweepId) as number);
  const cells = db.prepare(`SELECT id, name, lr, seed, batch_size, lora_rank FROM cells WHERE sweep_id = ? ORDER BY id`).all(sweepId) as { id: number; name: string; lr: number; seed: number; batch_size: number; lora_rank: number | null }[];
  assert.equal(cells.length, 12);
  const expected = new Map(
    cells.map((c) => [c.id, [sweepId, 'fixture-sweep', c.id, c.name, c.lora_rank === null ? 'full' : 'lora', c.lora_rank ?? 0, c.lr, c.seed, c.batch_size]]),
  );
  const sizes: Record<string, number> = {
    metrics: 12 * 3,
    grades: count(`SELECT COUNT(*) FROM sweep_grades WHERE sweep_id = ?`),
    cells: 12,
    capability: count(`SELECT COUNT(*) FROM cell_metrics cm JOIN cells c ON c.id = cm.cell_id WHERE c.sweep_id = ?`),
    train_log: count(`SELECT COUNT(*) FROM train_log t JOIN cells c ON c.train_key = t.train_key WHERE c.sweep_id = ?`),
  };
  assert.deepEqual(Object.keys(EXPORT_TABLES).sort(), Object.keys(sizes).sort());
  assert.deepEqual([sizes['grades'], sizes['capability'], sizes['train_log']], [12 * 3 * (3 + 2), 12 * 3 * 2, 12 * 20]);
  for (const [table, size] of Object.entries(sizes)) {
    const rows = await exported(dir, table);
    assert.equal(rows.length, size, table);
    for (const r of rows) {
      assert.deepEqual(Object.keys(r).slice(0, COMMON.length), COMMON, `${table}: the common columns first`);
      assert.deepEqual(COMMON.map((k) => r[k]), expected.get(r['cell_id'] as number), `${table}: the cell's own values`);
    }
    const order = rows.map((r) => [r['cell_id'] as number, (r['step'] as number | undefined) ?? 0]);
    assert.deepEqual(order, [...order].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!), `${table}: sorted by cell id and step as numbers`);
  }

  // Grades carry the sample id, the answer and the grader's reason, as recorded.
  const grades = await exported(dir, 'grades');
  const one = grades.find((g) => g['cell_id'] === cells[11]!.id && g['step'] === 20 && g['split'] === 'eval')!;
  const recorded = db
    .prepare(`SELECT s.completion, g.label, g.reason FROM samples s JOIN grades g ON g.sample_id = s.id AND g.grader_key = 'grader:fixture-eval' WHERE s.id = ?`)
    .get(one['sample_id']) as { completion: string; label: string; reason: string };
  assert.deepEqual({ completion: one['completion'], label: one['label'], reason: one['reason'] }, recorded);
  // Capability and train_log join the metrics rows on (cell_id, step).
  const metrics = await exported(dir, 'metrics');
  const capability = await exported(dir, 'capability');
  const key = (r: Record<string, unknown>): string => `${r['cell_id']}@${r['step']}`;
  const metricKeys = new Set(metrics.map(key));
  assert.ok(capability.every((c) => metricKeys.has(key(c))));
  assert.ok(capability.every((c) => c['higher_is_better'] === 0 || c['higher_is_better'] === 1));
  const log = await exported(dir, 'train_log');
  assert.ok(log.every((l) => typeof l['loss'] === 'number' && (l['step'] as number) >= 1 && (l['step'] as number) <= 20));
  const cellRows = await exported(dir, 'cells');
  assert.deepEqual(cellRows.map((c) => [c['steps'], c['status']]), cells.map(() => [20, 'done']));
  db.close();

  const csv = await bctIn(['export', '--table', 'capability', '--project', dir]);
  assert.equal(csv.stdout.split('\n')[0], [...COMMON, 'step', 'metric', 'value', 'n', 'higher_is_better'].join(','));
  const bad = await bctIn(['export', '--table', 'nope', '--project', dir]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--table: unknown table "nope"; expected one of metrics, grades, cells, capability, train_log/);
});

test('bct export --table metrics: the broken column follows --broken, as the analysis reads it; other tables refuse the flag', async () => {
  const dir = tempDir('bct-export-broken-');
  const { project } = buildFixtureRecord(dir, { lrs: [1e-4, 1e-3, 3e-3], seeds: [0, 1], steps: [0, 3, 10, 30], evalPrompts: 20, trainPrompts: 2 });
  project.db.close();
  const metrics = async (...flags: string[]): Promise<Record<string, unknown>[]> => {
    const r = await bctIn(['export', '--table', 'metrics', '--format', 'jsonl', '--project', dir, ...flags]);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  // Broken: the 95% lower end of the other rate or of the capability loss (or the spread, when counted)
  // at or above its share (src/analysis/README.md), read off each row's own columns.
  const atLeast = (x: unknown, share: number): boolean => typeof x === 'number' && x >= share;
  const rule = (r: Record<string, unknown>, capability: number, other: number): number => (atLeast(r['other_lo'], other) || atLeast(r['capability_loss_lo'], capability) ? 1 : 0);
  const byDefault = await metrics();
  assert.deepEqual(byDefault.map((r) => r['broken']), byDefault.map((r) => rule(r, 0.1, 0.2)), 'the default rule: capability 0.1, other 0.2');
  const strict = await metrics('--broken', 'capability=0.02,other=0.05');
  assert.deepEqual(strict.map((r) => r['broken']), strict.map((r) => rule(r, 0.02, 0.05)));
  const lenient = await metrics('--broken', 'capability=1,other=1');
  assert.deepEqual(lenient.map((r) => r['broken']), lenient.map(() => 0), 'nothing is credibly past a share of 1');
  const count = (rows: Record<string, unknown>[]): number => rows.filter((r) => r['broken'] === 1).length;
  assert.ok(count(byDefault) > 0 && count(strict) > count(byDefault), `broken rows: ${count(strict)} strict, ${count(byDefault)} by default`);
  // evals= chooses the capability kinds whose worst loss counts: the loss column follows it too.
  const accuracyOnly = await metrics('--broken', 'evals=accuracy');
  assert.deepEqual(accuracyOnly.map((r) => r['broken']), accuracyOnly.map((r) => rule(r, 0.1, 0.2)));
  assert.notDeepEqual(accuracyOnly.map((r) => r['capability_loss']), byDefault.map((r) => r['capability_loss']));

  const grades = await bctIn(['export', '--table', 'grades', '--broken', 'capability=0.2', '--project', dir]);
  assert.equal(grades.status, 2);
  assert.equal(grades.stderr, 'bct export: --broken: the grades table has no broken column; the broken rule is read by --table metrics\n');
  const bad = await bctIn(['export', '--table', 'metrics', '--broken', 'capability=2', '--project', dir]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--broken: capability=2: expected a share in \(0, 1\]/);
});
