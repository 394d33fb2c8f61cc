// The kill campaign of the end-to-end tests: `bct run <file>` killed with SIGKILL at moments drawn from a
// seeded generator over an uninterrupted run's length, each run resuming what the previous one left; a
// run that completes is checked and the campaign goes on in a fresh project. Returns the kills made.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { seededRandom } from '../../src/analysis/index.js';
import { ENV, REPO } from './cli.js';
import { sweepResults, type SweepResults } from './results.js';

export interface KillCampaign {
  file: string; // the sweep file
  dir: string; // where the campaign's projects go
  sweep: string; // the sweep's name
  want: SweepResults; // the uninterrupted run's results
  runMs: number; // how long the uninterrupted run took
  kills: number; // kills to make
  seed: number;
  env?: NodeJS.ProcessEnv; // added to the tests' ENV
}

/** Kills runs until `kills` were made (at most 4× as many attempts); every completed project, and the last
 *  one finished by a final uninterrupted run, must equal `want`. */
export async function killCampaign(c: KillCampaign): Promise<number> {
  const next = seededRandom(c.seed);
  const env = { ...ENV, ...c.env };
  let projects = 0;
  let project = join(c.dir, `killed-${projects}`);
  let kills = 0;
  for (let attempt = 0; attempt < 4 * c.kills && kills < c.kills; attempt++) {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'bct.js'), 'run', c.file, '--project', project], { env, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), next() * c.runMs);
    const code = await exited;
    clearTimeout(timer);
    if (code !== 0) kills++;
    else {
      assert.deepEqual(sweepResults(project, c.sweep), c.want, `project ${projects} after its kills`);
      project = join(c.dir, `killed-${++projects}`);
    }
  }
  const last = spawn(process.execPath, [join(REPO, 'bin', 'bct.js'), 'run', c.file, '--project', project], { env, stdio: 'ignore' });
  assert.equal(await new Promise<number | null>((resolve) => last.on('exit', (code) => resolve(code))), 0, 'the final run completes');
  assert.deepEqual(sweepResults(project, c.sweep), c.want, `after ${kills} kills the record equals an uninterrupted run`);
  return kills;
}
