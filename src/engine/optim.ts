// AdamW with decoupled weight decay (as torch.optim.AdamW), gradient clipping by global L2 norm, and
// learning-rate schedules (constant by default; linear warm-up; cosine decay).
// Shape legend: (...param) = the shape of the parameter a buffer belongs to.
import { ConfigError, NumericError } from '../errors.js';
import type { Tensor } from './tensor.js';
import { TYPESCRIPT_KERNELS, type Kernels } from './kernels.js';

export interface OptimParams {
  // AdamW
  lr: number; // step size; required
  betas: [number, number]; // moment decay rates; default [0.9, 0.999]
  eps: number; // denominator epsilon; default 1e-8
  weightDecay: number; // decoupled decay per step, times lr, on weights with ≥ 2 dims; default 0
  // Clipping
  gradClip: number | null; // max global L2 norm of the gradient; null = off; default 1.0
}

export const DEFAULT_OPTIM: Omit<OptimParams, 'lr'> = { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, gradClip: 1.0 };

export interface OptimStepInfo {
  step: number; // optimizer steps taken, this one included
  gradNorm: number; // global L2 norm before clipping
}

/** AdamW state: first and second moments per parameter name, and the step count. */
export class AdamW {
  step = 0;
  readonly m = new Map<string, Float32Array>();
  readonly v = new Map<string, Float32Array>();

  /** Applies one update from the accumulated gradients (times gradScale) and zeroes them; `kernels` runs
   *  the per-element loops (the Trainer passes those of its GEMM backend). */
  update(params: Array<[string, Tensor]>, p: OptimParams, gradScale = 1, kernels: Kernels = TYPESCRIPT_KERNELS): OptimStepInfo {
    checkParams(p);
    const stepNo = this.step + 1;
    let sq = 0;
    for (const [, t] of params) sq = kernels.sumSquares(t.grad!, sq);
    const gradNorm = Math.sqrt(sq) * gradScale;
    if (!Number.isFinite(gradNorm)) {
      throw new NumericError(`gradient norm is ${gradNorm} at step ${stepNo}; lower the learning rate or check the data`, `step ${stepNo}`);
    }
    const clip = p.gradClip !== null && gradNorm > p.gradClip ? p.gradClip / (gradNorm + 1e-6) : 1;
    const gs = gradScale * clip;
    const [b1, b2] = p.betas;
    const bc1 = 1 - Math.pow(b1, stepNo);
    const bc2 = 1 - Math.pow(b2, stepNo);
    const lr = p.lr;
    const stepSize = lr / bc1;
    const invSqrtBc2 = 1 / Math.sqrt(bc2);
    const eps = p.eps;
    for (const [name, t] of params) {
      let m = this.m.get(name);
      let v = this.v.get(name);
      if (!m || !v) {
        m = new Float32Array(t.size); // (...param)
        v = new Float32Array(t.size); // (...param)
        this.m.set(name, m);
        this.v.set(name, v);
      }
      const decay = t.shape.length >= 2 ? 1 - lr * p.weightDecay : 1;
      kernels.adamw(t.data, t.grad!, m, v, gs, b1, b2, stepSize, invSqrtBc2, eps, decay);
    }
    this.step = stepNo;
    return { step: stepNo, gradNorm };
  }
}

function checkParams(p: OptimParams): void {
  const bad = (field: string, msg: string): never => { throw new ConfigError(msg, `optim.${field}`); };
  if (!(p.lr >= 0) || !Number.isFinite(p.lr)) bad('lr', `expected a finite number ≥ 0, got ${p.lr}`);
  if (!(p.betas[0] >= 0 && p.betas[0] < 1 && p.betas[1] >= 0 && p.betas[1] < 1)) bad('betas', `expected two numbers in [0, 1), got ${JSON.stringify(p.betas)}`);
  if (!(p.eps > 0)) bad('eps', `expected a positive number, got ${p.eps}`);
  if (!(p.weightDecay >= 0)) bad('weightDecay', `expected a number ≥ 0, got ${p.weightDecay}`);
  if (p.gradClip !== null && !(p.gradClip > 0)) bad('gradClip', `expected a positive number or null, got ${p.gradClip}`);
}

export interface LrSchedule {
  kind: 'constant' | 'cosine'; // constant after warm-up, or cosine decay to minLrRatio·lr at totalSteps
  warmupSteps: number; // linear warm-up from lr/warmupSteps to lr; default 0
  totalSteps: number; // steps of the whole run (cosine only)
  minLrRatio: number; // floor of the cosine as a fraction of lr; default 0.1
}

/** Learning rate of optimizer step `step` (0-based) under a schedule with peak `lr`. */
export function scheduledLr(lr: number, step: number, s: Partial<LrSchedule> = {}): number {
  const warm = s.warmupSteps ?? 0;
  if (step < warm) return (lr * (step + 1)) / warm;
  if ((s.kind ?? 'constant') === 'constant') return lr;
  const total = s.totalSteps;
  if (total === undefined || total <= warm) throw new ConfigError(`a cosine schedule needs totalSteps > warmupSteps (${warm}), got ${total}`, 'schedule.totalSteps');
  const minLr = lr * (s.minLrRatio ?? 0.1);
  const progress = Math.min(1, (step - warm) / (total - warm));
  return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * progress));
}
