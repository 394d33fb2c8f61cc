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
  EVAL_CLASSES,
  formatLr,
  groupKey,
  lrCheck,
  metricsFromRates,
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
  type GradedSample,
  type LrPairCheck,
  type MetricsRow,
  type ParetoPoint,
  type StepsToTransfer,
} from '../analysis/index.js';
import { brokenGroupSteps, formatCapabilityChange, groupVerdicts, type GroupVerdict } from '../analysis/verdicts.js';
import type { Db } from '../store/index.js';
import { seriesStyle, stepScale, type SeriesStyle, type StepScale } from './plots.js';
import { findSweep, sweepCapability, sweepCells, sweepSamples, trainLogSeries, type CellRow, type SweepMeta, type TrainLogPoint } from './record.js';
import type { SeedRate } from './transfer-plots.js';

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
  /** One verdict per (family, LR), in the order of `steps` (src/analysis/verdicts.ts). */
  verdicts: GroupVerdict[];
  /** Group steps that are broken (more than half the seeds), as `${group}@${step}`. */
  brokenGroups: Set<string>;
  /** Cell checkpoints that are broken, as `${cellId}@${step}`. */
  brokenCells: Set<string>;
  /** Each seed's own eval rates per class (the thin lines of the curves). */
  seedRates: SeedRate[];
  /** Every graded answer's label (drill-down: prompt classes, flips). */
  samples: GradedSample[];
  /** Training loss and gradient norm per cell, binned (record.ts trainLogSeries). */
  trainLog: TrainLogPoint[];
  /** The sweep's series (colours, dashes) and step axis, shared by every chart. */
  style: SeriesStyle;
  stepScale: StepScale;
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
  const info = new Map(cells.map((c) => [c.cellId, c]));
  const seedRates = rates.flatMap((r) => {
    const c = info.get(r.cellId);
    if (c === undefined) return [];
    return EVAL_CLASSES.filter((cls) => r.eval[cls].n > 0).map((cls) => ({
      cellId: r.cellId,
      family: c.family,
      lr: c.lr,
      seed: c.seed,
      cls,
      step: r.step,
      samplesSeen: r.step * c.batchSize,
      lrSteps: r.step * c.lr,
      rate: r.eval[cls].rate,
    }));
  });
  const trainLog = trainLogSeries(db, meta.id);
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
    verdicts: groupVerdicts({ steps, cells, rates, losses, broken, threshold }),
    brokenGroups: brokenGroupSteps(cells, rates, brokenState),
    brokenCells: new Set(rates.filter((r) => isBroken(r.cellId, r.step)).map((r) => `${r.cellId}@${r.step}`)),
    seedRates,
    samples,
    trainLog,
    style: seriesStyle(cells),
    // Checkpoints and the last training step: transfer, capability and training panels share this axis.
    stepScale: stepScale([...rates.map((r) => r.step), ...cells.map((c) => c.steps)]),
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

/**
 * The verdicts as indented lines, one per (family, LR), for the top of `bct demo`, `bct report` and
 * `bct status`: "full lr=1e-3  transferred: initial < 50% at 24 [16, 32] steps · 2 of 2 seeds crossed".
 */
export function verdictLines(a: SweepAnalysis): string[] {
  const w = Math.max(0, ...a.verdicts.map((v) => v.group.length));
  return a.verdicts.map((v) => {
    const parts = [v.headline, v.seedNote];
    if (v.kind !== 'collapsed' && Number.isFinite(v.capabilityLoss)) parts.push(`capability ${formatCapabilityChange(v.capabilityLoss)} at step ${v.atStep}`);
    return `  ${v.group.padEnd(w)}  ${parts.join(' · ')}`;
  });
}

/** What `bct demo` and `bct report` print: the verdicts, then per (family, LR) the last checkpoint's rates,
 *  the steps to transfer and the capability change. */
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
    Number.isFinite(g.capabilityLoss) ? formatCapabilityChange(g.capabilityLoss) : '-',
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const table = [head, ...rows].map((r) => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd());
  if (a.verdicts.length === 0) return table.join('\n');
  return [`verdicts (transfer: seed-mean initial rate below ${pct(a.threshold)}; [95% interval] in steps):`, ...verdictLines(a), '', ...table].join('\n');
}
