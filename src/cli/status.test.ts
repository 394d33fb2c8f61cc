// On a sweep recorded by a real `bct run --jobs 2` (the tiny organism, two LRs, two cells in worker
// threads): the progress lines each name their cell; the manifest records the setting in words and the
// report shows them from there; `bct status --json` is one JSON document whose numbers are the record's;
// `bct status` opens with the same verdicts and shows the training data's source, kept fraction and
// signal as recorded (a second sweep on on-policy targets); `bct export --table train_log` joins the
// metrics.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse, stringify } from 'yaml';
import { tempDir } from '../../test/temp-dir.js';
import { bct, bctIn } from '../../test/e2e/cli.js';
import { buildTinyOrganism, TINY_SETTING, TWO_LR_SWEEP, writeTinySweep } from '../../test/e2e/tiny-organism.js';
import { formatSignal, formatYield, type DataSummary } from '../pipeline/index.js';

const CELLS = ['lr=1e-4.seed=0.bs=4.steps=12.full', 'lr=3e-2.seed=0.bs=4.steps=12.full'];
const dir = tempDir('bct-status-');
let project = '';
let runOutput = '';

before(() => {
  buildTinyOrganism(join(dir, 'organism'), 60);
  const { file } = writeTinySweep(dir, {
    name: 'tiny',
    ...TWO_LR_SWEEP,
  });
  project = join(dir, '.bct');
  const run = bct(['run', file, '--project', project, '--jobs', '2']);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.equal(run.stderr, '');
  runOutput = run.stdout;
});

/** Reads the record directly (SQL of the test's own, not the code under test). */
function record<T>(sql: string, ...params: unknown[]): T[] {
  return recordOf<T>(project, sql, ...params);
}

function recordOf<T>(folder: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(folder, 'record.sqlite'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

test('bct run --jobs 2: every progress line names its cell (or the sweep) and says what it counts', () => {
  const lines = runOutput.split('\n');
  const from = lines.findIndex((l) => l.startsWith('sweep tiny: 2 cells, 0 already done'));
  const to = lines.findIndex((l) => l.startsWith('cell '));
  assert.ok(from >= 0 && to > from + 4, runOutput);
  const progress = lines.slice(from + 1, to);
  const named = new RegExp(`^(${CELLS.map((c) => c.replaceAll('.', '\\.')).join('|')}|sweep): \\S`);
  for (const l of progress) assert.match(l, named);
  for (const cell of CELLS) {
    assert.ok(progress.includes(`${cell}: done`), `${cell} ends on its own line`);
    assert.ok(progress.some((l) => l.startsWith(`${cell}: started: `)), `${cell} begins on its own line`);
  }
  assert.doesNotMatch(runOutput, /\bunits?\b/);
});

test('the manifest records the setting in words, and the report shows them from there', async () => {
  const file = parse(readFileSync(TINY_SETTING, 'utf8')) as { id: string; description: string; initialBehaviour: string; alternateBehaviour: string };
  const [row] = record<{ manifest_json: string }>(`SELECT manifest_json FROM sweeps WHERE name = 'tiny'`);
  const manifest = JSON.parse(row!.manifest_json) as { setting: Record<string, string> };
  assert.deepEqual(manifest.setting, { id: file.id, description: file.description, initialBehaviour: file.initialBehaviour, alternateBehaviour: file.alternateBehaviour });
  // tiny-flag is no built-in: only the record can give the report these words.
  const out = join(project, 'r.html');
  const r = await bctIn(['report', '--project', project, '--out', out, '--resamples', '50']);
  assert.equal(r.status, 0, r.stderr);
  const behaviours = /<table id="behaviours">(.*?)<\/table>/s.exec(readFileSync(out, 'utf8'))?.[1] ?? '';
  assert.ok(behaviours.includes(file.initialBehaviour) && behaviours.includes(file.alternateBehaviour), behaviours);
});

interface JsonRate {
  k: number;
  n: number;
  rate: number | null;
  lo: number | null;
  hi: number | null;
}

test('bct status --json: one document whose fields hold the record\'s values, numbers as numbers', async () => {
  const r = await bctIn(['status', '--json', '--project', project]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const doc = JSON.parse(r.stdout) as {
    schemaVersion: number;
    sweep: Record<string, unknown>;
    counts: Record<string, number>;
    check: { passed: boolean; initialAtStep0: { k: number; n: number } };
    threshold: number;
    verdicts: { group: string; lr: number; kind: string; headline: string; nSeeds: number; steps: number | null; capabilityLoss: number | null; perSeed: { cellId: number }[] }[];
    cells: Record<string, unknown>[];
    rates: { cellId: number; cell: string; step: number; initial: JsonRate; alternate: JsonRate; other: JsonRate; compatible: JsonRate; errors: { eval: number; train: number } }[];
    tokens: { cells: { cellId: number; organism: { trained: number; sampled: number } }[]; total: { organism: { trained: number }; usd: number | null } };
  };
  assert.equal(doc.schemaVersion, 1);

  const [sweep] = record<{ id: number; status: string; created_at: string }>(`SELECT id, status, created_at FROM sweeps WHERE name = 'tiny'`);
  assert.deepEqual(
    { id: doc.sweep['id'], name: doc.sweep['name'], settingId: doc.sweep['settingId'], status: doc.sweep['status'], createdAt: doc.sweep['createdAt'] },
    { id: sweep!.id, name: 'tiny', settingId: 'tiny-flag', status: sweep!.status, createdAt: sweep!.created_at },
  );
  assert.deepEqual(doc.counts, { done: 2, running: 0, pending: 0, failed: 0, interrupted: 0 });

  const cells = record<{ id: number; name: string; lr: number; seed: number; batch_size: number; steps: number }>(`SELECT id, name, lr, seed, batch_size, steps FROM cells WHERE sweep_id = ? ORDER BY id`, sweep!.id);
  assert.deepEqual(
    doc.cells,
    cells.map((c) => ({ id: c.id, name: c.name, status: 'done', method: 'full', loraRank: 0, lr: c.lr, seed: c.seed, batchSize: c.batch_size, steps: c.steps, checkpoints: 3, scheduledCheckpoints: 3, error: null })),
  );
  assert.deepEqual(cells.map((c) => c.name), CELLS);

  // Every checkpoint's rates: k and n counted from the record's labels, the rate k / n, a real interval.
  const labels = record<{ cell_id: number; step: number; split: string; label: string; n: number }>(
    `SELECT cell_id, step, split, label, COUNT(*) AS n FROM sweep_grades WHERE sweep_id = ? GROUP BY cell_id, step, split, label`,
    sweep!.id,
  );
  const counted = (cellId: number, step: number, split: string, label?: string): number =>
    labels.filter((l) => l.cell_id === cellId && l.step === step && l.split === split && (label === undefined ? l.label !== 'error' : l.label === label)).reduce((s, l) => s + l.n, 0);
  assert.deepEqual(doc.rates.map((x) => [x.cellId, x.step]), cells.flatMap((c) => [0, 6, 12].map((step) => [c.id, step])));
  for (const x of doc.rates) {
    for (const [cls, split] of [['initial', 'eval'], ['alternate', 'eval'], ['other', 'eval'], ['compatible', 'train']] as const) {
      const rate = x[cls];
      assert.deepEqual([rate.k, rate.n], [counted(x.cellId, x.step, split, cls), counted(x.cellId, x.step, split)], `${x.cell} step ${x.step} ${cls}`);
      assert.equal(rate.rate, Math.round((rate.k / rate.n) * 1e6) / 1e6);
      assert.ok(rate.lo !== null && rate.hi !== null && rate.lo <= rate.rate! && rate.rate! <= rate.hi && rate.lo < rate.hi, `${cls}: an interval around the rate`);
    }
    assert.equal(x.initial.n, 16, '8 eval prompts × 2 answers');
    assert.deepEqual(x.errors, { eval: 0, train: 0 });
  }

  // One verdict per LR: the low LR keeps the initial behaviour; the high one loses it, and the tiny
  // organism's capability with it (more than the 10% that makes a checkpoint broken).
  assert.equal(doc.threshold, 0.5);
  assert.deepEqual(doc.verdicts.map((v) => [v.group, v.lr, v.kind, v.nSeeds]), [['full lr=1e-4', 1e-4, 'resisted', 1], ['full lr=3e-2', 3e-2, 'collapsed', 1]]);
  assert.ok(doc.verdicts[1]!.capabilityLoss! >= 0.1, `capability loss ${doc.verdicts[1]!.capabilityLoss}`);
  assert.equal(doc.verdicts[0]!.steps, null, 'never crossed: no crossing step');
  assert.deepEqual(doc.verdicts.map((v) => v.perSeed.map((p) => p.cellId)), cells.map((c) => [c.id]));

  // Tokens: what the record's training log and answers hold.
  const trained = record<{ cell_id: number; tokens: number }>(`SELECT c.id AS cell_id, SUM(t.tokens) AS tokens FROM cells c JOIN train_log t ON t.train_key = c.train_key WHERE c.sweep_id = ? GROUP BY c.id ORDER BY c.id`, sweep!.id);
  assert.deepEqual(doc.tokens.cells.map((c) => [c.cellId, c.organism.trained]), trained.map((t) => [t.cell_id, t.tokens]));
  assert.equal(doc.tokens.total.organism.trained, trained.reduce((s, t) => s + t.tokens, 0));
  assert.ok(doc.tokens.cells.every((c) => c.organism.sampled > 0));
  assert.equal(doc.tokens.total.usd, null, 'the sweep has no prices');
  assert.equal(doc.check.passed, true);
  assert.deepEqual([doc.check.initialAtStep0.k, doc.check.initialAtStep0.n], [8, 8]);

  // The lines open with the same verdicts.
  const text = await bctIn(['status', '--project', project]);
  assert.equal(text.status, 0, text.stderr);
  const lines = text.stdout.split('\n');
  const head = lines.findIndex((l) => l.startsWith('verdicts (transfer: seed-mean initial rate below 50%'));
  assert.ok(head > 0 && head < lines.findIndex((l) => l.startsWith(`  ${CELLS[0]}: done`)), text.stdout);
  for (const [i, v] of doc.verdicts.entries()) assert.ok(lines[head + 1 + i]!.startsWith(`  ${v.group}  ${v.headline} · `), lines[head + 1 + i]);
});

test('bct export --table train_log: one row per optimizer step, joining the metrics on the cell columns', async () => {
  const rows = async (table: string): Promise<Record<string, unknown>[]> => {
    const r = await bctIn(['export', '--table', table, '--format', 'jsonl', '--project', project]);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  const log = await rows('train_log');
  const metrics = await rows('metrics');
  const recorded = record<{ cell_id: number; step: number; loss: number; tokens: number }>(
    `SELECT c.id AS cell_id, t.step, t.loss, t.tokens FROM cells c JOIN train_log t ON t.train_key = c.train_key ORDER BY c.id, t.step`,
  );
  assert.deepEqual(log.map((l) => [l['cell_id'], l['step'], l['loss'], l['tokens']]), recorded.map((t) => [t.cell_id, t.step, t.loss, t.tokens]));
  const common = ['sweep_id', 'sweep', 'cell_id', 'cell', 'method', 'lora_rank', 'lr', 'seed', 'batch_size'];
  const byCell = new Map(metrics.map((m) => [m['cell_id'], common.map((k) => m[k])]));
  for (const l of log) assert.deepEqual(common.map((k) => l[k]), byCell.get(l['cell_id']));
});

test('bct status shows where the training data came from, what a sampled source kept, and its signal, as recorded', async () => {
  interface JsonDataset { key: string; examples: number; dropped: number; source: DataSummary['source']; yield: DataSummary['yield'] | null; signal: DataSummary['signal'] | null }
  const datasetOf = async (folder: string): Promise<JsonDataset> => {
    const r = await bctIn(['status', '--json', '--project', folder]);
    assert.equal(r.status, 0, r.stderr);
    return (JSON.parse(r.stdout) as { dataset: JsonDataset }).dataset;
  };
  const recorded = (folder: string) => {
    const [m] = recordOf<{ manifest_json: string }>(folder, `SELECT manifest_json FROM sweeps ORDER BY id DESC LIMIT 1`);
    const key = (JSON.parse(m!.manifest_json) as { hashes: { dataset: string } }).hashes.dataset;
    const [row] = recordOf<{ n: number; source_json: string }>(folder, `SELECT n, source_json FROM datasets WHERE key = ?`, key);
    return { key, n: row!.n, summary: JSON.parse(row!.source_json) as DataSummary };
  };

  // The first sweep: the setting's reference targets; no kept fraction.
  const reference = recorded(project);
  assert.deepEqual(await datasetOf(project), { key: reference.key, examples: 8, dropped: 0, source: { kind: 'reference' }, yield: null, signal: reference.summary.signal });

  // A sweep on the organism's own answers, two attempts a prompt.
  const sampled = join(dir, 'on-policy');
  const file = join(dir, 'on-policy.yaml');
  writeFileSync(file, stringify({ setting: TINY_SETTING, organism: { id: 'tiny', base: join(dir, 'organism'), induction: { kind: 'none' } }, data: { kind: 'on-policy', attempts: 2 }, lrs: [1e-3], batchSizes: [4], steps: [2], maxTokens: 3 }));
  const run = await bctIn(['run', file, '--project', sampled]);
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const want = recorded(sampled);
  const y = want.summary.yield!;
  assert.deepEqual([y.prompts, y.keptAt.length, want.summary.source.kind], [8, 2, 'on-policy']);
  const doc = await datasetOf(sampled);
  assert.deepEqual(doc, { key: want.key, examples: want.n, dropped: 8 - want.n, source: want.summary.source, yield: y, signal: want.summary.signal });
  assert.equal(doc.yield!.kept, want.n, 'one example per kept prompt');

  const text = await bctIn(['status', '--project', sampled]);
  assert.equal(text.status, 0, text.stderr);
  const lines = text.stdout.split('\n');
  const head = lines.indexOf('  training data: on-policy answers of the untrained organism (temperature 0.7, up to 2 samples a prompt, kept when graders.train calls them compatible)');
  assert.ok(head > 0, text.stdout);
  assert.deepEqual(lines.slice(head + 1, head + 2 + formatSignal(want.summary.signal!).length), [`    ${formatYield(y)}`, ...formatSignal(want.summary.signal!).map((l) => `  ${l}`)]);
  assert.ok(head < lines.findIndex((l) => l.startsWith('verdicts ')), 'before the verdicts');
});
