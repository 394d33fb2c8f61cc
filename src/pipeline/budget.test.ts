// A budget stops a sweep cleanly: the batch that reached the cap is recorded, no training segment starts
// that would pass it, the sweep is `stopped` (not failed, not done) and its cells pending; the same
// command with the same cap does nothing more, and with a higher cap resumes to exactly the results of
// a sweep run without a budget.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sweepResults } from '../../test/e2e/results.js';
import { buildTinyOrganism, TINY_SETTING } from '../../test/e2e/tiny-organism.js';
import { tempDir } from '../../test/temp-dir.js';
import { loadSettingFile } from '../settings/index.js';
import { listCells, openProject, totalTokens, type Project } from '../store/index.js';
import { isBudgetStop } from './budget.js';
import { sweepCosts } from './costs.js';
import { silentProgress } from './progress.js';
import { runSweep } from './runner.js';
import { sweepConfigSchema } from './sweep-spec.js';

const dir = tempDir('bct-budget-');
buildTinyOrganism(join(dir, 'organism'));
const setting = loadSettingFile(TINY_SETTING);
const spec = { name: 'capped', setting: TINY_SETTING, base: join(dir, 'organism'), lrs: [3e-2], seeds: [0, 1], batchSizes: [4], steps: [6], checkpointEvery: 3, samplesPerPrompt: 2, trainPromptsPerCheckpoint: 4, maxTokens: 3 };
const run = (project: Project, fields: Record<string, unknown>) => runSweep(project, sweepConfigSchema.parse({ ...spec, ...fields }), silentProgress, setting);
const rows = (p: Project) => p.db.prepare(`SELECT (SELECT COUNT(*) FROM samples) AS samples, (SELECT COUNT(*) FROM grades) AS grades, (SELECT COUNT(*) FROM train_log) AS steps, (SELECT COUNT(*) FROM metrics) AS metrics`).get();

test('maxTokens stops the sweep at the cap, the same cap does nothing more, a higher cap resumes to the unbudgeted results', async () => {
  const free = openProject(join(dir, 'free'), { create: true });
  const full = await run(free, {});
  const fullTokens = totalTokens(sweepCosts(free.db, full.sweep.id).total.usage);
  free.db.close();

  const project = openProject(join(dir, 'capped'), { create: true });
  const cap = Math.round(fullTokens * 0.6);
  const stopped = await run(project, { budget: { maxTokens: cap } });
  assert.equal(stopped.sweep.status, 'stopped');
  assert.ok(isBudgetStop(stopped.sweep.error), `${stopped.sweep.error}`);
  assert.match(stopped.sweep.error!, new RegExp(`maxTokens ${cap.toLocaleString('en-US')}.*run the same command with a higher budget to resume`));
  const cells = listCells(project.db, stopped.sweep.id);
  assert.deepEqual(cells.map((c) => c.status), ['done', 'pending'], 'the second cell is pending, not failed');
  const held = totalTokens(sweepCosts(project.db, stopped.sweep.id).total.usage);
  // At most one batch past the cap: one sampling batch of ≤ 32 answers of ≤ 24 + 3 tokens.
  assert.ok(held < fullTokens && held <= cap + 32 * 27, `held ${held}, cap ${cap}, full ${fullTokens}`);
  // Training is recorded at checkpoints only, and no segment was started that did not fit: every
  // logged step belongs to a recorded checkpoint.
  const orphans = project.db.prepare(`SELECT COUNT(*) FROM train_log t WHERE t.step > (SELECT MAX(step) FROM checkpoints k WHERE k.train_key = t.train_key)`).pluck().get();
  assert.equal(orphans, 0);

  const before = rows(project);
  const again = await run(project, { budget: { maxTokens: cap } });
  assert.equal(again.sweep.status, 'stopped');
  assert.deepEqual(rows(project), before, 'the same cap: nothing more sampled, graded or trained');

  const resumed = await run(project, { budget: { maxTokens: fullTokens * 2 } });
  assert.equal(resumed.sweep.status, 'done');
  assert.equal(resumed.sweep.id, stopped.sweep.id, 'the same sweep: the budget is not part of its key');
  assert.equal(totalTokens(sweepCosts(project.db, resumed.sweep.id).total.usage), fullTokens);
  project.db.close();
  assert.deepEqual(sweepResults(join(dir, 'capped'), 'capped'), sweepResults(join(dir, 'free'), 'capped'), 'stopped and resumed = never stopped');
});

test('maxUsd stops the sweep at the cost of its record at the sweep\'s prices', async () => {
  const project = openProject(join(dir, 'usd'), { create: true });
  // One dollar per thousand tokens of every kind (not a real price: a number to test with).
  const prices = [{ backend: 'embedded', model: 'organism', train: 1000, prefill: 1000, sample: 1000 }];
  const stopped = await run(project, { prices, budget: { maxUsd: 1.5 } });
  assert.equal(stopped.sweep.status, 'stopped');
  assert.match(stopped.sweep.error!, /of maxUsd \$1\.50/);
  const cost = sweepCosts(project.db, stopped.sweep.id).total.cost.usd!;
  assert.ok(cost >= 1 && cost <= 1.5 + 32 * 27 * 1e-3, `cost ${cost}`);
  const done = await run(project, { prices, budget: { maxUsd: 100 } });
  assert.equal(done.sweep.status, 'done');
  project.db.close();
});

// Worker threads load the compiled worker (dist/), so this runs under `npm test`, not from src/ with tsx.
const fromSource = import.meta.url.endsWith('.ts');
test('with --jobs 2 each worker stops at the cap, and reads a raised cap from the record', { skip: fromSource && 'worker threads need the compiled dist/ (npm test)' }, async () => {
  const project = openProject(join(dir, 'jobs'), { create: true });
  const four = { lrs: [3e-2, 1e-2], jobs: 2 };
  const stopped = await run(project, { ...four, budget: { maxTokens: 3000 } });
  assert.equal(stopped.sweep.status, 'stopped');
  const statuses = listCells(project.db, stopped.sweep.id).map((c) => c.status);
  assert.ok(statuses.includes('pending') && !statuses.includes('failed') && !statuses.includes('running'), statuses.join(','));
  // Each worker sees the other's work once recorded: the cap is passed by at most a batch per worker.
  const held = totalTokens(sweepCosts(project.db, stopped.sweep.id).total.usage);
  assert.ok(held <= 3000 + 2 * 32 * 27 + 2 * 6 * 4 * 24, `held ${held}`);
  const done = await run(project, { ...four, budget: { maxTokens: 1e6 } });
  assert.equal(done.sweep.status, 'done');
  assert.deepEqual(listCells(project.db, done.sweep.id).map((c) => c.status), ['done', 'done', 'done', 'done']);
  project.db.close();
});
