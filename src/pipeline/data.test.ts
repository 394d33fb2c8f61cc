import assert from 'node:assert/strict';

import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { buildTinyOrganism } from '../../test/e2e/tiny-organism.js';
import { ConfigError } from '../errors.js';
import { loadSettingFile, type Setting } from '../settings/index.js';
import { openProject } from '../store/index.js';
import { makeContext } from './context.js';
import { dataStage } from './data.js';
import { silentProgress } from './progress.js';
import { sweepConfigSchema } from './sweep-spec.js';

test('on-policy targets: sampled from the organism, kept when graded compatible, stored once', async () => {
  const dir = tempDir('bct-data-');
  buildTinyOrganism(join(dir, 'organism'));
  const fixture = loadSettingFile('test/fixtures/tiny-setting/setting.yaml');
  const onPolicy: Setting = { ...fixture, targets: { kind: 'on-policy', attempts: 2, temperature: 0.7 } };
  const project = openProject(join(dir, '.bct'), { create: true });
  const config = sweepConfigSchema.parse({ setting: 'unused', base: join(dir, 'organism'), maxTokens: 3 });
  const ctx = makeContext(project, config, silentProgress, onPolicy);
  const data = await dataStage(ctx);
  assert.equal(data.examples.length, 8, `dropped: ${JSON.stringify(data.dropped)}`);
  assert.ok(data.examples.every((e) => e.completion === 'dog'), 'the organism answers dog on mode 1');
  assert.deepEqual(data.examples.map((e) => e.promptId), fixture.trainPrompts.map((p) => p.id));
  assert.match(data.key, /^data:v1:/);
  assert.deepEqual(await dataStage(ctx), data, 'read back from the record');
  assert.equal((project.db.prepare(`SELECT COUNT(*) AS n FROM datasets`).get() as { n: number }).n, 1);

  // A train grader nothing passes: every prompt is dropped, and nothing is stored.
  const strict: Setting = { ...onPolicy, graders: { ...onPolicy.graders, train: { name: 'contains', args: { classes: { compatible: 'owl' }, otherwise: 'incompatible' } } } };
  const ctx2 = makeContext(project, config, silentProgress, strict);
  await assert.rejects(dataStage(ctx2), (e: unknown) => e instanceof ConfigError && /all 8 train prompts were dropped \(no compatible answer in 2 samples\)/.test(e.message));
  assert.equal((project.db.prepare(`SELECT COUNT(*) AS n FROM datasets`).get() as { n: number }).n, 1);
  await ctx.close();
  await ctx2.close();
  project.db.close();
});
