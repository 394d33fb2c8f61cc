// Validating a grader (a pattern grader, a static check or an LLM judge) on a labelled gold set: answers
// written to show each behaviour and the borderline cases, each with the label a careful reader gives it.
// Pure functions; `validateGrader` only runs the grade function on each gold answer.
//
// Figures, each with a 95% interval:
// - accuracy p_o = agreeing answers / n, with Wilson's score interval (src/analysis/intervals.ts);
// - Cohen's kappa κ = (p_o − p_e) / (1 − p_e), where p_e = Σ_c gold_c · predicted_c / n² is the agreement
//   two raters with these label frequencies reach by chance. Its interval is Wilson's interval on p_o
//   mapped through the same formula with p_e held at its observed value (κ rises with p_o), clipped to
//   [−1, 1]. Chosen by simulation (4,000 tables per case; gold sets of 40 to 100 answers, true κ 0.66
//   to 0.98): coverage 0.935–0.954, where the large-sample normal interval of Fleiss, Cohen and
//   Everitt (1969) covered 0.32–0.93 (it shrinks to zero width as agreement nears perfect: a gold set
//   of 40 answers all agreed on can only show κ above about 0.8, not κ = 1). validation.test.ts
//   repeats the simulation for two cases. κ is undefined (NaN) when p_e = 1: every gold and every
//   predicted label is the same one.
// A grading error (label `error`) disagrees with every gold label; it is counted, never dropped.
import { wilson, type Rate } from '../analysis/index.js';
import { ConfigError } from '../errors.js';
import type { GradeLabel, Prompt } from '../domain/index.js';
import type { GradeFn } from './types.js';

/** One labelled answer of a gold set. */
export interface GoldAnswer {
  /** Unique within its gold set (`wronglang-eval-short-es`). */
  id: string;
  /** Which grader of the setting it checks: `eval`, `train`, or a capability evaluation's name. */
  grader: string;
  prompt: Prompt;
  completion: string;
  /** The label a careful reader gives the answer. */
  label: GradeLabel;
  /** What the answer shows, and why it has this label when that is not obvious. */
  note: string;
}

/** Gold answers of one gold set at most: validation runs every grader on each. */
export const MAX_GOLD_ANSWERS = 10_000;

export interface Kappa {
  value: number;
  lo: number;
  hi: number;
  /** Chance agreement p_e. */
  chance: number;
}

export interface Agreement {
  /** Answers compared. */
  n: number;
  /** Accuracy: answers whose predicted label is the gold one, with Wilson's interval. */
  accuracy: Rate;
  kappa: Kappa;
  /** Every label seen, gold or predicted, in first-seen order: the rows and columns of `confusion`. */
  labels: GradeLabel[];
  /** confusion[g][p]: answers with gold label labels[g] predicted labels[p]. */
  confusion: number[][];
}

/** Accuracy and Cohen's kappa, with intervals, of predicted against gold labels. */
export function agreement(pairs: readonly { gold: GradeLabel; predicted: GradeLabel }[]): Agreement {
  const n = pairs.length;
  if (n === 0) throw new ConfigError('expected at least one gold answer, got none', 'gold');
  const labels: GradeLabel[] = [];
  const index = (l: GradeLabel): number => {
    let i = labels.indexOf(l);
    if (i < 0) i = labels.push(l) - 1;
    return i;
  };
  for (const p of pairs) {
    index(p.gold);
    index(p.predicted);
  }
  const confusion = labels.map(() => labels.map(() => 0));
  for (const p of pairs) confusion[index(p.gold)]![index(p.predicted)]!++;
  const agree = labels.reduce((s, _, i) => s + confusion[i]![i]!, 0);
  const accuracy = wilson(agree, n);
  const goldCount = confusion.map((row) => row.reduce((s, x) => s + x, 0));
  const predictedCount = labels.map((_, j) => confusion.reduce((s, row) => s + row[j]!, 0));
  const chance = goldCount.reduce((s, g, i) => s + g * predictedCount[i]!, 0) / (n * n);
  const toKappa = (po: number): number => Math.max(-1, Math.min(1, (po - chance) / (1 - chance)));
  const kappa: Kappa = chance === 1 ? { value: NaN, lo: NaN, hi: NaN, chance } : { value: toKappa(accuracy.rate), lo: toKappa(accuracy.lo), hi: toKappa(accuracy.hi), chance };
  return { n, accuracy, kappa, labels, confusion };
}

export interface GoldMiss {
  id: string;
  gold: GradeLabel;
  predicted: GradeLabel;
  /** The grader's reason for its label. */
  reason: string;
  note: string;
}

export interface GraderValidation {
  agreement: Agreement;
  /** The gold answers the grader labelled otherwise, in gold-set order. */
  misses: GoldMiss[];
}

/** Runs `grade` on every gold answer and compares its labels with the gold ones. */
export async function validateGrader(grade: GradeFn, gold: readonly GoldAnswer[]): Promise<GraderValidation> {
  if (gold.length > MAX_GOLD_ANSWERS) throw new ConfigError(`gold set has ${gold.length} answers; expected at most ${MAX_GOLD_ANSWERS}`, 'gold');
  const results = await Promise.all(gold.map((g) => grade({ prompt: g.prompt, completion: g.completion })));
  const misses: GoldMiss[] = [];
  results.forEach((r, i) => {
    const g = gold[i]!;
    if (r.label !== g.label) misses.push({ id: g.id, gold: g.label, predicted: r.label, reason: r.reason, note: g.note });
  });
  return { agreement: agreement(results.map((r, i) => ({ gold: gold[i]!.label, predicted: r.label }))), misses };
}

/** What a judge must reach on its gold set before a sweep trusts it (`bct check`, the pre-check of
 *  `bct run`), on the point estimates; the intervals are reported beside them. Kappa 0.6 is where
 *  Landis and Koch's "substantial" agreement begins, and the usual floor for a rater whose labels are
 *  analysed (McHugh 2012): below it, a third or more of the agreement beyond chance is missing, and
 *  rates read off the judge's labels move by more than the transfer they are meant to show. Accuracy 0.8
 *  catches a judge that agrees beyond chance on a lopsided gold set but still mislabels one answer in
 *  five. With gold sets of 20 to 40 answers the point estimate, not the lower bound, is what is held to
 *  the threshold: on 24 balanced answers the kappa interval of a judge that agrees on 23 has its lower
 *  bound at 0.595 (24 of 24: 0.724), so a lower-bound rule at 0.6 would refuse every judge that makes a
 *  single mistake. */
export interface JudgeThresholds {
  kappa: number; // minimum Cohen's kappa; default 0.6
  accuracy: number; // minimum accuracy; default 0.8
}

export const DEFAULT_JUDGE_THRESHOLDS: JudgeThresholds = { kappa: 0.6, accuracy: 0.8 };

/** Why an agreement falls below the thresholds (one sentence per figure below its minimum), or an empty
 *  list when it reaches them. An undefined kappa (every gold and predicted label the same) is below. */
export function belowThresholds(a: Agreement, t: JudgeThresholds): string[] {
  const out: string[] = [];
  const f = (x: number): string => x.toFixed(3);
  if (Number.isNaN(a.kappa.value)) out.push(`kappa is undefined (every gold and every predicted label is ${a.labels[0]}), so agreement beyond chance cannot be shown; expected kappa ${t.kappa} or more`);
  else if (a.kappa.value < t.kappa) out.push(`kappa ${f(a.kappa.value)} [${f(a.kappa.lo)}, ${f(a.kappa.hi)}] is below the minimum ${t.kappa}`);
  if (a.accuracy.rate < t.accuracy) out.push(`accuracy ${f(a.accuracy.rate)} (${a.accuracy.k}/${a.n}) [${f(a.accuracy.lo)}, ${f(a.accuracy.hi)}] is below the minimum ${t.accuracy}`);
  return out;
}
