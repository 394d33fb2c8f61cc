// The openai backend against scripted servers on 127.0.0.1, for what a real server rarely does on cue:
// 429 with Retry-After, 5xx, hangs, replies of the wrong shape, and a server that echoes the key. Also
// what each request carries (Bearer key, the adapter by model name, token ids with their own seeds) and
// the cap on requests in flight. No message may contain the key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatMessage } from '../../domain/index.js';
import { BackendError } from '../../errors.js';
import { Tokenizer } from '../../microworld/index.js';
import type { HttpTiming } from '../http/index.js';
import { FAST_TIMING, rejectsWithoutKey, startScriptedServer, type Scripted, type ScriptedRequest } from '../tinker/scripted-server.js';
import { openaiConfig, OpenAiBackend } from './index.js';

const KEY = 'sk-openai-test-3141592653';
process.env.BCT_OPENAI_TEST_KEY = KEY;
const tok = Tokenizer.microworld();
const RED = tok.idOf('red');
const EOT = tok.special.eot;
const ask = (task: string): ChatMessage[] => [{ role: 'user', content: task }];

/** vLLM's model list: a base served under an alias of the weights it stands for, and an adapter on it. */
const MODELS = { object: 'list', data: [{ id: 'served-base', root: 'bctlab/microworld', parent: null, max_model_len: 48 }, { id: 'adapter-7', root: '/adapters/7', parent: 'served-base' }] };

function backendOn(url: string, args: Record<string, string | number> = {}, timing: Partial<HttpTiming> = {}): OpenAiBackend {
  const spec = { name: 'openai', args: { baseUrl: `${url}/v1`, apiKeyEnv: 'BCT_OPENAI_TEST_KEY', ...args } };
  return new OpenAiBackend(spec, openaiConfig(spec), { ...FAST_TIMING, ...timing });
}

/** A completion of the answer "red" ended by <eot>, as vLLM answers with return_token_ids. */
const RED_REPLY: Scripted = { body: { choices: [{ index: 0, text: 'red', finish_reason: 'stop', token_ids: [RED, EOT] }], usage: { prompt_tokens: 5, completion_tokens: 2 } } };

const backendError = (p: Promise<unknown>): Promise<BackendError> => rejectsWithoutKey(p, KEY);

test('completions mode: Bearer key, the adapter by name, token-id prompts with their own seeds; a 429 waits Retry-After and a 503 is retried', async () => {
  const completions: ScriptedRequest[] = [];
  const faults: Scripted[] = [{ status: 429, headers: { 'retry-after-ms': '60' }, body: { error: { message: 'slow down', type: 'rate_limit_error' } } }, { status: 503, body: 'upstream busy' }];
  const server = await startScriptedServer((r) => {
    if (r.path === '/v1/models') return { body: MODELS };
    completions.push(r);
    return faults.shift() ?? RED_REPLY;
  });
  try {
    const sampler = await backendOn(server.url).createSamplingClient({ base: 'served-base', weights: 'adapter-7' });
    assert.equal(sampler.renderer.contextLength, 48, "the base's max_model_len");
    const t0 = performance.now();
    const out = await sampler.sample([{ messages: ask('echo red'), seed: 7 }], { temperature: 0.7, topP: 0.9, maxTokens: 5, stop: [], seed: 0 });
    assert.ok(performance.now() - t0 >= 60, 'waited the Retry-After');
    assert.deepEqual(out.samples, [{ text: 'red', tokens: [RED], finishReason: 'stop' }]);
    assert.equal(completions.length, 3, 'one request, retried twice');
    assert.deepEqual(completions[0]!.body, completions[2]!.body, 'retries send the same body');
    assert.deepEqual(completions[0]!.body, {
      model: 'adapter-7', prompt: tok.renderPrompt(ask('echo red')), max_tokens: 5, temperature: 0.7, top_p: 0.9, seed: 7, n: 1, stop_token_ids: [EOT], return_token_ids: true,
    });
    for (const r of [...server.requests]) {
      assert.equal(r.headers.authorization, `Bearer ${KEY}`);
      assert.equal(r.headers['x-api-key'], undefined);
    }
    assert.equal(server.requests[0]!.path, '/v1/models');
  } finally {
    await server.close();
  }
});

test('a 400 is not retried and its message is quoted with the key scrubbed; a hang times out after the retries', async () => {
  let hang = false;
  const server = await startScriptedServer((r) => {
    if (r.path === '/v1/models') return { body: MODELS };
    if (hang) return 'hang';
    return { status: 400, body: { error: { message: `bad request from key ${KEY}`, type: 'invalid_request_error', param: 'prompt', code: null } } };
  });
  try {
    const sampler = await backendOn(server.url, {}, { requestTimeoutMs: 80, maxRetries: 2 }).createSamplingClient({ base: 'served-base' });
    const e = await backendError(sampler.sample([{ messages: ask('echo red') }], { temperature: 0, topP: 1, maxTokens: 5, stop: [], seed: 0 }));
    assert.equal(e.where, 'openai /completions');
    assert.match(e.message, /HTTP 400: bad request from key \*\*\*/);
    assert.equal(server.requests.filter((r) => r.path === '/v1/completions').length, 1);
    hang = true;
    const t = await backendError(sampler.logprobs(ask('echo red'), 'red'));
    assert.match(t.message, /sent no reply within 80 ms after 3 attempts/);
    assert.ok(t.retryable);
  } finally {
    await server.close();
  }
});

test('at most maxInFlight requests in flight over all samplers of a backend; replies of the wrong shape are BackendErrors', async () => {
  let inFlight = 0;
  let most = 0;
  let shape: 'good' | 'no-ids' | 'no-choices' = 'good';
  const server = await startScriptedServer(async (r) => {
    if (r.path === '/v1/models') return { body: MODELS };
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 20));
    inFlight--;
    if (shape === 'no-ids') return { body: { choices: [{ text: 'red', finish_reason: 'stop' }] } };
    if (shape === 'no-choices') return { body: { choices: [] } };
    return RED_REPLY;
  });
  try {
    const backend = backendOn(server.url, { maxInFlight: 2 });
    const [a, b] = await Promise.all([backend.createSamplingClient({ base: 'served-base' }), backend.createSamplingClient({ base: 'served-base', weights: 'adapter-7' })]);
    const prompts = ['echo red', 'echo blue', 'echo sun'].map((t) => ({ messages: ask(t) }));
    const params = { temperature: 1, topP: 1, maxTokens: 3, stop: [], seed: 5 };
    await Promise.all([a.sample(prompts, params), b.sample(prompts, params)]);
    assert.equal(most, 2);
    const seeds = server.requests.filter((r) => r.path === '/v1/completions').map((r) => (r.body as { seed: number }).seed);
    assert.deepEqual(seeds.sort(), [5, 5, 6, 6, 7, 7], 'prompt i without a seed of its own gets seed + i');
    shape = 'no-ids';
    assert.match((await backendError(a.sample(prompts.slice(0, 1), params))).message, /no choices\[0\]\.token_ids.*return_token_ids/);
    shape = 'no-choices';
    assert.match((await backendError(a.sample(prompts.slice(0, 1), params))).message, /unexpected reply: choices/);
  } finally {
    await server.close();
  }
});

test('chat mode: messages go to the server as they are, without vLLM fields; logprobs of a one-token answer add up its spellings', async () => {
  const server = await startScriptedServer((r) => {
    if (r.path === '/v1/models') return { body: { data: [{ id: 'gpt-judge' }] } };
    const body = r.body as { logprobs?: boolean };
    if (body.logprobs !== true) return { body: { choices: [{ message: { role: 'assistant', content: 'Yes, it does. END here' }, finish_reason: 'stop' }], usage: { prompt_tokens: 11, completion_tokens: 6 } } };
    const top = [{ token: 'Yes', logprob: Math.log(0.5) }, { token: ' Yes', logprob: Math.log(0.2) }, { token: 'No', logprob: Math.log(0.25) }];
    return { body: { choices: [{ message: { content: 'Yes' }, finish_reason: 'length', logprobs: { content: [{ ...top[0]!, bytes: [89, 101, 115], top_logprobs: top }] } }] } };
  });
  try {
    const sampler = await backendOn(server.url, { api: 'chat' }).createSamplingClient({ base: 'gpt-judge' });
    const out = await sampler.sample([{ messages: ask('Is the sky blue?'), seed: 3 }], { temperature: 0, topP: 1, maxTokens: 20, stop: ['END'], seed: 0 });
    assert.deepEqual(out.samples, [{ text: 'Yes, it does.', tokens: [], finishReason: 'stop' }]);
    assert.deepEqual([out.promptTokens, out.completionTokens], [11, 6], "the server's usage");
    const sent = server.requests.find((r) => r.path === '/v1/chat/completions')!.body;
    assert.deepEqual(sent, { model: 'gpt-judge', n: 1, messages: ask('Is the sky blue?'), max_tokens: 20, temperature: 0, top_p: 1, seed: 3 });
    const yes = await sampler.logprobs(ask('Is the sky blue?'), 'Yes');
    assert.ok(Math.abs(yes.logprob - Math.log(0.7)) < 1e-12, `log 0.7, got ${yes.logprob}`);
    assert.ok(Math.abs((await sampler.logprobs(ask('q'), 'No')).logprob - Math.log(0.25)) < 1e-12);
    assert.match((await backendError(sampler.logprobs(ask('q'), 'Maybe'))).message, /"Maybe" is not among the top 20/);
    assert.throws(() => sampler.renderer.renderPrompt(ask('q')), /no chat renderer is known for model "gpt-judge".*backend\.renderer/);
  } finally {
    await server.close();
  }
});
