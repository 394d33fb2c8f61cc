// Stage `data`: the training examples of a setting on an organism. Reference targets come from the
// setting; on-policy targets are sampled from the untrained organism and kept only when the train grader
// calls them compatible. Stored under a data key; a prompt without a target is dropped and listed.
import { ConfigError } from '../errors.js';
import { createGrader } from '../graders/index.js';
import type { ChatMessage, Prompt } from '../domain/index.js';
import type { Setting } from '../settings/index.js';
import { getDataset, putDataset, zeroUsage, type TokenUsage } from '../store/index.js';
import { organismPrompt, seedOf, type RunContext } from './context.js';
import { dataKey } from './keys.js';
import { metered } from './metered.js';

export interface TrainExample {
  promptId: string;
  /** The prompt as the organism sees it (induction applied). */
  messages: ChatMessage[];
  completion: string;
}

export interface Dataset {
  key: string;
  examples: TrainExample[];
  dropped: { promptId: string; reason: string }[];
}

/** The dataset the record holds for this context, if any (read only). */
export function recordedDataset(ctx: RunContext): Dataset | undefined {
  const key = dataKey(ctx);
  const stored = getDataset(ctx.project.db, key);
  if (stored === undefined) return undefined;
  return { key, examples: JSON.parse(stored.examples_json) as TrainExample[], dropped: JSON.parse(stored.dropped_json) as Dataset['dropped'] };
}

/** The examples of a setting with reference targets: a pure function of the setting and the organism
 *  (no model call, nothing written), so a plan can count their tokens before anything runs. */
export function referenceDataset(ctx: RunContext, target: (p: Prompt) => string | null): Dataset {
  const examples: TrainExample[] = [];
  const dropped: Dataset['dropped'] = [];
  for (const p of ctx.setting.trainPrompts) {
    const completion = target(p);
    if (completion === null) dropped.push({ promptId: p.id, reason: 'the reference policy gives no target' });
    else examples.push({ promptId: p.id, messages: organismPrompt(ctx, p).messages, completion });
  }
  return { key: dataKey(ctx), examples, dropped };
}

export async function dataStage(ctx: RunContext): Promise<Dataset> {
  const stored = recordedDataset(ctx);
  if (stored !== undefined) return stored;
  const t = ctx.setting.targets;
  const built = t.kind === 'reference' ? { ...referenceDataset(ctx, t.target), usage: zeroUsage() } : await onPolicyDataset(ctx, t);
  // Not stored when empty: an empty output is never cached.
  checkExamples(ctx, built);
  putDataset(ctx.project.db, built.key, built.examples, built.dropped, built.usage);
  return { key: built.key, examples: built.examples, dropped: built.dropped };
}

/** A ConfigError when every train prompt was dropped: there is nothing to train on. */
export function checkExamples(ctx: RunContext, d: Dataset): void {
  if (d.examples.length === 0) throw new ConfigError(`no training examples: all ${d.dropped.length} train prompts were dropped (${d.dropped[0]?.reason ?? 'no prompts'})`, `setting ${ctx.setting.id}`);
}

/** Targets sampled from the untrained organism, kept when the train grader calls them compatible. Their
 *  cost, the organism's answers and the grader's judge (for a model-graded grader) counted apart, is
 *  recorded with the examples (store/usage.ts). */
async function onPolicyDataset(ctx: RunContext, t: Extract<Setting['targets'], { kind: 'on-policy' }>): Promise<Dataset & { usage: TokenUsage }> {
  const base = await ctx.baseSampler();
  const organism = metered(base);
  const judge = metered(base);
  const grade = createGrader(ctx.setting.graders.train, { judge: judge.client }, 'graders.train');
  const examples: TrainExample[] = [];
  const dropped: Dataset['dropped'] = [];
  let pending = ctx.setting.trainPrompts.map((p) => organismPrompt(ctx, p));
  for (let attempt = 0; attempt < t.attempts && pending.length > 0; attempt++) {
    const res = await organism.client.sample(
      pending.map((p) => ({ messages: p.messages, seed: seedOf('on-policy', p.id, attempt) })),
      { temperature: t.temperature, topP: 1, maxTokens: ctx.config.maxTokens, stop: [], seed: 0 },
    );
    const next = [];
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i]!;
      const text = res.samples[i]!.text;
      const g = await grade({ prompt: p, completion: text });
      if (g.label === 'compatible') examples.push({ promptId: p.id, messages: p.messages, completion: text });
      else next.push(p);
    }
    pending = next;
  }
  for (const p of pending) dropped.push({ promptId: p.id, reason: `no compatible answer in ${t.attempts} samples` });
  // Keep the setting's prompt order regardless of which attempt found the target.
  const order = new Map(ctx.setting.trainPrompts.map((p, i) => [p.id, i]));
  examples.sort((a, b) => order.get(a.promptId)! - order.get(b.promptId)!);
  return { key: dataKey(ctx), examples, dropped, usage: { organism: organism.tokens, judge: judge.tokens } };
}
