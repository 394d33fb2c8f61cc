// Resume after `kill -9` and Ctrl-C: a sweep killed in the middle of training and interrupted in the middle
// of sampling,
// then run again, ends with exactly the rows of an uninterrupted run (no lost or duplicated rows) and,
// on the pure-TS GEMM path, the same numbers: identical losses, weight hashes, samples, grades, metrics.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../temp-dir.js';
import Database from 'better-sqlite3';
import { hashPath } from '../../src/store/index.js';
import { bct, bctChild, countRows as count } from './cli.js';
import { buildTinyOrganism, writeTinySweep } from './tiny-organism.js';

/** Starts `bct run` and sends `signal` as soon as `ready()` holds; resolves to how it ended. */
async function runAndKill(args: string[], ready: () => boolean, signal: NodeJS.Signals = 'SIGKILL'): Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  const child = bctChild(args);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  const exited = new Promise<{ signal: NodeJS.Signals | null; code: number | null }>((res) => child.on('exit', (code, sig) => res({ code, signal: sig })));
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    if (ready()) {
      child.kill(signal);
      break;
    }
    await new Promise((r) => setTimeout(r, 15));
  }
  const end = await exited;
  assert.equal(stderr.includes('internal error'), false, stderr);
  return { ...end, stderr };
}

const TABLES = {
  checkpoints: `SELECT train_key, step, weights_hash, state_hash, examples_seen FROM checkpoints ORDER BY train_key, step`,
  train_log: `SELECT train_key, step, loss, grad_norm, tokens FROM train_log ORDER BY train_key, step`,
  samples: `SELECT key, split, prompt_id, sample_index, seed, completion, completion_tokens, finish_reason FROM samples ORDER BY key`,
  grades: `SELECT key, grader_key, label, score, reason FROM grades ORDER BY key`,
  metrics: `SELECT key, name, value, n FROM metrics ORDER BY key`,
  cells: `SELECT name, train_key, status FROM cells ORDER BY name`,
  sweeps: `SELECT key, status FROM sweeps`,
  datasets: `SELECT key, n FROM datasets`,
};

function snapshot(dbPath: string): Record<string, unknown[]> {
  const db = new Database(dbPath, { readonly: true });
  try {
    return Object.fromEntries(Object.entries(TABLES).map(([k, sql]) => [k, db.prepare(sql).all()]));
  } finally {
    db.close();
  }
}

test('a sweep killed (SIGKILL) mid-training and interrupted (SIGINT) mid-sampling resumes to the uninterrupted result', async () => {
  const dir = tempDir('bct-resume-');
  buildTinyOrganism(join(dir, 'organism'));
  const { file } = writeTinySweep(dir, {
    name: 'resume',
    lrs: [3e-3],
    steps: [60],
    checkpointEvery: 15,
    samplesPerPrompt: 4,
    trainPromptsPerCheckpoint: 8,
    maxTokens: 3,
  });
  const args = (project: string): string[] => ['run', file, '--project', join(dir, project)];

  const straight = bct(args('straight'));
  assert.equal(straight.status, 0, straight.stderr);
  const expected = snapshot(join(dir, 'straight', 'record.sqlite'));
  assert.equal(expected.checkpoints!.length, 5, 'steps 0, 15, 30, 45, 60');
  assert.equal(expected.samples!.length, 5 * (8 * 4 + 8 + 4), 'checkpoints × (eval prompts × 4 + train prompts + capability prompts)');
  assert.equal(count(join(dir, 'straight', 'record.sqlite'), `SELECT COUNT(*) AS n FROM artifacts WHERE kind = 'state'`), 0, 'training states are released once training is done');
  assert.deepEqual(readdirSync(join(dir, 'straight', 'artifacts')).length, 4, 'only the sampler weights of steps 15…60 remain');

  const db = join(dir, 'killed', 'record.sqlite');
  const midTraining = await runAndKill(args('killed'), () => count(db, `SELECT COUNT(*) AS n FROM checkpoints WHERE step > 0`) >= 2);
  assert.equal(midTraining.signal, 'SIGKILL', 'killed during training (the run did not finish first)');
  const trainedBefore = count(db, `SELECT COUNT(*) AS n FROM checkpoints WHERE step > 0`);
  // The latest state is kept to resume from (two when the kill fell between recording a checkpoint and
  // releasing the previous state).
  const states = count(db, `SELECT COUNT(*) AS n FROM checkpoints WHERE state_hash IS NOT NULL`);
  assert.ok(states >= 1 && states <= 2, `${states} states kept`);
  assert.ok(trainedBefore < 4, `killed before training ended (${trainedBefore} checkpoints)`);
  // Ctrl-C during sampling: exit status 130 and a hint to re-run.
  const midSampling = await runAndKill(args('killed'), () => count(db, `SELECT COUNT(*) AS n FROM samples`) >= 60, 'SIGINT');
  assert.equal(midSampling.code, 130, 'interrupted during sampling');
  assert.match(midSampling.stderr, /interrupted; run the same command again to resume/);
  assert.ok(count(db, `SELECT COUNT(*) AS n FROM samples`) < expected.samples!.length);

  const resumed = bct(args('killed'));
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.equal(resumed.stderr, '');
  const got = snapshot(db);
  for (const table of Object.keys(TABLES)) assert.deepEqual(got[table], expected[table], `table ${table} equals the uninterrupted run's`);
  assert.deepEqual(readdirSync(join(dir, 'killed', 'tmp')), [], 'no work folders left behind by the killed runs');
  // The recorded weights are the uninterrupted run's (equal hashes above), and the files hold exactly them.
  for (const c of got.checkpoints as { weights_hash: string | null }[]) {
    if (c.weights_hash !== null) assert.equal(hashPath(join(dir, 'killed', 'artifacts', c.weights_hash)).hash, c.weights_hash);
  }
});
