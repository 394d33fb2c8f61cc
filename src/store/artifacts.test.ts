import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, closeSync, cpSync, mkdirSync, openSync, readSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { CheckpointError } from '../errors.js';
import { artifactPath, hashPath, insertCheckpoint, openProject, putArtifact, verifyArtifacts, type Project, type VerifyProgress } from './index.js';

const sha256 = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

function newProject(): Project {
  return openProject(join(tempDir('bct-artifacts-'), 'proj'), { create: true });
}

/** A checkpoint-like folder: two files, one in a subfolder. */
function writeFolder(dir: string, seed: string): string {
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'model.safetensors'), Buffer.alloc(3000, seed));
  writeFileSync(join(dir, 'sub', 'config.json'), `{"seed":"${seed}"}`);
  return dir;
}

/** Flips one byte in the middle of a file, in place: same size, new mtime. */
function flipByte(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    const at = Math.floor(statSync(file).size / 2);
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, at);
    b[0] = b[0]! ^ 0xff;
    writeSync(fd, b, 0, 1, at);
  } finally {
    closeSync(fd);
  }
}

test('a folder is named by the full sha256 of its sorted (name, file sha256) list; a file by its bytes', () => {
  const p = newProject();
  const dir = writeFolder(join(p.dir, 'w'), 'a');
  const expected = sha256(JSON.stringify([['model.safetensors', sha256(Buffer.alloc(3000, 'a'))], ['sub/config.json', sha256('{"seed":"a"}')]]));
  assert.deepEqual(hashPath(dir), { hash: expected, bytes: 3000 + '{"seed":"a"}'.length });
  assert.doesNotMatch(expected, /0{32}$/);
  assert.equal(hashPath(dir, 'sha256-128').hash, `${expected.slice(0, 32)}${'0'.repeat(32)}`, 'the first scheme: 128 bits of the same digest, zero-padded');
  assert.equal(putArtifact(p, dir, 'weights'), expected);
  writeFileSync(join(p.dir, 'f.bin'), 'weights');
  assert.equal(putArtifact(p, join(p.dir, 'f.bin'), 'weights'), sha256('weights'));
});

test('weights changed in place (same size) are refused on load, naming the file and `bct verify`', () => {
  const p = newProject();
  const h = putArtifact(p, writeFolder(join(p.dir, 'w'), 'a'), 'weights');
  const path = artifactPath(p, h);
  flipByte(join(path, 'model.safetensors'));
  assert.throws(
    () => artifactPath(p, h),
    (e: unknown) =>
      e instanceof CheckpointError &&
      e.where === path &&
      e.message.includes(`artifact ${h} at ${path} does not match its content hash`) &&
      e.message.includes('run `bct verify`, then delete the checkpoint\'s rows or re-run'),
  );
  const f = join(p.dir, 'f.bin');
  writeFileSync(f, 'weights');
  const fh = putArtifact(p, f, 'weights');
  artifactPath(p, fh);
  flipByte(join(p.artifactsDir, fh));
  assert.throws(() => artifactPath(p, fh), /does not match its content hash/, 'a file artifact too');
});

test('a load is hashed once per process while sizes and mtimes stay; a new mtime is hashed again', () => {
  const p = newProject();
  const h = putArtifact(p, writeFolder(join(p.dir, 'w'), 'a'), 'weights');
  const file = join(p.artifactsDir, h, 'model.safetensors');
  const t = Math.floor(Date.now() / 1000) - 60; // whole seconds: set back exactly below
  utimesSync(file, t, t);
  assert.equal(artifactPath(p, h), join(p.artifactsDir, h));
  flipByte(file);
  // The cache trusts an unchanged (size, mtime) of every file: this edit, with its mtime put back, is
  // not re-hashed in this process (every new process hashes each artifact it loads again) ...
  utimesSync(file, t, t);
  assert.equal(artifactPath(p, h), join(p.artifactsDir, h));
  // ... and any edit that leaves a new mtime is.
  utimesSync(file, t, t + 1);
  assert.throws(() => artifactPath(p, h), CheckpointError);
});

test('a folder stored under its zero-padded 128-bit name still verifies, by the scheme that named it', async () => {
  const p = newProject();
  const dir = writeFolder(join(p.dir, 'old'), 'b');
  const { hash, bytes } = hashPath(dir, 'sha256-128');
  cpSync(dir, join(p.artifactsDir, hash), { recursive: true });
  p.db.prepare(`INSERT INTO artifacts (hash, kind, bytes, created_at) VALUES (?, 'weights', ?, ?)`).run(hash, bytes, new Date().toISOString());
  insertCheckpoint(p.db, { trainKey: 't', step: 1, weightsHash: hash, stateHash: null, examplesSeen: 1 }, []);
  assert.equal(artifactPath(p, hash), join(p.artifactsDir, hash));
  assert.deepEqual((await verifyArtifacts(p)).problems, []);
  flipByte(join(p.artifactsDir, hash, 'model.safetensors'));
  assert.throws(() => artifactPath(p, hash), /does not match its content hash/);
  assert.deepEqual((await verifyArtifacts(p)).problems.map((x) => x.kind), ['wrong hash']);
});

test('verifyArtifacts reports missing, wrong size, wrong hash and unreferenced artifacts, with their users', async () => {
  const p = newProject();
  const put = (seed: string): string => putArtifact(p, writeFolder(join(p.dir, seed), seed), 'weights');
  const [good, gone, longer, flipped, orphan] = ['g', 'm', 'l', 'f', 'o'].map(put) as [string, string, string, string, string];
  for (const [step, h] of [good, gone, longer, flipped].entries()) insertCheckpoint(p.db, { trainKey: 'train:v1:x', step: step + 1, weightsHash: h, stateHash: null, examplesSeen: step + 1 }, []);
  const clean = await verifyArtifacts(p);
  assert.deepEqual(clean.problems, [], 'nothing is wrong yet');
  assert.equal(clean.recentUnreferenced, 1, 'the orphan is young: a run may be about to record it');

  rmSync(join(p.artifactsDir, gone), { recursive: true });
  appendFileSync(join(p.artifactsDir, longer, 'model.safetensors'), 'x');
  flipByte(join(p.artifactsDir, flipped, 'sub', 'config.json'));
  writeFileSync(join(p.artifactsDir, 'stray'), 'x');
  // Both unreferenced ones a minute old (file clocks and Date.now() may disagree by a few ms).
  const past = Date.now() / 1000 - 60;
  utimesSync(join(p.artifactsDir, 'stray'), past, past);
  p.db.prepare(`UPDATE artifacts SET created_at = ? WHERE hash = ?`).run(new Date(past * 1000).toISOString(), orphan);
  const seen: VerifyProgress[] = [];
  const report = await verifyArtifacts(p, { minAgeMs: 1000, onProgress: (x) => seen.push(x) });
  const byName = new Map(report.problems.map((x) => [x.name, x]));
  assert.equal(report.problems.length, 5);
  assert.equal(byName.get(gone)?.kind, 'missing');
  assert.equal(byName.get(longer)?.kind, 'wrong size');
  assert.match(byName.get(longer)!.detail, /has 3013 bytes, recorded with 3012/);
  assert.equal(byName.get(flipped)?.kind, 'wrong hash');
  assert.deepEqual(byName.get(flipped)?.usedBy, ['train:v1:x step 4'], 'without a cell, the checkpoint is named by its train key');
  assert.equal(byName.get(orphan)?.kind, 'unreferenced');
  assert.equal(byName.get('stray')?.kind, 'unreferenced');
  assert.equal(byName.has(good), false);
  assert.equal(report.checked, 6, 'five listed artifacts and the stray file');
  const last = seen[seen.length - 1]!;
  assert.equal(last.artifactsDone, 5);
  assert.equal(last.bytesDone, last.bytes, 'progress ends at the total recorded bytes');
  assert.ok(seen.every((x, i) => i === 0 || x.bytesDone >= seen[i - 1]!.bytesDone), 'progress never goes back');
});
