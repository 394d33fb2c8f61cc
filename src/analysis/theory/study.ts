// The study behind `bct theory linreg`: the flag scenario's eval behaviour over steps at several LRs, in
// closed form and by SGD simulation, measured with the same steps-to-transfer rule as real sweeps.

import { crossed, firstCrossing } from '../crossing.js';
import {
  closedFormWeights,
  evalBehaviour,
  scenarioData,
  scenarioProblem,
  scenarioStepsToTransfer,
  simulateAdam,
  simulateGd,
  stabilityLimit,
  type FlagScenario,
} from './linreg.js';

export interface StudyOptions {
  lrs: number[];
  /** Checkpoint steps (include 0). */
  steps: number[];
  /** SGD minibatch size of the simulation; default 32. */
  batchSize?: number;
  /** Train examples drawn for the simulation; default 2000. */
  examples?: number;
  seed?: number;
}

export interface StudyRow {
  lr: number;
  /** lr × λ_max: GD on the train loss is stable below 2. */
  lrLambdaMax: number;
  /** Closed-form crossing step k* (real-valued; Infinity = never). */
  kStar: number;
  /** lr × k*: constant across LRs if only lr × steps mattered. */
  lrTimesKStar: number;
  /** Crossing measured on the closed-form curve at the checkpoints (as in real sweeps). */
  closedCrossing: string;
  /** Crossing measured on the SGD simulation at the checkpoints. */
  simulatedCrossing: string;
  /** P(initial) at the last checkpoint, closed form and simulated. */
  finalClosed: number;
  finalSimulated: number;
  /** Adam (β = 0.9, 0.999) on the same data: crossing step measured at every step, or Infinity. */
  adamSteps: number;
  /** lr × adamSteps. */
  adamLrTimesSteps: number;
}

export interface StudyPair {
  lrHigh: number;
  lrLow: number;
  n: number;
  /** k*(lrLow) / (n · k*(lrHigh)): 1 means "only lr × steps matters". NaN outside the monotone regime. */
  ratio: number;
  /** The same ratio for Adam's measured crossings (NaN when either did not cross). */
  adamRatio: number;
}

export interface Study {
  stabilityLimit: number;
  rows: StudyRow[];
  pairs: StudyPair[];
  closed: { lr: number; step: number; rate: number }[];
  simulated: { lr: number; step: number; rate: number }[];
}

export function linregStudy(s: FlagScenario, o: StudyOptions): Study {
  const p = scenarioProblem(s);
  const limit = stabilityLimit(p);
  const data = scenarioData(s, o.examples ?? 2000, o.seed ?? 1);
  const closed: Study['closed'] = [];
  const simulated: Study['simulated'] = [];
  const rows: StudyRow[] = [];
  const label = (c: ReturnType<typeof firstCrossing>): string => (c.status === 'censored' ? `> ${c.lastStep}` : c.steps.toFixed(1));
  for (const lr of o.lrs) {
    const cl = o.steps.map((step) => ({ lr, step, rate: evalBehaviour(p, closedFormWeights(p, lr, step)).initialRate }));
    const simW = simulateGd(data, p.w0, lr, o.steps, { batchSize: o.batchSize ?? 32, seed: o.seed ?? 1 });
    const sm = o.steps.map((step) => ({ lr, step, rate: evalBehaviour(p, simW.get(step)!).initialRate }));
    closed.push(...cl);
    simulated.push(...sm);
    const kStar = scenarioStepsToTransfer(s, lr);
    // Adam has no closed form here: simulate every step so the crossing is not limited by checkpoints.
    const dense = Array.from({ length: Math.max(...o.steps) + 1 }, (_, k) => k);
    const adamW = simulateAdam(data, p.w0, lr, dense, { batchSize: o.batchSize ?? 32, seed: o.seed ?? 1 });
    const adam = firstCrossing(dense.map((step) => ({ step, value: evalBehaviour(p, adamW.get(step)!).initialRate })), 0.5);
    const adamSteps = crossed(adam) ? adam.steps : Infinity;
    rows.push({
      lr,
      lrLambdaMax: (2 * lr) / limit,
      kStar,
      lrTimesKStar: lr * kStar,
      closedCrossing: label(firstCrossing(cl.map((c) => ({ step: c.step, value: c.rate })), 0.5)),
      simulatedCrossing: label(firstCrossing(sm.map((c) => ({ step: c.step, value: c.rate })), 0.5)),
      finalClosed: cl[cl.length - 1]!.rate,
      finalSimulated: sm[sm.length - 1]!.rate,
      adamSteps,
      adamLrTimesSteps: lr * adamSteps,
    });
  }
  const pairs: StudyPair[] = [];
  for (const hi of rows) {
    for (const lo of rows) {
      if (lo.lr >= hi.lr) continue;
      const n = hi.lr / lo.lr;
      // GD: only the monotone regime (lr·λmax < 1); above it k* means "within the first step".
      const gd = Number.isFinite(hi.kStar) && hi.lrLambdaMax < 1 ? lo.kStar / (n * hi.kStar) : NaN;
      const adam = Number.isFinite(hi.adamSteps) && Number.isFinite(lo.adamSteps) ? lo.adamSteps / (n * hi.adamSteps) : NaN;
      if (!Number.isNaN(gd) || !Number.isNaN(adam)) pairs.push({ lrHigh: hi.lr, lrLow: lo.lr, n, ratio: gd, adamRatio: adam });
    }
  }
  return { stabilityLimit: limit, rows, pairs, closed, simulated };
}

/** Log-spaced integer checkpoints from 0 to `last` (always including 0, 1 and `last`). */
export function logSteps(last: number, points: number): number[] {
  const out = new Set<number>([0, 1, last]);
  for (let i = 0; i < points; i++) out.add(Math.round(Math.exp((Math.log(last) * i) / (points - 1))));
  return [...out].sort((a, b) => a - b);
}
