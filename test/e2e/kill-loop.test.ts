// Randomized kills of `bct run` on the embedded backend (kills.ts): the record must end equal to the
// uninterrupted run's. Bounded: KILLS kills in CI; BCT_KILLS for a longer campaign by hand, BCT_KILL_SEED to
// draw other moments.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../temp-dir.js';
import { bct } from './cli.js';
import { killCampaign } from './kills.js';
import { sweepResults } from './results.js';
import { buildTinyOrganism, writeTinySweep } from './tiny-organism.js';

const KILLS = Number(process.env.BCT_KILLS ?? 5);
const SEED = Number(process.env.BCT_KILL_SEED ?? 20261201);

test(`bct run killed ${KILLS} times at seeded random moments ends with the uninterrupted record (seed ${SEED})`, async () => {
  const dir = tempDir('bct-kill-loop-');
  buildTinyOrganism(join(dir, 'organism'), 60);
  const { file } = writeTinySweep(dir, { name: 'tiny', lrs: [3e-2, 1e-2], seeds: [0], steps: [16], checkpointEvery: 4, loraRanks: [0, 4], samplesPerPrompt: 2, trainPromptsPerCheckpoint: 4, maxTokens: 3 });
  const t0 = performance.now();
  const ref = bct(['run', file, '--project', join(dir, 'ref')]);
  assert.equal(ref.status, 0, ref.stderr);
  const runMs = performance.now() - t0;
  const want = sweepResults(join(dir, 'ref'), 'tiny');

  const kills = await killCampaign({ file, dir, sweep: 'tiny', want, runMs, kills: KILLS, seed: SEED });
  assert.ok(kills >= Math.min(KILLS, 2), `kills: ${kills}`);
});
