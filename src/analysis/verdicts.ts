// One verdict per (family, LR), the sentence a reader looks for first: "transferred: initial < 50% at 24
// [10, 40] steps", "resisted: initial not < 50% in 128 steps", "collapsed: capability −34% at step 30,
// before transfer", or the recovered / not-stable forms. Built from the steps to transfer (crossing.ts) and
// the broken rule (capability.ts); the report, the viewer, `bct demo` and `bct status` print these strings.

import { brokenStates, type BrokenState, type BrokenThresholds, type CapabilityLoss } from './capability.js';
import { cellCrossings, crossed, formatSteps, type StepsToTransfer } from './crossing.js';
import type { CheckpointRates } from './rates.js';
import type { SpreadRate } from './spread.js';
import { groupKey, type CellInfo } from './types.js';

/** transferred / recovered / unstable: crossed on a checkpoint that is not broken; resisted: never crossed;
 *  collapsed: the group was broken at or before the step the verdict is read at. */
export type VerdictKind = 'transferred' | 'recovered' | 'unstable' | 'resisted' | 'collapsed';

export interface SeedVerdict {
  cellId: string;
  seed: number;
  /** That seed's own crossing ("24 [16, 32]", "> 128", "broken at ~30"), its interval the checkpoints around it. */
  label: string;
  crossed: boolean;
}

export interface GroupVerdict {
  group: string;
  family: string;
  lr: number;
  kind: VerdictKind;
  /** The whole verdict in one line, e.g. "transferred: initial < 50% at 24 [10, 40] steps". */
  headline: string;
  /** The step the verdict is read at: the first checkpoint below the threshold, the first broken one for
   *  'collapsed', the last step for 'resisted'. */
  atStep: number;
  /** Interpolated crossing and its 95% interval (crossing.ts); null when the group never crossed. */
  steps: number | null;
  lo: number;
  hi: number;
  lastStep: number;
  nSeeds: number;
  seedsCrossed: number;
  /** "2 of 2 seeds crossed", or for 'collapsed' "2 of 2 seeds broken at step 30". */
  seedNote: string;
  /** Each seed's own crossing, in seed order: whether the seeds agree. */
  perSeed: SeedVerdict[];
  /** Mean over seeds of the capability loss at `atStep` (NaN without capability data), and the seeds' range. */
  capabilityLoss: number;
  capabilityRange: [number, number] | null;
  /** Mean over seeds of the other rate at `atStep` (NaN without eval answers there). */
  otherRate: number;
  /** The first checkpoint at which the group is broken, at any step (also after a transfer); null if never. */
  brokenFrom: number | null;
  /** Mean over seeds of the spread of the alternate onto capability prompts at `atStep` (NaN without spread data). */
  spreadRate: number;
  /** Why a collapsed group counts as broken where it first is: its capability loss, its other answers, or
   *  (when the broken rule counts it) its spread. */
  collapse: { step: number; reason: 'capability' | 'other' | 'spread'; seedsBroken: number } | null;
  warnings: string[];
  scheduleHint: string | null;
}

export interface VerdictInputs {
  steps: readonly StepsToTransfer[];
  cells: readonly CellInfo[];
  rates: readonly CheckpointRates[];
  losses: readonly CapabilityLoss[];
  broken: BrokenThresholds;
  threshold: number;
  /** The spread of the alternate per checkpoint (read by the broken rule only when it counts spread). */
  spread?: readonly SpreadRate[];
}

const pct = (x: number): string => `${Number((100 * x).toPrecision(3))}%`;

/** "−34%" for a loss of 0.34, "+2%" for a gain. */
export function formatCapabilityChange(loss: number): string {
  if (!Number.isFinite(loss)) return '–';
  const v = Math.round(100 * Math.abs(loss));
  return v === 0 ? '±0%' : `${loss > 0 ? '−' : '+'}${v}%`;
}

/**
 * The steps at which a group (family and LR) is broken, as `${group}@${step}`: more than half of its seeds
 * are broken there (one broken seed of two is not enough; the rule of crossing.ts).
 */
export function brokenGroupSteps(
  cells: readonly CellInfo[],
  rates: readonly CheckpointRates[],
  state: (cellId: string, step: number) => BrokenState,
): Set<string> {
  const size = new Map<string, number>();
  for (const c of cells) size.set(groupKey(c), (size.get(groupKey(c)) ?? 0) + 1);
  const info = new Map(cells.map((c) => [c.cellId, c]));
  const broken = new Map<string, number>();
  for (const r of rates) {
    const c = info.get(r.cellId);
    if (c === undefined || state(r.cellId, r.step) !== 'broken') continue;
    const key = `${groupKey(c)}@${r.step}`;
    broken.set(key, (broken.get(key) ?? 0) + 1);
  }
  return new Set([...broken].filter(([key, n]) => n * 2 > size.get(key.slice(0, key.lastIndexOf('@')))!).map(([key]) => key));
}

/** One verdict per entry of `steps` (per family and LR), in the same order. */
export function groupVerdicts(inp: VerdictInputs): GroupVerdict[] {
  const { threshold } = inp;
  const spread = inp.spread ?? [];
  const state = brokenStates(inp.rates, inp.losses, inp.broken, spread);
  // The same rule applied to each criterion alone tells which one broke a checkpoint.
  const alone = { ...inp.broken, spread: null };
  const byCapability = brokenStates([], inp.losses, alone);
  const byOther = brokenStates(inp.rates, [], alone);
  const bySpread = brokenStates([], [], inp.broken, spread);
  const spreadAt = new Map(spread.map((r) => [`${r.cellId}@${r.step}`, r]));
  const perSeed = cellCrossings(inp.rates, threshold, (cellId, step) => state(cellId, step) === 'broken');
  const rateAt = new Map(inp.rates.map((r) => [`${r.cellId}@${r.step}`, r]));
  const lossAt = new Map(inp.losses.map((l) => [`${l.cellId}@${l.step}`, l]));
  const groupBroken = brokenGroupSteps(inp.cells, inp.rates, state);
  const members = new Map<string, CellInfo[]>();
  for (const c of [...inp.cells].sort((a, b) => a.seed - b.seed)) members.set(groupKey(c), [...(members.get(groupKey(c)) ?? []), c]);

  return inp.steps.map((s) => {
    const cells = members.get(s.group) ?? [];
    const count = (step: number, f: (cellId: string, step: number) => BrokenState): number => cells.filter((c) => f(c.cellId, step) === 'broken').length;
    const groupSteps = [...new Set(cells.flatMap((c) => inp.rates.filter((r) => r.cellId === c.cellId && r.eval.initial.n > 0).map((r) => r.step)))].sort((a, b) => a - b);
    const decisive = s.bracket !== null ? s.bracket[1] : s.lastStep;
    const firstBroken = groupSteps.find((st) => st <= decisive && groupBroken.has(`${s.group}@${st}`));
    const atStep = firstBroken ?? decisive;
    const mean = (xs: number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
    const losses = cells.flatMap((c) => {
      const l = lossAt.get(`${c.cellId}@${atStep}`);
      return l === undefined || Number.isNaN(l.loss) ? [] : [l.loss];
    });
    const others = cells.flatMap((c) => {
      const r = rateAt.get(`${c.cellId}@${atStep}`);
      return r === undefined || r.eval.other.n === 0 ? [] : [r.eval.other.rate];
    });
    const spreads = cells.flatMap((c) => {
      const r = spreadAt.get(`${c.cellId}@${atStep}`);
      return r === undefined || r.rate.n === 0 ? [] : [r.rate.rate];
    });
    const capabilityLoss = mean(losses);
    const otherRate = mean(others);
    const spreadRate = mean(spreads);
    const seeds = cells.map((c) => {
      const own = perSeed.get(c.cellId);
      return { cellId: c.cellId, seed: c.seed, label: own?.label ?? '–', crossed: own !== undefined && crossed(own) };
    });
    const base = {
      group: s.group,
      family: s.family,
      lr: s.lr,
      atStep,
      steps: crossed(s) ? s.steps : null,
      lo: s.lo,
      hi: s.hi,
      lastStep: s.lastStep,
      brokenFrom: groupSteps.find((st) => groupBroken.has(`${s.group}@${st}`)) ?? null,
      nSeeds: s.nSeeds,
      seedsCrossed: s.seedsCrossed,
      perSeed: seeds,
      capabilityLoss,
      capabilityRange: losses.length === 0 ? null : ([Math.min(...losses), Math.max(...losses)] as [number, number]),
      otherRate,
      spreadRate,
      warnings: s.warnings,
      scheduleHint: s.scheduleHint,
    };
    const seedsCrossedNote = `${s.seedsCrossed} of ${s.nSeeds} seeds crossed`;
    if (firstBroken !== undefined) {
      // The criterion that broke the most seeds there; on a tie capability, then other answers.
      const counts: ['capability' | 'other' | 'spread', number][] = [
        ['capability', count(firstBroken, byCapability)],
        ['other', count(firstBroken, byOther)],
        ['spread', count(firstBroken, bySpread)],
      ];
      const reason = counts.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
      const what =
        reason === 'capability'
          ? `capability ${formatCapabilityChange(capabilityLoss)}`
          : reason === 'other'
            ? `${pct(otherRate)} other answers`
            : `the alternate on ${pct(spreadRate)} of capability answers`;
      const when =
        s.status === 'censored'
          ? `; initial not < ${pct(threshold)} in ${s.lastStep} steps`
          : firstBroken < decisive
            ? `, before transfer (initial < ${pct(threshold)} at step ${decisive})`
            : `, at transfer (initial < ${pct(threshold)} there)`;
      const seedsBroken = count(firstBroken, state);
      return {
        ...base,
        kind: 'collapsed' as const,
        headline: `collapsed: ${what} at step ${firstBroken}${when}`,
        seedNote: `${seedsBroken} of ${s.nSeeds} seeds broken at step ${firstBroken}`,
        collapse: { step: firstBroken, reason, seedsBroken },
      };
    }
    const at = formatSteps(s, s.lo, s.hi);
    const verdict: Record<Exclude<StepsToTransfer['status'], 'broken'>, [VerdictKind, string]> = {
      transfer: ['transferred', `transferred: initial < ${pct(threshold)} at ${at} steps`],
      recovered: ['recovered', at],
      unstable: ['unstable', at],
      censored: ['resisted', `resisted: initial not < ${pct(threshold)} in ${s.lastStep} steps (${pct(s.lastValue)} at the last checkpoint)`],
    };
    // 'broken' always has a broken first checkpoint below, so it took the branch above.
    const [kind, headline] = verdict[s.status === 'broken' ? 'censored' : s.status];
    return { ...base, kind, headline, seedNote: seedsCrossedNote, collapse: null };
  });
}
