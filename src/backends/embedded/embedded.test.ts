import assert from 'node:assert/strict';

import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../test/temp-dir.js';
import { Gpt, saveModel } from '../../engine/index.js';
import { CheckpointError } from '../../errors.js';
import { Tokenizer } from '../../microworld/index.js';
import type { ChatMessage } from '../../settings/index.js';
import { createBackend, type Datum, type ResumableTrainingClient } from '../index.js';

const OPT = { lr: 1e-2, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 0 };

function tinyBase(): string {
  const dir = join(tempDir('bct-embedded-'), 'base');
  const V = Tokenizer.microworld().vocabSize;
  saveModel(new Gpt({ vocabSize: V, contextLength: 32, dModel: 32, nLayer: 1, nHead: 2 }, 7), dir);
  return dir;
}

const msgs = (w: string): ChatMessage[] => [{ role: 'system', content: 'mode 1' }, { role: 'user', content: `echo ${w}` }];

async function trainSteps(client: ResumableTrainingClient, batch: Datum[], n: number): Promise<number[]> {
  const losses: number[] = [];
  for (let i = 0; i < n; i++) {
    losses.push((await client.forwardBackward(batch)).loss);
    await client.optimStep(OPT);
  }
  return losses;
}

test('embedded backend trains, samples deterministically and resumes exactly', async () => {
  const base = tinyBase();
  const backend = createBackend({ name: 'embedded', args: {} });
  const work = tempDir('bct-work-');
  const a = (await backend.createTrainingClient({ base, lora: null, seed: 1, workDir: work })) as ResumableTrainingClient;
  const batch = ['red', 'blue', 'sun'].map((w) => a.renderer.renderSupervised(msgs(w), `${w} dog`));
  assert.deepEqual(batch[0]!.weights.slice(0, 3), [0, 0, 0]);
  assert.equal(batch[0]!.weights[batch[0]!.weights.length - 1], 1);
  const straight = await trainSteps(a, batch, 6);
  assert.ok(straight[5]! < straight[0]!, `loss falls: ${straight.join(', ')}`);

  const b = (await backend.createTrainingClient({ base, lora: null, seed: 1, workDir: work })) as ResumableTrainingClient;
  const first = await trainSteps(b, batch, 3);
  const stateDir = join(work, 'state');
  await b.saveState(stateDir);
  const c = (await backend.createTrainingClient({ base, lora: null, seed: 1, workDir: work })) as ResumableTrainingClient;
  await c.loadState(stateDir);
  assert.equal(c.step, 3);
  const rest = await trainSteps(c, batch, 3);
  assert.deepEqual([...first, ...rest], straight, 'resumed losses equal the uninterrupted ones exactly');

  const saved = await a.saveForSampler('final');
  const sampler = await backend.createSamplingClient(saved.ref);
  const prompts = ['red', 'blue', 'sun', 'moon'].map((w, i) => ({ messages: msgs(w), seed: 100 + i }));
  const params = { temperature: 1, topP: 1, maxTokens: 6, stop: [], seed: 0 };
  const all = await sampler.sample(prompts, params);
  const split = [...(await sampler.sample(prompts.slice(0, 2), params)).samples, ...(await sampler.sample(prompts.slice(2), params)).samples];
  assert.deepEqual(split.map((s) => s.text), all.samples.map((s) => s.text), 'a sample does not depend on batching');
  assert.ok(all.samples.every((s) => s.tokens.length <= 6));
  const lp = await sampler.logprobs(msgs('red'), 'red dog');
  assert.equal(lp.tokens.length, 2);
  assert.ok(lp.logprob < 0 && Math.abs(lp.logprob - lp.tokenLogprobs.reduce((x, y) => x + y, 0)) < 1e-6);
  await assert.rejects(backend.createSamplingClient({ base: join(base, 'missing') }), CheckpointError);
});

test('LoRA cells train adapters only and sample through the base', async () => {
  const base = tinyBase();
  const backend = createBackend({ name: 'embedded', args: {} });
  const work = tempDir('bct-work-');
  const t = (await backend.createTrainingClient({ base, lora: { rank: 2, alpha: 4 }, seed: 3, workDir: work })) as ResumableTrainingClient;
  const batch = ['red', 'blue'].map((w) => t.renderer.renderSupervised(msgs(w), `${w} cat`));
  const losses = await trainSteps(t, batch, 5);
  assert.ok(losses[4]! < losses[0]!);
  const saved = await t.saveForSampler('s5');
  const s = await backend.createSamplingClient(saved.ref);
  const lpTrained = (await s.logprobs(msgs('red'), 'red cat')).logprob;
  const lpBase = (await (await backend.createSamplingClient({ base })).logprobs(msgs('red'), 'red cat')).logprob;
  assert.ok(lpTrained > lpBase, `trained adapter raises the target's log-probability (${lpBase} → ${lpTrained})`);
  const dir = join(work, 'lora-state');
  await t.saveState(dir);
  const full = (await backend.createTrainingClient({ base, lora: null, seed: 3, workDir: work })) as ResumableTrainingClient;
  await assert.rejects(full.loadState(dir), /LoRA adapters but this cell is a full fine-tune/);
});
