// What every content key of the pipeline covers: the one place that decides which inputs each stage's
// output depends on. (How inputs are hashed and versioned is src/store/keys.ts: `stageKey`.) A stage's
// output is reused exactly when all of these inputs are equal, so an input missing here is a stale-cache
// bug and an extra input is only wasted work. Keys never hold credentials or machine-specific paths:
// files enter by content hash (organism identity), settings by content hash.
import { ConfigError } from '../errors.js';
import { graderTemplate, graderVersion, MODEL_GRADED, type GraderSpec } from '../graders/index.js';
import { DEFAULT_JUDGE_THRESHOLDS, type JudgeThresholds } from '../graders/validation.js';
import type { ChatMessage } from '../domain/index.js';
import { contentHash, stageKey } from '../store/index.js';
import { isRemoteBackend } from '../backends/index.js';
import { fileIdentity, type JudgeIdentity, type RunContext } from './context.js';
import { judgedGraders, judgeGoldSet } from './judge.js';
import type { CheckThresholds } from './check.js';
import { dataSourceOf, streamIdentity, teacherBackendSpec, teacherIdentity, type DataSource, type TeacherSource } from './data-source.js';
import { fileHash } from './dataset-file.js';
import { trainedConfig } from './sweep-spec.js';

/** A grader as the record knows it (`grades.grader_key`): spec + logic version. A grader that asks a
 *  judge model adds its judge (context.ts `judgeIdentity`: who answers, never where it runs) and its
 *  prompt template (what is asked, a named rubric resolved to its text), so a grade is reused exactly when
 *  the same judge was asked the same question about the same answer (the sample key). Graders that ask no
 *  model keep the keys they always had. */
export function graderKey(spec: GraderSpec, judge?: JudgeIdentity): string {
  const own = { name: spec.name, args: spec.args, version: graderVersion(spec.name) };
  if (!MODEL_GRADED.has(spec.name)) return contentHash(own);
  if (judge === undefined) throw new ConfigError(`grader "${spec.name}" asks a judge model and none is named; set judge: { backend, model } in the sweep`, 'judge');
  return contentHash({ ...own, judge, template: graderTemplate(spec) });
}

/** The key of one of this sweep's graders (with the sweep's judge, for a grader that asks one). */
export function sweepGraderKey(ctx: RunContext, spec: GraderSpec): string {
  return graderKey(spec, ctx.judge?.identity);
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

/** A served sweep's backend as its keys name it: which backend and how it reads the served models'
 *  answers (the openai API mode, and the renderer its prompts are rendered with in completions mode),
 *  never where it runs, its key variable or its concurrency (as context.ts `judgeIdentity` names a judge). */
export function servedBackendIdentity(ctx: RunContext): { name: string; api: string; renderer: string | null; tokenizer: string | null } {
  const { name, args } = ctx.backend.spec;
  const named = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return { name, api: named(args.api) ?? 'completions', renderer: named(args.renderer), tokenizer: named(args.tokenizer) };
}

export function sweepKey(ctx: RunContext): string {
  const spec = Object.fromEntries(Object.entries(ctx.config).filter(([k]) => !EXECUTION_FIELDS.includes(k)));
  // A served sweep's cells are keyed by how its answers are read (servedTrainKey), so its sweep is too:
  // the same spec read another way is other cells.
  if (ctx.config.served !== undefined) spec.backend = servedBackendIdentity(ctx);
  else if (typeof ctx.config.backend !== 'string') spec.backend = ctx.config.backend.name;
  // As for the backend: which judge, not where it runs.
  if (ctx.judge !== undefined) spec.judge = ctx.judge.identity;
  return stageKey('sweep', { spec, setting: ctx.setting.hash, organism: ctx.organismIdentity, backend: backendIdentity(ctx) });
}

/** The pre-check; a setting whose graders ask a judge adds the judge's validation: the judge, the gold
 *  answers it is validated on (written in code, so by content) and the thresholds it must reach. */
export function checkKey(ctx: RunContext, thresholds: CheckThresholds, judgeThresholds: JudgeThresholds = DEFAULT_JUDGE_THRESHOLDS): string {
  const c = ctx.config;
  const g = ctx.setting.graders;
  const inputs = {
    setting: ctx.setting.hash,
    organism: ctx.organismIdentity,
    graders: [sweepGraderKey(ctx, g.eval), sweepGraderKey(ctx, g.train)],
    sampling: { temperature: c.temperature, topP: c.topP, maxTokens: c.maxTokens, seed: c.sampleSeed },
    thresholds,
  };
  const judged = judgedGraders(ctx.setting);
  if (judged.length === 0) return stageKey('check', inputs);
  const gold = contentHash(judged.map((j) => [sweepGraderKey(ctx, j.spec), judgeGoldSet(ctx.setting, j)?.gold ?? null]));
  return stageKey('check', { ...inputs, judge: { thresholds: judgeThresholds, gold } });
}

/** Training examples: train prompts and targets (not graders), organism, and what the data source adds
 *  (data-source.ts): for sampled targets (on-policy, teacher) how they are sampled and the grader that
 *  keeps them, a teacher's identity; a dataset file's content hash; a stream's generator (by name and a
 *  fingerprint of its first prompts) and seed. Without `data` in the sweep the source is the setting's
 *  own targets, keyed as they always were. */
export function dataKey(ctx: RunContext): string {
  return stageKey('data', { setting: ctx.trainingHash, organism: ctx.organismIdentity, targets: sourceIdentity(ctx, dataSourceOf(ctx.config.data, ctx.setting)) });
}

function sourceIdentity(ctx: RunContext, s: DataSource): unknown {
  const sampled = { grader: sweepGraderKey(ctx, ctx.setting.graders.train), maxTokens: ctx.config.maxTokens };
  switch (s.kind) {
    case 'reference':
      return { kind: s.kind };
    case 'on-policy':
      return { kind: s.kind, attempts: s.attempts, temperature: s.temperature, ...sampled };
    case 'teacher':
      return { kind: s.kind, teacher: teacherKey(s), attempts: s.attempts, temperature: s.temperature, ...sampled };
    case 'dataset':
      return { kind: s.kind, file: fileHash(s.file) };
    case 'stream':
      return { kind: s.kind, seed: s.seed, ...streamIdentity(ctx.setting, s.seed) };
  }
}

/** A teacher as data keys and provenance name it: its backend and the args that change what it
 *  computes, its model and adapter by content hash (a local folder) or by name (a remote model). */
export function teacherKey(t: TeacherSource): ReturnType<typeof teacherIdentity> {
  const remote = isRemoteBackend(teacherBackendSpec(t).name);
  return teacherIdentity(t, (name, where) => (remote ? `name:${name}` : fileIdentity(name, where)));
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
  const c = trainedConfig(ctx.config);
  return stageKey('train', {
    setting: ctx.trainingHash,
    organism: ctx.organismIdentity,
    data: p.dataKey,
    lr: p.lr,
    seed: p.seed,
    batchSize: p.batchSize,
    steps: p.steps,
    lora: p.loraRank === 0 ? null : { rank: p.loraRank, alpha: c.loraAlpha },
    // Warm-up enters only when on, so a sweep without it keeps the keys it always had.
    optim: { betas: c.betas, eps: c.eps, weightDecay: c.weightDecay, gradClip: c.gradClip, warmupSteps: c.warmupSteps === 0 ? undefined : c.warmupSteps },
    schedule: p.schedule,
    backend: backendIdentity(ctx),
  });
}

/** A checkpoint of a served cell: the model its server serves at `step`, or null for the organism's base
 *  (step 0 when the sweep names no model for it). */
export interface ServedCheckpoint {
  step: number;
  model: string | null;
}

/** A served cell (served.ts) in place of a training: what identifies its weights, which is the organism
 *  (its base by name), the backend as it reads them and each checkpoint's served model by step. The LR,
 *  seed, rank and batch size it was trained with only label it, so two sweeps naming the same models
 *  share every answer. Its own shape (`served`) keeps it apart from every trained key. */
export function servedTrainKey(ctx: RunContext, checkpoints: readonly ServedCheckpoint[]): string {
  return stageKey('train', { served: { organism: ctx.organismIdentity, backend: servedBackendIdentity(ctx), checkpoints: checkpoints.map((c) => [c.step, c.model]) } });
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
