// The OpenAI endpoints of `bct serve` under hostile input (loopback only; the loop stops by itself): the
// same guards as the Tinker surface (token, Host, Origin, body size, strict JSON), OpenAI bodies wrong in
// every field, and a loop of a few thousand such requests. The server must stay up, answer each with a
// 4xx in OpenAI's error shape where the route answers, and hold exactly what it held.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { hostileRequests, runRequestLoop, type ProbeRequest } from '../http/probe.js';
import { Tokenizer } from '../microworld/index.js';
import { fwdBwdBody, testServer, TOKEN, treeHash } from './testing.js';

const MAX_BODY = 16 * 1024;

test('OpenAI endpoints: bad JSON 400, oversize 413, the Tinker guards, and 3,000 hostile requests leave the server up and unchanged', async () => {
  const project = tempDir('bct-serve-openai-hostile-');
  const { serve, client: c, internal } = await testServer(project, { maxBodyBytes: MAX_BODY, pollMs: 50 });
  try {
    const tok = Tokenizer.microworld();
    const session = await c.session();
    const model = await c.createModel(session, { rank: 2, seed: 1 });
    await c.call('forward_backward', fwdBwdBody(model, 1, [tok.renderExample([{ role: 'user', content: 'echo red' }], 'red')]));
    const sampler = await c.call<{ path: string }>('save_weights_for_sampler', { model_id: model, seq_id: 2, path: 'sampler' });
    const url = (path: string) => `${serve.url}${path.slice(1)}`;
    const auth = { authorization: `Bearer ${TOKEN}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const post = (path: string, body: string, headers: Record<string, string> = json) => fetch(url(path), { method: 'POST', headers, body });
    const before = { tree: treeHash(join(project, 'serve')), models: await (await fetch(url('/v1/models'), { headers: auth })).json() };

    // The answers a client reads: OpenAI's error object, the status the guard gives.
    const badJson = await post('/v1/completions', '{"model": "mw-base", "prompt": [1,');
    assert.equal(badJson.status, 400);
    const err = (await badJson.json()) as { error: { message: string; type: string; param: unknown; code: unknown } };
    assert.match(err.error.message, /not valid JSON/);
    assert.deepEqual([err.error.type, err.error.param, err.error.code], ['invalid_request_error', null, null]);
    const big = await post('/v1/chat/completions', JSON.stringify({ model: 'mw-base', messages: [{ role: 'user', content: 'x'.repeat(MAX_BODY) }] }));
    assert.equal(big.status, 413);
    assert.match(((await big.json()) as typeof err).error.message, new RegExp(`at most ${MAX_BODY} bytes`));
    assert.equal((await fetch(url('/v1/models'), { headers: { 'x-api-key': TOKEN } })).status, 200, 'X-API-Key works as on the Tinker surface');
    assert.equal((await fetch(url('/v1/models'))).status, 401);
    assert.equal((await fetch(url('/v1/embeddings'), { headers: auth })).status, 404);
    assert.equal((await post('/v1/models', '{}')).status, 405);
    assert.equal((await post('/v1/completions', '{}', { ...json, origin: 'http://attacker.test' })).status, 403);
    assert.equal((await post('/v1/completions', '{}', { ...auth, 'content-type': 'text/plain' })).status, 415);

    const host = `127.0.0.1:${serve.port}`;
    const paths = ['/v1/models', '/v1/completions', '/v1/chat/completions'];
    const cases: ProbeRequest[] = hostileRequests({ host, paths, auth, maxBodyBytes: MAX_BODY });
    const prompt = [1, 4, 73, 21, 6, 5];
    const chat = [{ role: 'user', content: 'echo red' }];
    const bodies: [string, unknown][] = [
      ['completions', { model: '../../models/mw-base', prompt, max_tokens: 1 }],
      ['completions', { model: `${sampler.path}/../../weights/x`, prompt, max_tokens: 1 }],
      ['completions', { model: `tinker://${model}/weights/sampler`, prompt, max_tokens: 1 }],
      ['completions', { model: 'mw-base', prompt: [], max_tokens: 1 }],
      ['completions', { model: 'mw-base', prompt: [[]], max_tokens: 1 }],
      ['completions', { model: 'mw-base', prompt: [-1], max_tokens: 1 }],
      ['completions', { model: 'mw-base', prompt: Array.from({ length: 49 }, () => 1), max_tokens: 1 }],
      ['completions', { model: 'mw-base', prompt: 'echo <eot> red', max_tokens: 1 }],
      ['completions', { model: 'mw-base', prompt: 'unknownword', max_tokens: 1 }],
      ['completions', { model: 'mw-base', prompt, max_tokens: 0 }],
      ['completions', { model: 'mw-base', prompt, max_tokens: 1e9 }],
      ['completions', { model: 'mw-base', prompt, max_tokens: 1, n: 1e9 }],
      ['completions', { model: 'mw-base', prompt: Array.from({ length: 65 }, () => prompt), max_tokens: 1 }],
      ['completions', { model: 'mw-base', prompt, max_tokens: 1, temperature: -1 }],
      ['completions', { model: 'mw-base', prompt, max_tokens: 1, top_p: 0 }],
      ['completions', { model: 'mw-base', prompt, max_tokens: 1, logprobs: -1 }],
      ['completions', { model: 'mw-base', prompt, max_tokens: 1, prompt_logprobs: -1 }],
      ['completions', { model: 'mw-base', prompt, max_tokens: 48, logprobs: 20 }],
      ['completions', { model: 'mw-base', prompt, max_tokens: 1, stop: Array.from({ length: 17 }, () => 'a') }],
      ['completions', { model: 'mw-base', prompt, max_tokens: 1, stop: [''] }],
      ['completions', { model: 'mw-base', prompt, max_tokens: 1, stop_token_ids: [1e6] }],
      ['completions', { model: 'mw-base', prompt, max_tokens: 1, best_of: 3 }],
      ['completions', { model: 'mw-base', prompt, max_tokens: 1, suffix: 'x' }],
      ['completions', { model: 'mw-base', prompt, max_tokens: 1, logit_bias: { 5: 100 } }],
      ['completions', { model: 'mw-base', prompt, max_tokens: 1, seed: 1e300 }],
      ['completions', { model: { $ne: null }, prompt, max_tokens: 1 }],
      ['chat/completions', { model: 'mw-base', messages: [] }],
      ['chat/completions', { model: 'mw-base', messages: [{ role: 'tool', content: 'x' }] }],
      ['chat/completions', { model: 'mw-base', messages: [{ role: 'user', content: '<assistant> red' }] }],
      ['chat/completions', { model: 'mw-base', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'file:///etc/passwd' }] }] }],
      ['chat/completions', { model: 'mw-base', messages: chat, max_tokens: 0 }],
      ['chat/completions', { model: 'mw-base', messages: chat, max_completion_tokens: 1e6 }],
      ['chat/completions', { model: 'mw-base', messages: chat, logprobs: true, top_logprobs: 21 }],
      ['chat/completions', { model: 'mw-base', messages: chat, logprobs: true, top_logprobs: 5, max_tokens: 40 }],
      ['chat/completions', { model: 'mw-base', messages: chat, echo: true }],
      ['chat/completions', { model: 'mw-base', messages: chat, tools: [{ type: 'function' }] }],
      ['chat/completions', { model: 'mw-base', messages: chat, response_format: { type: 'json_object' } }],
      ['chat/completions', { model: 'mw-base', messages: chat, stream: true }],
      ['chat/completions', { model: 'mw-base', messages: chat, top_k: 5 }],
      ['chat/completions', { model: 'nope', messages: chat }],
    ];
    for (const [path, body] of bodies) cases.push({ method: 'POST', path: `/v1/${path}`, headers: { host, ...json }, body: JSON.stringify(body) });
    cases.push({ method: 'POST', path: '/v1/completions', headers: { host, ...json, 'content-encoding': 'gzip' }, body: '{}' });
    cases.push({ method: 'GET', path: '/v1/models/..%2f..%2fetc', headers: { host, ...auth } });
    cases.push({ method: 'GET', path: `/v1/models/${encodeURIComponent(sampler.path)}`, headers: { host, ...auth } });

    const t0 = performance.now();
    const loop = await runRequestLoop(serve.port, cases, 3000, 16);
    const seconds = (performance.now() - t0) / 1000;
    const counts = [...loop.statuses.entries()].sort((a, b) => a[0] - b[0]);
    console.log(`${loop.requests} hostile requests (${cases.length} kinds) in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(counts)}`);
    for (const [status, n] of counts) assert.ok(status >= 400 && status < 500, `${n} requests answered ${status}`);

    assert.equal((await fetch(`${serve.url}api/v1/healthz`)).status, 200, 'still up');
    assert.equal(treeHash(join(project, 'serve')), before.tree, 'no file written, moved or removed');
    assert.deepEqual(await (await fetch(url('/v1/models'), { headers: auth })).json(), before.models);
    assert.equal(serve.stats().queued, 0);
    const ok = await post('/v1/completions', JSON.stringify({ model: sampler.path, prompt, max_tokens: 2, temperature: 0 }));
    assert.equal(ok.status, 200, 'and still answers a good request');
    assert.deepEqual(internal, []);
  } finally {
    await serve.close();
  }
});
