// A bounded loop of hostile requests against `bct serve` (loopback only; it stops by itself): traversal
// and encoded traversal in paths, model ids, checkpoint names and tinker:// paths; huge headers and
// bodies; bad UTF-8 and JSON; wrong methods; foreign Host and Origin; bad tokens; Tinker bodies that are
// wrong in every field. The server must stay up, answer each with a 4xx, and hold exactly what it held.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { hostileRequests, malformedRequests, rawRequest, runRequestLoop, type ProbeRequest } from '../http/probe.js';
import { Tokenizer } from '../microworld/index.js';
import { fwdBwdBody, testServer, TOKEN, treeHash, wireDatum } from './testing.js';

const MAX_BODY = 16 * 1024;

test('10,000+ hostile requests: every one refused with a 4xx, the server up and its state unchanged', async () => {
  const project = tempDir('bct-serve-hostile-');
  const { serve, client: c, internal } = await testServer(project, { maxBodyBytes: MAX_BODY, pollMs: 50 });
  try {
    const tok = Tokenizer.microworld();
    const d = tok.renderExample([{ role: 'user', content: 'echo red' }], 'red');
    const session = await c.session();
    const model = await c.createModel(session, { rank: 2, seed: 1 });
    await c.call('forward_backward', fwdBwdBody(model, 1, [d]));
    await c.call('optim_step', { model_id: model, seq_id: 2, adam_params: { learning_rate: 1e-3 } });
    const state = await c.call<{ path: string }>('save_weights', { model_id: model, seq_id: 3, path: 'state' });
    const sampler = await c.call<{ path: string }>('save_weights_for_sampler', { model_id: model, seq_id: 4, path: 'sampler' });
    const forward = (seq: number) => c.call('forward', { model_id: model, seq_id: seq, forward_input: { data: [wireDatum(d)], loss_fn: 'cross_entropy' } });
    const before = { tree: treeHash(join(project, 'serve')), stats: serve.stats(), forward: await forward(5) };

    const host = `127.0.0.1:${serve.port}`;
    const auth = { 'x-api-key': TOKEN };
    const api = ['forward_backward', 'save_weights', 'load_weights', 'asample', 'create_model', 'retrieve_future', 'create_session'].map((p) => `/api/v1/${p}`);
    const cases: ProbeRequest[] = hostileRequests({ host, paths: [...api, '/api/v1/healthz', '/api/v1/get_server_capabilities'], auth, maxBodyBytes: MAX_BODY });
    // Well-authenticated Tinker bodies, each wrong somewhere; none may create, write or run anything.
    const json = { host, ...auth, 'content-type': 'application/json' };
    const bodies: [string, unknown][] = [
      ['forward_backward', { model_id: '../../etc/passwd', forward_backward_input: { data: [wireDatum(d)], loss_fn: 'cross_entropy' } }],
      ['forward_backward', { ...(fwdBwdBody(model, 1, [d, d]) as object) }], // seq 1 reused with another body: 409
      ['forward_backward', { model_id: model, seq_id: 2, forward_backward_input: { data: [wireDatum(d)], loss_fn: 'importance_sampling' } }],
      ['forward_backward', { model_id: model, seq_id: 6, forward_backward_input: { data: [{ model_input: { chunks: [{ tokens: [1, 99999] }] }, loss_fn_inputs: {} }], loss_fn: 'cross_entropy' } }],
      ['forward_backward', { model_id: model, seq_id: 6, forward_backward_input: { data: [], loss_fn: 'cross_entropy' } }],
      ['forward', { model_id: model, seq_id: 6, forward_input: { data: [{ model_input: { chunks: [{ type: 'image', data: 'AAAA' }] }, loss_fn_inputs: {} }], loss_fn: 'cross_entropy' } }],
      ['optim_step', { model_id: model, seq_id: 6, adam_params: { learning_rate: -1 } }],
      ['optim_step', { model_id: model, seq_id: 6, adam_params: { beta1: 1.5 } }],
      ['save_weights', { model_id: model, seq_id: 6, path: '../../../tmp/escape' }],
      ['save_weights', { model_id: model, seq_id: 6, path: '..' }],
      ['save_weights', { model_id: model, seq_id: 6, path: '.hidden' }],
      ['save_weights', { model_id: model, seq_id: 6, path: 'a/b' }],
      ['save_weights', { model_id: model, seq_id: 6, path: 'state' }], // exists: 409
      ['save_weights_for_sampler', { model_id: model, seq_id: 6, path: '%2e%2e' }],
      ['save_weights_for_sampler', { model_id: model, seq_id: 6 }],
      ['load_weights', { model_id: model, seq_id: 6, path: `tinker://${model}/weights/../../etc`, optimizer: true }],
      ['load_weights', { model_id: model, seq_id: 6, path: 'file:///etc/passwd', optimizer: true }],
      ['load_weights', { model_id: model, seq_id: 6, path: sampler.path, optimizer: true }],
      ['load_weights', { model_id: model, seq_id: 6, path: state.path.replace('/state', '/nope'), optimizer: true }],
      ['weights_info', { tinker_path: `tinker://${model}/weights/%2e%2e` }],
      ['create_sampling_session', { session_id: session, sampling_session_seq_id: 0, model_path: `tinker://${model}/sampler_weights/../weights/state` }],
      ['create_sampling_session', { session_id: session, sampling_session_seq_id: 0, model_path: state.path }],
      ['asample', { model_path: `${sampler.path}/../../x`, prompt: { chunks: [{ tokens: [1] }] }, sampling_params: { max_tokens: 2 } }],
      ['asample', { base_model: '../../models/mw-base', prompt: { chunks: [{ tokens: [1] }] }, sampling_params: { max_tokens: 2 } }],
      ['asample', { base_model: 'mw-base', num_samples: 1e9, prompt: { chunks: [{ tokens: [1] }] }, sampling_params: { max_tokens: 2 } }],
      ['asample', { base_model: 'mw-base', prompt: { chunks: [{ tokens: [] }] }, sampling_params: { max_tokens: 2 } }],
      ['asample', { base_model: 'mw-base', prompt: { chunks: [{ tokens: [1] }] }, sampling_params: { max_tokens: 1e6 } }],
      ['create_model', { session_id: session, base_model: '/etc/passwd' }],
      ['create_model', { session_id: session, base_model: 'mw-base', lora_config: { rank: 1e9 } }],
      ['create_model', { session_id: 'session_' + 'f'.repeat(16), base_model: 'mw-base' }],
      ['unload_model', { model_id: 'model_' + 'f'.repeat(16) }],
      ['get_info', { model_id: { $ne: null } }],
      ['retrieve_future', { request_id: '../../etc/passwd' }],
      ['retrieve_future', { request_id: 'req_' + '0'.repeat(16) }],
      ['session_heartbeat', { session_id: 'session_' + '0'.repeat(16) }],
      ['create_session', '{"tags": "not a list"}'],
      ['create_session', '{"tags": [], "sdk_version": 1e400}'],
    ];
    for (const [path, body] of bodies) cases.push({ method: 'POST', path: `/api/v1/${path}`, headers: json, body: typeof body === 'string' ? body : JSON.stringify(body) });
    cases.push({ method: 'GET', path: '/api/v1/samplers/..%2f..%2fetc', headers: { host, ...auth } });
    cases.push({ method: 'GET', path: '/api/v1/samplers/sampler_0000000000000000', headers: { host, ...auth } });
    cases.push({ method: 'POST', path: '/api/v1/forward_backward', headers: { ...json, 'content-type': 'application/x-protobuf' }, body: Buffer.from([8, 1, 18, 0]) });
    cases.push({ method: 'POST', path: '/api/v1/forward_backward', headers: { ...json, 'content-encoding': 'zstd' }, body: '{}' });

    const t0 = performance.now();
    const loop = await runRequestLoop(serve.port, cases, 10200, 16);
    const raw: number[] = [];
    for (const m of malformedRequests(host)) raw.push((await rawRequest(serve.port, m)).status);
    const seconds = (performance.now() - t0) / 1000;
    const counts = [...loop.statuses.entries()].sort((a, b) => a[0] - b[0]);
    console.log(`${loop.requests} hostile requests (${cases.length} kinds) + ${raw.length} malformed in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(counts)}`);
    for (const [status, n] of counts) assert.ok(status >= 400 && status < 500, `${n} requests answered ${status}`);
    assert.ok(raw.every((s) => s >= 400 && s < 500), `malformed: ${raw.join(', ')}`);

    const health = await fetch(`${serve.url}api/v1/healthz`);
    assert.equal(health.status, 200, 'still up');
    assert.equal(treeHash(join(project, 'serve')), before.tree, 'no file written, moved or removed');
    const after = serve.stats();
    // Request counts grow by design (refused requests are counted); everything the server holds is unchanged.
    assert.deepEqual({ ...after, futures: 0, requests: {} }, { ...before.stats, futures: 0, requests: {} });
    assert.equal(after.futures, before.stats.futures + 1, 'the only future since is the forward below');
    assert.deepEqual(await forward(6), before.forward, 'the model is as it was (seq 6 was never taken)');
    assert.deepEqual(internal, []);
  } finally {
    await serve.close();
  }
});
