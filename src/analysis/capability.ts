// Capability degradation on the same checkpoints, the rule that marks a checkpoint broken, and the
// transfer-against-degradation (Pareto) view. A drop in the initial behaviour that comes with many `other`
// answers or a large capability loss is a broken model, not transfer (the companion note's advice).

import { ratioInterval } from './intervals.js';
import type { CheckpointRates } from './rates.js';
import { isSpreadMetric, type SpreadRate } from './spread.js';
import { groupKey, type CapabilityScore, type CellInfo } from './types.js';

/** The kinds of capability evaluation a capability loss can be the worst of. */
export type CapabilityKind = 'accuracy' | 'nll';
export const CAPABILITY_KINDS: readonly CapabilityKind[] = ['accuracy', 'nll'];

/** An accuracy is higher-is-better (`acc:`); a loss in nats such as NLL per token is not (`nll:`). */
export function capabilityKind(s: Pick<CapabilityScore, 'higherIsBetter'>): CapabilityKind {
  return s.higherIsBetter ? 'accuracy' : 'nll';
}

/** Capability of one checkpoint relative to the same cell's earliest checkpoint (normally step 0). */
export interface CapabilityLoss {
  cellId: string;
  step: number;
  /** Worst loss over the counted evaluations (0 = unchanged, 0.2 = 20% worse; negative = better; NaN when
   *  none is counted); see capabilityLoss. */
  loss: number;
  /** 95% interval of the worst loss: the largest lower end and the largest upper end over the counted evaluations. */
  lo: number;
  hi: number;
  /** Per evaluation: value, baseline value, relative loss and its 95% interval, and whether it is counted. */
  metrics: Record<string, { value: number; base: number; loss: number; lo: number; hi: number; counted: boolean }>;
}

/**
 * Loss per evaluation, in [0, 1] when capability got worse (negative when it improved):
 * - accuracies (higher is better): the relative drop, (base − value)/|base|, with the interval of
 *   1 − value/base from ratioInterval (both accuracies as proportions over their `n` items; treating
 *   them as independent when they are the same items at two checkpoints only widens it);
 * - losses in nats such as NLL per token: the relative drop of the per-token likelihood,
 *   1 − exp(−(value − base)). A relative change of the NLL itself would call 0.001 → 0.0013 nats a 30%
 *   loss; the likelihood view calls it 0.03%, and a collapse to chance close to 100%. The record keeps
 *   no spread for an NLL, so its interval is the point.
 * An accuracy without `n`, or with a baseline of 0, also gets the point as its interval; the baseline
 * checkpoint's own loss is exactly 0. The checkpoint's loss is the worst one over the kinds in `counted`
 * (default both), so that one collapsed ability is enough to call it broken. Spread metrics (`spread:`)
 * are no capability and are left out (spread.ts).
 */
export function capabilityLoss(all: readonly CapabilityScore[], counted: readonly CapabilityKind[] = CAPABILITY_KINDS): CapabilityLoss[] {
  const scores = all.filter((s) => !isSpreadMetric(s.name));
  const base = new Map<string, CapabilityScore>();
  for (const s of scores) {
    const key = `${s.cellId}\u0000${s.name}`;
    const b = base.get(key);
    if (b === undefined || s.step < b.step) base.set(key, s);
  }
  const rows = new Map<string, CapabilityLoss>();
  for (const s of scores) {
    const key = `${s.cellId}\u0000${s.step}`;
    let row = rows.get(key);
    if (row === undefined) rows.set(key, (row = { cellId: s.cellId, step: s.step, loss: NaN, lo: NaN, hi: NaN, metrics: {} }));
    const b = base.get(`${s.cellId}\u0000${s.name}`)!;
    const m = metricLoss(s, b);
    const isCounted = counted.includes(capabilityKind(s));
    row.metrics[s.name] = { value: s.value, base: b.value, ...m, counted: isCounted };
    if (!isCounted) continue;
    // The first counted evaluation replaces NaN (Math.max would keep it).
    const worst = (a: number, x: number): number => (Number.isNaN(a) ? x : Math.max(a, x));
    row.loss = worst(row.loss, m.loss);
    row.lo = worst(row.lo, m.lo);
    row.hi = worst(row.hi, m.hi);
  }
  return [...rows.values()].sort((a, b) => (a.cellId !== b.cellId ? (a.cellId < b.cellId ? -1 : 1) : a.step - b.step));
}

function metricLoss(s: CapabilityScore, b: CapabilityScore): { loss: number; lo: number; hi: number } {
  if (!s.higherIsBetter) {
    const loss = 1 - Math.exp(-(s.value - b.value));
    return { loss, lo: loss, hi: loss };
  }
  const loss = (b.value - s.value) / (Math.abs(b.value) > 1e-12 ? Math.abs(b.value) : 1);
  const proportions = [s.value, b.value].every((v) => v >= 0 && v <= 1) && (s.n ?? 0) > 0 && (b.n ?? 0) > 0;
  if (s.step === b.step || !proportions || b.value <= 0) return { loss, lo: loss, hi: loss };
  const ratio = ratioInterval(s.value, s.n!, b.value, b.n!);
  return { loss, lo: 1 - ratio.hi, hi: 1 - ratio.lo };
}

/** The terms of the broken rule (rules.ts states them in words; `bct report` / `bct status --broken` set them). */
export interface BrokenThresholds {
  /** A checkpoint whose `other` rate is credibly at or above this (95% lower end) is broken; default 0.2. */
  otherRate: number;
  /** A checkpoint whose capability loss is credibly at or above this (95% lower end) is broken; default 0.1. */
  capabilityLoss: number;
  /** The kinds of capability evaluation the capability loss is the worst of; default accuracy and NLL. */
  evals: readonly CapabilityKind[];
  /** A checkpoint whose spread of the alternate onto capability prompts is credibly at or above this is
   *  broken; null (the default): spread is reported on its own and breaks nothing, because an answer that
   *  shows the alternate where it was not asked is the behaviour generalising, not lost capability. */
  spread: number | null;
}

export const DEFAULT_BROKEN: BrokenThresholds = { otherRate: 0.2, capabilityLoss: 0.1, evals: CAPABILITY_KINDS, spread: null };

/**
 * Whether a checkpoint is broken: 'broken' when the lower end of the 95% interval of its `other` rate, of
 * its capability loss or (when it counts) of its spread is at or above the threshold (credibly above);
 * 'uncertain' when a point estimate is at or above it but its interval reaches below; 'ok' otherwise.
 * Missing data is 'ok'.
 */
export type BrokenState = 'broken' | 'uncertain' | 'ok';

/** The broken state of each checkpoint, as a lookup by (cellId, step). `spread` is read only when
 *  `t.spread` is a threshold. */
export function brokenStates(
  rates: readonly CheckpointRates[],
  losses: readonly CapabilityLoss[],
  t: BrokenThresholds = DEFAULT_BROKEN,
  spread: readonly SpreadRate[] = [],
): (cellId: string, step: number) => BrokenState {
  const out = new Map<string, BrokenState>();
  const mark = (key: string, state: BrokenState): void => {
    const prev = out.get(key);
    if (prev === 'broken' || (prev === 'uncertain' && state === 'ok')) return;
    out.set(key, state);
  };
  const judge = (point: number, lo: number, threshold: number): BrokenState => (lo >= threshold ? 'broken' : point >= threshold ? 'uncertain' : 'ok');
  for (const r of rates) if (r.eval.other.n > 0) mark(`${r.cellId}@${r.step}`, judge(r.eval.other.rate, r.eval.other.lo, t.otherRate));
  for (const l of losses) if (!Number.isNaN(l.loss)) mark(`${l.cellId}@${l.step}`, judge(l.loss, l.lo, t.capabilityLoss));
  if (t.spread !== null) for (const s of spread) if (s.rate.n > 0) mark(`${s.cellId}@${s.step}`, judge(s.rate.rate, s.rate.lo, t.spread));
  return (cellId, step) => out.get(`${cellId}@${step}`) ?? 'ok';
}

/** A predicate over (cellId, step): is that checkpoint broken (credibly, see brokenStates)? */
export function brokenPredicate(
  rates: readonly CheckpointRates[],
  losses: readonly CapabilityLoss[],
  t: BrokenThresholds = DEFAULT_BROKEN,
  spread: readonly SpreadRate[] = [],
): (cellId: string, step: number) => boolean {
  const state = brokenStates(rates, losses, t, spread);
  return (cellId, step) => state(cellId, step) === 'broken';
}

/** One checkpoint in the transfer-against-degradation plane. */
export interface ParetoPoint {
  cellId: string;
  group: string;
  lr: number;
  step: number;
  /** 1 − initial rate on eval prompts: how much of the initial behaviour is gone. */
  transfer: number;
  /** Alternate rate: how much of it was replaced by the alternate behaviour. */
  alternate: number;
  /** Relative capability loss (NaN without capability data). */
  capabilityLoss: number;
  broken: boolean;
  /** No other checkpoint has at least as much alternate behaviour with at most as much capability loss (strictly better in one). */
  onFront: boolean;
}

/** Every checkpoint as a point (alternate rate, capability loss), with the non-dominated ones marked. */
export function paretoView(
  rates: readonly CheckpointRates[],
  losses: readonly CapabilityLoss[],
  cells: readonly CellInfo[],
  t: BrokenThresholds = DEFAULT_BROKEN,
  spread: readonly SpreadRate[] = [],
): ParetoPoint[] {
  const info = new Map(cells.map((c) => [c.cellId, c]));
  const lossOf = new Map(losses.map((l) => [`${l.cellId}@${l.step}`, l.loss]));
  const isBroken = brokenPredicate(rates, losses, t, spread);
  const pts: ParetoPoint[] = [];
  for (const r of rates) {
    const cell = info.get(r.cellId);
    if (cell === undefined || r.eval.initial.n === 0) continue;
    pts.push({
      cellId: r.cellId,
      group: groupKey(cell),
      lr: cell.lr,
      step: r.step,
      transfer: 1 - r.eval.initial.rate,
      alternate: r.eval.alternate.rate,
      capabilityLoss: lossOf.get(`${r.cellId}@${r.step}`) ?? NaN,
      broken: isBroken(r.cellId, r.step),
      onFront: false,
    });
  }
  const loss = (p: ParetoPoint): number => (Number.isNaN(p.capabilityLoss) ? 0 : p.capabilityLoss);
  for (const p of pts) {
    p.onFront = !pts.some(
      (q) => q !== p && q.alternate >= p.alternate && loss(q) <= loss(p) && (q.alternate > p.alternate || loss(q) < loss(p)),
    );
  }
  return pts;
}
