// Steps to transfer: the first step at which the rate of the initial behaviour on eval prompts falls below a
// threshold (default 50%, the companion note's "deployment length"), linearly interpolated between the two
// checkpoints around the crossing, with a bootstrap interval over prompts and seeds. A curve that never
// crosses is censored ("> N steps") and stays in every table; a crossing on a broken checkpoint (too many
// `other` answers or too much capability loss) is reported as broken, never as transfer.

import { quantileSorted, seededRandom } from './intervals.js';
import { groupKey, type CellInfo, type EvalClass, type GradedSample } from './types.js';

export interface CurveSample {
  step: number;
  value: number;
  /** The checkpoint is broken (see capability.ts); a crossing here is not transfer. */
  broken?: boolean;
}

export interface Crossing {
  status: 'transfer' | 'censored' | 'broken';
  /** Interpolated crossing step; for a censored curve, the last step run. */
  steps: number;
  /** The last step of the curve. */
  lastStep: number;
}

/**
 * First crossing below `threshold` of a curve (points in any order). Interpolation is linear in steps
 * between the last checkpoint at or above the threshold and the first one below it.
 */
export function firstCrossing(points: readonly CurveSample[], threshold: number): Crossing {
  const pts = [...points].filter((p) => Number.isFinite(p.value)).sort((a, b) => a.step - b.step);
  if (pts.length === 0) return { status: 'censored', steps: 0, lastStep: 0 };
  const lastStep = pts[pts.length - 1]!.step;
  for (let i = 0; i < pts.length; i++) {
    const p = pts[i]!;
    if (p.value >= threshold) continue;
    let steps = p.step;
    if (i > 0) {
      const q = pts[i - 1]!;
      steps = q.step + ((q.value - threshold) / (q.value - p.value)) * (p.step - q.step);
    }
    return { status: p.broken === true ? 'broken' : 'transfer', steps, lastStep };
  }
  return { status: 'censored', steps: lastStep, lastStep };
}

export interface StepsToTransfer {
  group: string;
  family: string;
  lr: number;
  /** Point estimate on the seed-averaged curve. */
  status: Crossing['status'];
  steps: number;
  lastStep: number;
  /** Bootstrap interval; Infinity where more replicates than the tail did not transfer (censored). */
  lo: number;
  hi: number;
  /** Share of bootstrap replicates that transferred. */
  transferShare: number;
  nSeeds: number;
  nPrompts: number;
  threshold: number;
  /** Human-readable form: "120 [80, 200]", "> 1000", "broken at ~300". */
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
  /** Whether a cell's checkpoint is broken. A group's step is broken when at least half its seeds are. */
  isBroken?: (cellId: string, step: number) => boolean;
}

/** Steps to transfer per (family, LR), pooled over seeds, with a prompt × seed bootstrap interval. */
export function stepsToTransfer(
  samples: readonly GradedSample[],
  cells: readonly CellInfo[],
  opts: StepsOptions = {},
): StepsToTransfer[] {
  const threshold = opts.threshold ?? 0.5;
  const cls = opts.cls ?? 'initial';
  const B = opts.resamples ?? 500;
  const rnd = seededRandom(opts.seed ?? 1);
  const info = new Map(cells.map((c) => [c.cellId, c]));

  // Dense per-prompt counts, counts[cellId][step] = { k, n } over prompt indices: the bootstrap below
  // reweights prompts thousands of times, so this is a flat loop over typed arrays.
  const promptIndex = new Map<string, number>();
  for (const s of samples) if (s.split === 'eval' && info.has(s.cellId) && !promptIndex.has(s.promptId)) promptIndex.set(s.promptId, promptIndex.size);
  const P = promptIndex.size;
  const counts = new Map<string, Map<number, { k: Float64Array; n: Float64Array }>>();
  for (const s of samples) {
    if (s.split !== 'eval' || !info.has(s.cellId)) continue;
    const pi = promptIndex.get(s.promptId)!;
    let byStep = counts.get(s.cellId);
    if (byStep === undefined) counts.set(s.cellId, (byStep = new Map()));
    let c = byStep.get(s.step);
    if (c === undefined) byStep.set(s.step, (c = { k: new Float64Array(P), n: new Float64Array(P) }));
    c.n[pi]!++;
    if (s.label === cls) c.k[pi]!++;
  }
  const nPrompts = promptIndex.size;
  const groups = new Map<string, CellInfo[]>();
  for (const c of cells) {
    if (!counts.has(c.cellId)) continue;
    const g = groupKey(c);
    const list = groups.get(g) ?? [];
    list.push(c);
    groups.set(g, list);
  }

  const out: StepsToTransfer[] = [];
  for (const [group, members] of groups) {
    const steps = [...new Set(members.flatMap((c) => [...counts.get(c.cellId)!.keys()]))].sort((a, b) => a - b);
    const brokenAt = new Map(
      steps.map((st) => {
        const nBroken = members.filter((c) => opts.isBroken?.(c.cellId, st) === true).length;
        return [st, opts.isBroken !== undefined && nBroken * 2 >= members.length];
      }),
    );
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
        return { step, value: used === 0 ? NaN : sum / used, broken: brokenAt.get(step) };
      });
    const all = members.map((_, i) => i);
    const point = firstCrossing(curve(all, null), threshold);
    const reps: number[] = [];
    const weights = new Float64Array(nPrompts);
    for (let b = 0; b < B; b++) {
      weights.fill(0);
      for (let i = 0; i < nPrompts; i++) weights[Math.floor(rnd() * nPrompts)]!++;
      const cellIdx = members.map(() => Math.floor(rnd() * members.length));
      const c = firstCrossing(curve(cellIdx, weights), threshold);
      reps.push(c.status === 'transfer' ? c.steps : Infinity);
    }
    reps.sort((a, b) => a - b);
    const lo = quantileSorted(reps, 0.025);
    const hi = quantileSorted(reps, 0.975);
    const first = members[0]!;
    out.push({
      group,
      family: first.family,
      lr: first.lr,
      status: point.status,
      steps: point.steps,
      lastStep: point.lastStep,
      lo,
      hi,
      transferShare: reps.filter(Number.isFinite).length / Math.max(1, B),
      nSeeds: members.length,
      nPrompts,
      threshold,
      label: formatSteps(point, lo, hi),
    });
  }
  return out.sort((a, b) => (a.family !== b.family ? (a.family < b.family ? -1 : 1) : a.lr - b.lr));
}

/** "120 [80, 200]", "120 [80, > 1000]", "> 1000", "broken at ~300". */
export function formatSteps(c: Crossing, lo: number, hi: number): string {
  const r = (x: number): string => (Number.isFinite(x) ? String(Math.round(x)) : `> ${c.lastStep}`);
  if (c.status === 'censored') return `> ${c.lastStep}`;
  if (c.status === 'broken') return `broken at ~${Math.round(c.steps)}`;
  return `${Math.round(c.steps)} [${r(lo)}, ${r(hi)}]`;
}

/** Per cell: the crossing of its own initial-rate curve (no bootstrap), e.g. to list seeds separately. */
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
    out.set(cellId, { ...c, label: c.status === 'censored' ? `> ${c.lastStep}` : c.status === 'broken' ? `broken at ~${Math.round(c.steps)}` : c.steps.toFixed(1) });
  }
  return out;
}
