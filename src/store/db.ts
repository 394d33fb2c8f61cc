// Opening the record: a project folder (default ./.bct/) holding record.sqlite (WAL) and artifacts/.
// Opening applies pending migrations in one transaction; a record written by a newer bctlab is refused
// rather than read wrongly.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RESTORE_RECORD, StoreError } from '../errors.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

/** The schema version this build writes (the number of migrations). */
export const SCHEMA_VERSION = MIGRATIONS.length;

export interface Project {
  /** Absolute path of the project folder. */
  dir: string;
  /** Absolute path of the artifacts folder. */
  artifactsDir: string;
  db: Db;
}

export function projectPaths(dir: string): { dir: string; dbPath: string; artifactsDir: string } {
  const abs = resolve(dir);
  return { dir: abs, dbPath: join(abs, 'record.sqlite'), artifactsDir: join(abs, 'artifacts') };
}

/** Opens (creating when `create`) the project at `dir` and migrates it. */
export function openProject(dir: string, options: { create?: boolean; readonly?: boolean } = {}): Project {
  const paths = projectPaths(dir);
  if (!existsSync(paths.dbPath)) {
    if (options.create !== true) throw new StoreError(`no bctlab record here (expected ${paths.dbPath}); run \`bct run\` first or pass --project DIR`, paths.dir);
    mkdirSync(paths.artifactsDir, { recursive: true });
  }
  // SQLite would open a folder and fail at the first read with "disk I/O error".
  if (existsSync(paths.dbPath) && !statSync(paths.dbPath).isFile()) throw new StoreError(`is a folder; ${EXPECTED}`, paths.dbPath);
  let db: Db;
  try {
    db = new Database(paths.dbPath, { readonly: options.readonly === true });
    if (options.readonly !== true) db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 10000');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
  } catch (e) {
    throw new StoreError(`cannot open the record: ${sqliteProblem(e)}`, paths.dbPath);
  }
  let version: number;
  let tables: string[];
  try {
    version = readVersion(db);
    tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[];
  } catch (e) {
    db.close();
    throw new StoreError(`cannot read the record: ${sqliteProblem(e)}`, paths.dbPath);
  }
  if (!Number.isInteger(version) || version < 0) {
    db.close();
    throw new StoreError(`meta.schemaVersion is not a version number; ${EXPECTED}`, paths.dbPath);
  }
  if (version === 0 && tables.length > 0 && !tables.includes('meta')) {
    // Another program's database: migrating would add bctlab's tables to it.
    db.close();
    throw new StoreError(`is a SQLite database but not a bctlab record (tables ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', …' : ''}, no meta table); use another --project`, paths.dbPath);
  }
  if (tables.length === 0 && options.readonly === true) {
    db.close();
    throw new StoreError(`holds no bctlab record (an empty database); \`bct run --project ${dir}\` makes one`, paths.dbPath);
  }
  if (version > SCHEMA_VERSION) {
    db.close();
    throw new StoreError(`record has schemaVersion ${version} but this bctlab reads up to ${SCHEMA_VERSION}; upgrade bctlab`, paths.dbPath);
  }
  if (version < SCHEMA_VERSION) {
    if (options.readonly === true) {
      db.close();
      throw new StoreError(`record has schemaVersion ${version}; open it once read-write to migrate to ${SCHEMA_VERSION}`, paths.dbPath);
    }
    migrate(db);
  }
  mkdirSync(paths.artifactsDir, { recursive: true });
  return { dir: paths.dir, artifactsDir: paths.artifactsDir, db };
}

const EXPECTED = `expected the SQLite record \`bct run\` writes: ${RESTORE_RECORD}`;

/** What SQLite said about a record it cannot use, with its code, and what to do when the file is not a
 *  database or is damaged (truncated, overwritten). */
function sqliteProblem(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const said = typeof code === 'string' ? `${(e as Error).message} (${code})` : (e as Error).message;
  return /^SQLITE_(NOTADB|CORRUPT)/.test(String(code)) ? `${said}; ${EXPECTED}` : said;
}

/** An empty record in memory, at the current schema, for a command that only reads and runs where no
 *  record exists yet (`bct plan` before the first `bct run`): it finds nothing, and nothing is written
 *  to `dir`. */
export function emptyProject(dir: string): Project {
  const paths = projectPaths(dir);
  const db = new Database(':memory:');
  migrate(db);
  return { dir: paths.dir, artifactsDir: paths.artifactsDir, db };
}

function readVersion(db: Db): number {
  const hasMeta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).get();
  if (hasMeta === undefined) return 0;
  const row = db.prepare(`SELECT value FROM meta WHERE key = 'schemaVersion'`).get() as { value: string } | undefined;
  return row === undefined ? 0 : Number(row.value);
}

function migrate(db: Db): void {
  // A migration may rebuild a table other tables refer to (SQLite's way to change a constraint), which
  // it can do only with foreign keys off; they are switched off outside the transaction (SQLite ignores
  // the switch inside one), and every reference is checked before the migration commits.
  db.pragma('foreign_keys = OFF');
  try {
    // IMMEDIATE: two processes opening a fresh record at once must not both migrate.
    db.transaction(() => {
      const current = readVersion(db);
      for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
      const broken = db.pragma('foreign_key_check') as { table: string; parent: string }[];
      if (broken.length > 0) throw new StoreError(`migration to schemaVersion ${SCHEMA_VERSION} left ${broken.length} rows of ${broken[0]!.table} without their ${broken[0]!.parent} row; the record is unchanged`);
      db.prepare(`INSERT INTO meta (key, value) VALUES ('schemaVersion', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(String(SCHEMA_VERSION));
    }).immediate();
  } finally {
    db.pragma('foreign_keys = ON');
  }
}

export function now(): string {
  return new Date().toISOString();
}
