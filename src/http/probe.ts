// Probing a server from tests: exact bytes over a TCP socket (for requests no HTTP client would send),
// and a bounded loop of hostile requests over keep-alive connections that counts the statuses it gets.
// The server tests of `bct serve` and `bct view` share this so both face the same attacks.
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';

export interface RawReply {
  /** 0 when the server closed the connection without a status line. */
  status: number;
  text: string;
}

/** Sends `bytes` as they are to 127.0.0.1:`port` and reads until the server closes or `timeoutMs`. */
export function rawRequest(port: number, bytes: string | Buffer, timeoutMs = 5000): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = (): void => {
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m === null ? 0 : Number(m[1]), text });
    };
    socket.setTimeout(timeoutMs, done);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', done);
    socket.on('close', done);
    socket.on('connect', () => socket.end(bytes));
  });
}

export interface ProbeRequest {
  method: string;
  path: string; // sent as is (may be malformed)
  headers: Record<string, string>;
  body?: string | Buffer;
}

/** The hostile requests of one loop iteration, aimed at `paths` (routes that exist) of a server reached
 *  as `host` (`127.0.0.1:port`), with `auth` headers that a route would accept (empty when it needs
 *  none). Each must be refused with a 4xx; none may change the server's state. */
export function hostileRequests(o: { host: string; paths: string[]; auth: Record<string, string>; maxBodyBytes: number }): ProbeRequest[] {
  const ok = { host: o.host, ...o.auth };
  const json = { ...ok, 'content-type': 'application/json' };
  const out: ProbeRequest[] = [];
  const traversal = ['/../../etc/passwd', '/api/../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/api/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/api/v1/..%5c..%5cwindows', '/..;/etc', '//', '///', '//a:99999/', '//etc/passwd', '/a//b', '/%00', '/%zz', '/%c0%ae%c0%ae/x',
    'http://[', 'http://attacker.test/api/v1/healthz', '*', 'api/v1/healthz', '/api/v1/healthz/'];
  for (const path of traversal) out.push({ method: 'GET', path, headers: ok });
  for (const p of o.paths) {
    out.push({ method: 'GET', path: p, headers: { ...ok, host: 'attacker.test:8765' } });
    out.push({ method: 'GET', path: p, headers: { ...ok, host: `attacker.test` } });
    out.push({ method: 'POST', path: p, headers: { ...json, origin: 'http://attacker.test' }, body: '{}' });
    out.push({ method: 'POST', path: p, headers: { ...json, origin: 'null' }, body: '{}' });
    out.push({ method: 'DELETE', path: p, headers: ok });
    out.push({ method: 'PUT', path: p, headers: json, body: '{"a":1}' });
    out.push({ method: 'PATCH', path: p, headers: json, body: '{}' });
    out.push({ method: 'POST', path: `${p}/..`, headers: json, body: '{}' });
    out.push({ method: 'POST', path: `${p}%2f..%2f..`, headers: json, body: '{}' });
    out.push({ method: 'POST', path: p, headers: json, body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) }); // {"\xff\xfe":1}
    out.push({ method: 'POST', path: p, headers: json, body: '{"unterminated": ' });
    out.push({ method: 'POST', path: p, headers: json, body: '{"__proto__": {"polluted": true}}' });
    out.push({ method: 'POST', path: p, headers: json, body: '['.repeat(20000) });
    out.push({ method: 'POST', path: p, headers: { ...ok, 'content-type': 'text/plain' }, body: '{}' });
    out.push({ method: 'POST', path: p, headers: json, body: 'x'.repeat(o.maxBodyBytes + 1) });
    out.push({ method: 'POST', path: p, headers: { ...json, 'x-filler': 'a'.repeat(20000) }, body: '{}' });
    if (Object.keys(o.auth).length > 0) {
      out.push({ method: 'POST', path: p, headers: { host: o.host, 'content-type': 'application/json' }, body: '{}' });
      out.push({ method: 'POST', path: p, headers: { host: o.host, 'content-type': 'application/json', 'x-api-key': 'tml-wrong' }, body: '{}' });
      out.push({ method: 'POST', path: p, headers: { host: o.host, 'content-type': 'application/json', authorization: 'Bearer tml-wrong' }, body: '{}' });
      out.push({ method: 'POST', path: p, headers: { host: o.host, 'content-type': 'application/json', authorization: 'Basic dXNlcjpwYXNz' }, body: '{}' });
    }
  }
  return out;
}

/** Malformed HTTP that only a raw socket sends. */
export function malformedRequests(host: string): string[] {
  return [
    'GET / HTTP/1.1\r\n\r\n', // no Host
    `GET /\u0001 HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    `GET / HTTP/9.9\r\nHost: ${host}\r\n\r\n`,
    `BREW / HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: ${host}\r\nbad header\r\n\r\n`,
    `POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    `POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: -1\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: ${host}\r\nX: ${'y'.repeat(40000)}\r\n\r\n`,
    `GET http://[ HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    `GET //a:99999/ HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
  ];
}

export interface LoopResult {
  requests: number;
  /** status → count; 0 counts replies cut off by the server (a closed connection). */
  statuses: Map<number, number>;
}

/** Sends `cases` round-robin until `total` requests went out, `concurrency` at a time over keep-alive
 *  connections to 127.0.0.1:`port`. Stops by itself; every request has a timeout. */
export async function runRequestLoop(port: number, cases: readonly ProbeRequest[], total: number, concurrency = 16): Promise<LoopResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = new Map<number, number>();
  let next = 0;
  const one = (c: ProbeRequest): Promise<number> =>
    new Promise((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: c.method, path: c.path, headers: c.headers, agent, timeout: 10000, setHost: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(res.statusCode ?? 0));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(0));
      req.end(c.body);
    });
  const worker = async (): Promise<void> => {
    while (next < total) {
      const c = cases[next++ % cases.length]!;
      const s = await one(c);
      statuses.set(s, (statuses.get(s) ?? 0) + 1);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return { requests: total, statuses };
}
