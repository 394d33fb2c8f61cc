// Helpers of the end-to-end tests: run the real `bct` binary (bin/bct.js → dist/) as a child process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
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

export function bct(args: readonly string[], cwd = REPO): BctResult {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'bct.js'), ...args], { cwd, env: ENV, encoding: 'utf8', timeout: 120_000 });
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
