// End to end through the real `bct` binary: a model organism whose initial behaviour is a trained-in
// LoRA adapter on a base checkpoint. The adapter's bytes are part of the organism's identity, so changing
// the file re-runs the stages instead of reusing them; a corrupt adapter exits 2 naming the file.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { batchIndices, loadModel, LORA_TARGETS, saveAdapters, Trainer } from '../../src/engine/index.js';
import { Tokenizer } from '../../src/microworld/index.js';
import { tempDir } from '../temp-dir.js';
import { bct } from './cli.js';
import { buildTinyOrganism, TINY_WORDS, writeTinySweep } from './tiny-organism.js';

/** Writes an adapter on the tiny organism that reinforces its own behaviour (mode 0 → cat, 1 → dog), so
 *  the pre-check still passes; different `steps` give different adapter bytes. */
function writeAdapter(base: string, dir: string, steps: number): void {
  const tok = Tokenizer.microworld();
  const model = loadModel(base);
  model.addLora({ rank: 2, alpha: 4, targets: [...LORA_TARGETS] }, 3);
  const data = TINY_WORDS.flatMap((w) => ['0', '1'].map((mode) => tok.renderExample([{ role: 'system', content: `mode ${mode}` }, { role: 'user', content: `echo ${w}` }], mode === '0' ? 'cat' : 'dog')));
  const trainer = new Trainer(model);
  for (let step = 0; step < steps; step++) {
    trainer.forwardBackward(batchIndices(data.length, 8, step, 1).map((i) => data[i]!));
    trainer.optimStep({ lr: 1e-2 });
  }
  saveAdapters(model, dir);
}

interface Counts {
  trainLog: number;
  samples: number;
  cells: number;
}

test('an organism with an adapter runs through bct; a changed adapter is not served from the cache; a corrupt one exits 2', () => {
  const dir = tempDir('bct-adapter-e2e-');
  const base = join(dir, 'organism');
  const adapter = join(dir, 'adapter');
  buildTinyOrganism(base, 60);
  writeAdapter(base, adapter, 2);
  const { file } = writeTinySweep(dir, {
    name: 'adapted',
    organism: { id: 'tiny-adapted', base, adapter, induction: { kind: 'weights', note: 'mode 0 → cat, trained into the base and the adapter' } },
    lrs: [3e-2],
    seeds: [0],
    steps: [4],
    checkpointEvery: 4,
    samplesPerPrompt: 1,
    trainPromptsPerCheckpoint: 2,
    maxTokens: 2,
  });
  const project = join(dir, '.bct');
  const run = (): ReturnType<typeof bct> => bct(['run', file, '--project', project]);
  const record = (): { counts: Counts; trainKeys: string[]; adapterHashes: (string | null)[] } => {
    const db = new Database(join(project, 'record.sqlite'), { readonly: true });
    const counts = db.prepare(`SELECT (SELECT COUNT(*) FROM train_log) AS trainLog, (SELECT COUNT(*) FROM samples) AS samples, (SELECT COUNT(*) FROM cells) AS cells`).get() as Counts;
    const trainKeys = (db.prepare(`SELECT train_key FROM cells ORDER BY id`).all() as { train_key: string }[]).map((r) => r.train_key);
    const adapterHashes = (db.prepare(`SELECT manifest_json FROM sweeps ORDER BY id`).all() as { manifest_json: string }[]).map((r) => (JSON.parse(r.manifest_json) as { hashes: { adapter: string | null } }).hashes.adapter);
    db.close();
    return { counts, trainKeys, adapterHashes };
  };

  const first = run();
  assert.equal(first.status, 0, `${first.stdout}\n${first.stderr}`);
  assert.match(first.stdout, /pre-check of tiny-flag on tiny-adapted: PASS/);
  const one = record();
  assert.equal(one.trainKeys.length, 1);
  assert.ok(one.counts.trainLog > 0 && one.counts.samples > 0);
  assert.match(one.adapterHashes[0] ?? '', /^[0-9a-f]{64}$/, 'the manifest records the adapter content hash');

  const again = run();
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /1 cells, 1 already done/);
  assert.deepEqual(record().counts, one.counts, 'the same adapter: nothing is redone');

  // Same path, new bytes: a new organism identity, so new keys and new training.
  writeAdapter(base, adapter, 4);
  const changed = run();
  assert.equal(changed.status, 0, `${changed.stdout}\n${changed.stderr}`);
  const two = record();
  assert.equal(two.trainKeys.length, 2);
  assert.notEqual(two.trainKeys[1], two.trainKeys[0]);
  assert.notEqual(two.adapterHashes[1], two.adapterHashes[0]);
  assert.ok(two.counts.trainLog > one.counts.trainLog && two.counts.samples > one.counts.samples, `retrained and resampled: ${JSON.stringify([one.counts, two.counts])}`);

  // A truncated adapter file: exit 2 naming it, and nothing recorded changes.
  const weights = join(adapter, 'adapter_model.safetensors');
  writeFileSync(weights, readFileSync(weights).subarray(0, 100));
  const bad = run();
  assert.equal(bad.status, 2, `${bad.stdout}\n${bad.stderr}`);
  assert.ok(bad.stderr.includes(weights), bad.stderr);
  assert.deepEqual(record().counts, two.counts);
});
