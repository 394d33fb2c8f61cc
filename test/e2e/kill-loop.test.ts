// Randomized kills of `bct run` on the embedded backend: SIGKILL at moments drawn from a seeded generator
// over the length of an uninterrupted run, each run resuming what the previous one left, until the sweep
// completes; the record must then equal the uninterrupted run's. Bounded: at most KILLS kills (CI); set
// BCT_KILL_SEED to draw other moments, BCT_KILLS for a longer campaign by hand.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../temp-dir.js';
import { bct, ENV, REPO } from './cli.js';
import { sweepResults } from './results.js';
import { buildTinyOrganism, writeTinySweep } from './tiny-organism.js';

const KILLS = Number(process.env.BCT_KILLS ?? 5);
const SEED = Number(process.env.BCT_KILL_SEED ?? 20261201);

/** A seeded uniform generator in [0, 1) (mulberry32). */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test(`bct run killed ${KILLS} times at seeded random moments ends with the uninterrupted record (seed ${SEED})`, async () => {
  const dir = tempDir('bct-kill-loop-');
  buildTinyOrganism(join(dir, 'organism'), 60);
  const { file } = writeTinySweep(dir, { name: 'tiny', lrs: [3e-2, 1e-2], seeds: [0], steps: [16], checkpointEvery: 4, loraRanks: [0, 4], samplesPerPrompt: 2, trainPromptsPerCheckpoint: 4, maxTokens: 3 });
  const t0 = performance.now();
  const ref = bct(['run', file, '--project', join(dir, 'ref')]);
  assert.equal(ref.status, 0, ref.stderr);
  const runMs = performance.now() - t0;
  const want = sweepResults(join(dir, 'ref'), 'tiny');

  const next = uniform(SEED);
  let projects = 0;
  let project = join(dir, `killed-${projects}`);
  let kills = 0;
  for (let attempt = 0; attempt < 4 * KILLS && kills < KILLS; attempt++) {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'bct.js'), 'run', file, '--project', project], { env: ENV, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), next() * runMs);
    const code = await exited;
    clearTimeout(timer);
    if (code !== 0) kills++;
    else {
      // A run that completed leaves nothing to kill: check it, and go on with a fresh project.
      assert.deepEqual(sweepResults(project, 'tiny'), want, `project ${projects} after its kills`);
      project = join(dir, `killed-${++projects}`);
    }
  }
  const last = bct(['run', file, '--project', project]);
  assert.equal(last.status, 0, last.stderr);
  assert.deepEqual(sweepResults(project, 'tiny'), want, `after ${kills} kills`);
  assert.ok(kills >= Math.min(KILLS, 2), `kills: ${kills}`);
});
