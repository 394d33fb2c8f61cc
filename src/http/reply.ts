// Writing replies: JSON (or text) with no-store and nosniff headers, and the one mapping of a thrown
// error to a reply: HttpError → its status; a bctlab input error (bad config, data or checkpoint) → 400;
// anything else → 500 with a short message, so no stack or internal detail leaves the server.
import type { ServerResponse } from 'node:http';
import { BctError } from '../errors.js';
import { HttpError } from './http-error.js';

const COMMON = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } as const;

export function sendText(res: ServerResponse, status: number, type: string, body: string, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent) {
    res.destroy(); // a reply was already under way: the only safe end is to drop the connection
    return;
  }
  res.writeHead(status, { ...COMMON, ...headers, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): void {
  sendText(res, status, 'application/json', JSON.stringify(value), headers);
}

/** The status and message an error is answered with; `internal` is true for a 500 (worth logging). */
export function errorReply(e: unknown): { status: number; message: string; headers: Readonly<Record<string, string>>; internal: boolean } {
  if (e instanceof HttpError) return { status: e.status, message: e.message, headers: e.headers, internal: false };
  if (e instanceof BctError && e.isInputError) return { status: 400, message: e.message, headers: {}, internal: false };
  return { status: 500, message: 'internal error; the server is still running', headers: {}, internal: true };
}

/** Answers `{"error": message}` for a thrown error (see errorReply). */
export function sendError(res: ServerResponse, e: unknown): { status: number; internal: boolean } {
  const r = errorReply(e);
  sendJson(res, r.status, { error: r.message }, r.headers);
  return r;
}
