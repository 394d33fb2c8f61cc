// The rules behind every verdict, as sentences to print beside the numbers they decide (report, viewer,
// `bct status`): a reader sees the threshold and the rule where the verdict is shown, written once here.

import type { BrokenThresholds } from './capability.js';
import { MIN_SEEDS_TO_RESAMPLE } from './crossing.js';

export interface AnalysisRules {
  /** How a rate's 95% interval is computed, and how grading errors are treated. */
  rates: string;
  /** What "steps to transfer" is and what its interval holds; when the schedule hint appears. */
  steps: string;
  /** When a crossing is "transferred then recovered" or "not stable". */
  recovery: string;
  /** When a checkpoint, and a group's step, is broken. */
  broken: string;
  /** What the seeds do to the group verdict and its interval. */
  seeds: string;
  /** The LR check's multiples and their intervals. */
  lrCheck: string;
}

const pct = (x: number): string => `${Number((100 * x).toPrecision(6))}%`;

export function analysisRules(threshold: number, broken: BrokenThresholds): AnalysisRules {
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
      `A checkpoint is broken when the lower end of the 95% interval of its other rate is at least ${pct(broken.otherRate)}, ` +
      `or that of its capability loss against step 0 is at least ${pct(broken.capabilityLoss)} (credibly above; an NLL ` +
      'loss has no recorded spread and is read as a point). A group\'s step is broken when more than half of its seeds are; ' +
      'a crossing on a broken step is not transfer.',
    seeds:
      'Every group verdict gives the number of seeds whose own curve crossed. Seeds are resampled in the interval from ' +
      `${MIN_SEEDS_TO_RESAMPLE} seeds on; with fewer, the interval covers prompts and the checkpoint gap only: two seeds cannot ` +
      'give a between-seed interval.',
    lrCheck:
      'LR check: the low LR\'s steps as a multiple of N·S, its 95% interval from the two crossing intervals (low lower end ' +
      'over N times the high upper end, and the reverse); a low LR that never crossed gives lower bounds, "> m".',
  };
}
