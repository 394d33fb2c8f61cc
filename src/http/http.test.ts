import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { DataError } from '../errors.js';
import { HttpError, allowedHosts, checkOrigin, parseRequestTarget, readJson, sendJson, startGuardedServer, tokenChecker } from './index.js';
import { malformedRequests, rawRequest } from './probe.js';

test('request targets parse without throwing anything but a 400 (or 414)', () => {
  const ok = parseRequestTarget('/api/v1/healthz?x=1&y=%20');
  assert.deepEqual(ok.segments, ['api', 'v1', 'healthz']);
  assert.equal(ok.query.get('y'), ' ');
  assert.equal(ok.authority, null);
  assert.deepEqual(parseRequestTarget('/').segments, []);
  assert.deepEqual(parseRequestTarget('/a%20b/c').segments, ['a b', 'c']);
  const abs = parseRequestTarget('http://LocalHost:8000/api/v1/healthz');
  assert.deepEqual([abs.pathname, abs.authority], ['/api/v1/healthz', 'localhost:8000']);
  assert.equal(parseRequestTarget('http://127.0.0.1:9').pathname, '/');
  const refused: [string, RegExp][] = [
    ['//', /empty segment/],
    ['///', /empty segment/],
    ['//a:99999/', /empty segment/],
    ['/a/', /empty segment/],
    ['http://[', /malformed absolute/],
    ['http://a:99999/', /malformed absolute/],
    ['http://127.0.0.1:1//x', /empty segment/],
    ['/a/../b', /"\." or "\.\."/],
    ['/a/%2e%2e/b', /"\." or "\.\."/],
    ['http://h/a/../../etc', /"\." or "\.\."/],
    ['/a%2fb', /decodes to "\/"/],
    ['/a%5cb', /decodes to "\/", "\\"/],
    ['/a%00', /control character/],
    ['/%zz', /malformed percent-encoding/],
    ['/%c0%ae', /malformed percent-encoding/],
    ['*', /must start with/],
    ['api', /must start with/],
    ['/a b', /spaces/],
    ['/\u00e9', /non-ASCII/],
    ['/a#b', /fragment/],
    ['', /empty request target/],
  ];
  for (const [raw, why] of refused) {
    assert.throws(() => parseRequestTarget(raw), (e: unknown) => e instanceof HttpError && e.status === 400 && why.test(e.message), JSON.stringify(raw));
  }
  assert.throws(() => parseRequestTarget(`/${'a'.repeat(9000)}`), (e: unknown) => e instanceof HttpError && e.status === 414);
});

test('allowed hosts are the loopback names with the port, plus the bound host', () => {
  assert.deepEqual([...allowedHosts('127.0.0.1', 8000)].sort(), ['127.0.0.1:8000', '[::1]:8000', 'localhost:8000']);
  assert.ok(allowedHosts('10.1.2.3', 9).has('10.1.2.3:9'));
  assert.ok(allowedHosts('::1', 9).has('[::1]:9'));
  assert.ok(allowedHosts('127.0.0.1', 80).has('localhost'));
  assert.ok(!allowedHosts('127.0.0.1', 8000).has('localhost'));
});

test('a guarded server: Host, Origin and token checks, strict JSON bodies, and no exception escapes', async () => {
  const internal: string[] = [];
  const check = tokenChecker('tml-secret');
  let allowed: ReadonlySet<string> = new Set();
  const srv = await startGuardedServer({
    host: '127.0.0.1',
    port: 0,
    limits: { maxHeaderBytes: 8192 },
    onInternalError: (m) => internal.push(m),
    route: async (req, res, target) => {
      if (target.pathname === '/boom') throw new Error('kaboom with detail');
      if (target.pathname === '/bad-input') throw new DataError('expected 3 tokens, got 2', 'datum[0]');
      if (target.pathname === '/json') {
        check(req);
        checkOrigin(req, allowed);
        return sendJson(res, 200, { got: await readJson(req, 100, (t) => (t === 'application/x-protobuf' ? 'protobuf bodies are not supported' : undefined)) });
      }
      sendJson(res, 200, { path: target.pathname });
    },
  });
  allowed = srv.allowedHosts;
  const base = `http://127.0.0.1:${srv.port}`;
  const host = `127.0.0.1:${srv.port}`;
  const post = (body: BodyInit, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${base}/json`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-api-key': 'tml-secret', ...headers } });
  try {
    assert.equal((await fetch(`${base}/x`)).status, 200);
    assert.equal((await fetch(`http://localhost:${srv.port}/x`)).status, 200);

    // Raw targets that once crashed a server built on `new URL(req.url, base)`.
    for (const target of ['//', '///', '//a:99999/', 'http://[', '/%2e%2e/etc/passwd']) {
      const r = await rawRequest(srv.port, `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      assert.equal(r.status, 400, `${target}: ${r.text}`);
    }
    // DNS rebinding: a foreign Host (or absolute-form authority) is refused.
    const foreign = await rawRequest(srv.port, `GET /x HTTP/1.1\r\nHost: attacker.test:${srv.port}\r\nConnection: close\r\n\r\n`);
    assert.equal(foreign.status, 403);
    assert.match(foreign.text, /Host \\"attacker\.test:\d+\\" is not this server/);
    assert.equal((await rawRequest(srv.port, `GET http://attacker.test/x HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)).status, 403);
    assert.equal((await rawRequest(srv.port, `GET http://${host}/x HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)).status, 200);
    // Malformed HTTP gets a status line, not a dropped connection (431 for huge headers).
    const statuses: number[] = [];
    for (const m of malformedRequests(host)) statuses.push((await rawRequest(srv.port, m)).status);
    assert.ok(statuses.every((s) => s >= 400 && s < 500), `statuses ${statuses.join(', ')}`);
    assert.ok(statuses.includes(431));
    // Token: missing, wrong, malformed Authorization → 401 without echoing the token; both forms accepted.
    const noToken = await fetch(`${base}/json`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(noToken.status, 401);
    assert.match(((await noToken.json()) as { error: string }).error, /X-API-Key/);
    const wrong = await post('{}', { 'x-api-key': 'tml-guess' });
    assert.equal(wrong.status, 401);
    assert.doesNotMatch(await wrong.text(), /tml-guess|tml-secret/);
    assert.equal((await post('{}', { 'x-api-key': '', authorization: 'Basic abc' })).status, 401);
    const bearer = await fetch(`${base}/json`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json', authorization: 'Bearer tml-secret' } });
    assert.deepEqual(await bearer.json(), { got: { a: 1 } });

    // Origin: a cross-site POST is refused; the server's own origin and no origin pass.
    assert.equal((await post('{}', { origin: 'http://attacker.test' })).status, 403);
    assert.equal((await post('{}', { origin: 'null' })).status, 403);
    assert.equal((await post('{}', { origin: `http://localhost:${srv.port}` })).status, 200);

    // Bodies: 413 over the limit (declared or streamed), 415, and strict JSON errors that name the problem.
    assert.equal((await post('x'.repeat(101))).status, 413);
    const streamed = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(new Uint8Array(60).fill(32)); c.enqueue(new Uint8Array(60).fill(32)); c.close(); } });
    assert.equal((await fetch(`${base}/json`, { method: 'POST', body: streamed, duplex: 'half', headers: { 'content-type': 'application/json', 'x-api-key': 'tml-secret' } } as RequestInit)).status, 413);
    const proto = await post('\u0008\u0001', { 'content-type': 'application/x-protobuf' });
    assert.equal(proto.status, 415);
    assert.match(((await proto.json()) as { error: string }).error, /protobuf bodies are not supported/);
    assert.equal((await post('{}', { 'content-type': 'text/plain' })).status, 415);
    const errorOf = async (r: Response): Promise<[number, string]> => [r.status, ((await r.json()) as { error: string }).error];
    const [s1, e1] = await errorOf(await post('{"a": }'));
    assert.equal(s1, 400);
    assert.match(e1, /not valid JSON/);
    assert.deepEqual(await errorOf(await post(new Blob([Uint8Array.of(0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d)]))), [400, 'request body is not valid UTF-8']);
    assert.deepEqual(await errorOf(await post('{"__proto__": {"x": 1}}')), [400, 'request body has a "__proto__" key']);
    assert.deepEqual(await errorOf(await post('  ')), [400, 'request body is empty; expected a JSON object']);

    // A route that throws: 500 with a short message (reported, not sent), 400 for an input error.
    const boom = await fetch(`${base}/boom`);
    assert.equal(boom.status, 500);
    assert.doesNotMatch(await boom.text(), /kaboom/);
    assert.equal(internal.length, 1);
    assert.match(internal[0]!, /kaboom/);
    assert.deepEqual(await errorOf(await fetch(`${base}/bad-input`)), [400, 'datum[0]: expected 3 tokens, got 2']);
    assert.equal((await fetch(`${base}/x`)).status, 200, 'still serving');
  } finally {
    await srv.close();
  }
});

test('connections beyond maxConnections are closed at once; the server serves the next one', async () => {
  const srv = await startGuardedServer({ host: '127.0.0.1', port: 0, limits: { maxConnections: 4 }, route: (_req, res) => sendJson(res, 200, {}) });
  const host = `127.0.0.1:${srv.port}`;
  try {
    const held = await Promise.all(Array.from({ length: 4 }, () => new Promise<Socket>((resolve) => { const s = connect(srv.port, '127.0.0.1', () => resolve(s)); })));
    assert.equal((await rawRequest(srv.port, `GET /x HTTP/1.1\r\nHost: ${host}\r\n\r\n`)).status, 0, 'a fifth connection is dropped');
    held.forEach((s) => s.destroy());
    const open = (): Promise<number> => new Promise((resolve) => srv.server.getConnections((_, n) => resolve(n)));
    while ((await open()) > 0) await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await rawRequest(srv.port, `GET /x HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)).status, 200);
  } finally {
    await srv.close();
  }
});
