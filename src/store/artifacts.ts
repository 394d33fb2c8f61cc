// Large binaries (weights, training state) live under <project>/artifacts/<hash>, as a file or a folder
// of files, named by the content hash (sha256 of a file's bytes; for a folder, the hash of its files'
// names and hashes) and listed in the `artifacts` table. Content is moved in under a temporary name and
// renamed, so a crash never leaves a partial artifact under a final name.
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';
import { now, type Project } from './db.js';
import { bytesHash, contentHash } from './keys.js';

function filesOf(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

/** Content hash and total size of a file or folder. */
export function hashPath(path: string): { hash: string; bytes: number } {
  if (statSync(path).isFile()) {
    const b = readFileSync(path);
    return { hash: bytesHash(b), bytes: b.length };
  }
  let bytes = 0;
  const entries = filesOf(path).map((f) => {
    const b = readFileSync(join(path, f));
    bytes += b.length;
    return [f, bytesHash(b)];
  });
  return { hash: contentHash(entries).padEnd(64, '0'), bytes };
}

function sizeOf(path: string): number {
  return statSync(path).isFile() ? statSync(path).size : filesOf(path).reduce((n, f) => n + statSync(join(path, f)).size, 0);
}

/** Moves (or copies, when `keep`) a file or folder into the artifact folder; returns its hash.
 *  Idempotent: content already stored is not stored twice. */
export function putArtifact(project: Project, path: string, kind: string, options: { keep?: boolean } = {}): string {
  const { hash, bytes } = hashPath(path);
  const dest = join(project.artifactsDir, hash);
  // The row goes first: a crash before the rename leaves a listed artifact without a file, which nothing
  // refers to yet (checkpoints are recorded after this returns) and `collectGarbage` removes.
  project.db.prepare(`INSERT OR IGNORE INTO artifacts (hash, kind, bytes, created_at) VALUES (?, ?, ?, ?)`).run(hash, kind, bytes, now());
  if (!existsSync(dest)) {
    const tmp = `${dest}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    if (options.keep === true) cpSync(path, tmp, { recursive: true });
    else moveOrCopy(path, tmp);
    renameSync(tmp, dest);
  } else if (options.keep !== true) {
    rmSync(path, { recursive: true, force: true });
  }
  return hash;
}

function moveOrCopy(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    cpSync(from, to, { recursive: true });
    rmSync(from, { recursive: true, force: true });
  }
}

/** Drops training states of a training (all, or all but `keep`): they only serve to resume it, and a
 *  full state is several times the size of the weights. Order matters for crash safety: references go
 *  first (one transaction), then files, then rows, so a crash leaves at worst an unreferenced artifact,
 *  which `collectGarbage` removes, never a reference to a missing file. */
export function releaseStates(project: Project, trainKey: string, keep: string | null): void {
  const db = project.db;
  const old = db
    .prepare(`SELECT DISTINCT state_hash AS h FROM checkpoints WHERE train_key = ? AND state_hash IS NOT NULL AND state_hash IS NOT ?`)
    .pluck()
    .all(trainKey, keep) as string[];
  if (old.length === 0) return;
  db.prepare(`UPDATE checkpoints SET state_hash = NULL WHERE train_key = ? AND state_hash IS NOT NULL AND state_hash IS NOT ?`).run(trainKey, keep);
  for (const h of old) if (!referenced(project, h)) removeArtifact(project, h);
}

function referenced(project: Project, hash: string): boolean {
  return project.db.prepare(`SELECT 1 FROM checkpoints WHERE state_hash = ? OR weights_hash = ? LIMIT 1`).get(hash, hash) !== undefined;
}

function removeArtifact(project: Project, hash: string): void {
  rmSync(join(project.artifactsDir, hash), { recursive: true, force: true });
  project.db.prepare(`DELETE FROM artifacts WHERE hash = ?`).run(hash);
}

/** Removes artifacts no checkpoint refers to (left by a run killed between writing an artifact and
 *  recording its checkpoint, or while releasing states) and files the table does not list. Only those
 *  older than `minAgeMs`: another `bct run` on the same project may be between writing an artifact and
 *  recording its checkpoint right now. Runs when a sweep starts. Returns the number removed. */
export function collectGarbage(project: Project, minAgeMs = 10 * 60_000): number {
  const cutoff = Date.now() - minAgeMs;
  const rows = project.db.prepare(`SELECT hash, created_at FROM artifacts`).all() as { hash: string; created_at: string }[];
  let removed = 0;
  for (const { hash: h, created_at } of rows) {
    if (Date.parse(created_at) <= cutoff && !referenced(project, h)) {
      removeArtifact(project, h);
      removed++;
    }
  }
  const listed = new Set(project.db.prepare(`SELECT hash FROM artifacts`).pluck().all() as string[]);
  for (const name of readdirSync(project.artifactsDir)) {
    if (!listed.has(name) && statSync(join(project.artifactsDir, name)).mtimeMs <= cutoff) {
      rmSync(join(project.artifactsDir, name), { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

/** Path of an artifact, checked to exist with the recorded size. */
export function artifactPath(project: Project, hash: string): string {
  const path = join(project.artifactsDir, hash);
  const row = project.db.prepare(`SELECT bytes FROM artifacts WHERE hash = ?`).get(hash) as { bytes: number } | undefined;
  if (!existsSync(path)) throw new CheckpointError(`artifact ${hash} is missing; delete the run's checkpoints or re-run to recreate it`, path);
  if (row !== undefined && sizeOf(path) !== row.bytes) {
    throw new CheckpointError(`artifact ${hash} has ${sizeOf(path)} bytes, expected ${row.bytes} (corrupt)`, path);
  }
  return path;
}
