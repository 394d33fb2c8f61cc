// Steps to transfer: the first step at which the rate of the initial behaviour on eval prompts falls below a
// threshold (default 50%, the companion note's "deployment length"), linearly interpolated in steps between
// the two checkpoints around the crossing. Its interval holds the whole gap between those checkpoints (the
// curve may have crossed anywhere in it) widened by a bootstrap over prompts and, with 3 or more seeds, over
// seeds. A curve that never crosses is censored ("> N steps") and stays in every table; a crossing on a
// broken checkpoint is reported as broken, never as transfer; a curve that comes back above the threshold
// after crossing is "transferred then recovered" (ends above) or "not stable" (ends below again).

import type { BrokenState } from './capability.js';
import { quantileSorted, seededRandom } from './intervals.js';
import { groupKey, type CellInfo, type EvalClass, type GradedSample } from './types.js';

export interface CurveSample {
  step: number;
  value: number;
  /** The checkpoint is broken (see capability.ts); a crossing here is not transfer. */
  broken?: boolean;
}

/**
 * 'transfer': crossed and stayed below; 'recovered': crossed, and back at or above the threshold at the last
 * checkpoint; 'unstable': crossed, came back above, and is below again at the last checkpoint; 'censored':
 * never crossed; 'broken': the first checkpoint below the threshold is broken.
 */
export type CrossingStatus = 'transfer' | 'recovered' | 'unstable' | 'censored' | 'broken';

export interface Crossing {
  status: CrossingStatus;
  /** Interpolated first crossing; for a censored curve, the last step run. */
  steps: number;
  /** The last step of the curve. */
  lastStep: number;
  /**
   * The checkpoints around the first crossing: the last one at or above the threshold (0 when the first
   * checkpoint is already below) and the first one below. Null when censored.
   */
  bracket: [number, number] | null;
  /** The first checkpoint after the crossing that is back at or above the threshold; null if none. */
  recoveredAt: number | null;
  /** The curve's value at its last checkpoint. */
  lastValue: number;
}

/** Whether the curve fell below the threshold on a checkpoint that is not broken (whatever it did after). */
export function crossed(c: Pick<Crossing, 'status'>): boolean {
  return c.status === 'transfer' || c.status === 'recovered' || c.status === 'unstable';
}

/**
 * First crossing below `threshold` of a curve (points in any order). Interpolation is linear in steps
 * between the last checkpoint at or above the threshold and the first one below it.
 */
export function firstCrossing(points: readonly CurveSample[], threshold: number): Crossing {
  const pts = [...points].filter((p) => Number.isFinite(p.value)).sort((a, b) => a.step - b.step);
  if (pts.length === 0) return { status: 'censored', steps: 0, lastStep: 0, bracket: null, recoveredAt: null, lastValue: NaN };
  const last = pts[pts.length - 1]!;
  const i = pts.findIndex((p) => p.value < threshold);
  if (i < 0) return { status: 'censored', steps: last.step, lastStep: last.step, bracket: null, recoveredAt: null, lastValue: last.value };
  const p = pts[i]!;
  const q = i > 0 ? pts[i - 1]! : undefined;
  const steps = q === undefined ? p.step : q.step + ((q.value - threshold) / (q.value - p.value)) * (p.step - q.step);
  const base = { steps, lastStep: last.step, bracket: [q?.step ?? 0, p.step] as [number, number], lastValue: last.value };
  if (p.broken === true) return { status: 'broken', ...base, recoveredAt: null };
  const back = pts.slice(i + 1).find((r) => r.value >= threshold);
  if (back === undefined) return { status: 'transfer', ...base, recoveredAt: null };
  return { status: last.value >= threshold ? 'recovered' : 'unstable', ...base, recoveredAt: back.step };
}

export interface StepsToTransfer {
  group: string;
  family: string;
  lr: number;
  /** Point estimate on the seed-averaged curve (see CrossingStatus). */
  status: CrossingStatus;
  steps: number;
  lastStep: number;
  bracket: [number, number] | null;
  recoveredAt: number | null;
  lastValue: number;
  /**
   * 95% interval of the first crossing: the bracket widened to the 2.5% quantile of the resampled curves'
   * lower checkpoints and the 97.5% quantile of their upper ones. A replicate that does not cross counts
   * as crossing after its last step (upper end Infinity, printed "> N").
   */
  lo: number;
  hi: number;
  /** Resampling alone: 2.5% and 97.5% quantiles of the replicates' interpolated crossings. */
  noiseLo: number;
  noiseHi: number;
  /** Share of bootstrap replicates that cross (on a checkpoint that is not broken). */
  transferShare: number;
  nSeeds: number;
  /** Seeds whose own curve crossed (transfer, recovered or unstable). */
  seedsCrossed: number;
  /** Seeds broken at the group's first checkpoint below the threshold (0 when censored). */
  seedsBroken: number;
  /** Whether the bootstrap resampled seeds (3 or more seeds) or kept them fixed. */
  seedsResampled: boolean;
  nPrompts: number;
  threshold: number;
  /** "add checkpoints between 2 and 6" when the checkpoint gap is at least as wide as the resampling interval. */
  scheduleHint: string | null;
  /** What the interval cannot say (few seeds; seeds broken or uncertain at the crossing). */
  warnings: string[];
  /** Human-readable verdict: "4 [2, 6] · 2 of 2 seeds crossed", "> 1000 · 0 of 3 seeds crossed", … */
  label: string;
}

export interface StepsOptions {
  /** Crossing threshold on the rate of `cls`; default 0.5. */
  threshold?: number;
  /** Which class's rate must fall below the threshold; default 'initial'. */
  cls?: EvalClass;
  /** Bootstrap resamples; default 500. */
  resamples?: number;
  seed?: number;
  /** Each cell's checkpoint state (capability.ts brokenStates). A group's step is broken when more than half its seeds are. */
  brokenState?: (cellId: string, step: number) => BrokenState;
}

/** Below this many seeds the bootstrap keeps the seeds fixed: resampling 2 seeds mostly repeats one of them. */
export const MIN_SEEDS_TO_RESAMPLE = 3;

/** Steps to transfer per (family, LR), pooled over seeds, with the interval described on StepsToTransfer. */
export function stepsToTransfer(samples: readonly GradedSample[], cells: readonly CellInfo[], opts: StepsOptions = {}): StepsToTransfer[] {
  const threshold = opts.threshold ?? 0.5;
  const cls = opts.cls ?? 'initial';
  const B = opts.resamples ?? 500;
  const rnd = seededRandom(opts.seed ?? 1);
  const info = new Map(cells.map((c) => [c.cellId, c]));
  const stateOf = (cellId: string, step: number): BrokenState => opts.brokenState?.(cellId, step) ?? 'ok';

  // Dense per-prompt counts, counts[cellId][step] = { k, n } over prompt indices (P,): the bootstrap below
  // reweights prompts thousands of times, so this is a flat loop over typed arrays. Grading errors are in no n.
  const evalSamples = samples.filter((s) => s.split === 'eval' && s.label !== 'error' && info.has(s.cellId));
  const promptIndex = new Map<string, number>();
  for (const s of evalSamples) if (!promptIndex.has(s.promptId)) promptIndex.set(s.promptId, promptIndex.size);
  const P = promptIndex.size;
  const counts = new Map<string, Map<number, { k: Float64Array; n: Float64Array }>>();
  for (const s of evalSamples) {
    const pi = promptIndex.get(s.promptId)!;
    let byStep = counts.get(s.cellId);
    if (byStep === undefined) counts.set(s.cellId, (byStep = new Map()));
    let c = byStep.get(s.step);
    if (c === undefined) byStep.set(s.step, (c = { k: new Float64Array(P), n: new Float64Array(P) }));
    c.n[pi]!++;
    if (s.label === cls) c.k[pi]!++;
  }
  const groups = new Map<string, CellInfo[]>();
  for (const c of cells) {
    if (!counts.has(c.cellId)) continue;
    const g = groupKey(c);
    groups.set(g, [...(groups.get(g) ?? []), c]);
  }

  const out: StepsToTransfer[] = [];
  for (const [group, members] of groups) {
    const steps = [...new Set(members.flatMap((c) => [...counts.get(c.cellId)!.keys()]))].sort((a, b) => a - b);
    const nBroken = (step: number, state: BrokenState): number => members.filter((c) => stateOf(c.cellId, step) === state).length;
    const groupBroken = new Map(steps.map((st) => [st, nBroken(st, 'broken') * 2 > members.length]));
    // The seed-mean curve over the cells `cellIdx` (repeats allowed) with prompt weights (null: all 1).
    const curve = (cellIdx: readonly number[], promptWeights: Float64Array | null): CurveSample[] =>
      steps.map((step) => {
        let sum = 0;
        let used = 0;
        for (const ci of cellIdx) {
          const c = counts.get(members[ci]!.cellId)!.get(step);
          if (c === undefined) continue;
          let k = 0;
          let n = 0;
          for (let pi = 0; pi < P; pi++) {
            const w = promptWeights === null ? 1 : promptWeights[pi]!;
            k += w * c.k[pi]!;
            n += w * c.n[pi]!;
          }
          if (n === 0) continue;
          sum += k / n;
          used++;
        }
        return { step, value: used === 0 ? NaN : sum / used, broken: groupBroken.get(step) };
      });
    const all = members.map((_, i) => i);
    const point = firstCrossing(curve(all, null), threshold);
    // Each seed on its own, with its own broken checkpoints.
    const seedsCrossed = members.filter((c, i) =>
      crossed(firstCrossing(curve([i], null).map((q) => ({ ...q, broken: stateOf(c.cellId, q.step) === 'broken' })), threshold)),
    ).length;
    const resampleSeeds = members.length >= MIN_SEEDS_TO_RESAMPLE;

    const lower: number[] = [];
    const upper: number[] = [];
    const interp: number[] = [];
    const weights = new Float64Array(P);
    for (let b = 0; b < B; b++) {
      weights.fill(0);
      for (let i = 0; i < P; i++) weights[Math.floor(rnd() * P)]!++;
      const cellIdx = resampleSeeds ? members.map(() => Math.floor(rnd() * members.length)) : all;
      const c = firstCrossing(curve(cellIdx, weights), threshold);
      const ok = crossed(c);
      // Not crossing within the steps run: the crossing, if any, comes after the last step (censored);
      // a broken replicate has no transfer at all.
      lower.push(ok ? c.bracket![0] : c.status === 'censored' ? c.lastStep : Infinity);
      upper.push(ok ? c.bracket![1] : Infinity);
      interp.push(ok ? c.steps : Infinity);
    }
    for (const list of [lower, upper, interp]) list.sort((x, y) => x - y);
    const noiseLo = quantileSorted(interp, 0.025);
    const noiseHi = quantileSorted(interp, 0.975);
    const gap = crossed(point) ? point.bracket! : null;
    const lo = Math.min(gap?.[0] ?? Infinity, quantileSorted(lower, 0.025));
    const hi = Math.max(gap?.[1] ?? -Infinity, quantileSorted(upper, 0.975));
    const scheduleHint =
      gap !== null && gap[1] - gap[0] > 1 && gap[1] - gap[0] >= noiseHi - noiseLo ? `add checkpoints between ${gap[0]} and ${gap[1]}` : null;

    const warnings: string[] = [];
    if (!resampleSeeds) {
      warnings.push(
        `${members.length} seed${members.length === 1 ? '' : 's'} cannot give a between-seed interval: the interval covers prompts and the checkpoint gap only (seeds are resampled from ${MIN_SEEDS_TO_RESAMPLE} seeds on)`,
      );
    }
    const at = point.bracket?.[1];
    const seedsBroken = at === undefined ? 0 : nBroken(at, 'broken');
    if (at !== undefined && crossed(point) && seedsBroken > 0) warnings.push(`${seedsBroken} of ${members.length} seeds broken at step ${at}, where the mean curve is first below the threshold`);
    const uncertain = at === undefined ? 0 : nBroken(at, 'uncertain');
    if (uncertain > 0) warnings.push(`${uncertain} of ${members.length} seeds at step ${at} have an other-rate or capability loss above the broken threshold, but not credibly`);

    const seedNote = point.status === 'broken' ? `${seedsBroken} of ${members.length} seeds broken there` : `${seedsCrossed} of ${members.length} seeds crossed`;
    const first = members[0]!;
    out.push({
      group,
      family: first.family,
      lr: first.lr,
      status: point.status,
      steps: point.steps,
      lastStep: point.lastStep,
      bracket: point.bracket,
      recoveredAt: point.recoveredAt,
      lastValue: point.lastValue,
      lo,
      hi,
      noiseLo,
      noiseHi,
      transferShare: interp.filter(Number.isFinite).length / Math.max(1, B),
      nSeeds: members.length,
      seedsCrossed,
      seedsBroken,
      seedsResampled: resampleSeeds,
      nPrompts: P,
      threshold,
      scheduleHint,
      warnings,
      label: `${formatSteps(point, lo, hi)} · ${seedNote}`,
    });
  }
  return out.sort((a, b) => (a.family !== b.family ? (a.family < b.family ? -1 : 1) : a.lr - b.lr));
}

/**
 * The verdict of a crossing with its interval [lo, hi] (the bracket when there is no resampling):
 * "4 [2, 6]", "4 [2, > 100]", "> 100", "broken at ~300",
 * "transferred then recovered: below at 4 [2, 6], back above from 20 (53% at 40)",
 * "not stable: below at 4 [2, 6], back above at 20, below again at 40 (41%)".
 */
export function formatSteps(c: Crossing, lo: number, hi: number): string {
  const r = (x: number): string => (Number.isFinite(x) ? String(Math.round(x)) : `> ${c.lastStep}`);
  const pct = (x: number): string => `${Math.round(100 * x)}%`;
  const at = `${Math.round(c.steps)} [${r(lo)}, ${r(hi)}]`;
  switch (c.status) {
    case 'censored':
      return `> ${c.lastStep}`;
    case 'broken':
      return `broken at ~${Math.round(c.steps)}`;
    case 'transfer':
      return at;
    case 'recovered':
      return `transferred then recovered: below at ${at}, back above from ${c.recoveredAt} (${pct(c.lastValue)} at ${c.lastStep})`;
    case 'unstable':
      return `not stable: below at ${at}, back above at ${c.recoveredAt}, below again at ${c.lastStep} (${pct(c.lastValue)})`;
  }
}

/** Per cell: the crossing of its own curve, its interval the checkpoints around it (no resampling). */
export function cellCrossings(
  rates: readonly { cellId: string; step: number; eval: Record<EvalClass, { rate: number; n: number }> }[],
  threshold = 0.5,
  isBroken?: (cellId: string, step: number) => boolean,
  cls: EvalClass = 'initial',
): Map<string, Crossing & { label: string }> {
  const byCell = new Map<string, CurveSample[]>();
  for (const r of rates) {
    if (r.eval[cls].n === 0) continue;
    const list = byCell.get(r.cellId) ?? [];
    list.push({ step: r.step, value: r.eval[cls].rate, broken: isBroken?.(r.cellId, r.step) ?? false });
    byCell.set(r.cellId, list);
  }
  const out = new Map<string, Crossing & { label: string }>();
  for (const [cellId, pts] of byCell) {
    const c = firstCrossing(pts, threshold);
    out.set(cellId, { ...c, label: formatSteps(c, c.bracket?.[0] ?? NaN, c.bracket?.[1] ?? NaN) });
  }
  return out;
}
