// Opening the record: a project folder (default ./.bct/) holding record.sqlite (WAL) and artifacts/.
// Opening applies pending migrations in one transaction; a record written by a newer bctlab is refused
// rather than read wrongly.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StoreError } from '../errors.js';
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
  let db: Db;
  try {
    db = new Database(paths.dbPath, { readonly: options.readonly === true });
    if (options.readonly !== true) db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 10000');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
  } catch (e) {
    throw new StoreError(`cannot open the record: ${(e as Error).message}`, paths.dbPath);
  }
  const version = readVersion(db);
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

function readVersion(db: Db): number {
  const hasMeta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).get();
  if (hasMeta === undefined) return 0;
  const row = db.prepare(`SELECT value FROM meta WHERE key = 'schemaVersion'`).get() as { value: string } | undefined;
  return row === undefined ? 0 : Number(row.value);
}

function migrate(db: Db): void {
  // IMMEDIATE: two processes opening a fresh record at once must not both migrate.
  db.transaction(() => {
    const current = readVersion(db);
    for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    db.prepare(`INSERT INTO meta (key, value) VALUES ('schemaVersion', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(String(SCHEMA_VERSION));
  }).immediate();
}

export function now(): string {
  return new Date().toISOString();
}
