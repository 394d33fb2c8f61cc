// The plan's Tinker requests against the requests a real server counts: a sweep through the Tinker
// backend against `bct serve` (in this process, on 127.0.0.1), planned first, then run; every endpoint's
// count must be the plan's (retrieve_future at least the plan's; heartbeats depend on the wall time),
// the training signal's log-probability requests included; and once the dataset is recorded, the plan
// counts the signal again only where the run measures it again (another train grader).
process.env.BCT_GEMM = 'typescript';

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { buildTinyOrganism, TINY_SETTING } from '../../test/e2e/tiny-organism.js';
import { tempDir } from '../../test/temp-dir.js';
import { startServe } from '../serve/index.js';
import { loadSettingFile } from '../settings/index.js';
import { openProject } from '../store/index.js';
import { makeContext } from './context.js';
import { dataStage } from './data.js';
import { sweepCosts } from './costs.js';
import { planSweep, tinkerRequests } from './plan.js';
import { silentProgress } from './progress.js';
import { runSweep } from './runner.js';
import { sweepConfigSchema } from './sweep-spec.js';

const KEY = 'tml-plan-requests-test';
process.env.BCT_PLAN_REQUESTS_KEY = KEY;

test('the plan names the Tinker requests a sweep makes, endpoint by endpoint, and its tokens', async () => {
  const dir = tempDir('bct-plan-requests-');
  buildTinyOrganism(join(dir, 'organism'));
  const serve = await startServe({ host: '127.0.0.1', port: 0, token: KEY, models: new Map([['tiny', join(dir, 'organism')]]), project: join(dir, 'serve') });
  try {
    const config = sweepConfigSchema.parse({
      setting: TINY_SETTING,
      organism: { id: 'tiny', base: 'tiny', induction: { kind: 'none' } },
      backend: { name: 'tinker', baseUrl: serve.url, apiKeyEnv: 'BCT_PLAN_REQUESTS_KEY' },
      lrs: [3e-2],
      loraRanks: [4, 8],
      batchSizes: [4],
      steps: [4],
      checkpointEvery: 2,
      samplesPerPrompt: 2,
      trainPromptsPerCheckpoint: 3,
      maxTokens: 3,
    });
    const setting = loadSettingFile(TINY_SETTING);
    const project = openProject(join(dir, 'p'), { create: true });
    const ctx = makeContext(project, config, silentProgress, setting);
    const plan = await planSweep(ctx);
    await ctx.close();
    const before = serve.stats().requests;
    const outcome = await runSweep(project, config, silentProgress, setting);
    assert.equal(outcome.sweep.status, 'done');
    const after = serve.stats().requests;
    const made = (endpoint: string) => (after[endpoint] ?? 0) - (before[endpoint] ?? 0);
    for (const r of tinkerRequests(plan.estimate.calls)) {
      if (r.atLeast) assert.ok(made(r.endpoint) >= r.count, `${r.endpoint}: ${made(r.endpoint)} made, at least ${r.count} planned`);
      else assert.equal(made(r.endpoint), r.count, `${r.endpoint}: ${made(r.endpoint)} made, ${r.count} planned`);
    }
    const planned = new Set([...tinkerRequests(plan.estimate.calls).map((r) => r.endpoint), 'session_heartbeat']);
    assert.deepEqual(Object.keys(after).filter((e) => made(e) > 0 && !planned.has(e)), [], 'no endpoint the plan does not name');
    const recorded = sweepCosts(project.db, outcome.sweep.id).total.usage;
    assert.equal(plan.estimate.total.organism.trained, recorded.organism.trained, 'trained tokens exact through the Tinker API');
    assert.equal(plan.estimate.total.organism.prefill, recorded.organism.prefill, 'prompt tokens exact through the Tinker API');
    // The signal's requests: one per train prompt (8), beside the NLL set's at every checkpoint.
    const checkpoints = plan.estimate.cells.reduce((n, c) => n + c.checkpoints, 0);
    const nllPairs = setting.capabilityEvals.reduce((n, e) => n + (e.kind === 'nll' ? e.pairs.length : 0), 0);
    assert.equal(plan.estimate.calls.logprobCalls, nllPairs * checkpoints + setting.trainPrompts.length);

    // The dataset recorded with its signal: planned again, the signal is not counted (the run reuses it).
    const again = makeContext(project, config, silentProgress, setting);
    const recordedPlan = await planSweep(again);
    await again.close();
    assert.equal(recordedPlan.estimate.dataSource, 'recorded');
    assert.equal(recordedPlan.estimate.calls.logprobCalls, nllPairs * checkpoints);
    // Another train grader (not in a reference dataset's key): the run measures the signal again, and
    // the plan counts the requests it makes.
    // The tiny setting with another train grader, its prompt files named by absolute path.
    type PromptFile = { file: string };
    const file = parse(readFileSync(TINY_SETTING, 'utf8')) as { trainPrompts: PromptFile; evalPrompts: PromptFile; capabilityEvals: PromptFile[]; graders: Record<string, unknown> };
    const fixture = (f: PromptFile): PromptFile => ({ ...f, file: join(TINY_SETTING, '..', f.file) });
    const regradedFile = join(dir, 'regraded.yaml');
    writeFileSync(regradedFile, stringify({
      ...file,
      trainPrompts: fixture(file.trainPrompts),
      evalPrompts: fixture(file.evalPrompts),
      capabilityEvals: file.capabilityEvals.map(fixture),
      graders: { ...file.graders, train: { name: 'exact-match', args: { classes: { compatible: 'dog' }, otherwise: 'incompatible' } } },
    }));
    const regraded = loadSettingFile(regradedFile);
    const other = makeContext(project, config, silentProgress, regraded);
    const replanned = await planSweep(other);
    const asampled = serve.stats().requests['asample'] ?? 0;
    const measured = await dataStage(other);
    await other.close();
    const signalRequests = (serve.stats().requests['asample'] ?? 0) - asampled;
    assert.equal(signalRequests, setting.trainPrompts.length);
    assert.equal(measured.summary.signal?.compatible.k, 8);
    assert.equal(replanned.estimate.calls.logprobCalls - recordedPlan.estimate.calls.logprobCalls, signalRequests);
    assert.deepEqual(replanned.estimate.data, recordedPlan.estimate.data, 'tokens: the record\'s, which the signal measured again adds nothing to');
    project.db.close();
  } finally {
    await serve.close();
  }
});
