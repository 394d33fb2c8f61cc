// The learning-rate check of the companion note: for a pair of LRs a high one and one N× lower, how long the
// low LR runs without transfer measured in units of N·S, where S is the steps to transfer at the high LR.
// The naive expectation (only lr × steps matters) is that the low LR transfers after about N·S steps, a
// multiple of 1; the note reports settings where it had not transferred after 6·N·S or even 50·N·S.

import type { StepsToTransfer } from './crossing.js';
import type { CurvePoint } from './curves.js';

export interface LrPairCheck {
  family: string;
  lrHigh: number;
  lrLow: number;
  /** lrHigh / lrLow. */
  n: number;
  /** Steps to transfer at the high LR. */
  stepsHigh: number;
  /** The naive prediction for the low LR: n × stepsHigh. */
  naiveLowSteps: number;
  /** 'transfer': the low LR crossed at stepsLow; 'censored': it ran stepsLow steps without crossing. */
  lowStatus: 'transfer' | 'censored' | 'broken';
  stepsLow: number;
  /** stepsLow / (n × stepsHigh). For a censored low LR this is a lower bound ("> m"). */
  multiple: number;
  /** Initial rate at the low LR at step n × stepsHigh (interpolated), or NaN when not run that far. */
  lowRateAtNaive: number;
  /** "3.2×", "> 6.0×", "broken". */
  label: string;
}

/** All pairs within a family where the high LR transferred (a pair without S says nothing). */
export function lrCheck(rows: readonly StepsToTransfer[], curves: readonly CurvePoint[] = []): LrPairCheck[] {
  const out: LrPairCheck[] = [];
  for (const hi of rows) {
    if (hi.status !== 'transfer' || hi.steps <= 0) continue;
    for (const lo of rows) {
      if (lo.family !== hi.family || lo.lr >= hi.lr) continue;
      const n = hi.lr / lo.lr;
      const naive = n * hi.steps;
      const multiple = lo.steps / naive;
      const curve = curves
        .filter((p) => p.group === lo.group && p.cls === 'initial')
        .sort((a, b) => a.step - b.step);
      out.push({
        family: hi.family,
        lrHigh: hi.lr,
        lrLow: lo.lr,
        n,
        stepsHigh: hi.steps,
        naiveLowSteps: naive,
        lowStatus: lo.status,
        stepsLow: lo.steps,
        multiple,
        lowRateAtNaive: interpolate(curve, naive),
        label:
          lo.status === 'broken'
            ? 'broken'
            : lo.status === 'censored'
              ? `> ${multiple.toFixed(1)}×`
              : `${multiple.toFixed(1)}×`,
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
