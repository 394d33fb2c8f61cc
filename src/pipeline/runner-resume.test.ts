// What a resumed sweep records: timings that count each piece of work once, and a training state that
// was changed after it was recorded refused when the resume loads it. A run is interrupted in-process
// by a progress display that throws at a given training step (as Ctrl-C would stop it there).
import assert from 'node:assert/strict';
import { closeSync, openSync, readdirSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { buildTinyOrganism } from '../../test/e2e/tiny-organism.js';
import { CheckpointError } from '../errors.js';
import { loadSettingFile } from '../settings/index.js';
import { listCells, listCheckpoints, listSweeps, openProject, stageCosts, type Project } from '../store/index.js';
import { silentProgress, type Progress } from './progress.js';
import { runSweep } from './runner.js';
import { sweepConfigSchema } from './sweep-spec.js';

const SETTING = 'test/fixtures/tiny-setting/setting.yaml';
const dir = tempDir('bct-runner-resume-');
buildTinyOrganism(join(dir, 'organism'));
const setting = loadSettingFile(SETTING);
const config = sweepConfigSchema.parse({ setting: SETTING, base: join(dir, 'organism'), lrs: [1e-2], batchSizes: [4], steps: [6], checkpointEvery: 2, maxTokens: 2, trainPromptsPerCheckpoint: 2 });

/** A display that stops the run when training reaches `step` (after the checkpoint at step - 1). */
function stopAtStep(step: number): Progress {
  return { ...silentProgress, advance: (_id, _n, note) => {
    if (note?.startsWith(`step ${step} `) === true) throw new Error(`stopped at step ${step}`);
  } };
}

async function interruptedProject(name: string): Promise<Project> {
  const project = openProject(join(dir, name), { create: true });
  await assert.rejects(runSweep(project, config, stopAtStep(5), setting), /stopped at step 5/);
  return project;
}

test('a resumed sweep\'s timings count each step, answer and example once', async () => {
  const project = await interruptedProject('timings');
  await runSweep(project, config, silentProgress, setting); // resumes from step 4
  const outcome = await runSweep(project, config, silentProgress, setting); // finds everything done
  const cell = listCells(project.db, outcome.sweep.id)[0]!;
  const costs = new Map(stageCosts(project.db, outcome.sweep.id).map((c) => [c.stage, c]));
  assert.deepEqual([...costs.keys()], ['check', 'data', 'train', 'sample', 'grade', 'capability']);
  // Three runs each looked the pre-check and the data up; only the first computed them.
  assert.deepEqual({ ...costs.get('check')!, ms: 0 }, { stage: 'check', invocations: 3, reused: 2, items: 1, ms: 0 });
  assert.deepEqual({ ...costs.get('data')!, ms: 0 }, { stage: 'data', invocations: 3, reused: 2, items: 8, ms: 0 });
  // The interrupted training finished no invocation; the resumed one trained steps 5 and 6 only.
  assert.equal(costs.get('train')!.items, 2);
  assert.equal(costs.get('train')!.invocations, 1);
  const answers = project.db.prepare(`SELECT COUNT(*) FROM samples`).pluck().get() as number;
  assert.equal(costs.get('sample')!.items, answers, 'every recorded answer counted once');
  assert.equal(cell.status, 'done');
  assert.ok([...costs.values()].every((c) => c.ms >= 0));
  project.db.close();
});

test('a training state changed in place after it was recorded is refused on resume, naming the file', async () => {
  const project = await interruptedProject('corrupt');
  const cell = listCells(project.db, listSweeps(project.db)[0]!.id)[0]!;
  const state = listCheckpoints(project.db, cell.train_key).find((c) => c.state_hash !== null)!;
  assert.equal(state.step, 4, 'the state of the last checkpoint before the interruption is kept');
  const folder = join(project.artifactsDir, state.state_hash!);
  const file = join(folder, readdirSync(folder).find((f) => f.startsWith('optimizer'))!);
  const fd = openSync(file, 'r+');
  const at = statSync(file).size - 3; // inside the tensor data, past the header: same size, other bytes
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  writeSync(fd, Buffer.from([b[0]! ^ 0x01]), 0, 1, at);
  closeSync(fd);
  await assert.rejects(
    runSweep(project, config, silentProgress, setting),
    (e: unknown) => e instanceof CheckpointError && e.message.includes(`artifact ${state.state_hash} at ${folder} does not match its content hash`),
  );
  assert.equal(listCheckpoints(project.db, cell.train_key).length, 3, 'nothing trained on the changed state (steps 0, 2, 4)');
  project.db.close();
});
