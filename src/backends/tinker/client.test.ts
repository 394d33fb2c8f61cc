// The tinker backend's clients against a scripted Tinker server on 127.0.0.1: what each operation sends
// (bodies, seq_id order, concurrency), how it reads the replies, and its errors. The server here is a
// few lines per endpoint with canned results; the real server is exercised by e2e.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../test/temp-dir.js';
import { createRenderer } from '../../chat/index.js';
import type { ChatMessage } from '../../domain/index.js';
import { BackendError, CheckpointError, ConfigError, DataError } from '../../errors.js';
import { isResumable, type Datum } from '../types.js';
import type { TinkerTiming } from './config.js';
import { TinkerBackend } from './index.js';
import { FAST_TIMING, startScriptedServer, type Scripted, type ScriptedRequest } from './scripted-server.js';

const KEY = 'tml-client-secret-777';
process.env.BCT_TINKER_CLIENT_KEY = KEY;
const OPT = { lr: 1e-3, betas: [0.9, 0.95] as [number, number], eps: 1e-8, weightDecay: 0.01, gradClip: 1 };
const mw = createRenderer('microworld', { contextLength: 48 });
const msgs = (w: string): ChatMessage[] => [{ role: 'user', content: `echo ${w}` }];

interface FakeOptions {
  fullFinetune?: boolean;
  loraAlpha?: boolean;
  tokenizerId?: string;
  /** Answer tokens (ending with the stop token or not) and stop reason for an asample with this seed. */
  answer?: (seed: number) => { tokens: number[]; stop_reason: 'stop' | 'length' };
  /** Replies to a submission before the normal one (e.g. a 400). */
  submitFault?: (r: ScriptedRequest) => Scripted | undefined;
  /** Replaces a future's result (e.g. an {error, category}). */
  resultFault?: (endpoint: string, body: Record<string, unknown>) => unknown;
  heartbeatStatus?: number;
  /** asample results wait (try_again) until this many asample requests were in flight at once, or 50
   *  polls went by, so a test sees the client's cap reached. */
  holdSamplesUntil?: number;
  /** The tokenizer_id capabilities report for "mw" (an extension field); null: none. */
  servedTokenizer?: string | null;
}

/** A Tinker server with canned results. Futures resolve on their first poll, except forward_backward,
 *  which stays `try_again` until a later request of the same model has been submitted or 50 polls went
 *  by (so a test can see whether optim_step was sent before forward_backward's result came back), and
 *  asample, which resolves on its second poll at the earliest (see holdSamplesUntil). */
async function fakeTinker(o: FakeOptions = {}) {
  const futures = new Map<string, { endpoint: string; body: Record<string, unknown>; polls: number; seq: number; delivered: boolean }>();
  const submitted: { endpoint: string; body: Record<string, unknown>; at: number }[] = [];
  const delivered: { endpoint: string; at: number }[] = [];
  let clock = 0;
  let ids = 0;
  let inFlightSamples = 0;
  let maxInFlightSamples = 0;
  const result = (endpoint: string, body: Record<string, unknown>): unknown => {
    const fault = o.resultFault?.(endpoint, body);
    if (fault !== undefined) return fault;
    switch (endpoint) {
      case 'create_model':
        return { model_id: `m${++ids}` };
      case 'forward_backward': {
        const data = (body.forward_backward_input as { data: { loss_fn_inputs: { weights: { data: number[] } } }[] }).data;
        // Every target's NLL is 1 here, so Σ weight·NLL = Σ weights.
        const sum = data.reduce((s, d) => s + d.loss_fn_inputs.weights.data.reduce((a, w) => a + w, 0), 0);
        return { loss_fn_output_type: 'ArrayRecord', loss_fn_outputs: [], metrics: { 'loss:sum': sum } };
      }
      case 'optim_step':
        return { metrics: { grad_norm: 0.5 } };
      case 'save_weights':
        return { path: `tinker://${String(body.model_id)}/weights/${String(body.path)}` };
      case 'save_weights_for_sampler':
        return { path: `tinker://${String(body.model_id)}/sampler_weights/${String(body.path)}` };
      case 'asample': {
        const prompt = (body.prompt as { chunks: { tokens: number[] }[] }).chunks[0]!.tokens;
        if (body.prompt_logprobs === true) return { sequences: [{ tokens: [6], stop_reason: 'length' }], prompt_logprobs: [null, ...prompt.slice(1).map((_, i) => -0.25 * (i + 1))] };
        const seed = (body.sampling_params as { seed: number }).seed;
        return { sequences: [{ ...(o.answer ?? (() => ({ tokens: [21, 6], stop_reason: 'stop' as const })))(seed), logprobs: null }], prompt_logprobs: null };
      }
      default:
        return {};
    }
  };
  const server = await startScriptedServer((r) => {
    const endpoint = r.path.replace('/api/v1/', '');
    const body = (r.body ?? {}) as Record<string, unknown>;
    if (r.headers['x-api-key'] !== KEY) return { status: 401, body: { detail: 'missing key' } };
    switch (endpoint) {
      case 'client/config':
        return { body: { pjwt_auth_enabled: false, ...(o.fullFinetune === true ? { full_finetune: true } : {}), ...(o.loraAlpha === true ? { lora_alpha: true } : {}) } };
      case 'create_session':
        return { body: { session_id: 'sess-1', type: 'create_session' } };
      case 'session_heartbeat':
        return { status: o.heartbeatStatus ?? 200, body: { type: 'session_heartbeat' } };
      case 'get_server_capabilities':
        return {
          body: {
            supported_models: [
              { model_name: 'mw', max_context_length: 48, ...(o.servedTokenizer === null ? {} : { tokenizer_id: o.servedTokenizer ?? 'bctlab/microworld' }) },
              { model_name: 'other' },
            ],
          },
        };
      case 'get_info':
        return { body: { model_id: body.model_id, model_data: { arch: 'gpt', model_name: 'mw', tokenizer_id: o.tokenizerId ?? 'bctlab/microworld' }, is_lora: true } };
      case 'create_sampling_session':
        return { body: { sampling_session_id: `samp-${Number(body.sampling_session_seq_id)}` } };
      case 'retrieve_future': {
        const id = String(body.request_id);
        const f = futures.get(id);
        if (f === undefined) return { status: 404, body: { detail: `no future ${id}` } };
        f.polls++;
        if (f.endpoint === 'forward_backward') {
          const later = submitted.some((s) => s.at > f.seq && s.body.model_id === f.body.model_id);
          if (!later && f.polls < 50) return { body: { type: 'try_again', request_id: id, queue_state: 'active' } };
        }
        if (f.endpoint === 'asample') {
          const held = f.polls < 2 || (maxInFlightSamples < (o.holdSamplesUntil ?? 0) && f.polls < 50);
          if (held) return { body: { type: 'try_again', request_id: id, queue_state: 'active' } };
          if (!f.delivered) inFlightSamples--;
          f.delivered = true;
        }
        delivered.push({ endpoint: f.endpoint, at: ++clock });
        return { body: result(f.endpoint, f.body) };
      }
      default: {
        const fault = o.submitFault?.(r);
        if (fault !== undefined) return fault;
        const id = `req-${futures.size + 1}`;
        const at = ++clock;
        futures.set(id, { endpoint, body, polls: 0, seq: at, delivered: false });
        submitted.push({ endpoint, body, at });
        if (endpoint === 'asample') maxInFlightSamples = Math.max(maxInFlightSamples, ++inFlightSamples);
        return { body: { request_id: id, model_id: body.model_id } };
      }
    }
  });
  return { server, submitted, delivered, maxInFlight: () => maxInFlightSamples, of: (endpoint: string) => submitted.filter((s) => s.endpoint === endpoint).map((s) => s.body) };
}

type Fake = Awaited<ReturnType<typeof fakeTinker>>;

function backendOn(fake: Fake, o: { maxInFlight?: number; timing?: Partial<TinkerTiming>; warnings?: string[] } = {}) {
  const config = { baseUrl: fake.server.url, apiKeyEnv: 'BCT_TINKER_CLIENT_KEY', maxInFlight: o.maxInFlight ?? 32 };
  return new TinkerBackend({ name: 'tinker', args: { baseUrl: fake.server.url, apiKeyEnv: 'BCT_TINKER_CLIENT_KEY' } }, config, { ...FAST_TIMING, ...o.timing }, (m) => o.warnings?.push(m));
}

async function withFake(o: FakeOptions, body: (fake: Fake) => Promise<void>): Promise<void> {
  const fake = await fakeTinker(o);
  try {
    await body(fake);
  } finally {
    await fake.server.close();
  }
}

const lora = (workDir: string) => ({ base: 'mw', lora: { rank: 4, alpha: 32 }, seed: 7, workDir });

test('a training step: mean-weighted cross_entropy with the shift by one, then AdamW, submitted back to back', async () => {
  await withFake({}, async (fake) => {
    const backend = backendOn(fake);
    const t = await backend.createTrainingClient(lora(tempDir('bct-tinker-')));
    assert.equal(t.renderer.contextLength, 48, 'the server context length bounds the renderer');
    assert.deepEqual(fake.of('create_model')[0], {
      session_id: 'sess-1',
      model_seq_id: 0,
      base_model: 'mw',
      lora_config: { rank: 4, seed: 7, train_mlp: true, train_attn: true, train_unembed: true },
      user_metadata: {},
      type: 'create_model',
    });
    const batch: Datum[] = ['red', 'blue'].map((w) => mw.renderSupervised(msgs(w), `${w} dog`));
    const total = batch.reduce((s, d) => s + d.weights.reduce((a, w) => a + w, 0), 0);

    // As the pipeline does: both issued, then both awaited. The fake holds forward_backward's result
    // until a later request arrives, so this only finishes early if optim_step was sent without waiting.
    const [fb, os] = await Promise.all([t.forwardBackward(batch), t.optimStep(OPT)]);
    const fwd = fake.submitted.find((s) => s.endpoint === 'forward_backward')!;
    const opt = fake.submitted.find((s) => s.endpoint === 'optim_step')!;
    const fwdResult = fake.delivered.find((d) => d.endpoint === 'forward_backward')!;
    assert.ok(opt.at < fwdResult.at, 'optim_step was submitted before forward_backward returned');
    assert.deepEqual([fwd.body.seq_id, opt.body.seq_id], [1, 2]);

    const data = (fwd.body.forward_backward_input as { data: { model_input: { chunks: { tokens: number[] }[] }; loss_fn_inputs: Record<string, { data: number[]; dtype: string; shape: number[] }> }[]; loss_fn: string }).data;
    assert.equal((fwd.body.forward_backward_input as { loss_fn: string }).loss_fn, 'cross_entropy');
    data.forEach((d, i) => {
      const src = batch[i]!;
      assert.deepEqual(d.model_input.chunks[0]!.tokens, src.tokens.slice(0, -1));
      assert.deepEqual(d.loss_fn_inputs.target_tokens, { data: src.tokens.slice(1), dtype: 'int64', shape: [src.tokens.length - 1] });
      assert.deepEqual(d.loss_fn_inputs.weights!.data, src.weights.slice(1).map((w) => w / total), 'weights divided by the batch total');
    });
    assert.ok(Math.abs(fb.loss - 1) < 1e-12, `loss:sum of mean weights is the per-token mean (1 here), got ${fb.loss}`);
    assert.equal(fb.weightedTokens, total);
    assert.equal(fb.tokens, batch.reduce((s, d) => s + d.tokens.length - 1, 0));
    assert.deepEqual(opt.body.adam_params, { learning_rate: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.01, grad_clip_norm: 1 });
    assert.deepEqual([os.step, os.gradNorm, t.step], [1, 0.5, 1]);

    // Awaited one at a time it works too, and seq ids keep counting.
    await t.forwardBackward(batch);
    await t.optimStep(OPT);
    assert.deepEqual(fake.submitted.filter((s) => s.body.model_id === 'm1').map((s) => s.body.seq_id), [1, 2, 3, 4]);
    assert.equal(t.step, 2);
    await t.close();
    assert.deepEqual(fake.of('unload_model'), [{ model_id: 'm1', type: 'unload_model' }]);
    await backend.close();
  });
});

test('saveForSampler writes remote-weights.json; sampling clients open sessions on it or on the base', async () => {
  await withFake({}, async (fake) => {
    const backend = backendOn(fake);
    const work = tempDir('bct-tinker-');
    const t = await backend.createTrainingClient(lora(work));
    const saved = await t.saveForSampler('step-3');
    assert.equal(saved.path, join(work, 'sampler-step-3'));
    assert.deepEqual(saved.ref, { base: 'mw', weights: saved.path });
    assert.deepEqual(JSON.parse(readFileSync(join(saved.path!, 'remote-weights.json'), 'utf8')), {
      schemaVersion: 1,
      tinker_path: 'tinker://m1/sampler_weights/step-3',
      base_model: 'mw',
      tokenizer_id: 'bctlab/microworld',
    });
    await assert.rejects(t.saveForSampler('step-3'), /already saved/);
    await assert.rejects(t.saveForSampler('../x'), (e: unknown) => e instanceof ConfigError && /letters, digits/.test(e.message));

    await backend.createSamplingClient(saved.ref);
    await backend.createSamplingClient({ base: 'mw' });
    const sessions = fake.server.requests.filter((r) => r.path === '/api/v1/create_sampling_session').map((r) => r.body);
    assert.deepEqual(sessions, [
      { session_id: 'sess-1', sampling_session_seq_id: 0, model_path: 'tinker://m1/sampler_weights/step-3', type: 'create_sampling_session' },
      { session_id: 'sess-1', sampling_session_seq_id: 1, base_model: 'mw', type: 'create_sampling_session' },
    ]);
    await assert.rejects(backend.createSamplingClient({ base: 'mw', weights: join(work, 'nowhere') }), /remote-weights\.json/);
    await assert.rejects(backend.createSamplingClient({ base: 'other', weights: saved.path! }), (e: unknown) => e instanceof CheckpointError && /trained from "mw", not from "other"/.test(e.message));
    await backend.close();
  });
});

test('sample: one asample per prompt with its own seed, at most maxInFlight at once, stop strings cut the text', async () => {
  const answers = new Map<number, { tokens: number[]; stop_reason: 'stop' | 'length' }>();
  const enc = (text: string) => mw.renderSupervised(msgs('red'), text).tokens.slice(mw.renderPrompt(msgs('red')).length); // answer + <eot>
  answers.set(100, { tokens: enc('red dog'), stop_reason: 'stop' });
  answers.set(101, { tokens: enc('blue cat').slice(0, -1), stop_reason: 'length' });
  await withFake({ answer: (seed) => answers.get(seed) ?? { tokens: enc('sun'), stop_reason: 'stop' }, holdSamplesUntil: 4 }, async (fake) => {
    const backend = backendOn(fake, { maxInFlight: 3 });
    const s = await backend.createSamplingClient({ base: 'mw' });
    const prompts = Array.from({ length: 10 }, (_, i) => ({ messages: msgs(['red', 'blue', 'sun'][i % 3]!), ...(i < 2 ? { seed: 100 + i } : {}) }));
    const out = await s.sample(prompts, { temperature: 0.7, topP: 0.9, maxTokens: 8, stop: [' dog'], seed: 50 });
    const sent = fake.of('asample');
    assert.equal(sent.length, 10);
    assert.deepEqual(sent.map((b) => (b.sampling_params as { seed: number }).seed).sort((a, b) => a - b), [100, 101, 52, 53, 54, 55, 56, 57, 58, 59].sort((a, b) => a - b), "a prompt's seed, else base seed + index");
    assert.deepEqual(sent[0]!.sampling_params, { max_tokens: 8, temperature: 0.7, top_p: 0.9, top_k: -1, seed: 100, stop: [6] });
    assert.equal(sent[0]!.num_samples, 1);
    assert.deepEqual(sent.map((b) => b.seq_id), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(fake.maxInFlight(), 3, 'never more than maxInFlight asample requests in flight');
    assert.deepEqual(out.samples[0], { text: 'red', tokens: enc('red dog').slice(0, -1), finishReason: 'stop' });
    assert.deepEqual(out.samples[1], { text: 'blue cat', tokens: enc('blue cat').slice(0, -1), finishReason: 'length' });
    assert.equal(out.samples[2]!.text, 'sun');
    assert.equal(out.completionTokens, out.samples.reduce((n, x, i) => n + x.tokens.length + (i === 1 ? 0 : 1), 0));
    assert.equal(out.promptTokens, prompts.reduce((n, p) => n + mw.renderPrompt(p.messages).length, 0));
    await assert.rejects(s.sample(prompts, { temperature: 1, topP: 1, maxTokens: 0, stop: [], seed: 0 }), (e: unknown) => e instanceof ConfigError && e.where === 'sampling.maxTokens');
    await backend.close();
  });
});

test('logprobs: one asample of prompt + continuation with prompt_logprobs, summed over the continuation', async () => {
  await withFake({}, async (fake) => {
    const backend = backendOn(fake);
    const s = await backend.createSamplingClient({ base: 'mw' });
    const lp = await s.logprobs(msgs('red'), 'red dog');
    const p = mw.renderPrompt(msgs('red'));
    const c = mw.renderSupervised(msgs('red'), 'red dog').tokens.slice(p.length, -1);
    assert.deepEqual(lp.tokens, c);
    const body = fake.of('asample')[0]!;
    assert.deepEqual((body.prompt as { chunks: { tokens: number[] }[] }).chunks[0]!.tokens, [...p, ...c]);
    assert.equal(body.prompt_logprobs, true);
    assert.equal((body.sampling_params as { max_tokens: number }).max_tokens, 1);
    // The fake gives position i the log-prob −0.25·i.
    const expected = c.map((_, j) => -0.25 * (p.length + j));
    assert.deepEqual(lp.tokenLogprobs, expected);
    assert.ok(Math.abs(lp.logprob - expected.reduce((a, b) => a + b, 0)) < 1e-12);
    assert.deepEqual((await s.logprobs(msgs('red'), '')).tokens, [], 'an empty continuation costs no request');
    assert.equal(fake.of('asample').length, 1);
    await backend.close();
  });
});

test('saveState / loadState: load_weights with the optimizer into a model that took no request, else into a fresh one', async () => {
  await withFake({}, async (fake) => {
    const backend = backendOn(fake);
    const work = tempDir('bct-tinker-');
    const a = await backend.createTrainingClient(lora(work));
    assert.ok(isResumable(a));
    const batch = [mw.renderSupervised(msgs('red'), 'red dog')];
    for (let i = 0; i < 3; i++) await Promise.all([a.forwardBackward(batch), a.optimStep(OPT)]);
    const dir = join(work, 'state-3');
    await a.saveState(dir);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'remote-state.json'), 'utf8')), { schemaVersion: 1, tinker_path: 'tinker://m1/weights/state-step-3', base_model: 'mw', lora_rank: 4, step: 3 });

    // A fresh client loads into its own new model as the model's first request.
    const b = await backend.createTrainingClient(lora(work));
    await b.loadState(dir);
    assert.equal(b.step, 3);
    assert.deepEqual(fake.of('load_weights'), [{ model_id: 'm2', path: 'tinker://m1/weights/state-step-3', seq_id: 1, optimizer: true, type: 'load_weights' }]);

    // A client that already trained gets a new model to load into; the old one is unloaded.
    await a.loadState(dir);
    assert.equal(fake.of('create_model').length, 3);
    assert.deepEqual(fake.of('load_weights')[1], { model_id: 'm3', path: 'tinker://m1/weights/state-step-3', seq_id: 1, optimizer: true, type: 'load_weights' });
    assert.deepEqual(fake.of('unload_model'), [{ model_id: 'm1', type: 'unload_model' }]);
    await a.forwardBackward(batch);
    assert.deepEqual(fake.of('forward_backward').at(-1)!.seq_id, 2);
    assert.equal(fake.of('forward_backward').at(-1)!.model_id, 'm3');

    const full = await backendOn(fake).createTrainingClient({ ...lora(work), lora: { rank: 8, alpha: 32 } });
    await assert.rejects(full.loadState(dir), /state is LoRA rank 4; this cell is LoRA rank 8/);
    await assert.rejects(b.loadState(join(work, 'none')), /remote-state\.json/);
    await backend.close();
  });
});

test('refused before any model is made: unknown base, full fine-tune on a LoRA-only server, an organism adapter; the server flags', async () => {
  await withFake({}, async (fake) => {
    const backend = backendOn(fake);
    const work = tempDir('bct-tinker-');
    await assert.rejects(backend.createTrainingClient({ ...lora(work), base: 'Qwen/Qwen3-8B' }), (e: unknown) => {
      assert.ok(e instanceof ConfigError && e.isInputError);
      assert.equal(e.where, 'organism.base');
      assert.match(e.message, /model "Qwen\/Qwen3-8B" is not served by http:\/\/127\.0\.0\.1:\d+; it serves: mw, other/);
      return true;
    });
    await assert.rejects(backend.createSamplingClient({ base: 'nope' }), (e: unknown) => e instanceof ConfigError && e.where === 'organism.base');
    await assert.rejects(backend.createTrainingClient({ ...lora(work), lora: null }), (e: unknown) => e instanceof ConfigError && e.where === 'loraRanks' && /offers LoRA training only/.test(e.message));
    await assert.rejects(backend.createTrainingClient({ ...lora(work), adapter: '/tmp/adapter' }), (e: unknown) => e instanceof ConfigError && e.where === 'organism.adapter');
    assert.equal(fake.of('create_model').length, 0);
    await backend.close();
  });
  await withFake({ fullFinetune: true, loraAlpha: true }, async (fake) => {
    const backend = backendOn(fake);
    await backend.createTrainingClient({ ...lora(tempDir('bct-tinker-')), lora: null });
    assert.equal('lora_config' in fake.of('create_model')[0]!, false, 'a full fine-tune sends no lora_config where the server offers it');
    await backend.createTrainingClient({ ...lora(tempDir('bct-tinker-')), lora: { rank: 2, alpha: 16 } });
    assert.deepEqual(fake.of('create_model')[1]!.lora_config, { rank: 2, seed: 7, train_mlp: true, train_attn: true, train_unembed: true, alpha: 16 }, 'alpha where the server reads it');
    await backend.close();
  });
});

test("a base sampler's renderer: from capabilities, else an earlier get_info, else a throwaway model's get_info", async () => {
  await withFake({ servedTokenizer: null }, async (fake) => {
    const backend = backendOn(fake);
    const [s] = await Promise.all([backend.createSamplingClient({ base: 'mw' }), backend.createSamplingClient({ base: 'mw' })]);
    assert.equal(s.renderer.decode([21]), 'red', 'the microworld renderer');
    assert.deepEqual(fake.of('create_model').map((b) => b.lora_config), [{ rank: 1, seed: 0, train_mlp: true, train_attn: true, train_unembed: true }]);
    assert.deepEqual(fake.of('unload_model'), [{ model_id: 'm1', type: 'unload_model' }], 'the probe model is unloaded at once');
    await Promise.all([backend.createSamplingClient({ base: 'mw' }), backend.createSamplingClient({ base: 'mw' })]);
    assert.equal(fake.of('create_model').length, 1, 'the tokenizer is remembered for the session');
    await backend.close();
  });
  await withFake({}, async (fake) => {
    const backend = backendOn(fake);
    await backend.createSamplingClient({ base: 'mw' });
    assert.equal(fake.of('create_model').length, 0, 'capabilities named the tokenizer');
    await backend.close();
  });
});

test('a tokenizer without a renderer is a ConfigError naming the model and the renderers; the model is unloaded', async () => {
  await withFake({ tokenizerId: 'acme/unknown-7b' }, async (fake) => {
    const backend = backendOn(fake);
    await assert.rejects(backend.createTrainingClient(lora(tempDir('bct-tinker-'))), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /no chat renderer for model "mw" \(tokenizer "acme\/unknown-7b"\); bctlab has renderers qwen3, .*microworld/);
      return true;
    });
    assert.deepEqual(fake.of('unload_model'), [{ model_id: 'm1', type: 'unload_model' }]);
    await backend.close();
  });
});

test('a failed submission fails every later request of the client, and errors never show the key', async () => {
  await withFake(
    {
      submitFault: (r) => (r.path.endsWith('/forward_backward') ? { status: 422, body: { detail: [{ loc: ['body', 'seq_id'], msg: `bad for ${String(r.headers['x-api-key'])}` }] } } : undefined),
    },
    async (fake) => {
      const t = await backendOn(fake).createTrainingClient(lora(tempDir('bct-tinker-')));
      const batch = [mw.renderSupervised(msgs('red'), 'red dog')];
      const [fb, os] = await Promise.allSettled([t.forwardBackward(batch), t.optimStep(OPT)]);
      assert.equal(fb.status, 'rejected');
      assert.equal(os.status, 'rejected');
      const fe = (fb as PromiseRejectedResult).reason as BackendError;
      const oe = (os as PromiseRejectedResult).reason as BackendError;
      assert.ok(fe instanceof BackendError && oe instanceof BackendError);
      assert.match(fe.message, /HTTP 422: \["body","seq_id"\] bad for \*\*\*/);
      assert.match(oe.message, /optim_step seq 2 not sent: request seq 1 before it failed/);
      for (const e of [fe, oe]) assert.ok(!e.message.includes(KEY), e.message);
      assert.equal(fake.of('optim_step').length, 0, 'optim_step never reached the server');
    },
  );
  await withFake(
    { resultFault: (endpoint) => (endpoint === 'forward_backward' ? { error: `token 999 out of range (key ${KEY})`, category: 'user' } : undefined) },
    async (fake) => {
      const t = await backendOn(fake).createTrainingClient(lora(tempDir('bct-tinker-')));
      const e = await t.forwardBackward([mw.renderSupervised(msgs('red'), 'red dog')]).then(
        () => assert.fail('expected a rejection'),
        (err: unknown) => err as BackendError,
      );
      assert.match(e.message, /forward_backward seq 1 \(request req-\d+\): request failed \(user error\): token 999 out of range \(key \*\*\*\)/);
      assert.equal(e.where, 'tinker /api/v1/forward_backward');
    },
  );
});

test('bad batches are DataErrors before anything is sent', async () => {
  await withFake({}, async (fake) => {
    const t = await backendOn(fake).createTrainingClient(lora(tempDir('bct-tinker-')));
    await assert.rejects(t.forwardBackward([]), (e: unknown) => e instanceof DataError && e.where === 'batch');
    await assert.rejects(t.forwardBackward([{ tokens: [1, 2, 3], weights: [0, 0, 0] }]), (e: unknown) => e instanceof DataError && /total loss weight is 0/.test(e.message));
    await assert.rejects(t.forwardBackward([{ tokens: Array(60).fill(1), weights: Array(60).fill(1) }]), (e: unknown) => e instanceof DataError && e.where === 'batch[0].tokens');
    assert.equal(fake.of('forward_backward').length, 0);
  });
});

test('the session sends heartbeats while open, warns once when they fail, and stops on close', async () => {
  await withFake({ heartbeatStatus: 503 }, async (fake) => {
    const warnings: string[] = [];
    const backend = backendOn(fake, { timing: { heartbeatMs: 20 }, warnings });
    await backend.createSamplingClient({ base: 'mw' });
    const beats = () => fake.server.requests.filter((r) => r.path === '/api/v1/session_heartbeat');
    for (let i = 0; i < 500 && beats().length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(beats()[0]!.body, { session_id: 'sess-1', type: 'session_heartbeat' });
    assert.equal(warnings.length, 1, `one warning for one outage: ${warnings.join(' | ')}`);
    assert.match(warnings[0]!, /session heartbeat failed \(tinker \/api\/v1\/session_heartbeat: HTTP 503.*\); retrying every 0\.02 s/);
    await backend.close();
    const n = beats().length;
    await new Promise((r) => setTimeout(r, 80));
    assert.ok(beats().length <= n + 1, 'no heartbeats after close (one may have been in flight)');
  });
});
