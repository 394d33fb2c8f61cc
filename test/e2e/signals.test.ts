// Signals and closed pipes through the real binary: SIGTERM stops `bct run` after the current batch
// (exit 143, the sweep shown as interrupted, the same command resumes), in this thread and with
// --jobs 2; a killed run (SIGKILL) shows as interrupted, not running; `bct view` stopped by SIGINT or
// SIGTERM exits 0 and says nothing about resuming; a closed standard output ends a command with 0.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildFixtureRecord } from '../../src/report/index.js';
import { LOCK_FILE } from '../../src/store/index.js';
import { tempDir } from '../temp-dir.js';
import { bct, bctChild, bctIn, countRows as count } from './cli.js';
import { buildTinyOrganism, writeTinySweep } from './tiny-organism.js';

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `bct args`; once `ready(stdout so far)` holds, calls `act(pid)` (which sends the signal);
 *  resolves when the process has ended. Fails the test if the command ended before it was ready. */
async function runUntil(args: string[], ready: (stdout: string) => boolean, act: (pid: number) => Promise<void> | void): Promise<Ended> {
  const child = bctChild(args);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  let ended = false;
  void exited.then(() => (ended = true));
  while (!ready(stdout)) {
    assert.equal(ended, false, `the command ended before it was signalled:\n${stdout}\n${stderr}`);
    await new Promise((r) => setTimeout(r, 15));
  }
  await act(child.pid!);
  return { ...(await exited), stdout, stderr };
}

function tinySweep(name: string, lrs: number[]): { dir: string; file: string } {
  const dir = tempDir(`bct-signals-${name}-`);
  buildTinyOrganism(join(dir, 'organism'));
  // Long enough that the run is still training when the signal comes (about a second per 500 steps).
  const { file } = writeTinySweep(dir, { name, lrs, steps: [1000], checkpointEvery: 250, samplesPerPrompt: 1, trainPromptsPerCheckpoint: 4, maxTokens: 3 });
  return { dir, file };
}

test('SIGTERM stops bct run after the current batch: exit 143, shown as interrupted, and the same command resumes', async () => {
  const { dir, file } = tinySweep('term', [3e-3]);
  const project = join(dir, '.bct');
  const db = join(project, 'record.sqlite');
  let statusWhileRunning = '';
  const end = await runUntil(
    ['run', file, '--project', project],
    () => count(db, `SELECT COUNT(*) AS n FROM checkpoints WHERE step > 0`) >= 1,
    async (pid) => {
      statusWhileRunning = (await bctIn(['status', '--project', project])).stdout;
      process.kill(pid, 'SIGTERM');
    },
  );
  assert.match(statusWhileRunning, /^sweep 1 term: running;/, 'a live run shows as running');
  assert.deepEqual([end.code, end.signal], [143, null], end.stderr);
  assert.match(end.stderr, /^\nbct: SIGTERM: stopping after the current batch \(send it again to stop at once\)\nbct run: interrupted; run the same command again to resume \(stopped by SIGTERM\)\n$/);
  assert.doesNotMatch(end.stdout, /1\/1 cells done/);
  assert.match(end.stdout, /sweep: 0\/1 cells done, 1 interrupted\n/);
  assert.equal(existsSync(join(project, LOCK_FILE)), false, 'the run lock is released');
  assert.ok(count(db, `SELECT COUNT(*) AS n FROM checkpoints WHERE step = 1000`) === 0, 'stopped before the end');

  const status = await bctIn(['status', '--project', project]);
  assert.equal(status.status, 0, status.stderr);
  assert.match(status.stdout, /^sweep 1 term: interrupted; setting tiny-flag; cells: 0 done, 0 running, 0 pending, 0 failed, 1 interrupted\n {2}interrupted; run the same command again to resume \(stopped by SIGTERM\)\n/);
  assert.match(status.stdout, /\n {2}lr=3e-3\.seed=0\.bs=4\.steps=1000\.full: interrupted, checkpoints [1-4]\/5\n/);
  assert.match((await bctIn(['ls', 'sweeps', '--project', project])).stdout, /term {2}tiny-flag {2}interrupted /);

  const resumed = bct(['run', file, '--project', project]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.equal(resumed.stderr, '');
  assert.match((await bctIn(['status', '--project', project])).stdout, /^sweep 1 term: done; .*cells: 1 done/);
});

test('SIGTERM with --jobs 2 ends both worker cells, records them as interrupted, and the run resumes', async () => {
  const { dir, file } = tinySweep('jobs', [3e-3, 1e-3]);
  const project = join(dir, '.bct');
  const db = join(project, 'record.sqlite');
  const end = await runUntil(
    ['run', file, '--project', project, '--jobs', '2'],
    () => count(db, `SELECT COUNT(DISTINCT train_key) AS n FROM checkpoints WHERE step > 0`) >= 2,
    (pid) => void process.kill(pid, 'SIGTERM'),
  );
  assert.deepEqual([end.code, end.signal], [143, null], end.stderr);
  assert.doesNotMatch(end.stderr, /internal error/);
  const status = (await bctIn(['status', '--project', project])).stdout;
  assert.match(status, /^sweep 1 jobs: interrupted; .*cells: 0 done, 0 running, 0 pending, 0 failed, 2 interrupted\n/);
  const resumed = bct(['run', file, '--project', project, '--jobs', '2']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match((await bctIn(['status', '--project', project])).stdout, /^sweep 1 jobs: done; .*cells: 2 done/);
});

test('a killed run (SIGKILL) leaves its sweep shown as interrupted, naming the dead holder of the lock', async () => {
  const { dir, file } = tinySweep('kill', [3e-3]);
  const project = join(dir, '.bct');
  const db = join(project, 'record.sqlite');
  let pid = 0;
  const end = await runUntil(
    ['run', file, '--project', project],
    () => count(db, `SELECT COUNT(*) AS n FROM checkpoints WHERE step > 0`) >= 1,
    (p) => {
      pid = p;
      process.kill(p, 'SIGKILL');
    },
  );
  assert.equal(end.signal, 'SIGKILL');
  assert.equal(existsSync(join(project, LOCK_FILE)), true, 'a killed run cannot release its lock');
  const status = (await bctIn(['status', '--project', project])).stdout;
  assert.match(status, new RegExp(`^sweep 1 kill: interrupted; .*cells: 0 done, 0 running, 0 pending, 0 failed, 1 interrupted\\n {2}the run that held it \\(pid ${pid}\\) is gone: it was killed or crashed; run the same command again to resume\\n`));
});

test('bct view stopped by SIGINT or SIGTERM closes and exits 0, saying nothing about resuming', async () => {
  const dir = tempDir('bct-signals-view-');
  buildFixtureRecord(dir, { lrs: [1e-3], seeds: [0], steps: [0, 10], evalPrompts: 4 }).project.db.close();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const url = (stdout: string): string | undefined => /bct view: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)?.[1];
    let shown = '';
    const end = await runUntil(
      ['view', '--project', dir, '--port', '0'],
      (stdout) => (shown = url(stdout) ?? '') !== '',
      async (pid) => {
        // A browser keeps its connection open; that must not hold the exit.
        const r = await fetch(`${shown}api/sweeps`, { headers: { connection: 'keep-alive' } });
        assert.equal(r.status, 200);
        await r.arrayBuffer();
        process.kill(pid, signal);
      },
    );
    assert.deepEqual([end.code, end.signal], [0, null], `${signal}: ${end.stderr}`);
    assert.equal(end.stderr, '', signal);
    assert.doesNotMatch(end.stdout, /resume|interrupted/, signal);
  }
});

test('a closed standard output ends a command quietly with exit 0 (bct export | head)', async () => {
  const dir = tempDir('bct-signals-pipe-');
  buildFixtureRecord(dir, { lrs: [1e-3, 1e-4], seeds: [0, 1], steps: [0, 10, 100], evalPrompts: 40 }).project.db.close();
  for (const args of [['ls', 'settings'], ['status', '--project', dir], ['export', '--project', dir, '--format', 'jsonl']]) {
    const child = bctChild(args);
    // Closed before the command writes anything (Node takes tens of milliseconds to start).
    child.stdout!.destroy();
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    assert.equal(code, 0, `${args.join(' ')}: ${stderr}`);
    assert.equal(stderr, '', args.join(' '));
  }
});
