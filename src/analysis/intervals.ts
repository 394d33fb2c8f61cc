// Interval estimates for rates. Every rate bctlab reports carries its count and a 95% interval, computed
// in one way wherever it is shown (status, report, export, viewer):
// - one sample per prompt: Wilson's score interval on the n answers;
// - several samples per prompt (answers to one prompt are correlated): Wilson's interval on the effective
//   sample size n_eff = p(1 − p) / Var(p), where Var(p) is the between-prompt (cluster-robust) variance of
//   the pooled rate, n_eff is held within [prompts, answers], and z is replaced by Student's t with
//   prompts − 1 degrees of freedom because the variance is itself estimated from the prompts (the survey
//   convention for a design effect, as in Korn & Graubard 1998). When every answer agrees (rate 0 or 1) the
//   data cannot show how correlated a prompt's answers are, so the interval takes the worst case — every
//   prompt counts once — which is Wilson's interval over the prompts.
// Neither case ever gives a zero-width interval: a percentile bootstrap cannot leave the observed support
// and printed [1, 1] exactly where "fully compatible" or "the behaviour is gone" is read.

import { ConfigError } from '../errors.js';

/** A proportion with its count and a two-sided interval. */
export interface Rate {
  /** Number of samples that have the property. */
  k: number;
  /** Number of samples (grading errors excluded). 0 means "no data"; then rate, lo and hi are NaN. */
  n: number;
  /** k / n. */
  rate: number;
  /** Lower end of the 95% interval. */
  lo: number;
  /** Upper end of the 95% interval. */
  hi: number;
}

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/**
 * Wilson's score bounds for an observed proportion p over a (possibly effective, non-integer) sample size n.
 * p = 0 and p = 1 keep their end exactly (the formula reaches it only up to rounding).
 */
export function wilsonBounds(p: number, n: number, z = Z95): { lo: number; hi: number } {
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { lo: p === 0 ? 0 : Math.max(0, centre - half), hi: p === 1 ? 1 : Math.min(1, centre + half) };
}

/** Wilson score interval for k successes out of n independent samples (95% by default). */
export function wilson(k: number, n: number, z = Z95): Rate {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || n < 0 || k > n) {
    throw new ConfigError(`expected integers 0 <= k <= n, got k=${k}, n=${n}`, 'wilson');
  }
  if (n === 0) return { k, n, rate: NaN, lo: NaN, hi: NaN };
  return { k, n, rate: k / n, ...wilsonBounds(k / n, n, z) };
}

/**
 * The 0.975 quantile of Student's t with `df` degrees of freedom: exact for 1 and 2, the Cornish–Fisher
 * expansion to the ν⁻³ term above: 0.74% low at 3, 0.06% at 6, 2.2619 at 9 against 2.2622.
 */
export function t95(df: number): number {
  if (!(df >= 1)) throw new ConfigError(`expected at least 1 degree of freedom, got ${df}`, 't95');
  if (df === 1) return 12.706204736174707;
  if (df === 2) return 4.302652729749464;
  const z = Z95;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3);
}

/** A small, fast, seedable PRNG (mulberry32). Bootstrap results must be reproducible from a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The q-quantile (0..1) of a sorted array, linearly interpolated. Infinity sorts last and stays Infinity. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const i = Math.floor(pos);
  const frac = pos - i;
  const a = sorted[i]!;
  if (frac === 0 || i + 1 >= sorted.length) return a;
  const b = sorted[i + 1]!;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return frac < 0.5 ? a : b;
  return a + frac * (b - a);
}

/** One prompt's samples: how many of its n samples had the property. */
export interface PromptCount {
  k: number;
  n: number;
}

/** How a rate's interval was computed: see the header of this file. */
export type RateMethod = 'wilson' | 'wilson-clustered';

/**
 * The rate of a property over prompts, each sampled one or more times, with its 95% interval (the one
 * method of this file). Prompts without samples are ignored. Returns the method used.
 */
export function promptRate(prompts: readonly PromptCount[]): Rate & { method: RateMethod } {
  let k = 0;
  let n = 0;
  let P = 0;
  let maxN = 0;
  for (const p of prompts) {
    if (p.n === 0) continue;
    k += p.k;
    n += p.n;
    P++;
    maxN = Math.max(maxN, p.n);
  }
  if (maxN <= 1) return { ...wilson(k, n), method: 'wilson' };
  const rate = k / n;
  if (k === 0 || k === n || P < 2) return { k, n, rate, ...wilsonBounds(rate, P), method: 'wilson-clustered' };
  // Cluster-robust variance of the ratio estimator k/n: the spread of the prompts' residuals k_i − p·n_i.
  let ss = 0;
  for (const p of prompts) {
    const r = p.k - rate * p.n;
    ss += r * r;
  }
  const variance = ((P / (P - 1)) * ss) / (n * n);
  // No credit for answers that agree less than independent ones would (n_eff ≤ n), and at most the worst
  // case of complete agreement within a prompt (n_eff ≥ prompts).
  const nEff = Math.min(n, Math.max(P, (rate * (1 - rate)) / variance));
  return { k, n, rate, ...wilsonBounds(rate, nEff, t95(P - 1)), method: 'wilson-clustered' };
}

/**
 * 95% interval of the ratio p1 / p0 of two independent proportions (p1 over n1 items, p0 over n0), by MOVER-R
 * (Zou & Donner's method of variance estimates recovery, applied to the ratio): the ratio's limits are
 * the roots of p1 − θ·p0 = 0 at the Wilson limits (l, u) of each proportion,
 *   lower = (p1·p0 − √((p1·p0)² − l1(2p1 − l1)·u0(2p0 − u0))) / (u0(2p0 − u0)),
 *   upper = (p1·p0 + √((p1·p0)² − u1(2p1 − u1)·l0(2p0 − l0))) / (l0(2p0 − l0)).
 * Closed form, defined at p1 = 0 or 1 and p0 = 1 (where log-ratio intervals are not). Needs p0 > 0.
 */
export function ratioInterval(p1: number, n1: number, p0: number, n0: number): { lo: number; hi: number } {
  const w1 = wilsonBounds(p1, n1);
  const w0 = wilsonBounds(p0, n0);
  const b = p1 * p0;
  const cLo = w1.lo * (2 * p1 - w1.lo);
  const aLo = w0.hi * (2 * p0 - w0.hi);
  // aLo = 0 (u0 = 2·p0): the quadratic is linear there.
  const lo = Math.abs(aLo) < 1e-15 ? (b === 0 ? 0 : cLo / (2 * b)) : (b - Math.sqrt(Math.max(0, b * b - cLo * aLo))) / aLo;
  const aHi = w0.lo * (2 * p0 - w0.lo);
  const cHi = w1.hi * (2 * p1 - w1.hi);
  // l0 = 0: p0 could be arbitrarily small, so the ratio has no upper limit.
  const hi = aHi <= 0 ? Infinity : (b + Math.sqrt(Math.max(0, b * b - cHi * aHi))) / aHi;
  return { lo: Math.max(0, lo), hi };
}
