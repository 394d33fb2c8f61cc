import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wilson, clusterBootstrapRate, quantileSorted, seededRandom } from './intervals.js';

test('wilson matches hand-computed values', () => {
  // k=5, n=10, z=1.96: centre 0.5, half = 1.96*sqrt(0.025+0.0009604)/1.38416 = 0.2366
  const r = wilson(5, 10);
  assert.equal(r.rate, 0.5);
  assert.ok(Math.abs(r.lo - 0.2366) < 1e-3, `lo ${r.lo}`);
  assert.ok(Math.abs(r.hi - 0.7634) < 1e-3, `hi ${r.hi}`);
  // k=0 keeps lo at 0 and hi = z^2/(n+z^2) = 3.8415/13.8415
  const z = wilson(0, 10);
  assert.equal(z.lo, 0);
  assert.ok(Math.abs(z.hi - 3.8415 / 13.8415) < 1e-4);
  assert.ok(Number.isNaN(wilson(0, 0).rate));
  assert.throws(() => wilson(3, 2), /k <= n/);
});

test('quantiles interpolate and keep Infinity', () => {
  assert.equal(quantileSorted([0, 10], 0.25), 2.5);
  assert.equal(quantileSorted([1, 2, Infinity], 1), Infinity);
});

test('seeded PRNG is reproducible', () => {
  const a = seededRandom(7);
  const b = seededRandom(7);
  for (let i = 0; i < 5; i++) assert.equal(a(), b());
});

test('cluster bootstrap widens with correlated samples per prompt', () => {
  // 20 prompts, 10 samples each; half the prompts always show the property, half never: rate 0.5.
  const clustered = Array.from({ length: 20 }, (_, i) => ({ k: i % 2 === 0 ? 10 : 0, n: 10 }));
  const boot = clusterBootstrapRate(clustered, { seed: 3 });
  const naive = wilson(100, 200);
  assert.equal(boot.rate, 0.5);
  // The effective sample size is 20 prompts, not 200 samples: the interval is much wider.
  assert.ok(boot.hi - boot.lo > 1.8 * (naive.hi - naive.lo), `boot ${boot.lo}..${boot.hi}`);
  // Same seed, same interval.
  assert.deepEqual(clusterBootstrapRate(clustered, { seed: 3 }), boot);
  // Independent-looking data (one sample per prompt) gives about the Wilson width.
  const single = Array.from({ length: 200 }, (_, i) => ({ k: i % 2, n: 1 }));
  const b1 = clusterBootstrapRate(single, { seed: 3 });
  assert.ok(Math.abs(b1.hi - b1.lo - (naive.hi - naive.lo)) < 0.03);
});
