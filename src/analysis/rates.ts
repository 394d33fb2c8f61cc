// Per-checkpoint, per-cell rates of each eval class and of compatible train answers, with intervals.

import { clusterBootstrapRate, wilson, type PromptCount, type Rate } from './intervals.js';
import { EVAL_CLASSES, type CellInfo, type EvalClass, type GradedSample } from './types.js';

/** Rates of one checkpoint of one cell. */
export interface CheckpointRates {
  cellId: string;
  step: number;
  /** step × batch size, when the cell is known; else NaN. */
  samplesSeen: number;
  /** Eval-prompt rates by class. */
  eval: Record<EvalClass, Rate>;
  /** Compatible answers on train prompts. */
  compatible: Rate;
  /** Which interval was used: 'wilson' (one sample per prompt) or 'bootstrap' (several per prompt). */
  interval: 'wilson' | 'bootstrap';
}

export interface RateOptions {
  /** Seed of the prompt-level bootstrap; default 1. */
  seed?: number;
  /** Bootstrap resamples; default 1000. */
  resamples?: number;
}

/** Groups samples by cell and step and computes every rate. Output is sorted by cell, then step. */
export function checkpointRates(
  samples: readonly GradedSample[],
  cells: readonly CellInfo[] = [],
  opts: RateOptions = {},
): CheckpointRates[] {
  const batch = new Map(cells.map((c) => [c.cellId, c.batchSize]));
  const byKey = new Map<string, GradedSample[]>();
  for (const s of samples) {
    const key = `${s.cellId}\u0000${s.step}`;
    let list = byKey.get(key);
    if (list === undefined) byKey.set(key, (list = []));
    list.push(s);
  }
  const out: CheckpointRates[] = [];
  for (const list of byKey.values()) {
    const { cellId, step } = list[0]!;
    const evalSamples = list.filter((s) => s.split === 'eval');
    const trainSamples = list.filter((s) => s.split === 'train');
    const clustered = maxPerPrompt(evalSamples) > 1 || maxPerPrompt(trainSamples) > 1;
    const rateOf = (subset: readonly GradedSample[], pred: (s: GradedSample) => boolean): Rate =>
      clustered
        ? clusterBootstrapRate(promptCounts(subset, pred), { seed: opts.seed ?? 1, resamples: opts.resamples })
        : wilson(subset.filter(pred).length, subset.length);
    const evalRates = {} as Record<EvalClass, Rate>;
    for (const c of EVAL_CLASSES) evalRates[c] = rateOf(evalSamples, (s) => s.label === c);
    const b = batch.get(cellId);
    out.push({
      cellId,
      step,
      samplesSeen: b === undefined ? NaN : step * b,
      eval: evalRates,
      compatible: rateOf(trainSamples, (s) => s.label === 'compatible'),
      interval: clustered ? 'bootstrap' : 'wilson',
    });
  }
  return out.sort((a, b) => (a.cellId < b.cellId ? -1 : a.cellId > b.cellId ? 1 : a.step - b.step));
}

function maxPerPrompt(samples: readonly GradedSample[]): number {
  const n = new Map<string, number>();
  let max = 0;
  for (const s of samples) {
    const v = (n.get(s.promptId) ?? 0) + 1;
    n.set(s.promptId, v);
    if (v > max) max = v;
  }
  return max;
}

/** Per-prompt counts of samples that satisfy `pred`. */
export function promptCounts(samples: readonly GradedSample[], pred: (s: GradedSample) => boolean): PromptCount[] {
  const m = new Map<string, PromptCount>();
  for (const s of samples) {
    let c = m.get(s.promptId);
    if (c === undefined) m.set(s.promptId, (c = { k: 0, n: 0 }));
    c.n++;
    if (pred(s)) c.k++;
  }
  return [...m.values()];
}
