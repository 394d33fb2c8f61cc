// Per-checkpoint, per-cell rates of each eval class and of compatible train answers, with intervals
// (intervals.ts: one method for every rate). Answers whose grading failed (`error`) are counted on their own
// and left out of every n, so a failing grader never looks like `other` answers or like transfer.

import { promptRate, type PromptCount, type Rate, type RateMethod } from './intervals.js';
import { EVAL_CLASSES, type CellInfo, type EvalClass, type GradedSample } from './types.js';

/** Rates of one checkpoint of one cell. */
export interface CheckpointRates {
  cellId: string;
  step: number;
  /** step × batch size, when the cell is known; else NaN. */
  samplesSeen: number;
  /** Eval-prompt rates by class; n excludes grading errors. */
  eval: Record<EvalClass, Rate>;
  /** Compatible answers on train prompts; n excludes grading errors. */
  compatible: Rate;
  /** Answers whose grading failed, per split (not in any n above). */
  errors: { eval: number; train: number };
  /** The interval method: 'wilson' (one sample per prompt) or 'wilson-clustered' (several; see intervals.ts). */
  interval: RateMethod;
}

/** Groups samples by cell and step and computes every rate. Output is sorted by cell, then step. */
export function checkpointRates(samples: readonly GradedSample[], cells: readonly CellInfo[] = []): CheckpointRates[] {
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
    const graded = list.filter((s) => s.label !== 'error');
    const evalSamples = graded.filter((s) => s.split === 'eval');
    const trainSamples = graded.filter((s) => s.split === 'train');
    const evalList = ratesByPrompt(evalSamples, EVAL_CLASSES);
    const evalRates = {} as Record<EvalClass, Rate>;
    EVAL_CLASSES.forEach((c, i) => (evalRates[c] = evalList[i]!.rate));
    const [compatible] = ratesByPrompt(trainSamples, ['compatible']);
    const clustered = [...evalList, compatible!].some((r) => r.method === 'wilson-clustered');
    const b = batch.get(cellId);
    out.push({
      cellId,
      step,
      samplesSeen: b === undefined ? NaN : step * b,
      eval: evalRates,
      compatible: compatible!.rate,
      errors: {
        eval: list.filter((s) => s.label === 'error' && s.split === 'eval').length,
        train: list.filter((s) => s.label === 'error' && s.split === 'train').length,
      },
      interval: clustered ? 'wilson-clustered' : 'wilson',
    });
  }
  return out.sort((a, b) => (a.cellId < b.cellId ? -1 : a.cellId > b.cellId ? 1 : a.step - b.step));
}

/** The rate of each label among `samples`, clustered by prompt. */
function ratesByPrompt(samples: readonly GradedSample[], labels: readonly GradedSample['label'][]): { rate: Rate; method: RateMethod }[] {
  const index = new Map<string, number>();
  for (const s of samples) if (!index.has(s.promptId)) index.set(s.promptId, index.size);
  // counts[c][i]: samples of prompt i with label c; n[i]: samples of prompt i. (labels, prompts)
  const n = new Array<number>(index.size).fill(0);
  const counts = labels.map(() => new Array<number>(index.size).fill(0));
  for (const s of samples) {
    const i = index.get(s.promptId)!;
    n[i]!++;
    const c = labels.indexOf(s.label);
    if (c >= 0) counts[c]![i]!++;
  }
  return counts.map((kc) => {
    const prompts: PromptCount[] = kc.map((k, i) => ({ k, n: n[i]! }));
    const { method, ...rate } = promptRate(prompts);
    return { rate, method };
  });
}
