// One writer per project. `bct run` garbage-collects artifacts that no row references, so a second run
// in the same project could delete the first one's half-written checkpoints; and two runs of one sweep
// would train the same cells twice. A run therefore holds `run.lock` in the project folder for its whole
// life. The file names the holder (pid, host, start, command); a lock whose process is gone (the run was
// killed) is taken over, so an interrupted run never blocks its own resume.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { StoreError } from '../errors.js';
import type { Project } from './db.js';

export interface LockHolder {
  pid: number;
  host: string;
  started: string; // ISO time
  command: string;
}

export const LOCK_FILE = 'run.lock';

function readHolder(path: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? (h as LockHolder) : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Who holds the run lock of the project in `dir`, or null when nobody does. `alive` is whether that
 *  process still runs; undefined for a holder on another host, whose process cannot be checked from here.
 *  A lock whose holder is dead was left by a killed run (the next run takes it over). */
export function readRunLock(dir: string): { holder: LockHolder; alive: boolean | undefined } | null {
  const holder = readHolder(join(dir, LOCK_FILE));
  if (holder === null) return null;
  return { holder, alive: holder.host === hostname() ? alive(holder.pid) : undefined };
}

/** Takes the project's run lock or throws a StoreError naming its holder. Returns the release function
 *  (also run at process exit, so a thrown error or Ctrl-C does not leave the lock behind). */
export function acquireRunLock(project: Project): () => void {
  const path = join(project.dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command: process.argv.slice(1).join(' ') };
  // Written whole to a private file and hard-linked into place: linking fails if the lock exists, and a
  // reader never sees a half-written lock.
  const tmp = `${path}.${process.pid}.${Date.now()}`;
  writeFileSync(tmp, JSON.stringify(me) + '\n');
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      }
      const holder = readHolder(path);
      const stale = holder === null || (holder.host === me.host && !alive(holder.pid));
      if (!stale) {
        const where = holder.host === me.host ? `pid ${holder.pid}` : `pid ${holder.pid} on host ${holder.host}`;
        throw new StoreError(
          `this project is being run by ${where} since ${holder.started} (\`${holder.command}\`); wait for it to finish, or use another --project. ` +
            `If that run is gone, delete ${path}`,
          project.dir,
        );
      }
      unlinkSync(path); // the holder was killed; its run can be resumed by this one
    }
  } finally {
    unlinkSync(tmp);
  }
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    const holder = readHolder(path);
    if (holder?.pid === me.pid && holder.started === me.started) unlinkSync(path);
  };
  process.on('exit', release);
  return release;
}
