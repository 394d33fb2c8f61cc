import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { StoreError } from '../errors.js';
import { acquireRunLock, LOCK_FILE, openProject, readRunLock } from './index.js';

const holder = (pid: number, host = hostname()): string => JSON.stringify({ pid, host, started: '2026-01-01T00:00:00.000Z', command: 'bct run other.yaml' });

test('a project has one run lock: a second taker is refused with the holder named, and release frees it', () => {
  const p = openProject(join(tempDir('bct-lock-'), 'proj'), { create: true });
  const path = join(p.dir, LOCK_FILE);
  const release = acquireRunLock(p);
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
  assert.throws(() => acquireRunLock(p), (e: unknown) => e instanceof StoreError && new RegExp(`being run by pid ${process.pid} since`).test(e.message));
  release();
  release(); // idempotent
  assert.equal(existsSync(path), false);
  acquireRunLock(p)();
  p.db.close();
});

test('a lock held by a live process refuses; once that process is gone the lock is taken over', async () => {
  const p = openProject(join(tempDir('bct-lock-'), 'proj'), { create: true });
  const path = join(p.dir, LOCK_FILE);
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  writeFileSync(path, holder(child.pid!));
  assert.throws(() => acquireRunLock(p), new RegExp(`pid ${child.pid} since 2026-01-01T00:00:00.000Z \\(\`bct run other.yaml\`\\)`));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const release = acquireRunLock(p);
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
  release();
  // A dead pid from an earlier, killed run and an unreadable lock are both stale.
  const dead = spawnSync('true').pid!;
  writeFileSync(path, holder(dead));
  acquireRunLock(p)();
  writeFileSync(path, '');
  acquireRunLock(p)();
  p.db.close();
});

test('a lock from another host is never taken over (its process cannot be checked from here)', () => {
  const p = openProject(join(tempDir('bct-lock-'), 'proj'), { create: true });
  writeFileSync(join(p.dir, LOCK_FILE), holder(1, 'some-other-host'));
  assert.throws(() => acquireRunLock(p), /pid 1 on host some-other-host .*delete .*run\.lock/);
  p.db.close();
});

test('readRunLock names the holder and whether it still runs (unknown on another host)', () => {
  const p = openProject(join(tempDir('bct-lock-'), 'proj'), { create: true });
  const path = join(p.dir, LOCK_FILE);
  assert.equal(readRunLock(p.dir), null, 'no lock');
  const release = acquireRunLock(p);
  assert.deepEqual({ pid: readRunLock(p.dir)?.holder.pid, alive: readRunLock(p.dir)?.alive }, { pid: process.pid, alive: true });
  release();
  const dead = spawnSync('true').pid!;
  writeFileSync(path, holder(dead));
  assert.deepEqual({ pid: readRunLock(p.dir)?.holder.pid, alive: readRunLock(p.dir)?.alive }, { pid: dead, alive: false }, 'a killed run leaves its lock behind');
  writeFileSync(path, holder(1, 'some-other-host'));
  assert.equal(readRunLock(p.dir)?.alive, undefined);
  writeFileSync(path, '{');
  assert.equal(readRunLock(p.dir), null, 'an unreadable lock names nobody');
  p.db.close();
});
