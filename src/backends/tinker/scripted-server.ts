// Test support: an HTTP server on 127.0.0.1 whose every reply is decided by the test, for the failure
// replies a real Tinker server rarely gives (429 with Retry-After, 410, try_again, 5xx, hangs, dropped
// connections). It records every request it got, headers and parsed body included.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import { BackendError } from '../../errors.js';
import type { TinkerTiming } from './config.js';

export interface ScriptedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface ScriptedReply {
  status?: number; // default 200
  headers?: Record<string, string>;
  body?: unknown; // sent as JSON; a string is sent as is
}

/** A reply, or 'hang' (never answer: the client times out) or 'drop' (close the connection). */
export type Scripted = ScriptedReply | 'hang' | 'drop';

export interface ScriptedServer {
  url: string;
  requests: ScriptedRequest[];
  close(): Promise<void>;
}

export async function startScriptedServer(handle: (req: ScriptedRequest) => Scripted | Promise<Scripted>): Promise<ScriptedServer> {
  const requests: ScriptedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = undefined;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const r: ScriptedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      requests.push(r);
      void Promise.resolve(handle(r)).then((reply) => {
        if (reply === 'hang') return;
        if (reply === 'drop') {
          req.socket.destroy();
          return;
        }
        const payload = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
        res.end(payload);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Timing for tests against local servers: the SDK's logic with millisecond delays. */
export const FAST_TIMING: TinkerTiming = {
  requestTimeoutMs: 5_000,
  maxRetries: 10,
  retryBudgetMs: 20_000,
  backoffBaseMs: 2,
  backoffMaxMs: 20,
  retryAfterMaxMs: 60_000,
  pollTimeoutMs: 5_000,
  pollBackoffBaseMs: 2,
  pollBackoffMaxMs: 20,
  minPollIntervalMs: 1,
  futureDeadlineMs: 20_000,
  heartbeatMs: 10_000,
};

/** Asserts that `p` rejects with a BackendError whose message never mentions `key`, and returns it. */
export async function rejectsWithoutKey(p: Promise<unknown>, key: string): Promise<BackendError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof BackendError, `expected a BackendError, got ${String(e)}`);
    assert.ok(!e.message.includes(key), `the key leaks into: ${e.message}`);
    return e;
  }
  assert.fail('expected a rejection');
}
