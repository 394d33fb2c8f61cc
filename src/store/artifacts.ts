// Large binaries (weights, training state) live under <project>/artifacts/<hash>, as a file or a folder
// of files, named by the content hash and listed in the `artifacts` table. A file's hash is the sha256
// of its bytes; a folder's is the sha256 of the canonical JSON of its [relative name, file sha256] list
// (sorted by name). Folders stored before full-length folder names were named by the first 128 bits of
// that same digest followed by 32 zeros: `folderNameMatches` recognises both, so old projects verify.
// Content is moved in under a temporary name and renamed, so a crash never leaves a partial artifact
// under a final name. An artifact is checked against its name the first time a process loads it.
import { closeSync, cpSync, existsSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';
import { now, type Project } from './db.js';
import { canonicalJson } from './keys.js';

/** Unreferenced artifacts younger than this are left alone: another run may be about to record them. */
export const GC_MIN_AGE_MS = 10 * 60_000;

/** Bytes read per call while hashing, so a large weights file never has to fit in memory at once. */
const HASH_CHUNK_BYTES = 1 << 20;

function filesOf(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

/** sha256 (hex) of a file's bytes, read in chunks; `onBytes` is told how many bytes each chunk held. */
function fileSha256(path: string, onBytes: (n: number) => void = () => {}): string {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(HASH_CHUNK_BYTES);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) {
      hash.update(buf.subarray(0, n));
      onBytes(n);
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** How a folder's [name, sha256] list becomes a 64-hex name. `sha256`: the full digest of its canonical
 *  JSON (how folders are named now). `sha256-128`: the first 128 bits of that digest and 32 zeros (how
 *  folders were named first; organism identities keep it, see src/pipeline/context.ts). */
export type FolderHashScheme = 'sha256' | 'sha256-128';

function folderDigest(entries: readonly (readonly [string, string])[]): string {
  return createHash('sha256').update(canonicalJson(entries)).digest('hex');
}

function nameOf(digest: string, scheme: FolderHashScheme): string {
  return scheme === 'sha256' ? digest : digest.slice(0, 32).padEnd(64, '0');
}

/** Whether a folder artifact's name is its digest under the scheme the name itself says it was made
 *  with: 32 trailing zeros mean `sha256-128` (a full sha256 ends so with probability 2^-128). */
function folderNameMatches(name: string, digest: string): boolean {
  return name === (name.endsWith('0'.repeat(32)) ? nameOf(digest, 'sha256-128') : digest);
}

/** Content hash and total size of a file or folder. */
export function hashPath(path: string, scheme: FolderHashScheme = 'sha256'): { hash: string; bytes: number } {
  const { digest, bytes, isFile } = digestOf(path);
  return { hash: isFile ? digest : nameOf(digest, scheme), bytes };
}

function digestOf(path: string, onBytes?: (n: number) => void): { digest: string; bytes: number; isFile: boolean } {
  if (statSync(path).isFile()) return { digest: fileSha256(path, onBytes), bytes: statSync(path).size, isFile: true };
  let bytes = 0;
  const entries = filesOf(path).map((f) => {
    bytes += statSync(join(path, f)).size;
    return [f, fileSha256(join(path, f), onBytes)] as const;
  });
  return { digest: folderDigest(entries), bytes, isFile: false };
}

/** Whether the content at `path` is what the artifact name `hash` says it is. */
function contentMatches(path: string, hash: string, onBytes?: (n: number) => void): boolean {
  const { digest, isFile } = digestOf(path, onBytes);
  return isFile ? digest === hash : folderNameMatches(hash, digest);
}

/** Size and modification time of every file of an artifact: when none of these changed, neither did
 *  the content a process already hashed (an in-place edit sets a file's mtime; a folder's own mtime
 *  does not change when one of its files is rewritten, hence one entry per file). */
function fingerprint(path: string): { bytes: number; key: string } {
  const st = statSync(path);
  const files = st.isFile() ? [{ name: '', st }] : filesOf(path).map((name) => ({ name, st: statSync(join(path, name)) }));
  const bytes = files.reduce((n, f) => n + f.st.size, 0);
  return { bytes, key: files.map((f) => `${f.name}:${f.st.size}:${f.st.mtimeMs}`).join('|') };
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
export function collectGarbage(project: Project, minAgeMs = GC_MIN_AGE_MS): number {
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

/** Fingerprints of the artifacts this process has hashed and found equal to their names, by path. Only
 *  a cache: losing it costs one more hash; it is per process (and per worker thread) by design, so every
 *  new `bct` command checks each artifact it loads once. */
const verifiedFingerprints = new Map<string, string>();

/** Path of an artifact, checked to exist with the recorded size and, the first time this process loads
 *  it (and again whenever a file's size or mtime changes), to hold the content its name is the hash of:
 *  weights edited in place keep their size but would otherwise be sampled as if nothing had happened. */
export function artifactPath(project: Project, hash: string): string {
  const path = join(project.artifactsDir, hash);
  const row = project.db.prepare(`SELECT bytes FROM artifacts WHERE hash = ?`).get(hash) as { bytes: number } | undefined;
  if (!existsSync(path)) throw new CheckpointError(`artifact ${hash} is missing; delete the run's checkpoints or re-run to recreate it`, path);
  const fp = fingerprint(path);
  if (row !== undefined && fp.bytes !== row.bytes) {
    throw new CheckpointError(`artifact ${hash} has ${fp.bytes} bytes, expected ${row.bytes} (corrupt); run \`bct verify\`, then delete the checkpoint's rows or re-run`, path);
  }
  if (verifiedFingerprints.get(path) !== fp.key) {
    if (!contentMatches(path, hash)) {
      throw new CheckpointError(
        `artifact ${hash} at ${path} does not match its content hash; the file was changed after it was recorded — run \`bct verify\`, then delete the checkpoint's rows or re-run`,
        path,
      );
    }
    verifiedFingerprints.set(path, fp.key);
  }
  return path;
}

/** One thing wrong with the artifacts of a project. */
export interface ArtifactProblem {
  kind: 'missing' | 'wrong size' | 'wrong hash' | 'unreferenced';
  /** The artifact's name (its hash), or the stray entry's name under artifacts/. */
  name: string;
  path: string;
  /** What was found against what was expected, in words. */
  detail: string;
  /** The checkpoints that use it, as `<cell name> step <n>` (or `<train key> step <n>` without a cell). */
  usedBy: string[];
}

export interface VerifyProgress {
  artifactsDone: number;
  artifacts: number;
  bytesDone: number;
  /** Total recorded bytes of the listed artifacts (what hashing will read). */
  bytes: number;
}

export interface VerifyReport {
  /** Artifacts listed in the table (each checked) plus stray entries found under artifacts/. */
  checked: number;
  bytes: number;
  problems: ArtifactProblem[];
  /** Unreferenced artifacts younger than `minAgeMs`, not counted as problems: a run may be recording them. */
  recentUnreferenced: number;
}

function usersOf(project: Project, hash: string): string[] {
  const rows = project.db
    .prepare(
      `SELECT k.train_key AS trainKey, k.step AS step, (SELECT GROUP_CONCAT(name, ', ') FROM cells c WHERE c.train_key = k.train_key) AS cells
       FROM checkpoints k WHERE k.weights_hash = ? OR k.state_hash = ? ORDER BY k.train_key, k.step`,
    )
    .all(hash, hash) as { trainKey: string; step: number; cells: string | null }[];
  return rows.map((r) => `${r.cells ?? r.trainKey} step ${r.step}`);
}

/** Checks every artifact of a project: each listed one exists, has its recorded size and the content its
 *  name is the hash of, and is referenced by a checkpoint; every entry under artifacts/ is listed.
 *  Unreferenced ones younger than `minAgeMs` are counted apart (see `collectGarbage`). Hashing reads
 *  every byte, so `onProgress` is called as it goes, and the event loop runs between files. */
export async function verifyArtifacts(
  project: Project,
  options: { minAgeMs?: number; onProgress?: (p: VerifyProgress) => void } = {},
): Promise<VerifyReport> {
  const cutoff = Date.now() - (options.minAgeMs ?? GC_MIN_AGE_MS);
  const rows = project.db.prepare(`SELECT hash, kind, bytes, created_at FROM artifacts ORDER BY hash`).all() as { hash: string; kind: string; bytes: number; created_at: string }[];
  const progress: VerifyProgress = { artifactsDone: 0, artifacts: rows.length, bytesDone: 0, bytes: rows.reduce((n, r) => n + r.bytes, 0) };
  const report: VerifyReport = { checked: 0, bytes: 0, problems: [], recentUnreferenced: 0 };
  const problem = (kind: ArtifactProblem['kind'], name: string, detail: string): void => {
    report.problems.push({ kind, name, path: join(project.artifactsDir, name), detail, usedBy: usersOf(project, name) });
  };
  for (const r of rows) {
    const path = join(project.artifactsDir, r.hash);
    const before = progress.bytesDone;
    report.checked++;
    if (!existsSync(path)) {
      problem('missing', r.hash, `${r.kind} artifact listed with ${r.bytes} bytes; no file or folder at ${path}`);
    } else {
      const bytes = fingerprint(path).bytes;
      report.bytes += bytes;
      const onBytes = (n: number): void => options.onProgress?.({ ...progress, bytesDone: (progress.bytesDone += n) });
      if (bytes !== r.bytes) problem('wrong size', r.hash, `${r.kind} artifact has ${bytes} bytes, recorded with ${r.bytes}`);
      else if (!contentMatches(path, r.hash, onBytes)) problem('wrong hash', r.hash, `${r.kind} artifact's content does not hash to its name; a file was changed after it was recorded`);
    }
    if (!referenced(project, r.hash)) {
      if (Date.parse(r.created_at) <= cutoff) problem('unreferenced', r.hash, `${r.kind} artifact no checkpoint refers to (the next \`bct run\` removes it)`);
      else report.recentUnreferenced++;
    }
    // Progress counts recorded bytes, so an artifact not hashed (missing, wrong size) still moves it on.
    progress.bytesDone = before + r.bytes;
    progress.artifactsDone++;
    options.onProgress?.({ ...progress });
    await new Promise((resolve) => setImmediate(resolve));
  }
  const listed = new Set(rows.map((r) => r.hash));
  for (const name of readdirSync(project.artifactsDir).sort()) {
    if (listed.has(name)) continue;
    report.checked++;
    if (statSync(join(project.artifactsDir, name)).mtimeMs <= cutoff) problem('unreferenced', name, 'not listed in the artifacts table (the next `bct run` removes it)');
    else report.recentUnreferenced++;
  }
  return report;
}
