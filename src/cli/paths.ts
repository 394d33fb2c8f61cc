// The folders and files a command is given (`--project`, `--out`), checked before any work: a file given
// as a folder, a folder given as a file, a missing or read-only folder is one line naming the flag and the
// path (exit 2), not a stack trace after minutes of training or a report that cannot be saved. What
// happens later anyway (a disk that fills up) is explained by systemErrorOf with the same table.
import { accessSync, constants, statSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, StoreError, systemErrorOf } from '../errors.js';
import { openProject, type Project } from '../store/index.js';

/** How a path is named in messages: the flag and the path as the user gave it. */
function named(flag: string, path: string): string {
  return `${flag} ${path}`;
}

/** The stats of `path`, or undefined when nothing is there; other errors (a parent that is a file, a
 *  folder this user may not enter) are explained naming `where`. */
function statOrNothing(path: string, where: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw systemErrorOf(e, { path: where }) ?? e;
  }
}

function assertWritable(path: string, where: string): void {
  try {
    accessSync(path, constants.W_OK);
  } catch (e) {
    throw systemErrorOf(e, { path: where }) ?? e;
  }
}

/** A folder that will be written into (created when missing): not a file, and writable, or creatable in
 *  the nearest folder above it that exists. (A file above it makes stat fail with ENOTDIR.) */
export function checkWritableFolder(dir: string, flag: string): void {
  const where = named(flag, dir);
  const s = statOrNothing(dir, where);
  if (s !== undefined && !s.isDirectory()) throw new ConfigError('is a file; expected a folder', where);
  let at = resolve(dir);
  while (s === undefined && statOrNothing(at, where) === undefined && dirname(at) !== at) at = dirname(at);
  assertWritable(at, where);
}

/** A file that will be written (`--out`): not a folder, inside an existing writable folder, and writable
 *  itself when it exists already. */
export function checkOutputFile(path: string, flag: string): void {
  const where = named(flag, path);
  const s = statOrNothing(path, where);
  if (s?.isDirectory() === true) throw new ConfigError('is a folder; expected the name of a file to write (a path inside it, for example)', where);
  const parent = dirname(resolve(path));
  const p = statOrNothing(parent, where);
  if (p === undefined) throw new ConfigError(`the folder ${parent} does not exist; create it first or write elsewhere`, where);
  if (!p.isDirectory()) throw new ConfigError(`${parent} is a file, not a folder to write into`, where);
  assertWritable(s === undefined ? parent : path, where);
}

/** Writes a file the user named; an operating-system error (a full disk) names the flag and the path. */
export function writeOutputFile(path: string, data: string, flag: string): void {
  try {
    writeFileSync(path, data);
  } catch (e) {
    throw systemErrorOf(e, { path: named(flag, path) }) ?? e;
  }
}

/** Opens an existing project for reading (status, export, report, view). */
export function openProjectToRead(dir: string, flag = '--project'): Project {
  const where = named(flag, dir);
  const s = statOrNothing(dir, where);
  if (s === undefined) throw new ConfigError(`no such folder; expected a project folder holding record.sqlite (\`bct run --project ${dir}\` makes one)`, where);
  if (!s.isDirectory()) throw new ConfigError('is a file; expected a project folder holding record.sqlite', where);
  if (statOrNothing(join(dir, 'record.sqlite'), where) === undefined) {
    throw new ConfigError(`no bctlab record in this folder (expected record.sqlite); run \`bct run --project ${dir}\` first, or give the folder that holds one`, where);
  }
  try {
    return openProject(dir, { readonly: true });
  } catch (e) {
    // SQLite writes a shared-memory file beside a WAL record even to read it, so a record in a folder this
    // user cannot write fails to open; say so rather than "attempt to write a readonly database".
    if (e instanceof StoreError) assertWritable(dir, where);
    throw e;
  }
}

/** Opens (creating it when missing) a project to write into (run, check, demo). */
export function openProjectToWrite(dir: string, flag = '--project'): Project {
  const where = named(flag, dir);
  checkWritableFolder(dir, flag);
  const record = join(dir, 'record.sqlite');
  if (statOrNothing(record, where) !== undefined) assertWritable(record, where);
  try {
    return openProject(dir, { create: true });
  } catch (e) {
    throw systemErrorOf(e, { path: where }) ?? e;
  }
}
