// The plan's Tinker requests against the requests a real server counts: a sweep through the Tinker
// backend against `bct serve` (in this process, on 127.0.0.1), planned first, then run; every endpoint's
// count must be the plan's (retrieve_future at least the plan's; heartbeats depend on the wall time).
process.env.BCT_GEMM = 'typescript';

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildTinyOrganism, TINY_SETTING } from '../../test/e2e/tiny-organism.js';
import { tempDir } from '../../test/temp-dir.js';
import { startServe } from '../serve/index.js';
import { loadSettingFile } from '../settings/index.js';
import { openProject } from '../store/index.js';
import { makeContext } from './context.js';
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
    project.db.close();
  } finally {
    await serve.close();
  }
});
