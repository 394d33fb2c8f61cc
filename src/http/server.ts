// A node:http server with the guards every bctlab server needs, so a route only sees well-formed,
// same-host requests and can never take the process down:
// - server limits: header bytes (431), time to receive headers and the whole request (408), idle
//   sockets, keep-alive, simultaneous connections (beyond them new connections are closed at once);
// - malformed HTTP answered 400 by a clientError handler instead of Node's default;
// - the request target parsed without throwing (request-target.ts) and the Host checked (guards.ts);
// - the route awaited inside one try: whatever it throws becomes a reply (reply.ts), and a 500 is
//   reported through `onInternalError` (message only) while the server keeps serving.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { allowedHosts, checkHost } from './guards.js';
import { sendError } from './reply.js';
import { parseRequestTarget, type RequestTarget } from './request-target.js';

export interface ServerLimits {
  maxHeaderBytes: number; // request line + headers; default 16384 (431 beyond)
  headersTimeoutMs: number; // to receive the headers; default 10000
  requestTimeoutMs: number; // to receive the whole request (not to answer it); default 60000
  idleTimeoutMs: number; // a socket silent this long is closed; default 120000 (above any long-poll)
  keepAliveTimeoutMs: number; // an idle keep-alive socket waits this long for its next request; default 5000
  maxConnections: number; // simultaneous connections; default 256
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxHeaderBytes: 16384,
  headersTimeoutMs: 10000,
  requestTimeoutMs: 60000,
  idleTimeoutMs: 120000,
  keepAliveTimeoutMs: 5000,
  maxConnections: 256,
};

/** A route: answers the request (it may throw; see reply.ts). Runs after the target and Host checks. */
export type Route = (req: IncomingMessage, res: ServerResponse, target: RequestTarget) => Promise<void> | void;

export interface GuardedServerOptions {
  host: string; // interface to listen on
  port: number; // 0 = any free port
  limits?: Partial<ServerLimits>;
  route: Route;
  /** Told about each 500 (the error's message, never request contents); default: one line on stderr. */
  onInternalError?: (message: string) => void;
}

export interface GuardedServer {
  server: Server;
  /** `http://<host>:<port>/` as clients should reach it. */
  url: string;
  port: number;
  /** The Host values accepted (lower-case `host:port`). */
  allowedHosts: ReadonlySet<string>;
  close(): Promise<void>;
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** A raw reply for requests Node could not parse (no ServerResponse exists for them). */
function rejectMalformed(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = JSON.stringify({ error: status === 431 ? 'request headers too large' : status === 408 ? 'request timed out' : 'malformed HTTP request' });
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

export async function startGuardedServer(o: GuardedServerOptions): Promise<GuardedServer> {
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  const report = o.onInternalError ?? ((m: string) => process.stderr.write(`[bctlab http] ${m}\n`));
  let allowed: ReadonlySet<string> = new Set();
  const server = createServer(
    { maxHeaderSize: limits.maxHeaderBytes, requestTimeout: limits.requestTimeoutMs, headersTimeout: limits.headersTimeoutMs, keepAliveTimeout: limits.keepAliveTimeoutMs },
    (req, res) => {
      void (async () => {
        try {
          const target = parseRequestTarget(req.url);
          checkHost(req, allowed, target.authority);
          await o.route(req, res, target);
        } catch (e) {
          const r = sendError(res, e);
          if (r.internal) report(`${req.method} ${(req.url ?? '').slice(0, 200)}: ${(e as Error)?.message ?? String(e)}`);
        }
      })().catch((e: unknown) => report(`reply failed: ${(e as Error)?.message ?? String(e)}`));
    },
  );
  server.maxConnections = limits.maxConnections;
  server.setTimeout(limits.idleTimeoutMs, (socket) => socket.destroy());
  server.on('clientError', rejectMalformed);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      allowed = allowedHosts(o.host, (server.address() as AddressInfo).port);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    server,
    url: `http://${shown}:${port}/`,
    port,
    allowedHosts: allowed,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
