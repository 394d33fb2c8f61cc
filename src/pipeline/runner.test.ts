import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { buildTinyOrganism } from '../../test/e2e/tiny-organism.js';
import { artifactPath, listCells, listCheckpoints, openProject } from '../store/index.js';
import { silentProgress } from './progress.js';
import { runSweep } from './runner.js';
import { sweepConfigSchema } from './sweep-spec.js';
import { ConfigError } from '../errors.js';

test('a sweep with a LoRA cell and a full fine-tune cell records adapters and full weights', async () => {
  const dir = tempDir('bct-runner-');
  buildTinyOrganism(join(dir, 'organism'));
  const project = openProject(join(dir, '.bct'), { create: true });
  const config = sweepConfigSchema.parse({
    setting: 'test/fixtures/tiny-setting/setting.yaml',
    base: join(dir, 'organism'),
    lrs: [1e-2],
    loraRanks: [0, 2],
    batchSizes: [4],
    steps: [4],
    checkpointCount: 2,
    maxTokens: 2,
    trainPromptsPerCheckpoint: 2,
  });
  const outcome = await runSweep(project, config, silentProgress);
  assert.equal(outcome.sweep.status, 'done');
  assert.ok(outcome.check?.passed);
  const cells = listCells(project.db, outcome.sweep.id);
  assert.deepEqual(cells.map((c) => [c.name, c.lora_rank, c.status]), [
    ['lr=1e-2.seed=0.bs=4.steps=4.full', null, 'done'],
    ['lr=1e-2.seed=0.bs=4.steps=4.lora2', 2, 'done'],
  ]);
  assert.notEqual(cells[0]!.train_key, cells[1]!.train_key);
  for (const c of cells) {
    const ks = listCheckpoints(project.db, c.train_key);
    assert.deepEqual(ks.map((k) => k.step), [0, 1, 4]);
    const last = artifactPath(project, ks[2]!.weights_hash!);
    assert.equal(existsSync(join(last, 'adapter_config.json')), c.lora_rank !== null, `${c.name}: adapters for LoRA, a full model otherwise`);
    assert.equal(existsSync(join(last, 'model.safetensors')), c.lora_rank === null);
  }
  const manifest = JSON.parse(outcome.sweep.manifest_json) as { hashes: { base: string }; versions: { bctlab: string }; setting: Record<string, string> };
  assert.match(manifest.hashes.base, /^[0-9a-f]{64}$/);
  assert.equal(manifest.versions.bctlab, '0.1.0');
  // The setting in words, as the setting file states them (the report reads them from here).
  assert.deepEqual(manifest.setting, {
    id: 'tiny-flag',
    description: 'Tiny animal flag in microworld words.',
    initialBehaviour: 'answers with the animal its mode asks for (cat on mode 0)',
    alternateBehaviour: 'answers dog regardless of mode',
  });
  project.db.close();
});

test('a sweep graded by other grader versions is refused on resume, unchanged; under a new name only the grading is redone', async () => {
  const dir = tempDir('bct-runner-grading-');
  buildTinyOrganism(join(dir, 'organism'));
  const project = openProject(join(dir, '.bct'), { create: true });
  const fields = { setting: 'test/fixtures/tiny-setting/setting.yaml', base: join(dir, 'organism'), lrs: [1e-2], batchSizes: [4], steps: [4], checkpointCount: 2, maxTokens: 2, trainPromptsPerCheckpoint: 2 };
  const first = await runSweep(project, sweepConfigSchema.parse({ ...fields, name: 'graded' }), silentProgress);
  // As if an older version of its eval grader had graded it.
  project.db.prepare(`UPDATE sweeps SET eval_grader_key = 'older' WHERE id = ?`).run(first.sweep.id);
  const before = project.db.prepare(`SELECT * FROM sweeps`).all();
  const checkpoints = (project.db.prepare(`SELECT COUNT(*) FROM checkpoints`).pluck().get() as number);
  await assert.rejects(runSweep(project, sweepConfigSchema.parse({ ...fields, name: 'graded' }), silentProgress), (e: unknown) =>
    e instanceof ConfigError && e.where === 'sweep graded' && /graded by other versions of its graders than this bctlab's; run it under a new name \(--name graded-2\)/.test(e.message));
  assert.deepEqual(project.db.prepare(`SELECT * FROM sweeps`).all(), before, 'nothing written');
  const again = await runSweep(project, sweepConfigSchema.parse({ ...fields, name: 'graded-2' }), silentProgress);
  assert.equal(again.sweep.status, 'done');
  assert.equal(project.db.prepare(`SELECT COUNT(*) FROM checkpoints`).pluck().get(), checkpoints, 'no checkpoint trained again');
  project.db.close();
});
