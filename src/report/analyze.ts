// One sweep of the record through the whole analysis: what the report, the viewer, `bct export --metrics`
// and `bct demo`'s closing table all show, computed in one place.

import {
  analysisRules,
  brokenRuleLine,
  brokenStates,
  capabilityLoss,
  cellInstability,
  describeInstability,
  DEFAULT_INSTABILITY_FACTOR,
  isSpreadMetric,
  spreadRates,
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
  type CellInstability,
  type SpreadRate,
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
import { sweepTrainLog, type Db } from '../store/index.js';
import { seriesStyle, stepScale, type SeriesStyle, type StepScale } from './plots.js';
import { findSweep, sweepCapability, sweepCells, sweepSamples, trainLogSeries, type CellRow, type SweepMeta, type TrainLogPoint } from './record.js';
import type { SeedRate } from './transfer-plots.js';

export interface AnalysisOptions {
  /** Steps to transfer: initial rate below this; default 0.5. */
  threshold?: number;
  /** When a checkpoint counts as broken; default other ≥ 0.2 or capability loss ≥ 0.1 (accuracy and NLL
   *  evaluations), spread not counted. */
  broken?: BrokenThresholds;
  /** Bootstrap resamples for steps to transfer; default 500. */
  resamples?: number;
  /** A cell is unstable when its training loss rises this many times above its early value; default 10. */
  instabilityFactor?: number;
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
  /** Per capability evaluation (`acc:<name>`, `nll:<name>`), the mean over seeds at the last checkpoint of
   *  its value and of its loss against step 0. */
  capability: Record<string, { value: number; loss: number }>;
  /** Mean over seeds of the spread of the alternate onto capability prompts at the last checkpoint, pooled
   *  and per evaluation (NaN / absent without spread data). */
  spread: number;
  spreadByEval: Record<string, number>;
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
  /** Raw capability measurements (for the per-evaluation plot): accuracies and NLLs, no spread. */
  capability: CapabilityScore[];
  /** The spread of the alternate onto capability prompts per checkpoint (src/analysis/spread.ts). */
  spread: SpreadRate[];
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
  /** Per cell, whether its training loss rose `instabilityFactor`× above its early value (src/analysis/instability.ts). */
  instability: CellInstability[];
  instabilityFactor: number;
  /** The sweep's series (colours, dashes) and step axis, shared by every chart. */
  style: SeriesStyle;
  stepScale: StepScale;
}

export function analyzeSweep(db: Db, ref?: string | number, opts: AnalysisOptions = {}): SweepAnalysis {
  const meta = findSweep(db, ref);
  const cells = sweepCells(db, meta.id);
  const samples = sweepSamples(db, meta.id);
  const scores = sweepCapability(db, meta.id);
  const capability = scores.filter((m) => !isSpreadMetric(m.name));
  const spread = spreadRates(scores);
  const threshold = opts.threshold ?? 0.5;
  const broken = opts.broken ?? DEFAULT_BROKEN;
  const instabilityFactor = opts.instabilityFactor ?? DEFAULT_INSTABILITY_FACTOR;
  const rates = checkpointRates(samples, cells);
  const losses = capabilityLoss(capability, broken.evals);
  const brokenState = brokenStates(rates, losses, broken, spread);
  const isBroken = (cellId: string, step: number): boolean => brokenState(cellId, step) === 'broken';
  const curves = transferCurves(rates, cells);
  const steps = stepsToTransfer(samples, cells, { threshold, resamples: opts.resamples ?? 500, brokenState });
  const groups = summarizeGroups(cells, rates, losses, spread, steps);
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
    pareto: paretoView(rates, losses, cells, broken, spread),
    metrics: metricsFromRates(rates, cells, losses, isBroken, spread),
    groups,
    cellCrossings: cellCrossings(rates, threshold, isBroken),
    capability,
    spread,
    threshold,
    broken,
    rules: analysisRules(threshold, broken, instabilityFactor),
    verdicts: groupVerdicts({ steps, cells, rates, losses, broken, threshold, spread }),
    brokenGroups: brokenGroupSteps(cells, rates, brokenState),
    brokenCells: new Set(rates.filter((r) => isBroken(r.cellId, r.step)).map((r) => `${r.cellId}@${r.step}`)),
    seedRates,
    samples,
    trainLog,
    instability: cellInstability(sweepTrainLog(db, meta.id).map((r) => ({ cellId: String(r.cellId), step: r.step, loss: r.loss })), instabilityFactor),
    instabilityFactor,
    style: seriesStyle(cells),
    // Checkpoints and the last training step: transfer, capability and training panels share this axis.
    stepScale: stepScale([...rates.map((r) => r.step), ...cells.map((c) => c.steps)]),
  };
}

function summarizeGroups(cells: readonly CellRow[], rates: readonly CheckpointRates[], losses: readonly CapabilityLoss[], spread: readonly SpreadRate[], steps: readonly StepsToTransfer[]): GroupSummary[] {
  const lossAt = new Map(losses.map((l) => [`${l.cellId}@${l.step}`, l]));
  const spreadAt = new Map(spread.map((r) => [`${r.cellId}@${r.step}`, r]));
  const meanOf = (xs: readonly number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
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
    const lossRows = lasts.flatMap((r) => lossAt.get(`${r.cellId}@${r.step}`) ?? []);
    const lossVals = lossRows.map((l) => l.loss).filter((l) => !Number.isNaN(l));
    const names = [...new Set(lossRows.flatMap((l) => Object.keys(l.metrics)))].sort();
    const capability = Object.fromEntries(
      names.map((n) => {
        const ms = lossRows.flatMap((l) => l.metrics[n] ?? []);
        return [n, { value: meanOf(ms.map((m) => m.value)), loss: meanOf(ms.map((m) => m.loss)) }];
      }),
    );
    const spreadRows = lasts.flatMap((r) => spreadAt.get(`${r.cellId}@${r.step}`) ?? []);
    const spreadNames = [...new Set(spreadRows.flatMap((r) => Object.keys(r.byEval)))].sort();
    out.push({
      group,
      family: members[0]!.family,
      lr: members[0]!.lr,
      lastStep: Math.max(...lasts.map((r) => r.step)),
      initial: mean((r) => r.eval.initial.rate),
      alternate: mean((r) => r.eval.alternate.rate),
      other: mean((r) => r.eval.other.rate),
      capabilityLoss: meanOf(lossVals),
      capability,
      spread: meanOf(spreadRows.map((r) => r.rate.rate)),
      spreadByEval: Object.fromEntries(spreadNames.map((n) => [n, meanOf(spreadRows.flatMap((r) => r.byEval[n]?.rate ?? []))])),
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

/** A rate in whole percent; '-' without one. */
const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(0)}%` : '-');

/** Rows under a header, each column padded to its widest cell. */
function textTable(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd());
}

/** What `bct demo` and `bct report` print: the verdicts, then per (family, LR) the last checkpoint's rates,
 *  the steps to transfer, the capability change and (where the setting has it) the spread of the
 *  alternate; then each capability evaluation on its own, the broken rule, and the training instability. */
export function summaryTable(a: SweepAnalysis): string {
  const withSpread = a.spread.length > 0;
  const head = ['family', 'lr', 'step', 'initial', 'alternate', 'other', `steps to <${pct(a.threshold)} initial`, 'capability change', ...(withSpread ? ['spread'] : [])];
  const rows = a.groups.map((g) => [
    g.family,
    formatLr(g.lr),
    String(g.lastStep),
    pct(g.initial),
    pct(g.alternate),
    pct(g.other),
    g.steps?.label ?? '-',
    Number.isFinite(g.capabilityLoss) ? formatCapabilityChange(g.capabilityLoss) : '-',
    ...(withSpread ? [pct(g.spread)] : []),
  ]);
  const table = textTable(head, rows);
  const after = [...capabilityBlock(a), ...instabilityBlock(a)];
  const tail = after.length === 0 ? [] : ['', ...after];
  if (a.verdicts.length === 0) return [...table, ...tail].join('\n');
  return [...verdictBlock(a), '', ...table, ...tail].join('\n');
}

/** A capability value as the record keeps it: an accuracy in percent, an NLL in nats per token. */
function capabilityValue(name: string, value: number): string {
  if (!Number.isFinite(value)) return '-';
  return name.startsWith('nll:') ? value.toPrecision(3) : pct(value);
}

/**
 * Per (method, LR) at its last checkpoint, the seed mean of every capability evaluation with its change
 * against step 0 ("97% −3%") and the spread of the alternate in its own column. None while no capability
 * metric is recorded.
 */
export function capabilityBlock(a: SweepAnalysis): string[] {
  const names = [...new Set(a.groups.flatMap((g) => Object.keys(g.capability)))].sort();
  const withSpread = a.groups.some((g) => Number.isFinite(g.spread));
  if (names.length === 0 && !withSpread) return [];
  const rows = a.groups.map((g) => [
    g.family,
    formatLr(g.lr),
    String(g.lastStep),
    ...names.map((n) => {
      const m = g.capability[n];
      return m === undefined ? '-' : `${capabilityValue(n, m.value)} ${formatCapabilityChange(m.loss)}`;
    }),
    ...(withSpread ? [pct(g.spread)] : []),
  ]);
  const counted = a.broken.evals.length === 0 ? 'no evaluation counted as capability loss' : `capability loss: worst of the ${a.broken.evals.map((k) => (k === 'nll' ? 'NLL' : k)).join(' and ')} evaluations`;
  return [
    `capability at the last checkpoint (seed mean, change against step 0; ${counted}${withSpread ? '; spread: capability answers showing the alternate, not a capability loss' : ''}):`,
    ...textTable(['family', 'lr', 'step', ...names, ...(withSpread ? ['spread'] : [])], rows).map((l) => `  ${l}`),
  ];
}

/** The cells whose training loss rose `instabilityFactor`× above its early value, one line each, after a
 *  line that says how many of how many; none without a training log. */
export function instabilityBlock(a: SweepAnalysis): string[] {
  if (a.instability.length === 0) return [];
  const names = new Map(a.cells.map((c) => [c.cellId, c.name]));
  const unstable = a.instability.filter((c) => c.unstable);
  return [
    `instability (training loss above ${a.instabilityFactor}× its early value): ${unstable.length} of ${a.instability.length} cells`,
    ...unstable.map((c) => `  ${names.get(c.cellId) ?? c.cellId}: ${describeInstability(c)}`),
  ];
}

/** The verdict lines under their heading (the rule they follow), then the broken rule that decides
 *  "collapsed", in words; none while no eval answer is graded. */
export function verdictBlock(a: SweepAnalysis): string[] {
  if (a.verdicts.length === 0) return [];
  return [`verdicts (transfer: seed-mean initial rate below ${pct(a.threshold)}; [95% interval] in steps):`, ...verdictLines(a), `  (${brokenRuleLine(a.broken)})`];
}
