import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from './rng.js';

test('Rng: same seed same stream, state round-trips, sane moments, valid permutations', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const xs = Array.from({ length: 5 }, () => a.nextUint32());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b.nextUint32()));
  assert.notDeepEqual(xs, Array.from({ length: 5 }, () => new Rng(43).nextUint32()));
  a.normal(); // leaves a spare deviate in the state
  const saved = a.getState();
  const next = [a.normal(), a.normal(), a.uniform()];
  const c = new Rng(0);
  c.setState(saved);
  assert.deepEqual([c.normal(), c.normal(), c.uniform()], next);
  let sum = 0;
  let sq = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const v = a.normal();
    sum += v;
    sq += v * v;
  }
  assert.ok(Math.abs(sum / n) < 0.03 && Math.abs(sq / n - 1) < 0.05, `mean ${sum / n}, variance ${sq / n}`);
  for (let i = 0; i < 1000; i++) {
    const u = a.uniform();
    assert.ok(u >= 0 && u < 1);
  }
  assert.deepEqual([...a.permutation(50)].sort((x, y) => x - y), [...Array(50).keys()]);
});
