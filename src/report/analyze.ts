// One sweep of the record through the whole analysis: what the report, the viewer, `bct export --metrics`
// and `bct demo`'s closing table all show, computed in one place.

import {
  analysisRules,
  brokenStates,
  capabilityLoss,
  cellCrossings,
  equalBudget,
  checkpointRates,
  DEFAULT_BROKEN,
  formatLr,
  groupKey,
  lrCheck,
  metricsFromRates,
  metricsTable,
  paretoView,
  stepsToTransfer,
  transferCurves,
  type AnalysisRules,
  type BrokenThresholds,
  type CapabilityLoss,
  type CapabilityScore,
  type Crossing,
  type CheckpointRates,
  type CurvePoint,
  type EqualBudgetRow,
  type LrPairCheck,
  type MetricsRow,
  type ParetoPoint,
  type StepsToTransfer,
} from '../analysis/index.js';
import type { Db } from '../store/index.js';
import { findSweep, sweepCapability, sweepCells, sweepSamples, type CellRow, type SweepMeta } from './record.js';

export interface AnalysisOptions {
  /** Steps to transfer: initial rate below this; default 0.5. */
  threshold?: number;
  /** When a checkpoint counts as broken; default other ≥ 0.2 or capability loss ≥ 0.1. */
  broken?: BrokenThresholds;
  /** Bootstrap resamples for steps to transfer; default 500. */
  resamples?: number;
}

/** Per (family, LR): the last checkpoint's rates and capability change, and steps to transfer. */
export interface GroupSummary {
  group: string;
  family: string;
  lr: number;
  lastStep: number;
  initial: number;
  alternate: number;
  other: number;
  /** Mean over seeds of the capability loss at the last checkpoint (NaN without data). */
  capabilityLoss: number;
  steps: StepsToTransfer | undefined;
}

export interface SweepAnalysis {
  meta: SweepMeta;
  cells: CellRow[];
  rates: CheckpointRates[];
  curves: CurvePoint[];
  steps: StepsToTransfer[];
  lrPairs: LrPairCheck[];
  /** Each curve read at one lr × steps budget per family (the equal lr × steps view as numbers). */
  equalBudget: EqualBudgetRow[];
  losses: CapabilityLoss[];
  pareto: ParetoPoint[];
  metrics: MetricsRow[];
  groups: GroupSummary[];
  /** Per cell (by cellId): the crossing of that seed's own curve, without bootstrap. */
  cellCrossings: Map<string, Crossing & { label: string }>;
  /** Raw capability measurements (for the per-evaluation plot). */
  capability: CapabilityScore[];
  threshold: number;
  broken: BrokenThresholds;
  /** The rules behind the intervals and verdicts above, as sentences to show beside them. */
  rules: AnalysisRules;
}

export function analyzeSweep(db: Db, ref?: string | number, opts: AnalysisOptions = {}): SweepAnalysis {
  const meta = findSweep(db, ref);
  const cells = sweepCells(db, meta.id);
  const samples = sweepSamples(db, meta.id);
  const capability = sweepCapability(db, meta.id);
  const threshold = opts.threshold ?? 0.5;
  const broken = opts.broken ?? DEFAULT_BROKEN;
  const rates = checkpointRates(samples, cells);
  const losses = capabilityLoss(capability);
  const brokenState = brokenStates(rates, losses, broken);
  const isBroken = (cellId: string, step: number): boolean => brokenState(cellId, step) === 'broken';
  const curves = transferCurves(rates, cells);
  const steps = stepsToTransfer(samples, cells, { threshold, resamples: opts.resamples ?? 500, brokenState });
  const groups = summarizeGroups(cells, rates, losses, steps);
  return {
    meta,
    cells,
    rates,
    curves,
    steps,
    lrPairs: lrCheck(steps, curves),
    equalBudget: equalBudget(curves),
    losses,
    pareto: paretoView(rates, losses, cells, broken),
    metrics: metricsFromRates(rates, cells, losses, isBroken),
    groups,
    cellCrossings: cellCrossings(rates, threshold, isBroken),
    capability,
    threshold,
    broken,
    rules: analysisRules(threshold, broken),
  };
}

function summarizeGroups(cells: readonly CellRow[], rates: readonly CheckpointRates[], losses: readonly CapabilityLoss[], steps: readonly StepsToTransfer[]): GroupSummary[] {
  const byGroup = new Map<string, CellRow[]>();
  for (const c of cells) byGroup.set(groupKey(c), [...(byGroup.get(groupKey(c)) ?? []), c]);
  const out: GroupSummary[] = [];
  for (const [group, members] of byGroup) {
    const lasts = members.flatMap((c) => {
      const own = rates.filter((r) => r.cellId === c.cellId && r.eval.initial.n > 0);
      return own.length === 0 ? [] : [own[own.length - 1]!];
    });
    if (lasts.length === 0) continue;
    const mean = (f: (r: CheckpointRates) => number): number => lasts.reduce((s, r) => s + f(r), 0) / lasts.length;
    const lossVals = lasts.flatMap((r) => losses.filter((l) => l.cellId === r.cellId && l.step === r.step).map((l) => l.loss));
    out.push({
      group,
      family: members[0]!.family,
      lr: members[0]!.lr,
      lastStep: Math.max(...lasts.map((r) => r.step)),
      initial: mean((r) => r.eval.initial.rate),
      alternate: mean((r) => r.eval.alternate.rate),
      other: mean((r) => r.eval.other.rate),
      capabilityLoss: lossVals.length === 0 ? NaN : lossVals.reduce((s, v) => s + v, 0) / lossVals.length,
      steps: steps.find((s) => s.group === group),
    });
  }
  return out.sort((a, b) => (a.family !== b.family ? (a.family < b.family ? -1 : 1) : a.lr - b.lr));
}

/** The short plain-text table `bct demo` ends with: per (family, LR) the last checkpoint and steps to transfer. */
export function summaryTable(a: SweepAnalysis): string {
  const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(0)}%` : '-');
  const head = ['family', 'lr', 'step', 'initial', 'alternate', 'other', `steps to <${pct(a.threshold)} initial`, 'capability change'];
  const rows = a.groups.map((g) => [
    g.family,
    formatLr(g.lr),
    String(g.lastStep),
    pct(g.initial),
    pct(g.alternate),
    pct(g.other),
    g.steps?.label ?? '-',
    Number.isFinite(g.capabilityLoss) ? `${g.capabilityLoss > 0 ? '-' : '+'}${(100 * Math.abs(g.capabilityLoss)).toFixed(1)}%` : '-',
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd()).join('\n');
}

/** The per-checkpoint metrics table of a sweep as flat rows (booleans as 0/1, NaN as null) for `bct export`. */
export function sweepMetricsRows(db: Db, sweepId: number, broken: BrokenThresholds = DEFAULT_BROKEN): Record<string, string | number | null>[] {
  const rows = metricsTable(sweepSamples(db, sweepId), sweepCells(db, sweepId), sweepCapability(db, sweepId), broken);
  return rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'number' && !Number.isFinite(v) ? null : (v as string | number | null)]),
    ),
  );
}
