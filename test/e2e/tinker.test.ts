// The real-model path, end to end on this machine: `bct serve` puts the embedded engine behind the Tinker
// API on loopback, and `bct run --backend tinker` drives it over HTTP as it would drive hosted Tinker or a
// SkyRL server. On the pure-TypeScript GEMM the remote sweep must give exactly the embedded sweep's
// grades and metrics; killed with SIGKILL at random moments and run again, it must end with the record of
// an uninterrupted run.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { tempDir } from '../temp-dir.js';
import { bct, ENV, REPO } from './cli.js';
import { killCampaign } from './kills.js';
import { sweepResults } from './results.js';
import { startServe, TOKEN } from './serve-child.js';
import { buildTinyOrganism, TINY_SETTING } from './tiny-organism.js';


const SWEEP = {
  name: 'tiny',
  setting: TINY_SETTING,
  lrs: [3e-2],
  seeds: [0],
  batchSizes: [4],
  steps: [6],
  checkpointEvery: 3,
  loraRanks: [0, 4],
  samplesPerPrompt: 2,
  trainPromptsPerCheckpoint: 4,
  temperature: 0.7,
  maxTokens: 3,
};

test('a sweep through the Tinker backend against bct serve equals the embedded sweep, and survives kill -9', async () => {
  const dir = tempDir('bct-tinker-');
  const organism = join(dir, 'organism');
  buildTinyOrganism(organism, 60);
  const server = await startServe(['--model', `tiny=${organism}`, '--project', join(dir, 'serve-project')]);
  try {
    const embeddedFile = join(dir, 'embedded.yaml');
    writeFileSync(embeddedFile, stringify({ ...SWEEP, organism: { id: 'tiny', base: organism, induction: { kind: 'none' } } }));
    const remoteFile = join(dir, 'remote.yaml');
    writeFileSync(remoteFile, stringify({ ...SWEEP, organism: { id: 'tiny', base: 'tiny', induction: { kind: 'none' } }, backend: { name: 'tinker', baseUrl: server.url } }));
    const env = { TINKER_API_KEY: TOKEN };

    const embedded = bct(['run', embeddedFile, '--project', join(dir, 'p-embedded')]);
    assert.equal(embedded.status, 0, embedded.stderr);
    const t0 = performance.now();
    const remote = bct(['run', remoteFile, '--project', join(dir, 'p-remote')], REPO, { ...ENV, ...env });
    const runMs = performance.now() - t0;
    assert.equal(remote.status, 0, `${remote.stdout}\n${remote.stderr}`);
    assert.ok(!remote.stdout.includes(TOKEN) && !remote.stderr.includes(TOKEN), 'the key is never printed');
    const want = sweepResults(join(dir, 'p-embedded'), 'tiny');
    assert.equal(want.metrics.length, 2 * 3, '2 cells × 3 checkpoints');
    assert.deepEqual(sweepResults(join(dir, 'p-remote'), 'tiny'), want, 'remote sweep = embedded sweep');

    // kill -9 at seeded random moments of the remote sweep (the client; the server stays up).
    const kills = await killCampaign({ file: remoteFile, dir, sweep: 'tiny', want, runMs, kills: 3, seed: 7, env });
    assert.ok(kills >= 2, `runs killed: ${kills}`);
  } finally {
    server.child.kill('SIGTERM');
  }
});
