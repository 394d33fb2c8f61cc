// Stage `data`: the training examples of a setting on an organism. Reference targets come from the
// setting; on-policy targets are sampled from the untrained organism and kept only when the train grader
// calls them compatible. Stored under a data key; a prompt without a target is dropped and listed.
import { ConfigError } from '../errors.js';
import { createGrader } from '../graders/index.js';
import type { ChatMessage } from '../domain/index.js';
import { getDataset, putDataset } from '../store/index.js';
import { organismPrompt, seedOf, type RunContext } from './context.js';
import { dataKey } from './keys.js';

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

export async function dataStage(ctx: RunContext): Promise<Dataset> {
  const key = dataKey(ctx);
  const stored = getDataset(ctx.project.db, key);
  if (stored !== undefined) {
    return { key, examples: JSON.parse(stored.examples_json) as TrainExample[], dropped: JSON.parse(stored.dropped_json) as Dataset['dropped'] };
  }
  const examples: TrainExample[] = [];
  const dropped: Dataset['dropped'] = [];
  const t = ctx.setting.targets;
  if (t.kind === 'reference') {
    for (const p of ctx.setting.trainPrompts) {
      const completion = t.target(p);
      if (completion === null) dropped.push({ promptId: p.id, reason: 'the reference policy gives no target' });
      else examples.push({ promptId: p.id, messages: organismPrompt(ctx, p).messages, completion });
    }
  } else {
    const sampler = await ctx.baseSampler();
    const grade = createGrader(ctx.setting.graders.train, { judge: sampler }, 'graders.train');
    const prompts = ctx.setting.trainPrompts.map((p) => organismPrompt(ctx, p));
    let pending = prompts;
    for (let attempt = 0; attempt < t.attempts && pending.length > 0; attempt++) {
      const res = await sampler.sample(
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
  }
  if (examples.length === 0) {
    // Not stored: an empty output is never cached.
    throw new ConfigError(`no training examples: all ${dropped.length} train prompts were dropped (${dropped[0]?.reason ?? 'no prompts'})`, `setting ${ctx.setting.id}`);
  }
  putDataset(ctx.project.db, key, examples, dropped);
  return { key, examples, dropped };
}
