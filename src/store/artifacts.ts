// Large binaries (weights, training state) live as files under <project>/artifacts/<sha256>, named by the
// hash of their bytes and listed in the `artifacts` table. Files are written under a temporary name and
// renamed, so a crash never leaves a partial file under a final name.
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';
import { now, type Project } from './db.js';
import { bytesHash } from './keys.js';

/** Moves (or copies, when `keep`) a file into the artifact folder; returns its hash. Idempotent. */
export function putArtifact(project: Project, file: string, kind: string, options: { keep?: boolean } = {}): string {
  const bytes = readFileSync(file);
  const hash = bytesHash(bytes);
  const dest = join(project.artifactsDir, hash);
  if (!existsSync(dest)) {
    const tmp = `${dest}.tmp-${process.pid}`;
    if (options.keep === true) copyFileSync(file, tmp);
    else renameOrCopy(file, tmp);
    renameSync(tmp, dest);
  } else if (options.keep !== true) {
    rmSync(file, { force: true });
  }
  project.db
    .prepare(`INSERT OR IGNORE INTO artifacts (hash, kind, bytes, created_at) VALUES (?, ?, ?, ?)`)
    .run(hash, kind, bytes.length, now());
  return hash;
}

function renameOrCopy(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    copyFileSync(from, to);
    rmSync(from, { force: true });
  }
}

/** Path of an artifact, checked to exist with the recorded size. */
export function artifactPath(project: Project, hash: string): string {
  const path = join(project.artifactsDir, hash);
  const row = project.db.prepare(`SELECT bytes FROM artifacts WHERE hash = ?`).get(hash) as { bytes: number } | undefined;
  if (!existsSync(path)) throw new CheckpointError(`artifact ${hash} is missing; delete the run's checkpoints or re-run to recreate it`, path);
  if (row !== undefined && statSync(path).size !== row.bytes) {
    throw new CheckpointError(`artifact ${hash} has ${statSync(path).size} bytes, expected ${row.bytes} (corrupt)`, path);
  }
  return path;
}
