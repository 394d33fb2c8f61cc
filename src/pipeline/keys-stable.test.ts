// Content keys are the record's identity: a refactoring that changes one silently orphans every recorded
// result under it (a re-run recomputes instead of resuming). The keys of every built-in setting on its
// own organism are pinned here (test/fixtures/golden-keys.json). A change of
// what a stage computes must bump its KEY_VERSIONS entry and regenerate the file on purpose.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../../test/e2e/cli.js';
import { tempDir } from '../../test/temp-dir.js';
import { BUILTIN_SETTINGS, resolveSetting, trainingHash } from '../settings/index.js';
import { openProject } from '../store/index.js';
import { DEFAULT_THRESHOLDS } from './check.js';
import { makeContext } from './context.js';
import { checkKey, dataKey, graderKey } from './keys.js';
import { silentProgress } from './progress.js';
import { sweepConfigSchema } from './sweep-spec.js';

test('setting hashes, grader, data and check keys of every built-in setting are as recorded', async () => {
  const golden = JSON.parse(readFileSync(join(REPO, 'test', 'fixtures', 'golden-keys.json'), 'utf8')) as Record<string, unknown>;
  const project = openProject(join(tempDir('bct-keys-'), 'p'), { create: true });
  const got: Record<string, unknown> = {};
  // Every built-in microworld setting (with an organism of its own) is pinned; chat settings name no
  // organism, so their data and check keys depend on the model a sweep names.
  const pinned = BUILTIN_SETTINGS.map((b) => resolveSetting(b.id)).filter((s) => s.defaultOrganism !== undefined);
  for (const setting of pinned) {
    const ctx = makeContext(project, sweepConfigSchema.parse({ setting: setting.id }), silentProgress, setting);
    got[setting.id] = {
      setting: setting.hash,
      training: trainingHash(setting),
      evalGrader: graderKey(setting.graders.eval),
      trainGrader: graderKey(setting.graders.train),
      data: dataKey(ctx),
      check: checkKey(ctx, DEFAULT_THRESHOLDS),
    };
    await ctx.close();
  }
  project.db.close();
  assert.deepEqual(got, golden);
});
