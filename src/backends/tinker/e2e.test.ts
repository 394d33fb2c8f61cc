// End to end: the tinker backend against the real `bct serve` (in this process, on 127.0.0.1) serving
// models/mw-base, next to the embedded backend on the same datums and seeds. Both run the engine on the
// pure-TypeScript GEMM (same bits whatever the batch shape or thread), so every number must be equal.
process.env.BCT_GEMM = 'typescript';

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../../../test/temp-dir.js';
import type { ChatMessage } from '../../domain/index.js';
import { getGemm } from '../../engine/index.js';
import { LORA_ALPHA, packageModels, startServe } from '../../serve/index.js';
import { createBackend, isResumable, type Datum, type OptimParams, type TrainingClient } from '../index.js';
import { tinkerConfig } from './config.js';
import { DEFAULT_TIMING, TinkerBackend } from './index.js';

const KEY = 'tml-e2e-token-5150';
process.env.BCT_TINKER_E2E_KEY = KEY;

const msgs = (task: string): ChatMessage[] => [{ role: 'system', content: 'mode 1' }, { role: 'user', content: task }];
// Answers with an animal appended, which the base never gives unprompted: training has something to learn.
const EXAMPLES: [string, string][] = [['echo red', 'red cat'], ['echo blue sun', 'blue sun cat'], ['count one two', 'two cat'], ['echo tree', 'tree cat']];
const OPTIM: OptimParams = { lr: 1e-2, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.01, gradClip: 1 };
// Tinker's API has no LoRA alpha, so use the one bct serve fixes; both backends then train the same model.
const LORA = { rank: 4, alpha: LORA_ALPHA };

/** `n` steps as the pipeline runs them: forward_backward and optim_step issued together. */
async function steps(t: TrainingClient, batch: Datum[], n: number) {
  const out: { loss: number; gradNorm: number; weightedTokens: number; tokens: number; step: number }[] = [];
  for (let i = 0; i < n; i++) {
    const [fb, os] = await Promise.all([t.forwardBackward(batch), t.optimStep(OPTIM)]);
    out.push({ loss: fb.loss, gradNorm: os.gradNorm, weightedTokens: fb.weightedTokens, tokens: fb.tokens, step: os.step });
  }
  return out;
}

test('tinker backend on bct serve: LoRA training, resume, sampler weights, sampling and log-probs equal the embedded backend bit for bit', async () => {
  assert.equal(getGemm().backend, 'typescript');
  const internal: string[] = [];
  const serve = await startServe({ host: '127.0.0.1', port: 0, token: KEY, models: packageModels(), project: tempDir('bct-tinker-e2e-') }, (m) => internal.push(m));
  const warnings: string[] = [];
  const spec = { name: 'tinker', args: { baseUrl: serve.url, apiKeyEnv: 'BCT_TINKER_E2E_KEY' } };
  const tinker = new TinkerBackend(spec, tinkerConfig(spec), DEFAULT_TIMING, (w) => warnings.push(w));
  const embedded = createBackend({ name: 'embedded', args: {} });
  try {
    const work = tempDir('bct-tinker-e2e-work-');
    const t = await tinker.createTrainingClient({ base: 'mw-base', lora: LORA, seed: 11, workDir: work });
    const e = await embedded.createTrainingClient({ base: 'models/mw-base', lora: LORA, seed: 11, workDir: tempDir('bct-embedded-e2e-') });
    assert.ok(isResumable(t) && isResumable(e));
    const batch = EXAMPLES.map(([task, answer]) => t.renderer.renderSupervised(msgs(task), answer));
    assert.deepEqual(batch, EXAMPLES.map(([task, answer]) => e.renderer.renderSupervised(msgs(task), answer)), 'the same microworld datums');
    assert.equal(t.renderer.contextLength, e.renderer.contextLength);

    // Two steps, saved state, two more: equal losses and gradient norms to the bit.
    const first = await steps(t, batch, 2);
    assert.deepEqual(first, await steps(e, batch, 2));
    await t.saveState(`${work}/state-2`);
    await e.saveState(`${work}/embedded-state-2`);
    const rest = await steps(t, batch, 2);
    assert.deepEqual(rest, await steps(e, batch, 2));
    assert.ok(rest[1]!.loss < first[0]!.loss, `the loss falls (${first[0]!.loss} → ${rest[1]!.loss})`);

    // Resume from the saved state in a new client: the same two steps again.
    const resumed = await tinker.createTrainingClient({ base: 'mw-base', lora: LORA, seed: 11, workDir: work });
    assert.ok(isResumable(resumed));
    await resumed.loadState(`${work}/state-2`);
    assert.equal(resumed.step, 2);
    assert.deepEqual(await steps(resumed, batch, 2), rest, 'resumed steps equal the uninterrupted ones');

    // Sampler weights → samplers: the same answers for the same seeds, whatever the batching.
    const sT = await tinker.createSamplingClient((await t.saveForSampler('step-4')).ref);
    const sE = await embedded.createSamplingClient((await e.saveForSampler('step-4')).ref);
    const prompts = ['echo red', 'echo green', 'count one two', 'echo moon', 'first star road', 'echo sun tree'].map((task, i) => ({ messages: msgs(task), seed: 300 + i }));
    const params = { temperature: 1.3, topP: 0.95, maxTokens: 10, stop: [], seed: 0 };
    const all = await sT.sample(prompts, params);
    assert.deepEqual(all.samples, (await sE.sample(prompts, params)).samples);
    assert.deepEqual([...(await sT.sample(prompts.slice(0, 2), params)).samples, ...(await sT.sample(prompts.slice(2), params)).samples], all.samples, 'independent of batching');
    assert.ok(new Set(all.samples.map((s) => s.text)).size > 1, 'the answers differ between prompts');
    const greedy = { ...params, temperature: 0, stop: ['tree'] };
    assert.deepEqual((await sT.sample(prompts, greedy)).samples, (await sE.sample(prompts, greedy)).samples, 'greedy with a stop string');

    for (const [task, answer] of EXAMPLES) {
      const lt = await sT.logprobs(msgs(task), answer);
      const le = await sE.logprobs(msgs(task), answer);
      assert.deepEqual(lt.tokens, le.tokens);
      assert.deepEqual(lt.tokenLogprobs, le.tokenLogprobs, `log-probs of "${answer}"`);
      assert.equal(lt.logprob, le.logprob);
    }

    // The untrained base: equal to the embedded base, different from the trained sampler.
    const bT = await tinker.createSamplingClient({ base: 'mw-base' });
    const bE = await embedded.createSamplingClient({ base: 'models/mw-base' });
    assert.deepEqual((await bT.sample(prompts, params)).samples, (await bE.sample(prompts, params)).samples);
    const [task, answer] = EXAMPLES[1]!;
    assert.equal((await bT.logprobs(msgs(task), answer)).logprob, (await bE.logprobs(msgs(task), answer)).logprob);
    assert.ok((await sT.logprobs(msgs(task), answer)).logprob > (await bT.logprobs(msgs(task), answer)).logprob, 'training raised the target log-prob');

    await Promise.all([t.close(), resumed.close(), e.close()]);
  } finally {
    await tinker.close();
    await embedded.close();
    await serve.close();
  }
  assert.deepEqual(internal, [], 'the server reported no failure of its own');
  assert.deepEqual(warnings, [], 'no warnings (heartbeats and unloads all succeeded)');
});
