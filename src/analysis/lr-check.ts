// The learning-rate check of the companion note: for a pair of LRs a high one and one N× lower, how long the
// low LR runs without transfer measured in units of N·S, where S is the steps to transfer at the high LR.
// The naive expectation (only lr × steps matters) is that the low LR transfers after about N·S steps, a
// multiple of 1; the note reports settings where it had not transferred after 6·N·S or even 50·N·S.

import { crossed, type CrossingStatus, type StepsToTransfer } from './crossing.js';
import type { CurvePoint } from './curves.js';

export interface LrPairCheck {
  family: string;
  lrHigh: number;
  lrLow: number;
  /** lrHigh / lrLow. */
  n: number;
  /** The high LR's verdict: transfer, or recovered / unstable (S is then its first crossing). */
  highStatus: CrossingStatus;
  /** Steps to transfer at the high LR (S) and its 95% interval. */
  stepsHigh: number;
  stepsHighLo: number;
  stepsHighHi: number;
  /** The naive prediction for the low LR: n × stepsHigh. */
  naiveLowSteps: number;
  /** The low LR's verdict: crossed at stepsLow (transfer, recovered, unstable), or ran stepsLow steps without crossing (censored), or broken. */
  lowStatus: CrossingStatus;
  stepsLow: number;
  /** stepsLow / (n × stepsHigh). For a censored low LR a lower bound ("> m"). */
  multiple: number;
  /**
   * 95% interval of the multiple from the two crossing intervals: low.lo / (n · high.hi) to
   * low.hi / (n · high.lo) (Infinity where an end is open). For a censored low LR only the lower end is a
   * bound (multipleHi = Infinity).
   */
  multipleLo: number;
  multipleHi: number;
  /** True when `multiple` and `multipleLo` are lower bounds (censored low LR). */
  bound: boolean;
  /** Initial rate at the low LR at step n × stepsHigh (interpolated), or NaN when not run that far. */
  lowRateAtNaive: number;
  /** "3.2× [1.5, 6.0]", "> 6.0× (95%: > 4.0×)", "broken"; "(high LR recovered)" and the like appended. */
  label: string;
}

/** All pairs within a family where the high LR crossed (a pair without S says nothing). */
export function lrCheck(rows: readonly StepsToTransfer[], curves: readonly CurvePoint[] = []): LrPairCheck[] {
  const out: LrPairCheck[] = [];
  const x = (m: number): string => (Number.isFinite(m) ? m.toFixed(1) : '∞');
  for (const hi of rows) {
    if (!crossed(hi) || hi.steps <= 0) continue;
    for (const lo of rows) {
      if (lo.family !== hi.family || lo.lr >= hi.lr) continue;
      const n = hi.lr / lo.lr;
      const naive = n * hi.steps;
      const multiple = lo.steps / naive;
      const bound = lo.status === 'censored';
      const multipleLo = lo.lo / (n * hi.hi);
      const multipleHi = bound ? Infinity : hi.lo > 0 ? lo.hi / (n * hi.lo) : Infinity;
      const curve = curves
        .filter((p) => p.group === lo.group && p.cls === 'initial')
        .sort((a, b) => a.step - b.step);
      const notes = [hi.status === 'transfer' ? '' : ` (high LR ${hi.status})`, crossed(lo) && lo.status !== 'transfer' ? ` (low LR ${lo.status})` : ''].join('');
      out.push({
        family: hi.family,
        lrHigh: hi.lr,
        lrLow: lo.lr,
        n,
        highStatus: hi.status,
        stepsHigh: hi.steps,
        stepsHighLo: hi.lo,
        stepsHighHi: hi.hi,
        naiveLowSteps: naive,
        lowStatus: lo.status,
        stepsLow: lo.steps,
        multiple,
        multipleLo,
        multipleHi,
        bound,
        lowRateAtNaive: interpolate(curve, naive),
        label:
          (lo.status === 'broken'
            ? 'broken'
            : bound
              ? `> ${x(multiple)}× (95%: > ${x(multipleLo)}×)`
              : `${x(multiple)}× [${x(multipleLo)}, ${x(multipleHi)}]`) + notes,
      });
    }
  }
  return out.sort((a, b) => (a.family !== b.family ? (a.family < b.family ? -1 : 1) : b.lrHigh - a.lrHigh || b.lrLow - a.lrLow));
}

function interpolate(curve: readonly CurvePoint[], step: number): number {
  for (let i = 0; i < curve.length; i++) {
    const p = curve[i]!;
    if (p.step === step) return p.mean;
    if (p.step > step) {
      if (i === 0) return NaN;
      const q = curve[i - 1]!;
      return q.mean + ((step - q.step) / (p.step - q.step)) * (p.mean - q.mean);
    }
  }
  return NaN;
}

/** One curve read at a fixed lr × steps budget. */
export interface EqualBudgetRow {
  group: string;
  family: string;
  lr: number;
  /** The lr × steps budget. */
  budget: number;
  /** budget / lr: the steps this LR needs to spend it. */
  steps: number;
  /** Initial rate there (seed mean), interpolated between checkpoints. */
  initial: number;
}

/**
 * The equal lr × steps view as numbers: every (family, LR) curve read at the same lr × steps budget. If only
 * lr × steps mattered, all rows of a family would show the same rate. The default budget is the largest
 * one every curve of the family reached, so no row is extrapolated.
 */
export function equalBudget(curves: readonly CurvePoint[], budget?: number): EqualBudgetRow[] {
  const byGroup = new Map<string, CurvePoint[]>();
  for (const p of curves) if (p.cls === 'initial') byGroup.set(p.group, [...(byGroup.get(p.group) ?? []), p]);
  const families = new Map<string, CurvePoint[][]>();
  for (const pts of byGroup.values()) {
    pts.sort((a, b) => a.step - b.step);
    families.set(pts[0]!.family, [...(families.get(pts[0]!.family) ?? []), pts]);
  }
  const out: EqualBudgetRow[] = [];
  for (const [family, groups] of families) {
    const b = budget ?? Math.min(...groups.map((g) => g[g.length - 1]!.lrSteps));
    if (!(b > 0)) continue;
    for (const g of groups) {
      const lr = g[0]!.lr;
      out.push({ group: g[0]!.group, family, lr, budget: b, steps: b / lr, initial: interpolate(g, b / lr) });
    }
  }
  return out.sort((a, b) => (a.family !== b.family ? (a.family < b.family ? -1 : 1) : b.lr - a.lr));
}
