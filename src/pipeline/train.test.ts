// Linear warm-up: step s trains at lr × min(1, s / warmupSteps), computed in train.ts for every backend
// (each optimizer step is sent its own learning rate). Checked on the tiny organism against constant-LR
// runs: a warmed-up cell's first step is the step of a cell at lr / warmupSteps.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildTinyOrganism, TINY_SETTING } from '../../test/e2e/tiny-organism.js';
import { tempDir } from '../../test/temp-dir.js';
import { loadSettingFile } from '../settings/index.js';
import { listCells, openProject } from '../store/index.js';
import { silentProgress } from './progress.js';
import { runSweep } from './runner.js';
import { sweepConfigSchema } from './sweep-spec.js';
import { stepLr } from './train.js';

test('stepLr: a linear ramp to lr over warmupSteps steps, then lr; none without warm-up', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 100].map((s) => stepLr(1e-3, s, 4)), [2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3, 1e-3]);
  assert.deepEqual([1, 2, 50].map((s) => stepLr(1e-3, s, 0)), [1e-3, 1e-3, 1e-3]);
  assert.equal(stepLr(1e-3, 1), 1e-3);
});

test('a warmed-up cell trains its first step at lr / warmupSteps; warmupSteps 0 is the same cell as none', async () => {
  const dir = tempDir('bct-warmup-');
  buildTinyOrganism(join(dir, 'organism'));
  const project = openProject(join(dir, 'p'), { create: true });
  const setting = loadSettingFile(TINY_SETTING);
  const cellOf = async (name: string, fields: Record<string, unknown>) => {
    const config = sweepConfigSchema.parse({ name, setting: TINY_SETTING, base: join(dir, 'organism'), batchSizes: [4], steps: [2], checkpointEvery: 2, trainPromptsPerCheckpoint: 2, maxTokens: 2, skipCheck: true, ...fields });
    const outcome = await runSweep(project, config, silentProgress, setting);
    const cell = listCells(project.db, outcome.sweep.id)[0]!;
    const losses = (project.db.prepare(`SELECT loss FROM train_log WHERE train_key = ? ORDER BY step`).pluck().all(cell.train_key) as number[]);
    return { key: cell.train_key, losses };
  };
  const plain = await cellOf('plain', { lrs: [4e-2] });
  const zero = await cellOf('zero', { lrs: [4e-2], warmupSteps: 0 });
  const warm = await cellOf('warm', { lrs: [4e-2], warmupSteps: 4 });
  const quarter = await cellOf('quarter', { lrs: [1e-2] });
  assert.equal(zero.key, plain.key, 'no warm-up, one training');
  assert.notEqual(warm.key, plain.key);
  // The loss of step s is measured before its update: step 1 is the untrained organism's in all three;
  // step 2 follows one update, at lr / 4 when warmed up, as a constant lr / 4 gives.
  assert.equal(warm.losses[0], plain.losses[0]);
  assert.equal(warm.losses[1], quarter.losses[1]);
  assert.notEqual(warm.losses[1], plain.losses[1]);
  project.db.close();
});
