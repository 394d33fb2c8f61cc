// Artifacts changed after they were recorded, through the real `bct` binary: an untouched project
// verifies clean; one byte of a checkpoint's weights flipped in place (same size) is reported by
// `bct verify` (exit 1) and refused by the next `bct run` that samples those weights (exit 2), both
// naming the file.
import assert from 'node:assert/strict';
import { closeSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { tempDir } from '../temp-dir.js';
import { bct } from './cli.js';
import { buildTinyOrganism, writeTinySweep } from './tiny-organism.js';

test('bct verify passes an untouched project and reports weights flipped in place, which bct run then refuses', () => {
  const dir = tempDir('bct-e2e-verify-');
  buildTinyOrganism(join(dir, 'organism'));
  const fields = { name: 'verify', lrs: [1e-2], steps: [4], checkpointEvery: 4, maxTokens: 2, trainPromptsPerCheckpoint: 2 };
  const { file } = writeTinySweep(dir, fields);
  const project = join(dir, '.bct');
  const run = bct(['run', file, '--project', project]);
  assert.equal(run.status, 0, run.stderr);

  const clean = bct(['verify', '--project', project]);
  assert.equal(clean.status, 0, clean.stdout + clean.stderr);
  assert.equal(clean.stderr, '');
  assert.match(clean.stdout, /^verified 1 artifacts \(\d+\.\d KiB\) in .* in \d+s: all match the record\n$/);

  const db = new Database(join(project, 'record.sqlite'), { readonly: true });
  const hash = db.prepare(`SELECT weights_hash FROM checkpoints WHERE step = 4`).pluck().get() as string;
  db.close();
  const weights = join(project, 'artifacts', hash, 'model.safetensors');
  const size = statSync(weights).size;
  const fd = openSync(weights, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, size - 8);
  writeSync(fd, Buffer.from([b[0]! ^ 0x01]), 0, 1, size - 8);
  closeSync(fd);
  assert.equal(statSync(weights).size, size);

  const dirty = bct(['verify', '--project', project]);
  assert.equal(dirty.status, 1, dirty.stdout + dirty.stderr);
  const lines = dirty.stdout.trim().split('\n');
  assert.equal(lines.length, 2, dirty.stdout);
  assert.equal(lines[0], `wrong hash: ${hash} (${join(project, 'artifacts', hash)}): weights artifact's content does not hash to its name; a file was changed after it was recorded; used by lr=1e-2.seed=0.bs=4.steps=4.full step 4`);
  assert.match(lines[1]!, /: 1 problem\. A missing or changed artifact cannot be rebuilt from the record: delete the rows of the checkpoints that use it/);

  // More answers per prompt: a new sweep on the same checkpoints, which must sample the changed weights.
  const more = writeTinySweep(dir, { ...fields, name: 'verify-more', samplesPerPrompt: 2 });
  const refused = bct(['run', more.file, '--project', project]);
  assert.equal(refused.status, 2, refused.stdout + refused.stderr);
  assert.match(refused.stderr, new RegExp(`artifact ${hash} at ${join(project, 'artifacts', hash).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} does not match its content hash; the file was changed after it was recorded — run \`bct verify\``));
});
