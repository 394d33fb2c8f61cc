import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { tempDir } from '../test/temp-dir.js';
import { CheckpointError, ConfigError, explainError, InterruptedError, isInterruption, STOP_SIGNALS, StoreError, SystemError, systemErrorOf } from './errors.js';

/** The error `run` throws (a real one from the operating system or SQLite). */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

function listenError(port: number, host: string): Promise<unknown> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', resolve);
    s.listen(port, host, () => s.close(() => resolve(new Error(`listened on ${host}:${port}`))));
  });
}

test('file errors name the path, say what is wrong and what to do, and are input errors (exit 2)', () => {
  const dir = tempDir('bct-errors-');
  const file = join(dir, 'a file');
  writeFileSync(file, 'x');
  const cases: [unknown, string, RegExp][] = [
    [thrown(() => readFileSync(join(dir, 'missing.yaml'))), 'ENOENT', /missing\.yaml: no such file or folder \(ENOENT\); check the path/],
    [thrown(() => readFileSync(dir)), 'EISDIR', /^is a folder where a file is expected \(EISDIR\); give a file name$/],
    [thrown(() => mkdirSync(join(file, 'sub'))), 'ENOTDIR', /a file\/sub: a part of this path is a file where a folder is expected \(ENOTDIR\)/],
    [thrown(() => mkdirSync(dir)), 'EEXIST', /already exists \(EEXIST\); remove it or choose another path/],
  ];
  for (const [e, code, message] of cases) {
    const s = systemErrorOf(e);
    assert.ok(s instanceof SystemError, code);
    assert.equal(s.systemCode, code);
    assert.equal(s.isInputError, true, code);
    assert.match(s.message, message);
    assert.equal(s.message.includes('\n'), false, 'one line');
  }
  // The caller names where the path came from (a read of an open file carries no path of its own).
  assert.match(systemErrorOf(cases[0]![0], { path: '--out x.csv' })!.message, /^--out x\.csv: no such file or folder/);
  assert.match(systemErrorOf(cases[1]![0], { path: `sweep file ${dir}` })!.message, /^sweep file .*: is a folder where a file is expected/);
  assert.equal(systemErrorOf(new Error('no code here')), undefined);
  assert.equal(systemErrorOf(Object.assign(new Error('odd'), { code: 'ESOMETHINGNEW' })), undefined, 'a code the table does not explain is left as it is');
});

test('a full disk (ENOSPC on /dev/full, SQLITE_FULL) is a failure (exit 1) with the free space, also when a wrapper said "checkpoint"', { skip: !existsSync('/dev/full') && 'no /dev/full on this system' }, () => {
  const enospc = thrown(() => writeFileSync('/dev/full', 'x'));
  const s = systemErrorOf(enospc, { path: '--out /dev/full' }, '/dev/full')!;
  assert.equal(s.systemCode, 'ENOSPC');
  assert.equal(s.isInputError, false);
  assert.match(s.message, /^--out \/dev\/full: no space left on device \(ENOSPC\), [\d.]+ (bytes|KiB|MiB|GiB|TiB) free on that file system; free some space .*run the same command again/);
  // Written as src/engine/safetensors.ts wraps it: the message only, in an input-error class.
  const wrapped = new CheckpointError(`could not write the checkpoint: ${(enospc as Error).message}`, '/p/tmp/state-8/model.safetensors');
  assert.equal(wrapped.isInputError, true);
  const explained = explainError(wrapped);
  assert.ok(explained instanceof SystemError && !explained.isInputError, 'reported as a full disk, exit 1');
  assert.match(explained.message, /^\/p\/tmp\/state-8\/model\.safetensors: no space left on device \(ENOSPC\)/);

  const dir = tempDir('bct-errors-');
  const db = new Database(join(dir, 'full.sqlite'));
  db.pragma('max_page_count = 8'); // a record that cannot grow: SQLite's own "disk full"
  db.exec('CREATE TABLE t (x BLOB)');
  const full = thrown(() => db.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(64 * 1024)));
  db.close();
  assert.equal((full as { code?: string }).code, 'SQLITE_FULL');
  const sq = systemErrorOf(full, {}, dir)!;
  assert.equal(sq.isInputError, false);
  assert.match(sq.message, new RegExp(`^${dir}: database or disk is full \\(SQLITE_FULL\\), .* free on that file system; free some space`));
  const store = explainError(new StoreError(`cannot open the record: ${(full as Error).message}`, join(dir, 'record.sqlite')));
  assert.ok(store instanceof SystemError && store.systemCode === 'SQLITE_FULL');
});

test('an input error that wraps an operating-system error keeps its own message', () => {
  const cause = thrown(() => readFileSync('/nonexistent/setting.yaml'));
  const e = new ConfigError('unknown setting "x"; known settings: a, b', 'setting', { cause });
  assert.equal(explainError(e), e);
  assert.equal(systemErrorOf(e)?.systemCode, 'ENOENT', 'the cause is still found');
  const plain = new Error('a bug');
  assert.equal(explainError(plain), plain);
});

test('ports and hosts: a busy port, a privileged one and an unresolvable host name the flag and what to do', async () => {
  const busy: Server = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const port = (busy.address() as { port: number }).port;
  const inUse = systemErrorOf(await listenError(port, '127.0.0.1'), { port: `--port ${port}` })!;
  busy.close();
  assert.equal(inUse.isInputError, true);
  assert.equal(inUse.message, `--port ${port}: already in use (EADDRINUSE); stop the program using it or choose another port (0 = any free port)`);
  const own = systemErrorOf(await listenError(port === 65535 ? 1 : port, '203.0.113.1'))!; // TEST-NET-3: never this machine's
  assert.match(own.message, /^203\.0\.113\.1: not an address of this machine \(EADDRNOTAVAIL\); use 127\.0\.0\.1/);
  const host = systemErrorOf(await listenError(0, 'no-such-host.invalid'), { host: '--host no-such-host.invalid' })!;
  assert.equal(host.isInputError, true);
  // ENOTFOUND where a name server answers, EAI_AGAIN where none can be reached.
  assert.match(host.message, /^--host no-such-host\.invalid: host name (does not resolve \(ENOTFOUND\)|could not be resolved now .*\(EAI_AGAIN\))/);
  if (process.getuid?.() !== 0) {
    const privileged = systemErrorOf(await listenError(80, '127.0.0.1'), { port: '--port 80' })!;
    assert.equal(privileged.message, '--port 80: permission denied (ports below 1024 need root) (EACCES); choose a port of 1024 or more (0 = any free port)');
  }
});

test('an interruption exits with 128 + the signal number and is recognised in the record', () => {
  const e = new InterruptedError('SIGTERM');
  assert.equal(STOP_SIGNALS[e.signal], 143);
  assert.equal(STOP_SIGNALS.SIGINT, 130);
  assert.match(e.message, /^interrupted; run the same command again to resume \(stopped by SIGTERM\)$/);
  assert.equal(isInterruption(e.message), true);
  assert.equal(isInterruption('no space left on device'), false);
  assert.equal(isInterruption(null), false);
});
