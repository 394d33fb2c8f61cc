// A served sweep end to end on loopback: a tiny sweep trained on the embedded backend, its checkpoints
// served by `bct serve` (in this process, on 127.0.0.1, with a token) as one model each (bct serve lists
// only the checkpoints saved through its own Tinker API, so a checkpoint folder is served as vLLM serves
// one: under a name), their model ids read from GET /v1/models, then a served sweep through the openai
// backend (completions mode) naming them as the checkpoints of the same (lr, seed) cells. On the
// pure-TypeScript GEMM its answers, labels, metrics and rates equal the trained sweep's at every
// checkpoint; run again it asks the server nothing; status, report, export, verify and compare read it;
// and its plan's tokens match what it recorded.
process.env.BCT_GEMM = 'typescript';

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { bctIn, REPO } from '../../test/e2e/cli.js';
import { fences, section } from '../../test/e2e/markdown.js';
import { buildTinyOrganism, TINY_SETTING, TWO_LR_SWEEP } from '../../test/e2e/tiny-organism.js';
import { tempDir } from '../../test/temp-dir.js';
import { readSweepFile, validateConfig } from '../cli/config.js';
import { startServe } from '../serve/index.js';
import { loadSettingFile } from '../settings/index.js';
import { artifactPath, emptyProject, listCells, listCheckpoints, openProject, totalTokens, type Db } from '../store/index.js';
import { makeContext } from './context.js';
import { sweepCosts } from './costs.js';
import { formatPlan, planSweep } from './plan.js';
import { silentProgress } from './progress.js';
import { runSweep } from './runner.js';
import { sweepConfigSchema } from './sweep-spec.js';

const KEY = 'tml-served-test-5150';
process.env.BCT_SERVED_TEST_KEY = KEY;
const NO_FLAGS = { values: {}, positionals: [], flags: new Map<string, string>(), help: false };

/** Everything a cell recorded at each step, by what it is (not by row id): its answers with their
 *  labels, and its metrics. */
function cellRecord(db: Db, cellId: number): Record<number, { answers: unknown[]; metrics: unknown[] }> {
  const answers = db
    .prepare(
      `SELECT k.step, s.split, s.prompt_id, s.sample_index, s.completion, s.prompt_tokens, s.completion_tokens,
              (SELECT g.label FROM sweep_grades g WHERE g.cell_id = cs.cell_id AND g.sample_id = s.id) AS label
       FROM cell_samples cs JOIN samples s ON s.id = cs.sample_id JOIN checkpoints k ON k.id = cs.checkpoint_id
       WHERE cs.cell_id = ? ORDER BY k.step, s.split, s.prompt_id, s.sample_index`,
    )
    .all(cellId) as { step: number }[];
  const metrics = db
    .prepare(`SELECT k.step, m.name, m.value, m.n FROM cell_metrics cm JOIN metrics m ON m.id = cm.metric_id JOIN checkpoints k ON k.id = cm.checkpoint_id WHERE cm.cell_id = ? ORDER BY k.step, m.name`)
    .all(cellId) as { step: number }[];
  const out: Record<number, { answers: unknown[]; metrics: unknown[] }> = {};
  for (const a of answers) (out[a.step] ??= { answers: [], metrics: [] }).answers.push(a);
  for (const m of metrics) (out[m.step] ??= { answers: [], metrics: [] }).metrics.push(m);
  return out;
}

const rowCount = (db: Db, table: string): number => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;

interface StatusJson {
  sweep: { status: string };
  cells: { name: string; lr: number; seed: number; status: string; checkpoints: number; scheduledCheckpoints: number }[];
  verdicts: { family: string; lr: number; kind: string; atStep: number | null; perSeed: { seed: number; label: string }[] }[];
  rates: { cellId: number; cell: string; step: number; initial: unknown; alternate: unknown; other: unknown; compatible: unknown }[];
  tokens: { total: { organism: { trained: number } } };
}

async function statusJson(project: string, sweep: string): Promise<StatusJson> {
  const r = await bctIn(['status', sweep, '--project', project, '--json']);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as StatusJson;
}

test('a served sweep on bct serve gives the trained sweep\'s answers, labels, metrics and rates at every checkpoint, resumes asking nothing, and every reader reads it', async (t) => {
  const dir = tempDir('bct-served-');
  const organism = join(dir, 'organism');
  buildTinyOrganism(organism);
  const project = join(dir, '.bct');
  const setting = loadSettingFile(TINY_SETTING);

  // The trained sweep: two LRs, full fine-tunes, checkpoints at 0, 6 and 12.
  const p = openProject(project, { create: true });
  const trainedSpec = sweepConfigSchema.parse({ name: 'trained', setting: TINY_SETTING, organism: { id: 'tiny', base: organism, induction: { kind: 'none' } }, batchSizes: [4], ...TWO_LR_SWEEP });
  const trained = await runSweep(p, trainedSpec, silentProgress, setting);
  assert.equal(trained.sweep.status, 'done');
  // Each checkpoint's weights folder, served under a name of its own (as a vLLM serves a checkpoint).
  const models = new Map([['tiny', organism]]);
  const named = new Map<string, string>(); // `${lr}/${step}` → model name
  for (const cell of trained.cells) {
    for (const k of listCheckpoints(p.db, cell.train_key).filter((c) => c.weights_hash !== null)) {
      const name = `tiny-lr${cell.lr}-s${cell.seed}-step${k.step}`;
      models.set(name, artifactPath(p, k.weights_hash!));
      named.set(`${cell.lr}/${k.step}`, name);
    }
  }
  p.db.close();
  assert.equal(named.size, 4);

  const serve = await startServe({ host: '127.0.0.1', port: 0, token: KEY, models, project });
  try {
    const listed = (await (await fetch(`${serve.url}v1/models`, { headers: { Authorization: `Bearer ${KEY}` } })).json()) as { data: { id: string }[] };
    const ids = new Set(listed.data.map((m) => m.id));
    for (const name of named.values()) assert.ok(ids.has(name), `${name} is listed by GET /v1/models`);
    const model = (lr: number, step: number): string => named.get(`${lr}/${step}`)!;

    // The served sweep: the same (lr, seed) cells, one naming the base at step 0 and one leaving it out.
    const [low, high] = TWO_LR_SWEEP.lrs;
    const file = join(dir, 'served.yaml');
    const { lrs: _lrs, seeds: _seeds, steps: _steps, checkpointEvery: _every, ...sampling } = TWO_LR_SWEEP;
    writeFileSync(
      file,
      stringify({
        name: 'served',
        setting: TINY_SETTING,
        organism: { id: 'tiny', base: 'tiny', induction: { kind: 'none' } },
        backend: { name: 'openai', baseUrl: `${serve.url}v1`, apiKeyEnv: 'BCT_SERVED_TEST_KEY' },
        served: [
          { lr: low, seed: 0, batchSize: 4, checkpoints: { 0: 'tiny', 6: model(low, 6), 12: model(low, 12) } },
          { lr: high, seed: 0, batchSize: 4, checkpoints: { 6: model(high, 6), 12: model(high, 12) } },
        ],
        ...sampling,
      }),
    );
    const config = validateConfig(sweepConfigSchema, readSweepFile(file), NO_FLAGS, file);

    // Planned first (nothing written), then run through `bct run`.
    const plan = await (async () => {
      const planning = openProject(project);
      const ctx = makeContext(planning, config, silentProgress, setting);
      try {
        return await planSweep(ctx);
      } finally {
        await ctx.close();
        planning.db.close();
      }
    })();
    assert.equal(plan.recorded, null);
    assert.equal(plan.estimate.calls.steps, 0, 'nothing to train');
    assert.equal(plan.estimate.dataSource, 'none');
    assert.deepEqual(plan.estimate.cells.map((c) => c.checkpoints), [3, 3]);

    const before = { ...serve.stats().requests };
    const run = await bctIn(['run', file, '--project', project]);
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /^sweep served: 2 cells, 0 already done, checkpoints served on the openai backend, nothing to train$/m);
    // Progress counts sampling and grading only: 3 checkpoints × 28 answers, each sampled and graded.
    assert.match(run.stdout, /^lr=3e-2\.seed=0\.bs=4\.full: started: 168 to do /m);
    const completions = (serve.stats().requests['v1/completions'] ?? 0) - (before['v1/completions'] ?? 0);
    assert.ok(completions > 0, 'the served sweep sampled through the OpenAI endpoints');
    assert.equal((serve.stats().requests['create_model'] ?? 0) - (before['create_model'] ?? 0), 0, 'and trained nothing');

    const db = openProject(project).db;
    try {
      const sweeps = db.prepare(`SELECT id, name FROM sweeps ORDER BY id`).all() as { id: number; name: string }[];
      const servedId = sweeps.find((s) => s.name === 'served')!.id;
      const trainedCells = listCells(db, trained.sweep.id);
      const servedCells = listCells(db, servedId);
      assert.deepEqual(servedCells.map((c) => [c.name, c.status, c.batch_size, c.steps]), [['lr=1e-4.seed=0.bs=4.full', 'done', 4, 12], ['lr=3e-2.seed=0.bs=4.full', 'done', 4, 12]]);
      for (const s of servedCells) {
        const k = listCheckpoints(db, s.train_key);
        assert.deepEqual(k.map((c) => [c.step, c.served_model, c.weights_hash]), [[0, null, null], [6, model(s.lr, 6), null], [12, model(s.lr, 12), null]], 'served checkpoints name their model, and have no weights');
        const twin = trainedCells.find((c) => c.lr === s.lr && c.seed === s.seed)!;
        const got = cellRecord(db, s.id);
        const want = cellRecord(db, twin.id);
        assert.deepEqual(Object.keys(got), ['0', '6', '12']);
        for (const step of Object.keys(want)) {
          assert.equal(got[Number(step)]!.answers.length, 28, `${s.name} step ${step}: every answer`);
          assert.deepEqual(got[Number(step)], want[Number(step)], `${s.name} step ${step}: the trained cell's answers, labels and metrics`);
        }
      }
      // The collapsing LR changes its answers: the comparison is not between copies of step 0.
      const high12 = cellRecord(db, servedCells[1]!.id)[12]!.answers as { label: string | null }[];
      assert.ok(high12.some((a) => a.label === 'alternate'), 'lr 3e-2 moves towards the alternate behaviour by step 12');

      // Resume: the same command again samples, grades and measures nothing, and asks the server nothing.
      const rows = ['samples', 'grades', 'metrics', 'checkpoints', 'cell_samples', 'cell_metrics'].map((table) => [table, rowCount(db, table)]);
      const asked = serve.stats().requests['v1/completions'];
      const again = await bctIn(['run', file, '--project', project]);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /^sweep served: 2 cells, 2 already done/m);
      assert.deepEqual(['samples', 'grades', 'metrics', 'checkpoints', 'cell_samples', 'cell_metrics'].map((table) => [table, rowCount(db, table)]), rows);
      assert.equal(serve.stats().requests['v1/completions'], asked, 'no completion asked on resume');
      // Another served sweep naming the same models with other labels shares every answer: the labels are
      // in no key, the models are.
      const relabelled = join(dir, 'relabelled.yaml');
      const spec = readSweepFile(file) as { served: Record<string, unknown>[] };
      writeFileSync(relabelled, stringify({ ...spec, name: 'relabelled', served: spec.served.map((c, i) => ({ ...c, lr: [2e-4, 5e-2][i], batchSize: undefined })) }));
      const other = await bctIn(['run', relabelled, '--project', project]);
      assert.equal(other.status, 0, other.stderr);
      assert.match(other.stdout, /^sweep relabelled: 2 cells, 0 already done/m);
      assert.equal(serve.stats().requests['v1/completions'], asked, 'no completion asked for the same models');
      assert.equal(rowCount(db, 'samples'), rows[0]![1]);

      // Status reads it as a trained sweep: cells done with every checkpoint, the same rates and verdicts.
      const [ts, ss] = [await statusJson(project, 'trained'), await statusJson(project, 'served')];
      assert.equal(ss.sweep.status, 'done');
      assert.deepEqual(ss.cells.map((c) => [c.status, c.checkpoints, c.scheduledCheckpoints]), [['done', 3, 3], ['done', 3, 3]]);
      assert.equal(ss.tokens.total.organism.trained, 0);
      const byPoint = (s: StatusJson) => s.rates.map(({ cellId: _id, cell, ...r }) => ({ ...r, lr: s.cells.find((c) => c.name === cell)!.lr }));
      assert.equal(ss.rates.length, 6);
      assert.deepEqual(byPoint(ss), byPoint(ts), 'every checkpoint\'s rates with their intervals');
      const verdicts = (s: StatusJson) => s.verdicts.map((v) => [v.family, v.lr, v.kind, v.atStep, v.perSeed.map((x) => x.label)]);
      assert.deepEqual(verdicts(ss), verdicts(ts));
      t.diagnostic(`verdicts: ${JSON.stringify(verdicts(ss))}`);
      const lines = await bctIn(['status', 'served', '--project', project]);
      assert.equal(lines.status, 0, lines.stderr);
      assert.match(lines.stdout, /lr=3e-2\.seed=0\.bs=4\.full/);

      // The report, the export, verify and compare read it too.
      const out = join(dir, 'served.html');
      const report = await bctIn(['report', 'served', '--project', project, '--out', out, '--resamples', '50']);
      assert.equal(report.status, 0, report.stderr);
      assert.ok(existsSync(out) && readFileSync(out, 'utf8').includes('lr=1e-4.seed=0.bs=4.full'));
      const exported = await bctIn(['export', 'served', '--table', 'metrics', '--format', 'jsonl', '--project', project]);
      assert.equal(exported.status, 0, exported.stderr);
      assert.equal(exported.stdout.trim().split('\n').length, 6, 'one metrics row per cell and checkpoint');
      const verify = await bctIn(['verify', '--project', project]);
      assert.equal(verify.status, 0, verify.stdout);
      const compare = await bctIn(['compare', 'trained', 'served', '--project', project]);
      assert.equal(compare.status, 0, compare.stderr);

      // The plan against the record: prompt and log-likelihood tokens exact, nothing trained, all within 10%.
      const recorded = sweepCosts(db, servedId);
      assert.equal(recorded.unmetered, 0);
      plan.estimate.cells.forEach((c, i) => {
        const r = recorded.cells[i]!.usage;
        assert.equal(c.usage.organism.trained, 0);
        assert.equal(r.organism.trained, 0);
        assert.equal(c.usage.organism.prefill, r.organism.prefill, `${c.name}: prompt and log-likelihood tokens exact`);
      });
      assert.equal(recorded.data, null, 'no training data');
      const estimated = totalTokens(plan.estimate.total);
      const actual = totalTokens(recorded.total.usage);
      t.diagnostic(`served sweep tokens: estimated ${estimated}, recorded ${actual} (sampled ${plan.estimate.total.organism.sampled} vs ${recorded.total.usage.organism.sampled})`);
      assert.ok(Math.abs(estimated - actual) <= 0.1 * actual, `estimated ${estimated} vs recorded ${actual}`);
    } finally {
      db.close();
    }
  } finally {
    await serve.close();
  }
});

test('the served sweeps of the docs (LoRA adapters of Qwen3-8B on a vLLM) plan offline: no training, the answers of every checkpoint', async () => {
  const docs: [string, string, string[]][] = [
    [join(REPO, 'README.md'), '### Evaluate checkpoints served elsewhere', ['lr=1e-4.seed=0.lora32', 'lr=1e-3.seed=0.lora32']],
    [join(REPO, 'src', 'pipeline', 'README.md'), '## Served sweeps: checkpoints trained elsewhere (served.ts)', ['lr=1e-4.seed=0.lora32']],
  ];
  for (const [file, heading, cells] of docs) {
    const yaml = fences(section(readFileSync(file, 'utf8'), heading)).find((f) => f.lang === 'yaml')!;
    const config = sweepConfigSchema.parse(parse(yaml.body));
    const project = emptyProject(tempDir('bct-served-plan-'));
    const ctx = makeContext(project, config, silentProgress);
    try {
      const plan = await planSweep(ctx, { offline: true });
      assert.deepEqual(plan.offline, { organism: 'qwen3', judge: null }, `${file}: the renderer the backend names`);
      assert.deepEqual(plan.estimate.cells.map((c) => [c.name, c.steps, c.checkpoints]), cells.map((name) => [name, 0, 3]), file);
      assert.equal(plan.estimate.total.organism.trained, 0);
      assert.equal(plan.estimate.calls.saves, 0);
      assert.equal(plan.estimate.calls.samplers, 3 * cells.length + 1, 'one sampler per checkpoint, and the untrained organism\'s');
      const lines = formatPlan(plan).join('\n');
      assert.match(lines, new RegExp(`^plan of sweep rh-plain-vllm \\(backend openai, model Qwen/Qwen3-8B\\): ${cells.length} cells, 0 training steps, `));
      assert.match(lines, /^ {2}training: none$/m);
      assert.match(lines, /^ {2}training data: none: the checkpoints are served elsewhere/m);
    } finally {
      await ctx.close();
      project.db.close();
    }
  }
});
