// Capability degradation on the same checkpoints, the rule that marks a checkpoint broken, and the
// transfer-against-degradation (Pareto) view. A drop in the initial behaviour that comes with many `other`
// answers or a large capability loss is a broken model, not transfer (the companion note's advice).

import type { CheckpointRates } from './rates.js';
import { groupKey, type CapabilityScore, type CellInfo } from './types.js';

/** Capability of one checkpoint relative to the same cell's earliest checkpoint (normally step 0). */
export interface CapabilityLoss {
  cellId: string;
  step: number;
  /** Worst loss over the evaluations (0 = unchanged, 0.2 = 20% worse; negative = better); see capabilityLoss. */
  loss: number;
  /** Per evaluation: value, baseline value and relative loss. */
  metrics: Record<string, { value: number; base: number; loss: number }>;
}

/**
 * Loss per evaluation, in [0, 1] when capability got worse (negative when it improved):
 * - accuracies (higher is better): the relative drop, (base − value)/|base|;
 * - losses in nats such as NLL per token: the relative drop of the per-token likelihood,
 *   1 − exp(−(value − base)). A relative change of the NLL itself would call 0.001 → 0.0013 nats a 30%
 *   loss; the likelihood view calls it 0.03%, and a collapse to chance close to 100%.
 * The checkpoint's loss is the worst one, so that one collapsed ability is enough to call it broken.
 */
export function capabilityLoss(scores: readonly CapabilityScore[]): CapabilityLoss[] {
  const base = new Map<string, { step: number; value: number }>();
  for (const s of scores) {
    const key = `${s.cellId}\u0000${s.name}`;
    const b = base.get(key);
    if (b === undefined || s.step < b.step) base.set(key, { step: s.step, value: s.value });
  }
  const rows = new Map<string, CapabilityLoss>();
  for (const s of scores) {
    const key = `${s.cellId}\u0000${s.step}`;
    let row = rows.get(key);
    if (row === undefined) rows.set(key, (row = { cellId: s.cellId, step: s.step, loss: -Infinity, metrics: {} }));
    const b = base.get(`${s.cellId}\u0000${s.name}`)!.value;
    const loss = s.higherIsBetter ? (b - s.value) / (Math.abs(b) > 1e-12 ? Math.abs(b) : 1) : 1 - Math.exp(-(s.value - b));
    row.metrics[s.name] = { value: s.value, base: b, loss };
    row.loss = Math.max(row.loss, loss);
  }
  return [...rows.values()].sort((a, b) => (a.cellId !== b.cellId ? (a.cellId < b.cellId ? -1 : 1) : a.step - b.step));
}

export interface BrokenThresholds {
  /** A checkpoint with an `other` rate at or above this is broken; default 0.2. */
  otherRate: number;
  /** A checkpoint with a relative capability loss at or above this is broken; default 0.1. */
  capabilityLoss: number;
}

export const DEFAULT_BROKEN: BrokenThresholds = { otherRate: 0.2, capabilityLoss: 0.1 };

/** A predicate over (cellId, step): is that checkpoint broken? Missing data never makes it broken. */
export function brokenPredicate(
  rates: readonly CheckpointRates[],
  losses: readonly CapabilityLoss[],
  t: BrokenThresholds = DEFAULT_BROKEN,
): (cellId: string, step: number) => boolean {
  const broken = new Set<string>();
  for (const r of rates) if (r.eval.other.n > 0 && r.eval.other.rate >= t.otherRate) broken.add(`${r.cellId}@${r.step}`);
  for (const l of losses) if (l.loss >= t.capabilityLoss) broken.add(`${l.cellId}@${l.step}`);
  return (cellId, step) => broken.has(`${cellId}@${step}`);
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
): ParetoPoint[] {
  const info = new Map(cells.map((c) => [c.cellId, c]));
  const lossOf = new Map(losses.map((l) => [`${l.cellId}@${l.step}`, l.loss]));
  const isBroken = brokenPredicate(rates, losses, t);
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
