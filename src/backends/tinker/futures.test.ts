import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackendError } from '../../errors.js';
import type { TinkerTiming } from './config.js';
import { awaitFuture, classifyRetrieve, type RequestId } from './futures.js';
import type { Attempt } from '../http/index.js';
import { TinkerHttp } from './http.js';
import { FAST_TIMING, startScriptedServer, type Scripted } from './scripted-server.js';

const KEY = 'tml-future-secret-42';
process.env.BCT_TINKER_FUTURE_KEY = KEY;

const reply = (status: number, json: unknown, headers: Record<string, string> = {}): Attempt => ({ kind: 'reply', status, headers: new Headers(headers), json, text: json === undefined ? '' : JSON.stringify(json) });

test('classifyRetrieve: every reply the SDK handles', () => {
  const kinds = (a: Attempt) => classifyRetrieve(a).kind;
  assert.deepEqual(classifyRetrieve(reply(200, { model_id: 'm1' })), { kind: 'done', result: { model_id: 'm1' } });
  assert.deepEqual(classifyRetrieve(reply(200, null)), { kind: 'done', result: null });
  assert.equal(kinds(reply(200, { type: 'try_again', request_id: '7', queue_state: 'paused_capacity' })), 'poll');
  assert.equal(kinds(reply(200, { status: 'complete_metadata', response_payload_size: 10 })), 'metadata');
  assert.deepEqual(classifyRetrieve(reply(200, { error: 'sequence too long', category: 'user' })), { kind: 'failed', message: 'sequence too long', category: 'user' });
  assert.deepEqual(classifyRetrieve(reply(200, { error: 'oops' })), { kind: 'failed', message: 'oops', category: 'unknown' });
  assert.equal(kinds(reply(408, { type: 'try_again' })), 'poll');
  assert.equal(kinds(reply(500, { detail: 'x' })), 'server-error');
  assert.equal(kinds(reply(503, undefined)), 'server-error');
  assert.equal(kinds(reply(410, { detail: 'expired' })), 'resubmit');
  assert.deepEqual(classifyRetrieve(reply(429, { detail: 'rate' }, { 'retry-after': '2' })), { kind: 'backoff', waitMs: 2000, message: 'HTTP 429: rate' });
  assert.equal(kinds(reply(400, undefined)), 'bad-request');
  assert.equal(kinds(reply(404, { detail: 'no such future' })), 'fatal');
  assert.equal(kinds(reply(401, { detail: 'no' })), 'fatal');
  assert.equal(kinds({ kind: 'reply', status: 200, headers: new Headers(), json: undefined, text: '<html>' }), 'fatal');
  assert.equal(kinds({ kind: 'failure', timedOut: true, reason: 'no reply' }), 'poll-timeout');
  assert.equal(kinds({ kind: 'failure', timedOut: false, reason: 'ECONNREFUSED' }), 'backoff');
});

/** A server whose retrieve_future replies come from `polls` in turn (the last repeats) and whose
 *  other endpoint hands out request ids r1, r2, … */
async function futureServer(polls: Scripted[]) {
  let i = 0;
  let submitted = 0;
  return startScriptedServer((r) => (r.path === '/api/v1/retrieve_future' ? polls[Math.min(i++, polls.length - 1)]! : { body: { request_id: `r${++submitted}` } }));
}

function poller(url: string, timing: Partial<TinkerTiming> = {}) {
  const http = new TinkerHttp({ baseUrl: url, apiKeyEnv: 'BCT_TINKER_FUTURE_KEY', maxInFlight: 4 }, { ...FAST_TIMING, ...timing });
  let resubmits = 0;
  const resubmit = async (): Promise<RequestId> => {
    resubmits++;
    return ((await http.call('POST', '/api/v1/optim_step', { seq_id: 4 })) as { request_id: string }).request_id;
  };
  return { http, wait: (id: RequestId = 'r0') => awaitFuture(http, id, { endpoint: '/api/v1/optim_step', label: 'optim_step seq 4', resubmit }), resubmits: () => resubmits };
}

const polled = (s: Awaited<ReturnType<typeof futureServer>>) => s.requests.filter((r) => r.path === '/api/v1/retrieve_future').map((r) => r.body as { request_id: RequestId; allow_metadata_only: boolean });

async function rejectsWith(p: Promise<unknown>, pattern: RegExp): Promise<BackendError> {
  const e = await p.then(
    () => assert.fail('expected a rejection'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof BackendError, String(e));
  assert.match(e.message, pattern);
  assert.ok(!e.message.includes(KEY), `the key leaks into: ${e.message}`);
  assert.equal(e.where, 'tinker /api/v1/optim_step');
  return e;
}

test('try_again, 408 and 5xx are polled through to the result', async () => {
  const s = await futureServer([{ body: { type: 'try_again', request_id: 'r0', queue_state: 'active' } }, { status: 408, body: { type: 'try_again' } }, { status: 502, body: 'Bad Gateway' }, { body: { metrics: { grad_norm: 1 } } }]);
  try {
    assert.deepEqual(await poller(s.url).wait(), { metrics: { grad_norm: 1 } });
    assert.deepEqual(polled(s).map((b) => b.request_id), ['r0', 'r0', 'r0', 'r0']);
  } finally {
    await s.close();
  }
});

test('complete_metadata: polled again asking for the full payload', async () => {
  const s = await futureServer([{ body: { status: 'complete_metadata', response_payload_size: 123 } }, { body: { path: 'tinker://m/weights/a' } }]);
  try {
    assert.deepEqual(await poller(s.url).wait(), { path: 'tinker://m/weights/a' });
    assert.deepEqual(polled(s).map((b) => b.allow_metadata_only), [true, false]);
  } finally {
    await s.close();
  }
});

test('410: the original request is sent again and its new id polled', async () => {
  const s = await futureServer([{ status: 410, body: { detail: 'promise expired' } }, { body: { ok: true } }]);
  try {
    const p = poller(s.url);
    assert.deepEqual(await p.wait(), { ok: true });
    assert.equal(p.resubmits(), 1);
    assert.deepEqual(polled(s).map((b) => b.request_id), ['r0', 'r1']);
    assert.deepEqual(s.requests.find((r) => r.path === '/api/v1/optim_step')!.body, { seq_id: 4 });
  } finally {
    await s.close();
  }
});

test('410 every time: gives up after 3 resubmits', async () => {
  const s = await futureServer([{ status: 410 }]);
  try {
    const p = poller(s.url);
    await rejectsWith(p.wait(), /forgot the request \(HTTP 410\) 4 times/);
    assert.equal(p.resubmits(), 3);
  } finally {
    await s.close();
  }
});

test('429 waits (Retry-After when given) and polls again', async () => {
  const s = await futureServer([{ status: 429, headers: { 'retry-after-ms': '120' }, body: { detail: 'slow down' } }, { body: { done: 1 } }]);
  try {
    const t0 = performance.now();
    assert.deepEqual(await poller(s.url).wait(), { done: 1 });
    assert.ok(performance.now() - t0 >= 110, `waited ${performance.now() - t0} ms`);
  } finally {
    await s.close();
  }
});

test('{error, category} fails with the category and the server message; the request id is named', async () => {
  const s = await futureServer([{ body: { error: `bad request from key ${KEY}`, category: 'user' } }]);
  try {
    const e = await rejectsWith(poller(s.url).wait('r9'), /optim_step seq 4 \(request r9\): request failed \(user error\): bad request from key \*\*\*/);
    assert.equal(e.retryable, false);
  } finally {
    await s.close();
  }
});

test('a bare 400 is retried 3 times, then fails with its detail', async () => {
  const ok = await futureServer([{ status: 400 }, { status: 400 }, { status: 400 }, { body: { fine: 1 } }]);
  try {
    assert.deepEqual(await poller(ok.url).wait(), { fine: 1 });
  } finally {
    await ok.close();
  }
  const bad = await futureServer([{ status: 400, body: { detail: 'Model m1 failed: out of memory' } }]);
  try {
    await rejectsWith(poller(bad.url).wait(), /HTTP 400: Model m1 failed: out of memory \(4 times\)/);
    assert.equal(polled(bad).length, 4);
  } finally {
    await bad.close();
  }
});

test('persistent 5xx gives up after maxRetries polls in a row', async () => {
  const s = await futureServer([{ status: 500, body: { detail: 'db down' } }]);
  try {
    await rejectsWith(poller(s.url, { maxRetries: 3 }).wait(), /HTTP 500: db down on 4 polls in a row/);
  } finally {
    await s.close();
  }
});

test('another 4xx is fatal at once', async () => {
  const s = await futureServer([{ status: 404, body: { detail: 'Future not found' } }]);
  try {
    await rejectsWith(poller(s.url).wait(), /HTTP 404: Future not found/);
    assert.equal(polled(s).length, 1);
  } finally {
    await s.close();
  }
});

test('a poll that times out on our side is sent again; the overall deadline ends the wait', async () => {
  let n = 0;
  const s = await startScriptedServer(() => (++n < 3 ? 'hang' : { body: { late: true } }));
  try {
    assert.deepEqual(await poller(s.url, { pollTimeoutMs: 80 }).wait(), { late: true });
    assert.equal(n, 3);
  } finally {
    await s.close();
  }
  const never = await futureServer([{ body: { type: 'try_again' } }]);
  try {
    const e = await rejectsWith(poller(never.url, { futureDeadlineMs: 150, minPollIntervalMs: 10 }).wait(), /no result after 0 s/);
    assert.equal(e.retryable, true);
  } finally {
    await never.close();
  }
});

test('connection refused: backs off and polls again until the deadline, then names the server', async () => {
  const s = await futureServer([{ body: {} }]);
  const url = s.url;
  await s.close();
  const t0 = performance.now();
  await rejectsWith(poller(url, { futureDeadlineMs: 200, pollBackoffBaseMs: 20, pollBackoffMaxMs: 40 }).wait(), /cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  assert.ok(performance.now() - t0 < 2000);
});
