// Per-checkpoint, per-cell rates of each eval class and of compatible train answers, with intervals.

import { clusterBootstrapRates, wilson, type Rate } from './intervals.js';
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
    const bootOpts = { seed: opts.seed ?? 1, resamples: opts.resamples };
    const rates = (subset: readonly GradedSample[], labels: readonly GradedSample['label'][]): Rate[] => {
      if (!clustered) return labels.map((l) => wilson(subset.filter((s) => s.label === l).length, subset.length));
      const index = new Map<string, number>();
      for (const s of subset) if (!index.has(s.promptId)) index.set(s.promptId, index.size);
      const n = new Float64Array(index.size);
      const k = labels.map(() => new Float64Array(index.size));
      for (const s of subset) {
        const i = index.get(s.promptId)!;
        n[i]!++;
        const c = labels.indexOf(s.label);
        if (c >= 0) k[c]![i]!++;
      }
      return clusterBootstrapRates(k, n, bootOpts);
    };
    const evalList = rates(evalSamples, EVAL_CLASSES);
    const evalRates = {} as Record<EvalClass, Rate>;
    EVAL_CLASSES.forEach((c, i) => (evalRates[c] = evalList[i]!));
    const [compatible] = rates(trainSamples, ['compatible']);
    const b = batch.get(cellId);
    out.push({
      cellId,
      step,
      samplesSeen: b === undefined ? NaN : step * b,
      eval: evalRates,
      compatible: compatible!,
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
