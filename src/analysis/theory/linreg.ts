// A linear-regression model of behaviour-compatible training (the math is in docs/theory.md).
//
// The model's output on an input x is f(x) = w·x. Training is gradient descent on the squared loss over the
// train distribution, L(w) = ½ E_train[(w·x − y)²], whose gradient is Σw − b with Σ = E_train[x xᵀ] and
// b = E_train[x y]. On an eval input the output above `threshold` counts as the initial behaviour.
// Closed form: the gradient evolves as g_k = (I − ηΣ)^k g_0, so
//   w_k = w_0 − V diag((1 − (1 − ηλ_i)^k) / λ_i) Vᵀ g_0        (λ_i > 0; g_0 has no part where λ_i = 0)
// which moves w only inside the span of the train inputs. Eval inputs ~ N(μ_e, C_e) give
//   P(initial) = Φ((w_k·μ_e − θ) / sqrt(w_kᵀ C_e w_k)).

import { seededRandom } from '../intervals.js';
import { dot, gaussian, matVec, normalCdf, symmetricEigen, type Mat, type Vec } from './linalg.js';

export interface LinregProblem {
  /** Train second moment Σ = E_train[x xᵀ], (d, d). */
  sigma: Mat;
  /** E_train[x y], (d). */
  b: Vec;
  /** Weights of the model organism at step 0, (d). */
  w0: Vec;
  /** Mean of eval inputs, (d). */
  evalMean: Vec;
  /** Covariance of eval inputs, (d, d). */
  evalCov: Mat;
  /** Eval output above this is the initial behaviour. */
  threshold: number;
}

/** Weights after `steps` full-batch GD steps at learning rate `lr`, in closed form. */
export function closedFormWeights(p: LinregProblem, lr: number, steps: number): Vec {
  const { values, vectors } = symmetricEigen(p.sigma);
  const g0 = matVec(p.sigma, p.w0).map((v, i) => v - p.b[i]!);
  const w = [...p.w0];
  values.forEach((lam, i) => {
    const v = vectors[i]!;
    const proj = dot(v, g0);
    // Σ_{j<k} η(1−ηλ)^j: (1 − (1−ηλ)^k)/λ, and its limit ηk as λ → 0.
    const factor = Math.abs(lam) < 1e-12 ? lr * steps : (1 - Math.pow(1 - lr * lam, steps)) / lam;
    for (let j = 0; j < w.length; j++) w[j]! -= factor * proj * v[j]!;
  });
  return w;
}

/** Mean eval output and P(initial behaviour) under Gaussian eval inputs. */
export function evalBehaviour(p: LinregProblem, w: Vec): { mean: number; sd: number; initialRate: number } {
  const mean = dot(w, p.evalMean);
  const sd = Math.sqrt(Math.max(0, dot(w, matVec(p.evalCov, w))));
  const initialRate = sd === 0 ? (mean > p.threshold ? 1 : 0) : normalCdf((mean - p.threshold) / sd);
  return { mean, sd, initialRate };
}

/** GD is stable for lr < 2/λ_max of Σ; beyond it the train loss diverges. */
export function stabilityLimit(p: LinregProblem): number {
  return 2 / Math.max(...symmetricEigen(p.sigma).values);
}

/** Train inputs and targets drawn from a scenario, for simulations. */
export interface Dataset {
  x: Mat; // (n, d)
  y: Vec; // (n)
}

/** The empirical problem of a finite data set: Σ̂ = XᵀX/n, b̂ = Xᵀy/n (the rest copied from `p`). */
export function empiricalProblem(p: LinregProblem, data: Dataset): LinregProblem {
  const d = p.w0.length;
  const n = data.x.length;
  const sigma = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  const b = new Array<number>(d).fill(0);
  data.x.forEach((xi, r) => {
    for (let i = 0; i < d; i++) {
      b[i]! += (xi[i]! * data.y[r]!) / n;
      for (let j = 0; j < d; j++) sigma[i]![j]! += (xi[i]! * xi[j]!) / n;
    }
  });
  return { ...p, sigma, b };
}

/**
 * Explicit (S)GD on a data set: the simulation the closed form is checked against. With `batchSize`
 * undefined or ≥ n it is full-batch GD. Returns the weights at each requested checkpoint step.
 */
export function simulateGd(
  data: Dataset,
  w0: Vec,
  lr: number,
  checkpoints: readonly number[],
  opts: { batchSize?: number; seed?: number } = {},
): Map<number, Vec> {
  const n = data.x.length;
  const bs = Math.min(opts.batchSize ?? n, n);
  const rnd = seededRandom(opts.seed ?? 1);
  const last = Math.max(...checkpoints);
  const want = new Set(checkpoints);
  const out = new Map<number, Vec>();
  const w = [...w0];
  if (want.has(0)) out.set(0, [...w]);
  const grad = new Array<number>(w.length);
  for (let k = 1; k <= last; k++) {
    minibatchGradient(data, w, bs, rnd, grad);
    for (let j = 0; j < w.length; j++) w[j]! -= lr * grad[j]!;
    if (want.has(k)) out.set(k, [...w]);
  }
  return out;
}

/** Mean squared-loss gradient over a minibatch (the whole set, in order, when bs = n), written into `grad`. */
function minibatchGradient(data: Dataset, w: Vec, bs: number, rnd: () => number, grad: number[]): void {
  const n = data.x.length;
  grad.fill(0);
  for (let r = 0; r < bs; r++) {
    const i = bs === n ? r : Math.floor(rnd() * n);
    const xi = data.x[i]!;
    const err = dot(w, xi) - data.y[i]!;
    for (let j = 0; j < w.length; j++) grad[j]! += (err * xi[j]!) / bs;
  }
}

/**
 * Adam (the optimizer of the research's runs) on the same squared loss, minibatch as in `simulateGd`.
 * Not covered by the closed form: the update m̂/(√v̂ + ε) is normalised per coordinate, so its size no
 * longer follows the gradient's. Returns the weights at each requested checkpoint step.
 */
export function simulateAdam(
  data: Dataset,
  w0: Vec,
  lr: number,
  checkpoints: readonly number[],
  opts: { batchSize?: number; seed?: number; beta1?: number; beta2?: number; eps?: number } = {},
): Map<number, Vec> {
  const n = data.x.length;
  const bs = Math.min(opts.batchSize ?? n, n);
  const b1 = opts.beta1 ?? 0.9;
  const b2 = opts.beta2 ?? 0.999;
  const eps = opts.eps ?? 1e-8;
  const rnd = seededRandom(opts.seed ?? 1);
  const want = new Set(checkpoints);
  const out = new Map<number, Vec>();
  const w = [...w0];
  const m = new Array<number>(w.length).fill(0);
  const v = new Array<number>(w.length).fill(0);
  const grad = new Array<number>(w.length);
  if (want.has(0)) out.set(0, [...w]);
  for (let k = 1; k <= Math.max(...checkpoints); k++) {
    minibatchGradient(data, w, bs, rnd, grad);
    for (let j = 0; j < w.length; j++) {
      m[j] = b1 * m[j]! + (1 - b1) * grad[j]!;
      v[j] = b2 * v[j]! + (1 - b2) * grad[j]! * grad[j]!;
      const mh = m[j]! / (1 - b1 ** k);
      const vh = v[j]! / (1 - b2 ** k);
      w[j]! -= (lr * mh) / (Math.sqrt(vh) + eps);
    }
    if (want.has(k)) out.set(k, [...w]);
  }
  return out;
}

/** Monte Carlo P(initial) on `count` sampled eval inputs: checks the Gaussian closed form. */
export function sampledEvalRate(p: LinregProblem, w: Vec, draw: () => Vec, count: number): number {
  let k = 0;
  for (let i = 0; i < count; i++) if (dot(w, draw()) > p.threshold) k++;
  return k / count;
}

/**
 * The flag scenario used by `bct theory linreg`. Features: m content dimensions z ~ N(0, diag(λ_z)) on
 * both splits, then a shared context feature (1 on train and eval: the common system prompt), a
 * train-only flag feature and an eval-only flag feature. The model organism's content weights are also the
 * targets' (the task itself is already learnt), so only the context part has a train residual: the
 * targets ask for the compatible behaviour more confidently than the model shows it (in an LLM,
 * cross-entropy keeps pushing towards probability 1 even when the model already agrees).
 */
export interface FlagScenario {
  /** Variances of the content features, λ_z. */
  contentVariances: number[];
  /** Content weights of the model organism and of the targets. */
  contentWeights: number[];
  /** Value of the shared context feature on every input. */
  shared: number;
  /** Value of the train-only flag on train inputs (0 on eval). */
  trainFlag: number;
  /** Value of the eval-only flag on eval inputs (0 on train). */
  evalFlag: number;
  /** Initial weights of [shared, train flag, eval flag]. */
  contextWeights: [number, number, number];
  /** Target of the context part of the output on train inputs. */
  trainTarget: number;
  /** Standard deviation of zero-mean noise on train targets (simulation only: GD's expected path ignores it). */
  targetNoise: number;
  threshold: number;
}

export const DEFAULT_SCENARIO: FlagScenario = {
  contentVariances: [1, 0.5, 0.25],
  contentWeights: [0.3, 0.3, 0.3],
  shared: 1,
  trainFlag: 1,
  evalFlag: 1,
  contextWeights: [0.2, -0.1, 0.8],
  trainTarget: -1.5,
  targetNoise: 0.3,
  threshold: 0.5,
};

export function scenarioProblem(s: FlagScenario): LinregProblem {
  const m = s.contentVariances.length;
  const d = m + 3;
  const zero = (): Mat => Array.from({ length: d }, () => new Array<number>(d).fill(0));
  const sigma = zero();
  const evalCov = zero();
  s.contentVariances.forEach((v, i) => {
    sigma[i]![i] = v;
    evalCov[i]![i] = v;
  });
  const ctx = [s.shared, s.trainFlag, 0];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) sigma[m + i]![m + j] = ctx[i]! * ctx[j]!;
  const w0 = [...s.contentWeights, ...s.contextWeights];
  // b = E[x y] with y = u·z + trainTarget: content part Λu, context part ctx · trainTarget.
  const b = [...s.contentVariances.map((v, i) => v * s.contentWeights[i]!), ...ctx.map((c) => c * s.trainTarget)];
  const evalMean = [...new Array<number>(m).fill(0), s.shared, 0, s.evalFlag];
  return { sigma, b, w0, evalMean, evalCov, threshold: s.threshold };
}

/** Draws n train examples of the scenario (for the simulation). */
export function scenarioData(s: FlagScenario, n: number, seed: number): Dataset {
  const rnd = seededRandom(seed);
  const x: Mat = [];
  const y: Vec = [];
  for (let r = 0; r < n; r++) {
    const z = s.contentVariances.map((v) => Math.sqrt(v) * gaussian(rnd));
    x.push([...z, s.shared, s.trainFlag, 0]);
    y.push(dot(z, s.contentWeights) + s.trainTarget + s.targetNoise * gaussian(rnd));
  }
  return { x, y };
}

/** A sampler of scenario eval inputs. */
export function scenarioEvalDraw(s: FlagScenario, seed: number): () => Vec {
  const rnd = seededRandom(seed);
  return () => [...s.contentVariances.map((v) => Math.sqrt(v) * gaussian(rnd)), s.shared, 0, s.evalFlag];
}

/**
 * Scenario closed form of the crossing: the eval mean moves by −s·r₀·(1 − (1 − ηλ)^k) with λ = a² + t²
 * (shared and train-flag values), s = a²/λ the shared share of the update and r₀ the train residual. It
 * crosses the threshold at k* = ln(1 − m/(s r₀)) / ln(1 − ηλ) (m: the step-0 eval margin), when s r₀ > m.
 * Returns Infinity when it never crosses; real-valued (not rounded to whole steps). For ηλ ≥ 1 (q ≤ 0) the
 * first step already moves the output by s·r₀·ηλ, past the limit when ηλ > 1 (overshoot): then it returns 1
 * if that step crosses, even where the limit does not (the crossing is transient: the output oscillates back).
 */
export function scenarioStepsToTransfer(s: FlagScenario, lr: number): number {
  const lam = s.shared ** 2 + s.trainFlag ** 2;
  const share = s.shared ** 2 / lam;
  const [ws, wt, we] = s.contextWeights;
  const r0 = ws * s.shared + wt * s.trainFlag - s.trainTarget;
  const margin = ws * s.shared + we * s.evalFlag - s.threshold;
  const reach = share * r0;
  if (margin <= 0) return 0;
  const q = 1 - lr * lam;
  if (q <= 0) return reach * (1 - q) > margin ? 1 : Infinity;
  if (reach <= margin) return Infinity;
  return Math.log(1 - margin / reach) / Math.log(q);
}

/**
 * How many times more steps than N·k*(η) the N× lower LR needs in the scenario:
 * k*(η/N) / (N·k*(η)) = ln(1 − ηλ) / (N·ln(1 − ηλ/N)) for ηλ < 1. It is ≥ 1 and tends to
 * −ln(1 − ηλ)/(ηλ) for large N: near 1 unless ηλ is close to 1.
 */
export function scenarioLrRatio(s: FlagScenario, lr: number, n: number): number {
  return scenarioStepsToTransfer(s, lr / n) / (n * scenarioStepsToTransfer(s, lr));
}
