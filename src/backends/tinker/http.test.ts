import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackendError } from '../../errors.js';
import { DEFAULT_TIMING, type TinkerTiming } from './config.js';
import { isRetryable, retryAfterMs, retryDelayMs, serverMessage } from '../http/index.js';
import { TinkerHttp } from './http.js';
import { FAST_TIMING, rejectsWithoutKey, startScriptedServer, type Scripted, type ScriptedRequest } from './scripted-server.js';

const KEY = 'tml-secret-0123456789';
process.env.BCT_TINKER_TEST_KEY = KEY;

const h = (o: Record<string, string>) => new Headers(o);

function client(url: string, timing: Partial<TinkerTiming> = {}): TinkerHttp {
  return new TinkerHttp({ baseUrl: url, apiKeyEnv: 'BCT_TINKER_TEST_KEY', maxInFlight: 4 }, { ...FAST_TIMING, ...timing });
}

/** A server answering in turn with `replies` (the last one repeats). */
async function serve(replies: Scripted[]) {
  let i = 0;
  return startScriptedServer(() => replies[Math.min(i++, replies.length - 1)]!);
}

const backendError = (p: Promise<unknown>): Promise<BackendError> => rejectsWithoutKey(p, KEY);

test('Retry-After: retry-after-ms first, then seconds (fractions too), then an HTTP date', () => {
  assert.equal(retryAfterMs(h({ 'retry-after-ms': '250', 'retry-after': '9' })), 250);
  assert.equal(retryAfterMs(h({ 'retry-after': '2' })), 2000);
  assert.equal(retryAfterMs(h({ 'retry-after': '0.5' })), 500);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(retryAfterMs(h({ 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' }), now), 7000);
  assert.equal(retryAfterMs(h({ 'retry-after': 'soon' })), undefined);
  assert.equal(retryAfterMs(h({})), undefined);
});

test('retry delays: a Retry-After in (0, 60 s] is obeyed, else 0.5 s·2^n capped at 10 s with up to 25% jitter', () => {
  const none = () => 0;
  const full = () => 1;
  assert.equal(retryDelayMs(0, h({ 'retry-after': '3' }), DEFAULT_TIMING, none), 3000);
  assert.equal(retryDelayMs(0, h({ 'retry-after': '0' }), DEFAULT_TIMING, none), 500, 'zero is not a wait');
  assert.equal(retryDelayMs(0, h({ 'retry-after': '120' }), DEFAULT_TIMING, none), 500, 'over 60 s is ignored');
  assert.deepEqual([0, 1, 2, 3, 4, 5, 9].map((n) => retryDelayMs(n, undefined, DEFAULT_TIMING, none)), [500, 1000, 2000, 4000, 8000, 10000, 10000]);
  assert.equal(retryDelayMs(2, undefined, DEFAULT_TIMING, full), 1500, 'jitter shortens by at most 25%');
  for (let k = 0; k < 100; k++) {
    const d = retryDelayMs(1, undefined, DEFAULT_TIMING);
    assert.ok(d > 750 - 1e-9 && d <= 1000, `${d} in [750, 1000]`);
  }
});

test('retryable statuses: 408, 409, 429, 5xx; x-should-retry overrides', () => {
  const statuses = [200, 400, 401, 403, 404, 408, 409, 410, 422, 429, 500, 502, 503, 504];
  assert.deepEqual(statuses.filter((s) => isRetryable(s, h({}))), [408, 409, 429, 500, 502, 503, 504]);
  assert.equal(isRetryable(503, h({ 'x-should-retry': 'false' })), false);
  assert.equal(isRetryable(400, h({ 'x-should-retry': 'true' })), true);
});

test("the server's message: detail (string or validation list), error, message, else the text", () => {
  assert.equal(serverMessage({ json: { detail: 'model not found' }, text: '' }), 'model not found');
  assert.equal(serverMessage({ json: { detail: [{ loc: ['body', 'seq_id'], msg: 'field required' }] }, text: '' }), '["body","seq_id"] field required');
  assert.equal(serverMessage({ json: { error: 'boom', category: 'server' }, text: '' }), 'boom');
  assert.equal(serverMessage({ json: undefined, text: '<html>Bad Gateway</html>' }), '<html>Bad Gateway</html>');
  assert.equal(serverMessage({ json: undefined, text: '' }), '(empty reply)');
  assert.equal(serverMessage({ json: { detail: 'x'.repeat(2000) }, text: '' }).length, 501);
});

test('5xx then success: retried with the same idempotency key and the API key header; a new call gets a new key', async () => {
  const s = await serve([{ status: 503, body: { detail: 'busy' } }, { status: 502 }, { body: { ok: 1 } }]);
  try {
    const http = client(s.url);
    assert.deepEqual(await http.call('POST', '/api/v1/x', { a: 1 }), { ok: 1 });
    assert.equal(s.requests.length, 3);
    const keys = s.requests.map((r) => r.headers['x-idempotency-key']);
    assert.match(String(keys[0]), /^bctlab-[0-9a-f-]{36}$/);
    assert.ok(keys.every((k) => k === keys[0]), 'one idempotency key across the retries of a call');
    assert.ok(s.requests.every((r) => r.headers['x-api-key'] === KEY && JSON.stringify(r.body) === '{"a":1}'));
    await http.call('POST', '/api/v1/x', {});
    assert.notEqual(s.requests[3]!.headers['x-idempotency-key'], keys[0]);
    await http.call('GET', '/api/v1/y');
    assert.equal(s.requests[4]!.headers['x-idempotency-key'], undefined, 'GETs carry no idempotency key');
  } finally {
    await s.close();
  }
});

test('429 with Retry-After: waits what the server asks, then succeeds', async () => {
  const s = await serve([{ status: 429, headers: { 'retry-after-ms': '150' }, body: { detail: 'slow down' } }, { body: {} }]);
  try {
    const t0 = performance.now();
    await client(s.url, { backoffBaseMs: 1 }).call('POST', '/api/v1/x', {});
    assert.ok(performance.now() - t0 >= 140, `waited ${performance.now() - t0} ms`);
    assert.equal(s.requests.length, 2);
  } finally {
    await s.close();
  }
});

test('a 4xx other than 408/409/429 fails at once with the endpoint, status and detail; the key never shows', async () => {
  const s = await startScriptedServer((r: ScriptedRequest) =>
    r.path.endsWith('/auth') ? { status: 401, body: { detail: `invalid key ${String(r.headers['x-api-key'])}` } } : { status: 400, body: { detail: 'seq_id 3 out of order' } },
  );
  try {
    const e = await backendError(client(s.url).call('POST', '/api/v1/optim_step', {}));
    assert.equal(s.requests.length, 1, 'not retried');
    assert.equal(e.where, 'tinker /api/v1/optim_step');
    assert.match(e.message, /HTTP 400: seq_id 3 out of order/);
    assert.equal(e.retryable, false);
    const auth = await backendError(client(s.url).call('POST', '/api/v1/auth', {}));
    assert.match(auth.message, /HTTP 401: invalid key \*\*\* \(check the API key in \$BCT_TINKER_TEST_KEY\)/);
  } finally {
    await s.close();
  }
});

test('x-should-retry: false stops retries of a 503', async () => {
  const s = await serve([{ status: 503, headers: { 'x-should-retry': 'false' }, body: { detail: 'down for maintenance' } }]);
  try {
    const e = await backendError(client(s.url).call('POST', '/api/v1/x', {}));
    assert.equal(s.requests.length, 1);
    assert.match(e.message, /HTTP 503: down for maintenance$/);
  } finally {
    await s.close();
  }
});

test('persistent 5xx: gives up after maxRetries with the status and message, marked retryable', async () => {
  const s = await serve([{ status: 500, body: { detail: 'engine crashed' } }]);
  try {
    const e = await backendError(client(s.url, { maxRetries: 3 }).call('POST', '/api/v1/forward_backward', {}));
    assert.equal(s.requests.length, 4);
    assert.match(e.message, /HTTP 500: engine crashed after 4 attempts/);
    assert.equal(e.retryable, true);
  } finally {
    await s.close();
  }
});

test('the retry budget ends retries before maxRetries', async () => {
  const s = await serve([{ status: 503 }]);
  try {
    await backendError(client(s.url, { maxRetries: 1000, backoffBaseMs: 20, backoffMaxMs: 20, retryBudgetMs: 200 }).call('POST', '/api/v1/x', {}));
    // Each retry waits 15-20 ms, so a 200 ms budget allows at most 14 of them.
    assert.ok(s.requests.length >= 2 && s.requests.length <= 15, `${s.requests.length} attempts in a 200 ms budget`);
  } finally {
    await s.close();
  }
});

test('connection refused: retried with backoff, then an error naming the server and the reason', async () => {
  const s = await serve([{ body: {} }]);
  const url = s.url;
  await s.close(); // nothing listens on the port any more
  const e = await backendError(client(url, { maxRetries: 2 }).call('POST', '/api/v1/create_session', {}));
  assert.match(e.message, new RegExp(`cannot reach ${url.replace(/[.]/g, '\\.')} \\(ECONNREFUSED\\) after 3 attempts`));
  assert.equal(e.where, 'tinker /api/v1/create_session');
  assert.equal(e.retryable, true);
});

test('a server that never answers: each attempt times out, then the call fails', async () => {
  const s = await serve(['hang']);
  try {
    const e = await backendError(client(s.url, { requestTimeoutMs: 100, maxRetries: 1 }).call('POST', '/api/v1/x', {}));
    assert.equal(s.requests.length, 2);
    assert.match(e.message, /no reply within 100 ms after 2 attempts/);
  } finally {
    await s.close();
  }
});

test('a dropped connection is retried like a refused one', async () => {
  const s = await serve(['drop', { body: { fine: true } }]);
  try {
    assert.deepEqual(await client(s.url).call('POST', '/api/v1/x', {}), { fine: true });
    assert.equal(s.requests.length, 2);
  } finally {
    await s.close();
  }
});
