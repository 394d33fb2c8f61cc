// Turns a sweep config into keyed cells and the sweep's identity and manifest. Pure given the context
// and the dataset: no record writes here.
import { readFileSync } from 'node:fs';
import { countParams } from '../engine/index.js';
import { ConfigError } from '../errors.js';
import { graderVersion } from '../graders/index.js';
import { KEY_VERSIONS, SCHEMA_VERSION, contentHash, type NewCell } from '../store/index.js';
import type { RunContext } from './context.js';
import { graderKey, samplingKey, samplingSpec, sweepKey, trainKey } from './keys.js';
import type { Dataset } from './data.js';
import { checkpointSteps, formatNumber, gridOf, pointSteps, runName, SWEEP_LIMITS, type SweepConfig } from './sweep-spec.js';

export function sweepIdentity(ctx: RunContext): { key: string; name: string } {
  const key = sweepKey(ctx);
  return { key, name: ctx.config.name ?? `${ctx.setting.id}-${key.slice(-32, -24)}` };
}

export function planCells(ctx: RunContext, data: Dataset): NewCell[] {
  const c: SweepConfig = ctx.config;
  const sKey = samplingKey(ctx);
  return gridOf(c).map((point) => {
    const steps = pointSteps(point, data.examples.length);
    const schedule = checkpointSteps(steps, scheduleOptions(c));
    const key = trainKey(ctx, { dataKey: data.key, lr: point.lr, seed: point.seed, batchSize: point.batchSize, steps, loraRank: point.loraRank, schedule });
    return {
      name: runName(point),
      train_key: key,
      lr: point.lr,
      seed: point.seed,
      batch_size: point.batchSize,
      steps,
      lora_rank: point.loraRank === 0 ? null : point.loraRank,
      schedule_json: JSON.stringify({ steps: schedule }),
      sampling_key: sKey,
      point_json: JSON.stringify(point),
    };
  });
}

function scheduleOptions(c: SweepConfig): { every?: number; count?: number } {
  return { ...(c.checkpointEvery !== undefined ? { every: c.checkpointEvery } : {}), ...(c.checkpointCount !== undefined ? { count: c.checkpointCount } : {}) };
}

/** Refused unless `--force`: beyond these a sweep is almost surely a typo (an extra zero) rather than an
 *  experiment, and would run for days or fill the disk before anyone noticed. */
export const TOTAL_LIMITS = {
  trainingTokens: 1e10, // Σ over cells of steps × batch size × mean tokens per training example
  answers: 1e7, // Σ over cells of checkpoints × answers sampled per checkpoint
  hours: 72, // estimated wall time on the embedded engine (`estimateHours`)
} as const;

/** Effective FLOP/s of the embedded engine on the 2-core reference machine, from the README's figures
 *  for gpt-4m (4.23M parameters): 2,831 training tokens/s at 6 FLOP per parameter and token, 4,289
 *  batched sampling tokens/s at 2. Small models run below these (overheads dominate), so the estimate
 *  is a lower bound: good enough to catch a sweep that would take weeks. */
const ENGINE_TRAIN_FLOPS = 6 * 4.23e6 * 2831;
const ENGINE_SAMPLE_FLOPS = 2 * 4.23e6 * 4289;

export interface SweepTotals {
  cells: number;
  /** Mean tokens of one rendered training example (prompt, answer and end of turn). */
  tokensPerExample: number;
  trainingTokens: number;
  answers: number;
  /** Tokens through the sampler: every answer's prompt and up to maxTokens of answer (an upper bound). */
  sampledTokens: number;
  /** Estimated wall time on the embedded engine; null for a model the engine does not hold locally. */
  hours: number | null;
}

/** Estimated hours to train `trainingTokens` and sample `sampledTokens` with a model of `params`
 *  parameters on the embedded engine. */
export function estimateHours(params: number, trainingTokens: number, sampledTokens: number): number {
  return ((6 * params * trainingTokens) / ENGINE_TRAIN_FLOPS + (2 * params * sampledTokens) / ENGINE_SAMPLE_FLOPS) / 3600;
}

/** Answers sampled at each checkpoint: eval prompts × samples per prompt, the train subset, and one
 *  greedy answer per capability accuracy prompt (as `sampleJobs` lays them out). */
function answersPerCheckpoint(ctx: RunContext): number {
  const s = ctx.setting;
  const capability = s.capabilityEvals.reduce((n, e) => n + (e.kind === 'accuracy' ? e.prompts.length : 0), 0);
  return s.evalPrompts.length * ctx.config.samplesPerPrompt + Math.min(ctx.config.trainPromptsPerCheckpoint, s.trainPrompts.length) + capability;
}

/** What a sweep adds up to, from its grid and its training data (`tokensPerExample` from the backend's
 *  renderer). Refuses, naming the field, a point that cannot run as given: a batch larger than the data
 *  (it would hold every example more than once in one step), more steps or checkpoints per cell than
 *  SWEEP_LIMITS allow. */
export function sweepTotals(ctx: RunContext, data: Dataset, tokensPerExample: number): SweepTotals {
  const c = ctx.config;
  const n = data.examples.length;
  c.batchSizes.forEach((b, i) => {
    if (b > n) {
      throw new ConfigError(`batch size ${b} is more than the ${n} training examples of setting "${ctx.setting.id}"${data.dropped.length > 0 ? ` (${data.dropped.length} train prompts dropped)` : ''}; a larger batch would repeat examples within one step, so expected at most ${n}`, `batchSizes[${i}]`);
    }
  });
  const perCheckpoint = answersPerCheckpoint(ctx);
  const points = gridOf(c);
  let trainingTokens = 0;
  let answers = 0;
  for (const point of points) {
    const steps = pointSteps(point, n);
    if (point.epochs !== undefined && steps > SWEEP_LIMITS.steps) {
      // Given steps are bounded by the schema; steps computed from epochs are bounded here.
      throw new ConfigError(`${formatNumber(point.epochs)} epochs over ${n} examples at batch size ${point.batchSize} is ${steps} steps; expected at most ${SWEEP_LIMITS.steps} (fewer epochs or a larger batch)`, `epochs[${c.epochs!.indexOf(point.epochs)}]`);
    }
    // Checkpoints after step 0, counted without building the schedule (which would hold them all).
    const checkpoints = c.checkpointEvery !== undefined ? Math.floor((steps - 1) / c.checkpointEvery) + 1 : checkpointSteps(steps, scheduleOptions(c)).length - 1;
    if (checkpoints > SWEEP_LIMITS.checkpointsPerCell) {
      throw new ConfigError(`a checkpoint every ${c.checkpointEvery} of ${steps} steps is ${checkpoints} checkpoints per cell (each stores weights); expected at most ${SWEEP_LIMITS.checkpointsPerCell}`, 'checkpointEvery');
    }
    trainingTokens += steps * point.batchSize * tokensPerExample;
    answers += (checkpoints + 1) * perCheckpoint;
  }
  const sampledTokens = answers * (tokensPerExample + c.maxTokens);
  const hours = ctx.model === null ? null : estimateHours(countParams(ctx.model), trainingTokens, sampledTokens);
  return { cells: points.length, tokensPerExample, trainingTokens, answers, sampledTokens, hours };
}

/** A total for a message: one decimal below a million, three significant digits above. */
function approx(x: number): string {
  return x < 1e6 ? String(Number(x.toFixed(1))) : x.toExponential(2).replace('e+', 'e');
}

/** Throws a ConfigError naming the first total beyond TOTAL_LIMITS, unless `force`. */
export function checkTotals(t: SweepTotals, force: boolean): void {
  if (force) return;
  const over = (what: string, value: number, limit: number, how: string, field: string): void => {
    if (value > limit) {
      throw new ConfigError(`this sweep's ${what} is ${approx(value)} (${how}), more than ${formatNumber(limit)}; check for a typo, or pass --force to run it anyway`, field);
    }
  };
  over('total training tokens', t.trainingTokens, TOTAL_LIMITS.trainingTokens, `${t.cells} cells × steps × batchSizes × ${t.tokensPerExample.toFixed(1)} tokens per example`, 'totals.trainingTokens');
  over('total number of answers', t.answers, TOTAL_LIMITS.answers, `${t.cells} cells × checkpoints × (eval prompts × samplesPerPrompt + trainPromptsPerCheckpoint + capability prompts)`, 'totals.answers');
  if (t.hours !== null) over('estimated time in hours', t.hours, TOTAL_LIMITS.hours, `${approx(t.trainingTokens)} training and ${approx(t.sampledTokens)} sampled tokens on the embedded engine`, 'totals.hours');
}

/** `sweepTotals` and `checkTotals` for a context: what the runner calls once the data is built, before
 *  the sweep is recorded. */
export async function checkPlan(ctx: RunContext, data: Dataset): Promise<SweepTotals> {
  const renderer = (await ctx.baseSampler()).renderer;
  const tokens = data.examples.reduce((n, e) => n + renderer.renderSupervised(e.messages, e.completion).tokens.length, 0);
  const totals = sweepTotals(ctx, data, tokens / data.examples.length);
  checkTotals(totals, ctx.config.force);
  return totals;
}

/** bctlab's version, from the nearest package.json above this file (works from src/ and dist/src/). */
function packageVersion(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'bctlab' && pkg.version !== undefined) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}

/** Everything needed to say what a sweep ran: versions, seeds, config, content hashes. */
export function manifest(ctx: RunContext, data: Dataset): Record<string, unknown> {
  const g = ctx.setting.graders;
  return {
    schemaVersion: 1,
    versions: {
      bctlab: packageVersion(),
      node: process.version,
      recordSchema: SCHEMA_VERSION,
      keys: KEY_VERSIONS,
      graders: { eval: graderVersion(g.eval.name), train: graderVersion(g.train.name) },
    },
    seeds: { training: ctx.config.seeds, sampling: ctx.config.sampleSeed },
    config: ctx.config,
    sampling: samplingSpec(ctx),
    backend: ctx.backend.spec,
    hashes: {
      setting: ctx.setting.hash,
      organism: contentHash(ctx.organismIdentity),
      base: ctx.organismIdentity.base,
      adapter: ctx.organismIdentity.adapter,
      dataset: data.key,
      evalGrader: graderKey(g.eval),
      trainGrader: graderKey(g.train),
    },
    dataset: { examples: data.examples.length, dropped: data.dropped.length },
  };
}
