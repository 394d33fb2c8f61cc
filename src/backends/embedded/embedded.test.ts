import assert from 'node:assert/strict';

import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../test/temp-dir.js';
import { getGemm, Gpt, loadAdapters, loadModel, LORA_TARGETS, saveAdapters, saveModel, Trainer } from '../../engine/index.js';
import { CheckpointError, NumericError } from '../../errors.js';
import { Tokenizer } from '../../microworld/index.js';
import type { ChatMessage } from '../../domain/index.js';
import { createBackend, type Datum, type ResumableTrainingClient } from '../index.js';
import { MICRO_BATCH_TOKENS, TokenTrainer } from './index.js';

const OPT = { lr: 1e-2, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 0, gradClip: 1 };

function tinyBase(dModel = 32): string {
  const dir = join(tempDir('bct-embedded-'), 'base');
  const V = Tokenizer.microworld().vocabSize;
  saveModel(new Gpt({ vocabSize: V, contextLength: 32, dModel, nLayer: 1, nHead: 2 }, 7), dir);
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
  await assert.rejects(full.loadState(dir), /LoRA adapters but this model is a full fine-tune/);
});

/** An organism adapter on `base` as the engine saves one: LoRA trained a few steps towards "<word> cat". */
function organismAdapter(base: string, steps = 3): string {
  const dir = join(tempDir('bct-adapter-'), 'adapter');
  const model = loadModel(base);
  model.addLora({ rank: 2, alpha: 4, targets: [...LORA_TARGETS] }, 11);
  const trainer = new Trainer(model);
  const tok = Tokenizer.microworld();
  const batch = ['red', 'blue', 'sun'].map((w) => tok.renderExample(msgs(w), `${w} cat`));
  for (let i = 0; i < steps; i++) {
    trainer.forwardBackward(batch);
    trainer.optimStep({ lr: 3e-2 });
  }
  saveAdapters(model, dir);
  return dir;
}

test('an organism adapter acts as if merged into the base: same samples, log-probs and training', async () => {
  const base = tinyBase();
  const adapter = organismAdapter(base);
  // The same organism merged by hand and shipped as a full base.
  const merged = join(tempDir('bct-merged-'), 'merged');
  const m = loadModel(base);
  loadAdapters(m, adapter);
  m.mergeLora(getGemm());
  saveModel(m, merged);

  const backend = createBackend({ name: 'embedded', args: {} });
  const organism = await backend.createSamplingClient({ base, adapter });
  const byHand = await backend.createSamplingClient({ base: merged });
  const prompts = ['red', 'blue', 'sun', 'moon'].map((w, i) => ({ messages: msgs(w), seed: 40 + i }));
  const params = { temperature: 1, topP: 1, maxTokens: 6, stop: [], seed: 0 };
  const answers = (await organism.sample(prompts, params)).samples;
  assert.deepEqual(answers, (await byHand.sample(prompts, params)).samples);
  const lp = (await organism.logprobs(msgs('moon'), 'moon cat')).logprob;
  assert.equal(lp, (await byHand.logprobs(msgs('moon'), 'moon cat')).logprob);
  const lpBase = (await (await backend.createSamplingClient({ base })).logprobs(msgs('moon'), 'moon cat')).logprob;
  assert.ok(lp > lpBase + 0.1, `the adapter changes the model (${lpBase} → ${lp})`);

  // A cell's LoRA and a full fine-tune train on top of the organism exactly as on the merged base.
  const work = tempDir('bct-work-');
  const batch = ['red', 'green'].map((w) => organism.renderer.renderSupervised(msgs(w), `${w} dog`));
  for (const lora of [{ rank: 2, alpha: 4 }, null]) {
    const a = (await backend.createTrainingClient({ base, adapter, lora, seed: 5, workDir: work })) as ResumableTrainingClient;
    const b = (await backend.createTrainingClient({ base: merged, lora, seed: 5, workDir: work })) as ResumableTrainingClient;
    const losses = await trainSteps(a, batch, 3);
    assert.deepEqual(losses, await trainSteps(b, batch, 3), `${lora === null ? 'full' : 'LoRA'}: same losses`);
    const name = lora === null ? 'full' : 'lora';
    const sa = await backend.createSamplingClient((await a.saveForSampler(`${name}-a`)).ref);
    const sb = await backend.createSamplingClient((await b.saveForSampler(`${name}-b`)).ref);
    assert.deepEqual((await sa.sample(prompts, params)).samples, (await sb.sample(prompts, params)).samples, `${name}: same samples`);
    // Resuming from saved state restores the organism under the cell's weights.
    const state = join(work, `${name}-state`);
    await a.saveState(state);
    const c = (await backend.createTrainingClient({ base, adapter, lora, seed: 5, workDir: work })) as ResumableTrainingClient;
    await c.loadState(state);
    assert.deepEqual(await trainSteps(c, batch, 2), await trainSteps(a, batch, 2), `${name}: resumed on the organism`);
  }
});

test('a missing, corrupt or wrong-shape organism adapter is a CheckpointError naming the file and tensor', async () => {
  const base = tinyBase();
  const backend = createBackend({ name: 'embedded', args: {} });
  const missing = join(tempDir('bct-adapter-'), 'nowhere');
  await assert.rejects(backend.createSamplingClient({ base, adapter: missing }), (e: unknown) => e instanceof CheckpointError && e.where === missing && /adapter_config\.json/.test(e.message));

  const corrupt = join(tempDir('bct-adapter-'), 'corrupt');
  cpSync(organismAdapter(base, 1), corrupt, { recursive: true });
  const weights = join(corrupt, 'adapter_model.safetensors');
  writeFileSync(weights, readFileSync(weights).subarray(0, 200));
  await assert.rejects(backend.createSamplingClient({ base, adapter: corrupt }), (e: unknown) => e instanceof CheckpointError && e.message.includes(weights));
  await assert.rejects(backend.createTrainingClient({ base, adapter: corrupt, lora: null, seed: 0, workDir: tempDir('bct-work-') }), CheckpointError);

  // An adapter made for a wider base: the first tensor that does not fit is named with both shapes.
  const wide = organismAdapter(tinyBase(48), 1);
  await assert.rejects(backend.createSamplingClient({ base, adapter: wide }), (e: unknown) => {
    assert.ok(e instanceof CheckpointError);
    assert.match(e.message, /adapter_model\.safetensors/);
    assert.match(e.message, /h\.0\.[a-z_.]+\.lora_[AB]\.weight/);
    assert.match(e.message, /48/);
    return true;
  });
});

test('TokenTrainer: a request longer than one micro-batch sums like one engine call; a failing micro-batch changes nothing', async () => {
  const base = tinyBase();
  const tok = Tokenizer.microworld();
  const words = ['red', 'blue', 'sun', 'moon', 'tree'];
  // 160 datums of about 14 tokens each: over MICRO_BATCH_TOKENS in all, so at least two micro-batches.
  const batch: Datum[] = Array.from({ length: 160 }, (_, i) => tok.renderExample(msgs(words[i % 5]!), `${words[(i + 1) % 5]} cat`));
  assert.ok(batch.reduce((n, d) => n + d.tokens.length, 0) > MICRO_BATCH_TOKENS);
  const split = new TokenTrainer({ dir: base, lora: null, seed: 0 });
  const whole = new Trainer(loadModel(base));
  const a = await split.forwardBackward(batch);
  const b = whole.forwardBackward(batch, { reduction: 'sum' });
  assert.ok(Math.abs(a.loss - b.loss) <= 1e-6 * b.loss, `${a.loss} vs ${b.loss}`);
  assert.deepEqual([a.weightedTokens, a.tokens], [b.weightedTokens, b.tokens]);
  const gs = split.model.namedParams();
  whole.model.namedParams().forEach(([name, t], i) => {
    let d = 0;
    let m = 0;
    t.grad!.forEach((v, j) => {
      d = Math.max(d, Math.abs(v - gs[i]![1].grad![j]!));
      m = Math.max(m, Math.abs(v));
    });
    assert.ok(d <= 1e-5 * m, `${name}: ${d} of ${m}`);
  });
  // Poison a word that only the last datums use: the first micro-batches add their gradients, the last
  // one's loss is NaN; the gradients must be put back as they were.
  const before = gs.map(([, t]) => Float32Array.from(t.grad!));
  const poisoned = [...batch, tok.renderExample(msgs('fire'), 'fire cat')];
  split.model.wte.data.fill(NaN, tok.idOf('fire') * 32, tok.idOf('fire') * 32 + 32);
  await assert.rejects(split.forwardBackward(poisoned), NumericError);
  gs.forEach(([name, t], i) => assert.deepEqual(t.grad, before[i], name));
});

test('calls apply in the order they are made: optimStep issued before a multi-chunk forwardBackward resolves', async () => {
  const base = tinyBase();
  const backend = createBackend({ name: 'embedded', args: {} });
  const work = tempDir('bct-work-');
  const a = (await backend.createTrainingClient({ base, lora: null, seed: 1, workDir: work })) as ResumableTrainingClient;
  const b = (await backend.createTrainingClient({ base, lora: null, seed: 1, workDir: work })) as ResumableTrainingClient;
  const one = a.renderer.renderSupervised(msgs('red'), 'red dog');
  // More tokens than one micro-batch, so forwardBackward yields to the event loop between chunks.
  const batch = Array.from({ length: Math.ceil((2 * MICRO_BATCH_TOKENS) / one.tokens.length) + 1 }, () => one);
  const awaited = await trainSteps(a, batch, 2);
  const issued: number[] = [];
  for (let i = 0; i < 2; i++) {
    const [fb] = await Promise.all([b.forwardBackward(batch), b.optimStep(OPT)]);
    issued.push(fb.loss);
  }
  assert.deepEqual(issued, awaited);
});
