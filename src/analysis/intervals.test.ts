import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promptRate, quantileSorted, ratioInterval, seededRandom, t95, wilson, type PromptCount } from './intervals.js';

const near = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('wilson matches hand-computed values', () => {
  // k=5, n=10, z=1.96: centre 0.5, half = 1.96*sqrt(0.025+0.0009604)/1.38416 = 0.2366
  const r = wilson(5, 10);
  assert.equal(r.rate, 0.5);
  near(r.lo, 0.2366, 1e-3, 'lo');
  near(r.hi, 0.7634, 1e-3, 'hi');
  // k=0 keeps lo at exactly 0 and hi = z^2/(n+z^2) = 3.8415/13.8415
  const z = wilson(0, 10);
  assert.equal(z.lo, 0);
  near(z.hi, 3.8415 / 13.8415, 1e-4, 'hi at k=0');
  assert.equal(wilson(10, 10).hi, 1);
  assert.ok(Number.isNaN(wilson(0, 0).rate));
  assert.throws(() => wilson(3, 2), /k <= n/);
});

test("Student's t quantiles: exact at 1 and 2 degrees of freedom, within 0.75% from 3", () => {
  near(t95(1), 12.7062, 1e-4, 't 1');
  near(t95(2), 4.3027, 1e-4, 't 2');
  near(t95(3), 3.1824, 0.0075 * 3.1824, 't 3');
  near(t95(9), 2.2622, 5e-4, 't 9');
  near(t95(1e6), 1.96, 1e-4, 't large');
  assert.throws(() => t95(0), /degree of freedom/);
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

const prompts = (ks: readonly number[], n: number): PromptCount[] => ks.map((k) => ({ k, n }));

test('one answer per prompt: Wilson over the answers', () => {
  const r = promptRate(prompts([1, 1, 1, 0, 1, 0, 1, 1, 1, 1], 1));
  assert.equal(r.method, 'wilson');
  assert.deepEqual({ ...r, method: undefined }, { ...wilson(8, 10), method: undefined });
});

test('several answers per prompt: Wilson on the effective sample size, by hand', () => {
  // 4 prompts × 2 answers, k = 2, 2, 0, 0: p = 0.5; residuals k_i − p·n_i = ±1, sum of squares 4;
  // Var = (4/3)·4/8² = 1/12; n_eff = 0.25·12 = 3, raised to the 4 prompts; t with 3 df = 3.1590 (this
  // expansion). Wilson at p = 0.5, n = 4, z = 3.1590: half = z·√(1/16 + z²/64)/(1 + z²/4) = 0.4232.
  const r = promptRate(prompts([2, 2, 0, 0], 2));
  assert.equal(r.method, 'wilson-clustered');
  assert.equal(r.k, 4);
  assert.equal(r.n, 8);
  const z = t95(3);
  const half = (z * Math.sqrt(1 / 16 + (z * z) / 64)) / (1 + (z * z) / 4);
  near(half, 0.4232, 1e-3, 'hand half-width');
  near(r.lo, 0.5 - half, 1e-12, 'lo');
  near(r.hi, 0.5 + half, 1e-12, 'hi');
  // 10 prompts × 3 answers, one answer of one prompt differs: p = 29/30; sum of squares 9·0.01 + 0.81 = 0.9;
  // Var = (10/9)·0.9/900 = 1/900; n_eff = (29/30)(1/30)·900 = 29 (inside [10, 30]); t with 9 df.
  const s = promptRate(prompts([3, 3, 3, 3, 3, 3, 3, 3, 3, 2], 3));
  const w = { p: 29 / 30, n: 29, z: t95(9) };
  const d = 1 + (w.z * w.z) / w.n;
  const centre = (w.p + (w.z * w.z) / (2 * w.n)) / d;
  const h = (w.z * Math.sqrt((w.p * (1 - w.p)) / w.n + (w.z * w.z) / (4 * w.n * w.n))) / d;
  near(s.lo, centre - h, 1e-12, 'lo, 29/30');
  near(s.hi, Math.min(1, centre + h), 1e-12, 'hi, 29/30');
});

test('all answers agree: Wilson over the prompts, never a zero-width interval', () => {
  // 100 prompts × 4 answers, all initial: Wilson over the 100 prompts, [0.963, 1] (not [1, 1]).
  const all = promptRate(prompts(new Array(100).fill(4), 4));
  assert.equal(all.rate, 1);
  assert.equal(all.hi, 1);
  near(all.lo, 100 / (100 + 1.959963984540054 ** 2), 1e-12, 'lo = n/(n+z²)');
  near(all.lo, 0.963, 5e-4, 'lo');
  // 8 prompts × 2 answers, all compatible (16/16): Wilson over 8 prompts, lo = 8/(8+z²) = 0.6756.
  near(promptRate(prompts(new Array(8).fill(2), 2)).lo, 0.6756, 5e-4, '16/16');
  const none = promptRate(prompts(new Array(50).fill(0), 4));
  assert.equal(none.lo, 0);
  near(none.hi, 3.8415 / 53.8415, 1e-4, 'hi at 0 over 50 prompts');
});

/** Marsaglia–Tsang gamma variate (shape a > 0), for Beta-distributed prompt rates in the simulation. */
function gamma(rnd: () => number, a: number): number {
  if (a < 1) return gamma(rnd, a + 1) * rnd() ** (1 / a);
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    if (Math.log(1 - rnd()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

test('coverage by simulation: near 95% at rates 0, 0.02, 0.5, 0.98 and 1 with clustered answers', (t) => {
  // Each prompt's own rate is Beta with mean `rate` and intra-prompt correlation rho (a beta-binomial), so
  // answers to one prompt agree far more than independent ones would. Two designs, 4000 repetitions per
  // rate (one standard error of a 95% coverage: 0.0034); measured coverage in src/analysis/README.md.
  const rnd = seededRandom(2024);
  const R = 4000;
  for (const { P, m, rho } of [{ P: 50, m: 4, rho: 0.3 }, { P: 20, m: 8, rho: 0.6 }]) {
    const coverage: Record<string, number> = {};
    for (const rate of [0, 0.02, 0.5, 0.98, 1]) {
      const s = 1 / rho - 1;
      const promptP = (): number => {
        if (rate === 0 || rate === 1) return rate;
        const x = gamma(rnd, rate * s);
        return x / (x + gamma(rnd, (1 - rate) * s));
      };
      let hit = 0;
      for (let r = 0; r < R; r++) {
        const ps = Array.from({ length: P }, () => {
          const pi = promptP();
          let k = 0;
          for (let j = 0; j < m; j++) if (rnd() < pi) k++;
          return { k, n: m };
        });
        const iv = promptRate(ps);
        assert.ok(iv.hi - iv.lo > 0.02, `zero-width interval at rate ${rate}: [${iv.lo}, ${iv.hi}]`);
        if (iv.lo <= rate && rate <= iv.hi) hit++;
      }
      coverage[rate] = hit / R;
    }
    t.diagnostic(`${P} prompts × ${m} answers, rho ${rho}: coverage ${JSON.stringify(coverage)}`);
    for (const rate of ['0.02', '0.5', '0.98']) assert.ok(coverage[rate]! >= 0.935 && coverage[rate]! <= 0.985, `${P}×${m}: ${JSON.stringify(coverage)}`);
    // At exactly 0 or 1 every interval holds the rate (it keeps that end); what matters there is its width.
    assert.equal(coverage['0'], 1);
    assert.equal(coverage['1'], 1);
  }
});

test('ratio of two proportions (MOVER-R), by hand and at the boundary', () => {
  // 16/32 against 32/32: Wilson(16/32) = [0.3363, 0.6637], Wilson(32/32) = [0.8928, 1].
  // lower = (0.5 − √(0.25 − 0.3363·0.6637·1·1)) / 1 = 0.3363 (u0 = p0 = 1, so l1/p0);
  // upper = (0.5 + √(0.25 − 0.6637·0.3363·0.8928·1.1072)) / (0.8928·1.1072) = 0.6792.
  const r = ratioInterval(0.5, 32, 1, 32);
  near(r.lo, 0.3363, 1e-3, 'lower');
  near(r.hi, 0.6792, 1e-3, 'upper');
  // Nothing left of a perfect score: the ratio's lower end is 0, its upper end u1/√(l0(2p0 − l0)).
  const zero = ratioInterval(0, 32, 1, 32);
  assert.equal(zero.lo, 0);
  near(zero.hi, 0.1072 / Math.sqrt(0.8928 * 1.1072), 1e-3, 'upper at 0');
  // A base of 0 successes has no upper limit.
  assert.equal(ratioInterval(0.5, 10, 0, 10).hi, Infinity);
});
