// Training instability: a cell whose training loss rises far above where it started has been knocked out
// of its minimum (the runs at high LRs rose 10³–10⁴×), and what its checkpoints show after that is
// a re-fit, not gradual learning. Computed here once from the record's `train_log` and shown by
// `bct status`, the report and `bct export --table train_log`.
//
// The rule, per cell, over its logged steps in order:
// - early loss: the median loss of the first ⌈10%⌉ of the steps, at least 1 and at most 20 steps (a median,
//   so that one odd batch does not set the bar), the window cut before the first step whose loss exceeds
//   `factor` × the first step's: a model knocked out by its first updates (at 1e-2 the microworld base
//   went from 7e-6 to 0.69 nats/token in one step) is measured against where it started, not against the
//   knocked-out steps inside the window;
// - the cell is unstable from the first step at which the median of the last 3 steps after the early
//   window exceeds `factor` × the early loss (default 10): a rise held over 2 of 3 consecutive steps, so a
//   single noisy batch does not flag a cell. A loss that is not finite counts as a rise.
// A cell with fewer than 3 steps after its early window is never flagged (nothing to judge).

import { ConfigError } from '../errors.js';

/** One optimizer step's training loss (the record's `train_log.loss`, nats per answer token). */
export interface TrainLossStep {
  cellId: string;
  step: number;
  loss: number;
}

export const DEFAULT_INSTABILITY_FACTOR = 10;
/** Share of a cell's steps whose median is its early loss, and the bounds on that count. */
export const EARLY_SHARE = 0.1;
export const EARLY_MAX_STEPS = 20;
/** Consecutive steps whose median must exceed the bar. */
export const RISE_WINDOW = 3;

export interface CellInstability {
  cellId: string;
  /** Steps logged. */
  steps: number;
  /** Median loss of the early window, and the first and last step of that window. */
  earlyLoss: number;
  earlySteps: [number, number];
  /** The largest median of RISE_WINDOW consecutive steps after the early window, and its last step; NaN and
   *  null when there are fewer such steps. */
  peakLoss: number;
  peakStep: number | null;
  /** peakLoss / earlyLoss (Infinity when the early loss is 0 and the peak is not). */
  ratio: number;
  /** The first step at which the rule fires; null when it never does. */
  from: number | null;
  unstable: boolean;
  /** The factor the rule used. */
  factor: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The instability of each cell of a training log (any order), by cell id order of first appearance. */
export function cellInstability(log: readonly TrainLossStep[], factor = DEFAULT_INSTABILITY_FACTOR): CellInstability[] {
  if (!(factor > 1) || !Number.isFinite(factor)) throw new ConfigError(`expected a finite number above 1, got ${factor}`, 'instability factor');
  const byCell = new Map<string, TrainLossStep[]>();
  for (const r of log) {
    const rows = byCell.get(r.cellId);
    if (rows === undefined) byCell.set(r.cellId, [r]);
    else rows.push(r);
  }
  return [...byCell].map(([cellId, rows]) => {
    rows.sort((a, b) => a.step - b.step);
    const loss = rows.map((r) => (Number.isFinite(r.loss) ? r.loss : Infinity));
    const share = Math.min(EARLY_MAX_STEPS, Math.max(1, Math.ceil(EARLY_SHARE * rows.length)));
    const jump = loss.findIndex((x, i) => i > 0 && i < share && x > factor * loss[0]!);
    const w = jump > 0 ? jump : share;
    const earlyLoss = median(loss.slice(0, w));
    let peakLoss = NaN;
    let peakStep: number | null = null;
    let from: number | null = null;
    for (let i = w + RISE_WINDOW - 1; i < rows.length; i++) {
      const m = median(loss.slice(i - RISE_WINDOW + 1, i + 1));
      if (!(m <= peakLoss)) {
        peakLoss = m;
        peakStep = rows[i]!.step;
      }
      if (from === null && m > factor * earlyLoss) from = rows[i]!.step;
    }
    const ratio = peakStep === null ? NaN : earlyLoss > 0 ? peakLoss / earlyLoss : peakLoss > 0 ? Infinity : 1;
    return { cellId, steps: rows.length, earlyLoss, earlySteps: [rows[0]!.step, rows[w - 1]!.step], peakLoss, peakStep, ratio, from, unstable: from !== null, factor };
  });
}

/** "unstable: loss above 10× its early 2.6e-5, the median of steps 1–20, from step 37 (peak 1200× at step 40)",
 *  "stable: loss at most 1.4× its early …", or "too short to judge (…)". */
export function describeInstability(c: CellInstability): string {
  const num = (x: number): string => (Number.isFinite(x) ? Number(x.toPrecision(2)).toString() : String(x));
  const [a, b] = c.earlySteps;
  const early = a === b ? `early ${num(c.earlyLoss)} at step ${a}` : `early ${num(c.earlyLoss)}, the median of steps ${a}–${b}`;
  if (c.peakStep === null) return `too short to judge (${c.steps} steps; ${early})`;
  if (c.from === null) return `stable: loss at most ${num(c.ratio)}× its ${early}`;
  return `unstable: loss above ${c.factor}× its ${early}, from step ${c.from} (peak ${num(c.ratio)}× at step ${c.peakStep})`;
}
