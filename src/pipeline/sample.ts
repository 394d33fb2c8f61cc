// Stage `sample`: answers of one checkpoint on eval prompts (samples per prompt), a fixed subset of train
// prompts, and capability prompt sets (greedy). Each answer is stored under its own key, so only missing
// ones are sampled; a batch is inserted in one transaction, so an interruption loses at most one batch.
import type { SamplePrompt, SamplingClient, SamplingParams } from '../backends/index.js';
import type { Prompt } from '../domain/index.js';
import { existingKeys, insertSamples, linkSamples, type CellRow, type CheckpointRow, type NewSample } from '../store/index.js';
import { organismPrompt, seedOf, yieldToEventLoop, type RunContext } from './context.js';
import { sampleKey } from './keys.js';

/** Prompts per sampling call. */
export const SAMPLE_BATCH = 32;

export interface SampleJob {
  key: string;
  split: string;
  prompt: Prompt; // induction applied
  sampleIndex: number;
  seed: number;
  params: SamplingParams;
}

/** The train prompts sampled at every checkpoint: a seeded, fixed subset. */
export function trainSubset(ctx: RunContext): Prompt[] {
  const n = Math.min(ctx.config.trainPromptsPerCheckpoint, ctx.setting.trainPrompts.length);
  return [...ctx.setting.trainPrompts].sort((a, b) => seedOf('subset', ctx.config.sampleSeed, a.id) - seedOf('subset', ctx.config.sampleSeed, b.id)).slice(0, n);
}

/** Every answer a checkpoint needs, with its key. */
export function sampleJobs(ctx: RunContext, cell: CellRow, checkpoint: CheckpointRow): SampleJob[] {
  const c = ctx.config;
  const base: SamplingParams = { temperature: c.temperature, topP: c.topP, maxTokens: c.maxTokens, stop: [], seed: c.sampleSeed };
  const greedy: SamplingParams = { ...base, temperature: 0 };
  const sets: { split: string; prompts: Prompt[]; n: number; params: SamplingParams }[] = [
    { split: 'eval', prompts: ctx.setting.evalPrompts, n: c.samplesPerPrompt, params: base },
    { split: 'train', prompts: trainSubset(ctx), n: 1, params: base },
    ...ctx.setting.capabilityEvals.flatMap((e) => (e.kind === 'accuracy' ? [{ split: `cap:${e.name}`, prompts: e.prompts, n: 1, params: greedy }] : [])),
  ];
  const jobs: SampleJob[] = [];
  for (const set of sets) {
    for (const raw of set.prompts) {
      const prompt = organismPrompt(ctx, raw);
      for (let i = 0; i < set.n; i++) {
        const seed = seedOf('sample', c.sampleSeed, set.split, raw.id, i);
        const key = sampleKey({ trainKey: cell.train_key, step: checkpoint.step, split: set.split, promptId: raw.id, messages: prompt.messages, sampleIndex: i, seed, params: set.params });
        jobs.push({ key, split: set.split, prompt, sampleIndex: i, seed, params: set.params });
      }
    }
  }
  return jobs;
}

/** Samples what is missing; returns the number of new answers. `onBatch` reports progress. */
export async function sampleStage(
  ctx: RunContext,
  cell: CellRow,
  checkpoint: CheckpointRow,
  sampler: () => Promise<SamplingClient>,
  onBatch: (n: number) => void = () => {},
): Promise<number> {
  const db = ctx.project.db;
  const jobs = sampleJobs(ctx, cell, checkpoint);
  const owner = { cellId: cell.id, checkpointId: checkpoint.id };
  const have = existingKeys(db, 'samples', jobs.map((j) => j.key));
  // Answers another sweep (or an earlier run) already drew are this cell's too: the same key is the same
  // answer. Recording them is what makes the cell's results independent of what the project ran before.
  linkSamples(db, owner, [...have]);
  const todo = jobs.filter((j) => !have.has(j.key));
  onBatch(jobs.length - todo.length);
  if (todo.length === 0) return 0;
  const client = await sampler();
  // Group by parameters (eval/train vs greedy capability) so each call has one parameter set.
  const groups = new Map<string, SampleJob[]>();
  for (const j of todo) {
    const k = JSON.stringify(j.params);
    groups.set(k, [...(groups.get(k) ?? []), j]);
  }
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i += SAMPLE_BATCH) {
      await yieldToEventLoop();
      const batch = group.slice(i, i + SAMPLE_BATCH);
      const prompts: SamplePrompt[] = batch.map((j) => ({ messages: j.prompt.messages, seed: j.seed }));
      const res = await client.sample(prompts, batch[0]!.params);
      const rows: NewSample[] = batch.map((j, b) => ({
        key: j.key,
        checkpointId: checkpoint.id,
        split: j.split,
        promptId: j.prompt.id,
        sampleIndex: j.sampleIndex,
        seed: j.seed,
        samplingKey: cell.sampling_key,
        prompt: j.prompt.messages,
        completion: res.samples[b]!.text,
        promptTokens: client.renderer.renderPrompt(j.prompt.messages).length,
        completionTokens: res.samples[b]!.tokens.length,
        finishReason: res.samples[b]!.finishReason,
        latencyMs: res.latencyMs / batch.length,
      }));
      insertSamples(db, rows, owner);
      onBatch(batch.length);
    }
  }
  return todo.length;
}
