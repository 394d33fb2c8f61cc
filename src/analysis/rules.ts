// The rules behind every verdict, as sentences to print beside the numbers they decide (report, viewer,
// `bct status`): a reader sees the threshold and the rule where the verdict is shown, written once here.

import type { BrokenThresholds, CapabilityKind } from './capability.js';
import { MIN_SEEDS_TO_RESAMPLE } from './crossing.js';
import { DEFAULT_INSTABILITY_FACTOR, EARLY_MAX_STEPS, RISE_WINDOW } from './instability.js';

export interface AnalysisRules {
  /** How a rate's 95% interval is computed, and how grading errors are treated. */
  rates: string;
  /** What "steps to transfer" is and what its interval holds; when the schedule hint appears. */
  steps: string;
  /** When a crossing is "transferred then recovered" or "not stable". */
  recovery: string;
  /** When a checkpoint, and a group's step, is broken. */
  broken: string;
  /** What the spread of the alternate is, and whether it counts in the broken rule. */
  spread: string;
  /** When a cell's training counts as unstable. */
  instability: string;
  /** What the seeds do to the group verdict and its interval. */
  seeds: string;
  /** The LR check's multiples and their intervals. */
  lrCheck: string;
}

const pct = (x: number): string => `${Number((100 * x).toPrecision(6))}%`;

const KIND_WORDS: Record<CapabilityKind, string> = { accuracy: 'accuracy', nll: 'NLL' };

/** "the accuracy and NLL evaluations" / "the accuracy evaluations" / "no evaluation". */
function countedEvals(kinds: readonly CapabilityKind[]): string {
  return kinds.length === 0 ? 'no evaluation' : `the ${kinds.map((k) => KIND_WORDS[k]).join(' and ')} evaluations`;
}

/** The broken rule in one line, for `bct status` and the top of the report: "broken = capability loss ≥ 10%
 *  (worst of the accuracy and NLL evaluations) or other ≥ 20%, each by its 95% lower end; spread of the
 *  alternate not counted". */
export function brokenRuleLine(t: BrokenThresholds): string {
  const terms = [
    ...(t.evals.length === 0 ? [] : [`capability loss ≥ ${pct(t.capabilityLoss)} (worst of ${countedEvals(t.evals)})`]),
    `other ≥ ${pct(t.otherRate)}`,
    ...(t.spread === null ? [] : [`spread of the alternate ≥ ${pct(t.spread)}`]),
  ];
  return `broken = ${terms.join(' or ')}, each by its 95% lower end${t.spread === null ? '; spread of the alternate not counted' : ''}`;
}

export function analysisRules(threshold: number, broken: BrokenThresholds, instabilityFactor = DEFAULT_INSTABILITY_FACTOR): AnalysisRules {
  return {
    rates:
      'Rates are over graded answers; answers whose grading failed are counted on their own and left out of every n. ' +
      '95% intervals: Wilson over the answers when each prompt was sampled once; with several answers per prompt, Wilson ' +
      "over the effective sample size from the between-prompt variance (t with prompts − 1 degrees of freedom), and where " +
      'all answers agree, Wilson over the prompts. No interval has zero width.',
    steps:
      `Steps to transfer: the first step at which the seed-mean initial rate is below ${pct(threshold)}, linear in steps ` +
      'between the checkpoints around it. Its 95% interval holds the whole gap between those checkpoints, widened by a ' +
      'bootstrap over prompts (and seeds); "> N": not below in N steps. When the gap is at least as wide as the resampling ' +
      'interval, the hint names the checkpoints to add between.',
    recovery:
      `A curve that is back at or above ${pct(threshold)} at a later checkpoint is "transferred then recovered" when it ` +
      'is still at or above it at the last checkpoint, and "not stable" when it is below again there.',
    broken:
      `A checkpoint is broken when the lower end of the 95% interval of its other rate is at least ${pct(broken.otherRate)}` +
      (broken.evals.length === 0
        ? ''
        : `, or that of its capability loss against step 0, the worst over ${countedEvals(broken.evals)}, is at least ${pct(broken.capabilityLoss)}` +
          (broken.evals.includes('nll') ? ' (an NLL loss has no recorded interval and is read as a point)' : '')) +
      (broken.spread === null ? '' : `, or that of its spread of the alternate onto capability prompts is at least ${pct(broken.spread)}`) +
      ': credibly above, not on a point estimate. A group\'s step is broken when more than half of its seeds are; ' +
      'a crossing on a broken step is not transfer.',
    spread:
      'Spread of the alternate: the share of capability answers that show the alternate value on capability prompts whose ' +
      'rules do not ask for it (graded by the setting\'s own property grader, one greedy answer per prompt, Wilson 95%). ' +
      'Capability accuracy leaves the setting\'s own property free, so such an answer is not lost capability' +
      (broken.spread === null ? '; spread is reported on its own and breaks no checkpoint.' : `; a checkpoint with spread credibly at or above ${pct(broken.spread)} is broken.`),
    instability:
      `A cell is unstable when its training loss rises above ${instabilityFactor}× its early loss: the median of ` +
      `${RISE_WINDOW} consecutive steps above that bar, the early loss being the median of the first 10% of its steps ` +
      `(at least 1, at most ${EARLY_MAX_STEPS}; cut before a step ${instabilityFactor}× above the first). Its checkpoints after that show a model knocked out of its minimum.`,
    seeds:
      'Every group verdict gives the number of seeds whose own curve crossed. Seeds are resampled in the interval from ' +
      `${MIN_SEEDS_TO_RESAMPLE} seeds on; with fewer, the interval covers prompts and the checkpoint gap only: two seeds cannot ` +
      'give a between-seed interval.',
    lrCheck:
      'LR check: the low LR\'s steps as a multiple of N·S, its 95% interval from the two crossing intervals (low lower end ' +
      'over N times the high upper end, and the reverse); a low LR that never crossed gives lower bounds, "> m".',
  };
}
