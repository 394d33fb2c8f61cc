// JSON over HTTP to a remote API, as careful as the official Python SDKs' `_base_client.py` (Tinker's and
// OpenAI's share it): a timeout on every attempt, one idempotency key per logical call reused across its
// retries (where the API takes one), retries with exponential backoff and jitter on 408/409/429/5xx and
// connection errors only, a server's Retry-After honoured (up to a bound), a retry budget, then a
// BackendError naming the service, the endpoint, the status and the server's message. The API key is read
// from the environment at each attempt and scrubbed from every message that leaves this module, in case a
// server echoes it back.
import { randomUUID } from 'node:crypto';
import { BackendError } from '../../errors.js';
import { apiKeyFrom } from './endpoint.js';

/** Where requests go and how they authenticate. */
export interface HttpTarget {
  service: string; // names the backend in errors: "<service> <endpoint>: ..."
  baseUrl: string; // endpoints are appended to it; no trailing slash
  apiKeyEnv: string; // name of the environment variable holding the key
  auth: 'x-api-key' | 'bearer'; // the key as `X-API-Key: <key>` (Tinker) or `Authorization: Bearer <key>` (OpenAI)
  idempotencyHeader?: string; // sent on POSTs with a key per logical call (Tinker: X-Idempotency-Key); none if absent
}

/** Timeouts, retry budgets and backoff of every call. All in milliseconds. */
export interface HttpTiming {
  requestTimeoutMs: number; // one HTTP attempt (connect + reply)
  maxRetries: number; // retries of one call on 408/409/429/5xx/connection errors
  retryBudgetMs: number; // a call gives up once this long has passed since its first attempt
  backoffBaseMs: number; // HTTP retry n waits base·2^n (with jitter)
  backoffMaxMs: number; // cap of that wait
  retryAfterMaxMs: number; // a server's Retry-After is honoured up to this
}

/** One attempt's outcome: an HTTP reply (any status), or no reply at all. */
export type Attempt =
  | { kind: 'reply'; status: number; headers: Headers; json: unknown; text: string }
  | { kind: 'failure'; timedOut: boolean; reason: string };

export type HttpReply = Extract<Attempt, { kind: 'reply' }>;

export interface AttemptOptions {
  timeoutMs: number;
  /** Sent in the target's idempotency header on POSTs; the same for every retry of one logical call. */
  idempotencyKey?: string;
}

export interface CallOptions {
  /** Retries after the first attempt; default timing.maxRetries. 0 = one attempt. */
  maxRetries?: number;
  timeoutMs?: number;
}

const MAX_REPLY_CHARS = 64 * 1024 * 1024; // a reply larger than this is refused (bounded memory)
const MAX_MESSAGE_CHARS = 500; // server messages quoted in errors are cut here

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Milliseconds a reply asks the client to wait: `retry-after-ms`, else `retry-after` in seconds
 *  (fractions allowed) or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers, nowMs: number = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Number(ms);
  const after = headers.get('retry-after');
  if (after === null || after.trim() === '') return undefined;
  if (Number.isFinite(Number(after))) return Number(after) * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : date - nowMs;
}

/** The wait before retry number `retry` (0-based): the server's Retry-After when it lies in
 *  (0, retryAfterMaxMs], else base·2^retry capped at backoffMaxMs, shortened by up to 25% of jitter. */
export function retryDelayMs(retry: number, headers: Headers | undefined, timing: HttpTiming, random: () => number = Math.random): number {
  const asked = headers === undefined ? undefined : retryAfterMs(headers);
  if (asked !== undefined && asked > 0 && asked <= timing.retryAfterMaxMs) return asked;
  const backoff = Math.min(timing.backoffBaseMs * 2 ** Math.min(retry, 30), timing.backoffMaxMs);
  return backoff * (1 - 0.25 * random());
}

/** Whether a reply may succeed when sent again: the server's `x-should-retry` decides when present, else
 *  408 (timeout), 409 (lock), 429 (rate limit) and 5xx. */
export function isRetryable(status: number, headers: Headers): boolean {
  const told = headers.get('x-should-retry');
  if (told === 'true') return true;
  if (told === 'false') return false;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The server's own words about a failure: FastAPI's `detail` (a string or a list of validation errors),
 *  else `error` (a string, or OpenAI's `{message, type, ...}`) or `message`, else the body text; cut to a
 *  readable length. */
export function serverMessage(reply: Pick<HttpReply, 'json' | 'text'>): string {
  const body = reply.json;
  let msg: string | undefined;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    const detail = b.detail ?? b.error ?? b.message;
    const openaiMessage = detail !== null && typeof detail === 'object' ? (detail as { message?: unknown }).message : undefined;
    if (typeof detail === 'string') msg = detail;
    else if (typeof openaiMessage === 'string') msg = openaiMessage;
    else if (Array.isArray(detail)) {
      msg = detail
        .map((d) => (d !== null && typeof d === 'object' ? `${JSON.stringify((d as { loc?: unknown }).loc ?? '')} ${String((d as { msg?: unknown }).msg ?? '')}`.trim() : String(d)))
        .join('; ');
    } else if (detail !== undefined) msg = JSON.stringify(detail);
  }
  msg ??= reply.text.trim() === '' ? '(empty reply)' : reply.text.trim();
  return msg.length > MAX_MESSAGE_CHARS ? `${msg.slice(0, MAX_MESSAGE_CHARS)}…` : msg;
}

export class JsonHttp<T extends HttpTiming = HttpTiming> {
  /** Endpoint → time until which new requests to it wait: a 429 pauses every caller of that endpoint,
   *  not only the one that got it (the Tinker SDK pauses all sampling the same way). */
  private readonly pausedUntil = new Map<string, number>();

  constructor(
    readonly target: HttpTarget,
    readonly timing: T,
    private readonly random: () => number = Math.random,
  ) {}

  /** `text` with the API key (if set) replaced by `***`. */
  redact(text: string): string {
    const key = apiKeyFrom(this.target);
    return key === undefined ? text : text.split(key).join('***');
  }

  /** Pauses new requests to `endpoint` for `ms` (used on 429). */
  pause(endpoint: string, ms: number): void {
    const until = Date.now() + ms;
    if (until > (this.pausedUntil.get(endpoint) ?? 0)) this.pausedUntil.set(endpoint, until);
  }

  /** Waits while `endpoint` is paused. */
  async waitIfPaused(endpoint: string): Promise<void> {
    for (;;) {
      const wait = (this.pausedUntil.get(endpoint) ?? 0) - Date.now();
      if (wait <= 0) return;
      await sleep(wait);
    }
  }

  /** One HTTP attempt. Never throws for a status or a network failure; the caller decides what to do. */
  async attempt(method: 'GET' | 'POST', endpoint: string, body: unknown, options: AttemptOptions): Promise<Attempt> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const key = apiKeyFrom(this.target);
    if (key !== undefined) {
      if (this.target.auth === 'bearer') headers.Authorization = `Bearer ${key}`;
      else headers['X-API-Key'] = key;
    }
    if (method === 'POST') {
      headers['Content-Type'] = 'application/json';
      const header = this.target.idempotencyHeader;
      if (header !== undefined && options.idempotencyKey !== undefined) headers[header] = options.idempotencyKey;
    }
    try {
      const res = await fetch(`${this.target.baseUrl}${endpoint}`, {
        method,
        headers,
        ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const length = Number(res.headers.get('content-length') ?? '0');
      if (length > MAX_REPLY_CHARS) {
        await res.body?.cancel();
        return { kind: 'failure', timedOut: false, reason: `reply of ${length} bytes is over the ${MAX_REPLY_CHARS}-byte limit` };
      }
      const text = await res.text();
      if (text.length > MAX_REPLY_CHARS) return { kind: 'failure', timedOut: false, reason: `reply of ${text.length} characters is over the limit` };
      let json: unknown = undefined;
      if (text.trim() !== '') {
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined; // a non-JSON body (a proxy's HTML page): kept as text for the message
        }
      }
      return { kind: 'reply', status: res.status, headers: res.headers, json, text };
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      if (err.name === 'TimeoutError' || err.name === 'AbortError') return { kind: 'failure', timedOut: true, reason: `no reply within ${options.timeoutMs} ms` };
      return { kind: 'failure', timedOut: false, reason: err.cause?.code ?? err.cause?.message ?? err.message };
    }
  }

  /** A JSON call with the SDK's retry policy; returns the parsed body of its 2xx reply. */
  async call(method: 'GET' | 'POST', endpoint: string, body?: unknown, options: CallOptions = {}): Promise<unknown> {
    const maxRetries = options.maxRetries ?? this.timing.maxRetries;
    const timeoutMs = options.timeoutMs ?? this.timing.requestTimeoutMs;
    const idempotencyKey = method === 'POST' ? `bctlab-${randomUUID()}` : undefined;
    const start = Date.now();
    for (let retry = 0; ; retry++) {
      await this.waitIfPaused(endpoint);
      const a = await this.attempt(method, endpoint, body, { timeoutMs, ...(idempotencyKey !== undefined ? { idempotencyKey } : {}) });
      if (a.kind === 'reply' && a.status >= 200 && a.status < 300) {
        if (a.json === undefined && a.text.trim() !== '') throw this.error(endpoint, `HTTP ${a.status} with a reply that is not JSON: ${serverMessage(a)}`, false);
        return a.json ?? null;
      }
      const retryable = a.kind === 'failure' || isRetryable(a.status, a.headers);
      const delay = retryDelayMs(retry, a.kind === 'reply' ? a.headers : undefined, this.timing, this.random);
      if (!retryable || retry >= maxRetries || Date.now() - start + delay > this.timing.retryBudgetMs) {
        const tries = retry + 1;
        const after = tries > 1 ? ` after ${tries} attempts` : '';
        throw this.error(endpoint, a.kind === 'failure' ? `${this.describeFailure(a)}${after}` : `${this.describeStatus(a)}${after}`, retryable);
      }
      if (a.kind === 'reply' && a.status === 429) this.pause(endpoint, delay);
      await sleep(delay);
    }
  }

  /** `HTTP 503: <server message>`, with a hint on 401/403 that names the key's variable, not the key. */
  describeStatus(reply: HttpReply): string {
    const auth = reply.status === 401 || reply.status === 403;
    const set = apiKeyFrom(this.target) !== undefined;
    const hint = auth ? ` (check the API key in $${this.target.apiKeyEnv}${set ? '' : ', which is unset'})` : '';
    return `HTTP ${reply.status}: ${serverMessage(reply)}${hint}`;
  }

  describeFailure(f: Extract<Attempt, { kind: 'failure' }>): string {
    return f.timedOut ? `${this.target.baseUrl} sent ${f.reason}` : `cannot reach ${this.target.baseUrl} (${f.reason})`;
  }

  /** A BackendError about `endpoint`, with the key scrubbed. */
  error(endpoint: string, message: string, retryable: boolean): BackendError {
    return new BackendError(this.redact(message), `${this.target.service} ${endpoint}`, retryable);
  }
}
