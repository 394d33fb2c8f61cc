// Stage `train`: one cell's training, from its last saved state to its last step, recording a checkpoint
// (sampler weights + full state, as artifacts) at every scheduled step. The data order is the engine's
// `batchIndices`, a pure function of (seed, step), and a stream's batch of step s is its prompts
// (s − 1)·B … s·B − 1, so a resumed cell sees exactly the batches an uninterrupted one would. The
// learning rate of step s is lr × min(1, s / warmupSteps) (`stepLr`), computed here for every backend.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isResumable, type Datum, type Renderer, type TrainingClient } from '../backends/index.js';
import { batchIndices } from '../engine/index.js';
import { BackendError, NumericError } from '../errors.js';
import { artifactPath, insertCheckpoint, listCheckpoints, putArtifact, releaseStates, type CellRow, type CheckpointRow, type TrainLogRow } from '../store/index.js';
import { yieldToEventLoop, type RunContext } from './context.js';
import { streamExample, type Dataset } from './data.js';
import { trainedConfig } from './sweep-spec.js';

export interface TrainHooks {
  /** Called after each optimizer step (for progress). */
  onStep?(step: number, loss: number): void;
  /** Called before the first step of each segment (the steps `from`…`to` up to the next checkpoint,
   *  recorded together), with the tokens they will train on; throwing stops training before it, with
   *  nothing trained and unrecorded (the budget, budget.ts). */
  beforeSegment?(from: number, to: number, tokens: number): void;
}

/** Tokens the first `steps` steps of a training on datums of these lengths train on, as the backends
 *  count them (Σ over the batches of each datum's length − 1). Batches go through the examples epoch by
 *  epoch without replacement (`batchIndices`), so whole epochs add every example once and only the last,
 *  partial epoch needs its order: one permutation, not one per step. */
export function trainedTokens(lengths: readonly number[], batchSize: number, steps: number, seed: number): number {
  const n = lengths.length;
  const consumed = steps * batchSize;
  const epochs = Math.floor(consumed / n);
  const perEpoch = lengths.reduce((s, l) => s + l - 1, 0);
  // batchIndices(n, n, e, seed) is the order of epoch e: position k of step e at batch size n.
  const order = batchIndices(n, n, epochs, seed);
  let rest = 0;
  for (let k = 0; k < consumed - epochs * n; k++) rest += lengths[order[k]!]! - 1;
  return epochs * perEpoch + rest;
}

/** The learning rate of step `step` (from 1): linear warm-up over the first `warmupSteps` steps, then
 *  `lr` (warmupSteps 0 or absent: `lr` from the first step). Step 1 trains at lr / warmupSteps, never 0. */
export function stepLr(lr: number, step: number, warmupSteps = 0): number {
  return warmupSteps === 0 ? lr : lr * Math.min(1, step / warmupSteps);
}

/** The datums of a cell's steps and the tokens they train on, as the backends count them (each datum's
 *  length − 1). A fixed dataset is rendered once and batched by `batchIndices`; a stream's step s draws
 *  and renders its prompts (s − 1)·B … s·B − 1. */
export interface TrainingBatches {
  /** The batch of step `step` (from 1). */
  batch(step: number): Datum[];
  /** Tokens of steps `from` … `to` (from 1, inclusive). */
  tokens(from: number, to: number): number;
}

export function trainingBatches(ctx: RunContext, data: Dataset, renderer: Renderer, batchSize: number, seed: number): TrainingBatches {
  if (data.summary.source.kind === 'stream') {
    const stepDatums = (step: number): Datum[] =>
      Array.from({ length: batchSize }, (_, k) => {
        const e = streamExample(ctx, data, (step - 1) * batchSize + k);
        return renderer.renderSupervised(e.messages, e.completion);
      });
    return {
      batch: stepDatums,
      tokens: (from, to) => {
        let n = 0;
        for (let step = from; step <= to; step++) for (const d of stepDatums(step)) n += d.tokens.length - 1;
        return n;
      },
    };
  }
  const datums = data.examples.map((e) => renderer.renderSupervised(e.messages, e.completion));
  const lengths = datums.map((d) => d.tokens.length);
  return {
    // The engine's data order is 0-based in steps; our step numbers count steps taken (1-based).
    batch: (step) => batchIndices(datums.length, batchSize, step - 1, seed).map((i) => datums[i]!),
    tokens: (from, to) => trainedTokens(lengths, batchSize, to, seed) - trainedTokens(lengths, batchSize, from - 1, seed),
  };
}

/** Trains the cell up to its last step; returns all its checkpoints (step 0 included). */
export async function trainStage(ctx: RunContext, cell: CellRow, data: Dataset, hooks: TrainHooks = {}): Promise<CheckpointRow[]> {
  const db = ctx.project.db;
  const schedule = (JSON.parse(cell.schedule_json) as { steps: number[] }).steps;
  const existing = listCheckpoints(db, cell.train_key);
  if (!existing.some((c) => c.step === 0)) {
    insertCheckpoint(db, { trainKey: cell.train_key, step: 0, weightsHash: null, stateHash: null, examplesSeen: 0 }, []);
  }
  const last = schedule[schedule.length - 1]!;
  const done = listCheckpoints(db, cell.train_key);
  if (done.some((c) => c.step === last)) return done;

  const tmp = join(ctx.project.dir, 'tmp');
  const workDir = join(tmp, `cell-${cell.id}-${process.pid}`);
  // Work folders of this cell left by a killed run: their content is either recorded already or redone.
  if (existsSync(tmp)) for (const d of readdirSync(tmp)) if (d.startsWith(`cell-${cell.id}-`)) rmSync(join(tmp, d), { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const client = await ctx.backend.createTrainingClient({
    base: ctx.organism.base,
    ...(ctx.organism.adapter !== undefined ? { adapter: ctx.organism.adapter } : {}),
    lora: cell.lora_rank === null ? null : { rank: cell.lora_rank, alpha: trainedConfig(ctx.config).loraAlpha },
    seed: cell.seed,
    workDir,
  });
  try {
    const start = await resumePoint(ctx, client, done);
    await runSteps(ctx, cell, data, client, start, schedule, workDir, hooks);
  } finally {
    await client.close();
    rmSync(workDir, { recursive: true, force: true });
  }
  return listCheckpoints(db, cell.train_key);
}

/** Restores the latest saved state; returns the step it is at (0 when starting fresh). */
async function resumePoint(ctx: RunContext, client: TrainingClient, done: CheckpointRow[]): Promise<number> {
  const latest = [...done].reverse().find((c) => c.state_hash !== null);
  if (latest === undefined || !isResumable(client)) return 0;
  await client.loadState(artifactPath(ctx.project, latest.state_hash!));
  return latest.step;
}

async function runSteps(
  ctx: RunContext,
  cell: CellRow,
  data: Dataset,
  client: TrainingClient,
  start: number,
  schedule: number[],
  workDir: string,
  hooks: TrainHooks,
): Promise<void> {
  const db = ctx.project.db;
  const { betas, eps, weightDecay, gradClip, warmupSteps } = trainedConfig(ctx.config);
  const batches = trainingBatches(ctx, data, client.renderer, cell.batch_size, cell.seed);
  const last = schedule[schedule.length - 1]!;
  const pending = new Set(schedule.filter((s) => s > start));
  const scheduled = new Set(schedule);
  let log: TrainLogRow[] = [];
  for (let step = start + 1; step <= last; step++) {
    await yieldToEventLoop();
    if (hooks.beforeSegment !== undefined && (step === start + 1 || scheduled.has(step - 1))) {
      const to = schedule.find((s) => s >= step)!;
      hooks.beforeSegment(step, to, batches.tokens(step, to));
    }
    const t0 = performance.now();
    const batch = batches.batch(step);
    // Both calls are issued before either is awaited: a remote backend then sends them back to back (one
    // round trip per step); the embedded one computes each as it is called, in this order.
    const lr = stepLr(cell.lr, step, warmupSteps);
    const [fb, os] = await Promise.all([client.forwardBackward(batch), client.optimStep({ lr, betas, eps, weightDecay, gradClip })]);
    if (!Number.isFinite(fb.loss)) throw new NumericError(`training loss is ${fb.loss}; lower the learning rate (${cell.lr})`, `${cell.name} step ${step}`);
    log.push({ step, loss: fb.loss, gradNorm: os.gradNorm, tokens: fb.tokens, latencyMs: performance.now() - t0 });
    hooks.onStep?.(step, fb.loss);
    if (!pending.has(step)) continue;
    const saved = await client.saveForSampler(`step-${step}`);
    if (saved.path === undefined) throw new BackendError(`backend "${ctx.backend.spec.name}" saved no local weights; only local backends can be recorded yet`, `${cell.name} step ${step}`);
    const weightsHash = putArtifact(ctx.project, saved.path, 'weights');
    let stateHash: string | null = null;
    if (isResumable(client)) {
      const stateDir = join(workDir, `state-${step}`);
      await client.saveState(stateDir);
      stateHash = putArtifact(ctx.project, stateDir, 'state');
    }
    insertCheckpoint(db, { trainKey: cell.train_key, step, weightsHash, stateHash, examplesSeen: step * cell.batch_size }, log);
    log = [];
    // Only the latest state can be resumed from, and none once training is complete.
    releaseStates(ctx.project, cell.train_key, step === last ? null : stateHash);
  }
}
