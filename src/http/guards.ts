// Request guards every bctlab server applies before a route runs:
// - Host: only the names this server is reached by (loopback names with the port, or the `--host`
//   given), so a web page whose domain was rebound to 127.0.0.1 (DNS rebinding) cannot talk to it.
// - Origin: a request that is not a plain GET/HEAD and carries an Origin must come from this server's
//   own origin, so a page on another site cannot post to it (a cross-site form or fetch sends Origin).
// - Token: `X-API-Key: <t>` or `Authorization: Bearer <t>`, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError, quoteShort } from './http-error.js';

/** The lower-cased `host:port` values a server bound to `host`:`port` answers to. Loopback names always;
 *  the bound host too when it is another name or address. Port 80 may also be left out (RFC 9110 §7.2). */
export function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
  const h = host.toLowerCase();
  names.add(h.includes(':') && !h.startsWith('[') ? `[${h}]` : h);
  const out = new Set<string>();
  for (const n of names) {
    out.add(`${n}:${port}`);
    if (port === 80) out.add(n);
  }
  return out;
}

/** Refuses (403) a request whose Host header, or absolute-form authority, is not an allowed host. */
export function checkHost(req: IncomingMessage, allowed: ReadonlySet<string>, authority: string | null): void {
  const host = req.headers.host;
  if (host === undefined || host === '') throw new HttpError(400, 'missing Host header');
  if (!allowed.has(host.toLowerCase())) {
    throw new HttpError(403, `Host ${quoteShort(host)} is not this server; expected one of ${[...allowed].join(', ')}`);
  }
  if (authority !== null && !allowed.has(authority)) {
    throw new HttpError(403, `request target host ${quoteShort(authority)} is not this server`);
  }
}

/** Refuses (403) a request other than GET/HEAD whose Origin is not `http://<allowed host>`. A request
 *  without Origin (curl, SDKs, other programs) passes: browsers always send one cross-origin. */
export function checkOrigin(req: IncomingMessage, allowed: ReadonlySet<string>): void {
  if (req.method === 'GET' || req.method === 'HEAD') return;
  const origin = req.headers.origin;
  if (origin === undefined) return;
  const m = /^http:\/\/([^/]+)$/i.exec(origin);
  if (m === null || !allowed.has(m[1]!.toLowerCase())) {
    throw new HttpError(403, `Origin ${quoteShort(origin)} may not send ${req.method} requests to this server`);
  }
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** A checker of the request's token against `expected`: `X-API-Key` or `Authorization: Bearer`. Wrong
 *  or missing is a 401 that never repeats the token sent. Hashing both sides first makes the comparison
 *  constant-time whatever their lengths. */
export function tokenChecker(expected: string): (req: IncomingMessage) => void {
  const want = digest(expected);
  const challenge = { 'www-authenticate': 'Bearer realm="bctlab"' };
  return (req) => {
    const apiKey = req.headers['x-api-key'];
    const auth = req.headers.authorization;
    let given: string | undefined;
    if (typeof apiKey === 'string') given = apiKey;
    else if (auth !== undefined) {
      const m = /^Bearer +(\S+)\s*$/i.exec(auth);
      if (m === null) throw new HttpError(401, 'Authorization header must be "Bearer <token>"', challenge);
      given = m[1]!;
    }
    if (given === undefined) throw new HttpError(401, 'missing token: send X-API-Key: <token> or Authorization: Bearer <token>', challenge);
    if (!timingSafeEqual(digest(given), want)) throw new HttpError(401, 'wrong token', challenge);
  };
}
