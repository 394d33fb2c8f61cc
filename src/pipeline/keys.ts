// What every content key of the pipeline covers: the one place that decides which inputs each stage's
// output depends on. (How inputs are hashed and versioned is src/store/keys.ts: `stageKey`.) A stage's
// output is reused exactly when all of these inputs are equal, so an input missing here is a stale-cache
// bug and an extra input is only wasted work. Keys never hold credentials or machine-specific paths:
// files enter by content hash (organism identity), settings by content hash.
import { graderVersion, type GraderSpec } from '../graders/index.js';
import type { ChatMessage } from '../domain/index.js';
import { contentHash, stageKey } from '../store/index.js';
import type { RunContext } from './context.js';
import type { CheckThresholds } from './check.js';

/** A grader as the record knows it: spec + logic version (`grades.grader_key`). */
export function graderKey(spec: GraderSpec): string {
  return contentHash({ name: spec.name, args: spec.args, version: graderVersion(spec.name) });
}

/** The sampling parameters of a sweep (`cells.sampling_key` is their hash). */
export function samplingSpec(ctx: RunContext): Record<string, number> {
  const c = ctx.config;
  return { samplesPerPrompt: c.samplesPerPrompt, trainPromptsPerCheckpoint: c.trainPromptsPerCheckpoint, temperature: c.temperature, topP: c.topP, maxTokens: c.maxTokens, sampleSeed: c.sampleSeed };
}

export function samplingKey(ctx: RunContext): string {
  return contentHash(samplingSpec(ctx));
}

/** Config fields that change how a sweep runs but not what it computes. Budget and prices are among
 *  them: the same command with a higher cap must find the same sweep to resume. */
const EXECUTION_FIELDS: readonly string[] = ['jobs', 'force', 'skipCheck', 'budget', 'prices'];

/** A backend enters keys by name only: its arguments say where it runs (server URL, API-key variable,
 *  concurrency), not what it computes, so a sweep resumes against the same server on another address.
 *  (The embedded backend takes no arguments, so its keys are what they always were.) */
function backendIdentity(ctx: RunContext): { name: string; args: Record<string, never> } {
  return { name: ctx.backend.spec.name, args: {} };
}

export function sweepKey(ctx: RunContext): string {
  const spec = Object.fromEntries(Object.entries(ctx.config).filter(([k]) => !EXECUTION_FIELDS.includes(k)));
  if (typeof ctx.config.backend !== 'string') spec.backend = ctx.config.backend.name;
  return stageKey('sweep', { spec, setting: ctx.setting.hash, organism: ctx.organismIdentity, backend: backendIdentity(ctx) });
}

export function checkKey(ctx: RunContext, thresholds: CheckThresholds): string {
  const c = ctx.config;
  const g = ctx.setting.graders;
  return stageKey('check', {
    setting: ctx.setting.hash,
    organism: ctx.organismIdentity,
    graders: [graderKey(g.eval), graderKey(g.train)],
    sampling: { temperature: c.temperature, topP: c.topP, maxTokens: c.maxTokens, seed: c.sampleSeed },
    thresholds,
  });
}

/** Training examples: train prompts and targets (not graders), organism; on-policy adds how targets are
 *  sampled and the grader that keeps them. */
export function dataKey(ctx: RunContext): string {
  const t = ctx.setting.targets;
  return stageKey('data', {
    setting: ctx.trainingHash,
    organism: ctx.organismIdentity,
    targets: t.kind === 'reference' ? { kind: t.kind } : { ...t, grader: graderKey(ctx.setting.graders.train), maxTokens: ctx.config.maxTokens },
  });
}

export interface TrainPoint {
  dataKey: string;
  lr: number;
  seed: number;
  batchSize: number;
  steps: number;
  /** 0 = full fine-tune. */
  loraRank: number;
  schedule: number[];
}

export function trainKey(ctx: RunContext, p: TrainPoint): string {
  const c = ctx.config;
  return stageKey('train', {
    setting: ctx.trainingHash,
    organism: ctx.organismIdentity,
    data: p.dataKey,
    lr: p.lr,
    seed: p.seed,
    batchSize: p.batchSize,
    steps: p.steps,
    lora: p.loraRank === 0 ? null : { rank: p.loraRank, alpha: c.loraAlpha },
    optim: { betas: c.betas, eps: c.eps, weightDecay: c.weightDecay, gradClip: c.gradClip },
    schedule: p.schedule,
    backend: backendIdentity(ctx),
  });
}

/** One answer: the checkpoint (training key + step), the exact messages, the seed and the parameters. */
export function sampleKey(s: { trainKey: string; step: number; split: string; promptId: string; messages: ChatMessage[]; sampleIndex: number; seed: number; params: unknown }): string {
  return stageKey('sample', { train: s.trainKey, step: s.step, split: s.split, messages: s.messages, promptId: s.promptId, sampleIndex: s.sampleIndex, seed: s.seed, params: s.params });
}

export function gradeKey(sampleKeyValue: string, graderKeyValue: string): string {
  return stageKey('grade', { sample: sampleKeyValue, grader: graderKeyValue });
}

/** Mean NLL of a held-out set at a checkpoint: depends on the pairs and the organism's induction. */
export function nllMetricKey(ctx: RunContext, trainKeyValue: string, step: number, name: string, pairs: unknown): string {
  return stageKey('capability', { train: trainKeyValue, step, name, pairs: contentHash(pairs), organism: ctx.organismIdentity });
}

/** Accuracy of a capability set at a checkpoint: depends on exactly which answers it averages (their keys,
 *  in any order) and on the grader that labelled them. */
export function accuracyMetricKey(trainKeyValue: string, step: number, name: string, graderKeyValue: string, sampleKeys: readonly string[]): string {
  return stageKey('capability', { train: trainKeyValue, step, name, grader: graderKeyValue, samples: contentHash([...sampleKeys].sort()) });
}
