// One error hierarchy for all of bctlab. Every error carries a stable `code` and, where it applies, the
// path of the offending field or file, and its message says what was expected and how to fix it.
// Library code throws these and never exits; only src/cli/ maps an error to an exit status
// (input errors -> 2, an interruption -> 128 + the signal's number, everything else -> 1).
// Operating-system and SQLite codes are explained in one table here (SYSTEM_CODES, systemErrorOf).
import { statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Stable machine-readable error codes. Changing one is a breaking change for scripts that match on it. */
export type BctErrorCode =
  | 'config' // a setting, sweep or CLI value is invalid
  | 'data' // a data file (JSONL, corpus) is missing or malformed
  | 'checkpoint' // a weights file is missing, truncated, or of the wrong shape or dtype
  | 'shape' // two tensors' shapes do not fit together
  | 'numeric' // a loss or gradient became NaN or infinite
  | 'backend' // a training or sampling backend failed
  | 'store' // the SQLite record or the artifact folder is unusable
  | 'system' // the operating system refused a path, port or host, or the machine ran out of disk, memory or files
  | 'interrupted' // stopped by SIGINT (Ctrl-C) or SIGTERM; running the same command again resumes
  | 'internal'; // a bug: an invariant of bctlab itself broke

export class BctError extends Error {
  readonly code: BctErrorCode;
  /** The field path (`sweep.lrs[2]`), file path or tensor name the error is about, if any. */
  readonly where: string | undefined;

  /** `options.cause`: the error this one explains (an errno error, a SQLite error), kept so that
   *  `systemErrorOf` can still classify it after wrapping. */
  constructor(code: BctErrorCode, message: string, where?: string, options?: ErrorOptions) {
    super(where === undefined ? message : `${where}: ${message}`, options);
    this.name = new.target.name;
    this.code = code;
    this.where = where;
  }

  /** True for errors caused by what the user gave us (exit status 2), false for failures (exit 1). */
  get isInputError(): boolean {
    return this.code === 'config' || this.code === 'data' || this.code === 'checkpoint';
  }
}

export class ConfigError extends BctError {
  constructor(message: string, where?: string, options?: ErrorOptions) {
    super('config', message, where, options);
  }
}

export class DataError extends BctError {
  constructor(message: string, where?: string, options?: ErrorOptions) {
    super('data', message, where, options);
  }
}

export class CheckpointError extends BctError {
  constructor(message: string, where?: string, options?: ErrorOptions) {
    super('checkpoint', message, where, options);
  }
}

export class ShapeError extends BctError {
  constructor(message: string, where?: string, options?: ErrorOptions) {
    super('shape', message, where, options);
  }
}

export class NumericError extends BctError {
  constructor(message: string, where?: string, options?: ErrorOptions) {
    super('numeric', message, where, options);
  }
}

export class BackendError extends BctError {
  /** Whether the same request may succeed if tried again (a timeout, a 5xx, a rate limit). */
  readonly retryable: boolean;
  constructor(message: string, where?: string, retryable = false, options?: ErrorOptions) {
    super('backend', message, where, options);
    this.retryable = retryable;
  }
}

export class StoreError extends BctError {
  constructor(message: string, where?: string, options?: ErrorOptions) {
    super('store', message, where, options);
  }
}

/** A path, port or host the operating system refused, or a machine out of disk, memory or file handles.
 *  Made by `systemErrorOf` from an errno or SQLite code; `input` says which of the two it is. */
export class SystemError extends BctError {
  /** The errno (`ENOSPC`) or SQLite (`SQLITE_FULL`) code. */
  readonly systemCode: string;
  /** True when the user can fix it by giving another path, port or host (exit 2); false when the machine
   *  failed (disk full, I/O error; exit 1). */
  readonly input: boolean;
  constructor(systemCode: string, input: boolean, message: string, where?: string, options?: ErrorOptions) {
    super('system', message, where, options);
    this.systemCode = systemCode;
    this.input = input;
  }

  override get isInputError(): boolean {
    return this.input;
  }
}

/** The signals that stop a run at its next safe point, with the exit status each ends the command with:
 *  128 + the signal's number, the shell's convention for a process ended by that signal. */
export const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof STOP_SIGNALS;

const INTERRUPTED = 'interrupted; run the same command again to resume';

/** A run stopped by SIGINT or SIGTERM after its current batch. Its message is what the record keeps as the
 *  error of the sweep and of the cell that was running, so `isInterruption` can tell it from a failure. */
export class InterruptedError extends BctError {
  readonly signal: StopSignal;
  constructor(signal: StopSignal) {
    super('interrupted', `${INTERRUPTED} (stopped by ${signal})`);
    this.signal = signal;
  }
}

/** Whether a recorded error message is an InterruptedError's (the work stopped; nothing failed). */
export function isInterruption(message: string | null): boolean {
  return message !== null && message.startsWith(INTERRUPTED);
}

/** What an errno or SQLite code means for the user. `subject` is what the code is about (which of the
 *  error's fields names it); `input` sends it to exit 2 (give another path, port or host) or 1 (the machine
 *  failed); `fix` says what to do. Keyed by code, or by `code/syscall` where the syscall changes the meaning. */
interface SystemCodeInfo {
  input: boolean;
  subject: 'path' | 'port' | 'host';
  problem: string;
  fix: string;
}

const RETRY = 'then run the same command again (finished work is kept)';
const NO_SPACE = `free some space or use a folder on a larger disk, ${RETRY}`;
const ACCESS = 'give this user access to it (chmod, chown) or use another path';
/** What to do about a record that cannot be used (src/store/db.ts says it too). */
export const RESTORE_RECORD = 'restore the project folder from a copy, or use another --project';

/** The one table of operating-system and SQLite codes bctlab explains. */
const SYSTEM_CODES: Record<string, SystemCodeInfo> = {
  ENOENT: { input: true, subject: 'path', problem: 'no such file or folder', fix: 'check the path (a file is written into a folder that exists)' },
  ENOTDIR: { input: true, subject: 'path', problem: 'a part of this path is a file where a folder is expected', fix: 'give a folder, or a path inside one' },
  EISDIR: { input: true, subject: 'path', problem: 'is a folder where a file is expected', fix: 'give a file name' },
  EEXIST: { input: true, subject: 'path', problem: 'already exists', fix: 'remove it or choose another path' },
  EACCES: { input: true, subject: 'path', problem: 'permission denied', fix: ACCESS },
  EPERM: { input: true, subject: 'path', problem: 'operation not permitted', fix: ACCESS },
  EROFS: { input: true, subject: 'path', problem: 'read-only file system', fix: 'use a folder on a writable file system' },
  ENAMETOOLONG: { input: true, subject: 'path', problem: 'file name too long', fix: 'use a shorter path' },
  ELOOP: { input: true, subject: 'path', problem: 'too many levels of symbolic links', fix: 'fix the symbolic links on this path' },
  ENOSPC: { input: false, subject: 'path', problem: 'no space left on device', fix: NO_SPACE },
  EDQUOT: { input: false, subject: 'path', problem: 'disk quota exceeded', fix: NO_SPACE },
  EFBIG: { input: false, subject: 'path', problem: 'file too large for this file system', fix: `use a folder on another file system, ${RETRY}` },
  EIO: { input: false, subject: 'path', problem: 'input/output error', fix: `check the disk (dmesg), ${RETRY}` },
  EMFILE: { input: false, subject: 'path', problem: 'too many open files', fix: `raise the limit (ulimit -n) or run fewer --jobs, ${RETRY}` },
  ENFILE: { input: false, subject: 'path', problem: 'too many open files on this machine', fix: `close other programs or run fewer --jobs, ${RETRY}` },
  ENOMEM: { input: false, subject: 'path', problem: 'out of memory', fix: `close other programs or run fewer --jobs, ${RETRY}` },
  EADDRINUSE: { input: true, subject: 'port', problem: 'already in use', fix: 'stop the program using it or choose another port (0 = any free port)' },
  'EACCES/listen': { input: true, subject: 'port', problem: 'permission denied (ports below 1024 need root)', fix: 'choose a port of 1024 or more (0 = any free port)' },
  'EPERM/listen': { input: true, subject: 'port', problem: 'operation not permitted', fix: 'choose a port of 1024 or more (0 = any free port)' },
  EADDRNOTAVAIL: { input: true, subject: 'host', problem: 'not an address of this machine', fix: 'use 127.0.0.1 or an address this machine has' },
  ENOTFOUND: { input: true, subject: 'host', problem: 'host name does not resolve', fix: 'check its spelling, or use 127.0.0.1' },
  EAI_AGAIN: { input: true, subject: 'host', problem: 'host name could not be resolved now (no name server answered)', fix: 'use an IP address such as 127.0.0.1' },
  SQLITE_FULL: { input: false, subject: 'path', problem: 'database or disk is full', fix: NO_SPACE },
  SQLITE_IOERR: { input: false, subject: 'path', problem: 'disk I/O error in the record', fix: `check the disk and its free space, ${RETRY}` },
  SQLITE_READONLY: { input: true, subject: 'path', problem: 'the record is read-only', fix: 'make the project folder and record.sqlite writable, or use another project folder' },
  SQLITE_CANTOPEN: { input: true, subject: 'path', problem: 'cannot open the record file', fix: 'check that the project folder exists and is writable' },
  // A record damaged after it was opened (a page overwritten, a copy cut short): openProject names the file
  // for damage it meets itself; a query that meets it later knows only the code.
  SQLITE_CORRUPT: { input: false, subject: 'path', problem: 'the record (record.sqlite) is damaged', fix: RESTORE_RECORD },
  SQLITE_NOTADB: { input: false, subject: 'path', problem: 'the record (record.sqlite) is not a SQLite database', fix: RESTORE_RECORD },
};

/** The fields of an errno error (Node's fs, net and dns errors) or a SQLite error that name what failed. */
interface SystemCause {
  code: string;
  syscall?: string;
  path?: string;
  port?: number;
  address?: string;
  hostname?: string;
}

function isCodeLike(code: unknown): code is string {
  return typeof code === 'string' && /^(E[A-Z0-9_]+|SQLITE_[A-Z_]+)$/.test(code);
}

/** Node writes an errno error's message as `ENOSPC: no space left on device, write`, and SQLite a full
 *  disk as `database or disk is full`. Modules that wrapped such an error into a BctError without its
 *  `cause` keep only that text, so the code is read back from it. */
function codeInMessage(message: string): string | undefined {
  const errno = /\b(E[A-Z]{2,}): [a-z]/.exec(message);
  if (errno !== null && errno[1]! in SYSTEM_CODES) return errno[1];
  return message.includes('database or disk is full') ? 'SQLITE_FULL' : undefined;
}

/** The errno or SQLite error behind `e`: `e` itself, a `cause` of it, or the code in a wrapper's message. */
function systemCause(e: unknown): SystemCause | undefined {
  for (let x: unknown = e, depth = 0; x instanceof Error && depth < 8; x = x.cause, depth++) {
    const f = x as Error & Partial<SystemCause>;
    if (isCodeLike(f.code)) return { ...f, code: f.code };
  }
  if (e instanceof BctError) {
    const code = codeInMessage(e.message);
    if (code !== undefined) return { code, path: e.where };
  }
  return undefined;
}

function infoOf(cause: SystemCause): SystemCodeInfo | undefined {
  // SQLite extended codes (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED) mean what their primary code means.
  const primary = /^SQLITE_[A-Z]+/.exec(cause.code)?.[0] ?? cause.code;
  return SYSTEM_CODES[`${primary}/${cause.syscall ?? ''}`] ?? SYSTEM_CODES[primary];
}

/** What an errno or SQLite error means, as `problem (CODE)` (`no such file or folder (ENOENT)`), for a
 *  message that names the path itself; undefined when `e` is not such an error. */
export function systemProblem(e: unknown): string | undefined {
  const cause = systemCause(e);
  const info = cause === undefined ? undefined : infoOf(cause);
  return info === undefined ? undefined : `${info.problem} (${cause!.code})`;
}

/** A byte count for people: `512 bytes`, `1.5 KiB`, `2.4 MiB`. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  for (; n >= 1024 && i < units.length - 1; i++) n /= 1024;
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** Free space on the file system holding `path` (or the nearest folder above it that exists). */
function freeSpaceAt(path: string): number | undefined {
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      const s = statfsSync(p);
      return s.bavail * s.bsize;
    } catch {
      if (dirname(p) === p) return undefined;
    }
  }
}

/** How the subjects of an error are named in its message: a flag and value (`--out x.csv`, `--port 80`)
 *  where the caller knows which one it came from; else the path, port or host from the error itself. */
export interface SystemErrorNames {
  path?: string;
  port?: string;
  host?: string;
}

/** The error a user should see for an operating-system or SQLite error (`e` itself, its `cause`, or one a
 *  BctError wrapped): one line naming the path, port or host, what went wrong and what to do, as a
 *  SystemError. Undefined when `e` is not such an error, or its code is not one bctlab explains. */
export function systemErrorOf(e: unknown, names: SystemErrorNames = {}, near?: string): SystemError | undefined {
  if (e instanceof SystemError) return e;
  const cause = systemCause(e);
  if (cause === undefined) return undefined;
  const info = infoOf(cause);
  if (info === undefined) return undefined;
  const own = { path: cause.path, port: cause.port === undefined ? undefined : `port ${cause.port}`, host: cause.hostname ?? cause.address }[info.subject];
  const where = names[info.subject] ?? own ?? (info.subject === 'path' ? near : undefined);
  let problem = `${info.problem} (${cause.code})`;
  const at = cause.path ?? near;
  if (!info.input && at !== undefined && (cause.code === 'ENOSPC' || cause.code === 'EDQUOT' || cause.code.startsWith('SQLITE_FULL'))) {
    const free = freeSpaceAt(at);
    if (free !== undefined) problem += `, ${formatBytes(free)} free on that file system`;
  }
  return new SystemError(cause.code, info.input, `${problem}; ${info.fix}`, where, { cause: e });
}

/** The error to report for `e`: its SystemError where an operating-system or SQLite code explains it (any
 *  error that is not a BctError; a BctError only when the machine failed, since a full disk is never bad
 *  input whatever class its wrapper chose), else `e` itself. `near`: a path whose free space a full-disk
 *  message reports when the error names none (the project folder of a run). */
export function explainError(e: unknown, near?: string): unknown {
  const system = systemErrorOf(e, {}, near);
  if (system === undefined || (e instanceof BctError && system.input)) return e;
  return system;
}
