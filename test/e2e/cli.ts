// Helpers of the end-to-end tests: run the real `bct` binary (bin/bct.js → dist/) as a child process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { main } from '../../src/cli/main.js';

/** The repository root (works from test/e2e/ under tsx and from dist/test/e2e/). */
export const REPO = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'bin', 'bct.js'))) dir = dirname(dir);
  return dir;
})();

/** Pure-TypeScript GEMM: the path on which resumed runs must give identical numbers. */
export const ENV = { ...process.env, BCT_GEMM: 'typescript', OPENBLAS_NUM_THREADS: '1' };

export interface BctResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the binary; `env` defaults to ENV (the pure-TypeScript GEMM), which a test that needs no bit-exact
 *  numbers may replace with process.env for speed. */
export function bct(args: readonly string[], cwd = REPO, env: NodeJS.ProcessEnv = ENV): BctResult {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'bct.js'), ...args], { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function bctChild(args: readonly string[], cwd = REPO): ChildProcess {
  return spawn(process.execPath, [join(REPO, 'bin', 'bct.js'), ...args], { cwd, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `bct` in-process through the same entry point as the binary (no process start). */
export async function bctIn(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (write: (s: string) => void) => new Writable({ write: (c: Buffer, _e, cb) => (write(c.toString()), cb()) });
  const status = await main(args, { out: sink((s) => (stdout += s)), err: sink((s) => (stderr += s)) });
  return { status, stdout, stderr };
}

/** A digest of every row of every table of the record at `dbPath`, read through SQLite (the file's bytes
 *  change with WAL checkpoints when nothing else does): equal digests mean the record was not touched. */
export function recordDigest(dbPath: string): string {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const hash = createHash('sha256');
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[];
    for (const table of tables) {
      const rows = (db.prepare(`SELECT * FROM "${table}"`).raw().all() as unknown[][]).map((r) => JSON.stringify(r));
      hash.update(`${table}\n${rows.sort().join('\n')}\n`);
    }
    return hash.digest('hex');
  } finally {
    db.close();
  }
}

/** Mounts a tmpfs with `options` (`ro,size=1m`) at `dir`; false where mounting is not allowed (not root,
 *  or a container without CAP_SYS_ADMIN), so that a test can skip and say why. Unmount with `umount`. */
export function mountTmpfs(dir: string, options: string): boolean {
  mkdirSync(dir, { recursive: true });
  return process.platform === 'linux' && spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' }).status === 0;
}

/** `SELECT COUNT(*) AS n …` on a record another process may be writing; 0 while it does not exist yet. */
export function countRows(dbPath: string, sql: string): number {
  try {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare(sql).get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not created yet, or mid-migration
  }
}
