// Interval estimates for rates. Every rate bctlab reports carries its count and a 95% interval:
// Wilson's score interval when samples are independent, and a prompt-level cluster bootstrap when a prompt
// was sampled several times (answers to the same prompt are correlated, so the binomial interval is too
// narrow there).

import { ConfigError } from '../errors.js';

/** A proportion with its count and a two-sided interval. */
export interface Rate {
  /** Number of samples that have the property. */
  k: number;
  /** Number of samples. 0 means "no data"; then rate, lo and hi are NaN. */
  n: number;
  /** k / n. */
  rate: number;
  /** Lower end of the interval. */
  lo: number;
  /** Upper end of the interval. */
  hi: number;
}

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/** Wilson score interval for k successes out of n (95% by default). */
export function wilson(k: number, n: number, z = Z95): Rate {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || n < 0 || k > n) {
    throw new ConfigError(`expected integers 0 <= k <= n, got k=${k}, n=${n}`, 'wilson');
  }
  if (n === 0) return { k, n, rate: NaN, lo: NaN, hi: NaN };
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // Clamp to [0, 1]: at k = 0 or k = n the formula gives the bound up to rounding only.
  return { k, n, rate: p, lo: Math.max(0, centre - half), hi: Math.min(1, centre + half) };
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

/** Options of a bootstrap. */
export interface BootstrapOptions {
  /** Number of resamples; default 1000. */
  resamples?: number;
  /** PRNG seed; default 1. The same seed gives the same interval. */
  seed?: number;
  /** Two-sided coverage; default 0.95. */
  level?: number;
}

/**
 * Rate with a prompt-level cluster bootstrap interval: prompts are resampled with replacement and the
 * pooled rate recomputed. With one sample per prompt this approaches the ordinary binomial interval;
 * with several correlated samples per prompt it widens, as it should.
 */
export function clusterBootstrapRate(prompts: readonly PromptCount[], opts: BootstrapOptions = {}): Rate {
  const B = opts.resamples ?? 1000;
  const level = opts.level ?? 0.95;
  let k = 0;
  let n = 0;
  for (const p of prompts) {
    k += p.k;
    n += p.n;
  }
  if (n === 0) return { k, n, rate: NaN, lo: NaN, hi: NaN };
  const rnd = seededRandom(opts.seed ?? 1);
  const stats: number[] = [];
  for (let b = 0; b < B; b++) {
    let kb = 0;
    let nb = 0;
    for (let i = 0; i < prompts.length; i++) {
      const p = prompts[Math.floor(rnd() * prompts.length)]!;
      kb += p.k;
      nb += p.n;
    }
    stats.push(nb === 0 ? 0 : kb / nb);
  }
  stats.sort((a, b) => a - b);
  const alpha = (1 - level) / 2;
  return { k, n, rate: k / n, lo: quantileSorted(stats, alpha), hi: quantileSorted(stats, 1 - alpha) };
}

/**
 * Several rates over the same prompts with one shared prompt-level bootstrap: `k[c][i]` of `n[i]` samples of
 * prompt i have property c. Resampling the prompts once per replicate for all properties is what a
 * bootstrap of the checkpoint means, and costs one pass instead of one per property.
 */
export function clusterBootstrapRates(k: readonly Float64Array[], n: Float64Array, opts: BootstrapOptions = {}): Rate[] {
  const B = opts.resamples ?? 1000;
  const level = opts.level ?? 0.95;
  const P = n.length;
  const C = k.length;
  let nTot = 0;
  for (let i = 0; i < P; i++) nTot += n[i]!;
  const kTot = k.map((kc) => kc.reduce((s, v) => s + v, 0));
  if (nTot === 0) return kTot.map((kt) => ({ k: kt, n: 0, rate: NaN, lo: NaN, hi: NaN }));
  const rnd = seededRandom(opts.seed ?? 1);
  const stats = k.map(() => new Float64Array(B));
  const kb = new Float64Array(C);
  for (let b = 0; b < B; b++) {
    kb.fill(0);
    let nb = 0;
    for (let j = 0; j < P; j++) {
      const i = Math.floor(rnd() * P);
      nb += n[i]!;
      for (let c = 0; c < C; c++) kb[c]! += k[c]![i]!;
    }
    for (let c = 0; c < C; c++) stats[c]![b] = nb === 0 ? 0 : kb[c]! / nb;
  }
  const alpha = (1 - level) / 2;
  return kTot.map((kt, c) => {
    const sorted = Array.from(stats[c]!).sort((x, y) => x - y);
    return { k: kt, n: nTot, rate: kt / nTot, lo: quantileSorted(sorted, alpha), hi: quantileSorted(sorted, 1 - alpha) };
  });
}
