// Tinker futures: every GPU operation answers `{request_id}` at once, and its result is fetched by
// long-polling `POST /api/v1/retrieve_future`. The replies handled, and what each does, follow the SDK's
// `api_future_impl.py` (≤ 0.24); `classifyRetrieve` is the pure decision and `awaitFuture` the loop.
// Two deliberate differences from the SDK, both to avoid hammering a server from a small machine:
// immediate re-polls are spaced at least `minPollIntervalMs` apart, and 5xx re-polls back off like HTTP
// retries and give up after `maxRetries` in a row. A poll that times out on our side is re-sent at once
// (SkyRL holds a poll up to 300 s, longer than the SDK's 45 s poll timeout).
import { BackendError } from '../../errors.js';
import { retryAfterMs, retryDelayMs, serverMessage, sleep, type Attempt } from '../http/index.js';
import type { TinkerHttp } from './http.js';
import { shapeOf } from './wire.js';

export type RequestId = string | number;

export type RetrieveAction =
  | { kind: 'done'; result: unknown } // 200 with the result
  | { kind: 'poll' } // 200 try_again, or 408: the server is still working; poll again now
  | { kind: 'poll-timeout' } // our poll timed out before the server answered; poll again now
  | { kind: 'metadata' } // 200 complete_metadata: poll again asking for the full payload
  | { kind: 'failed'; message: string; category: string } // 200 {error, category}: the request failed
  | { kind: 'server-error'; message: string } // 5xx: poll again after a backoff
  | { kind: 'resubmit' } // 410: the promise expired; send the original request again
  | { kind: 'backoff'; waitMs: number | undefined; message: string } // 429 or no connection: wait, then poll
  | { kind: 'bad-request'; message: string } // bare 400 (proxies inject these; SkyRL reports failures so): retry ≤ 3 times
  | { kind: 'fatal'; message: string }; // any other status

/** What one retrieve_future attempt means. Pure. */
export function classifyRetrieve(a: Attempt): RetrieveAction {
  if (a.kind === 'failure') return a.timedOut ? { kind: 'poll-timeout' } : { kind: 'backoff', waitMs: undefined, message: a.reason };
  const { status } = a;
  if (status >= 200 && status < 300) {
    const body = a.json;
    if (body === undefined && a.text.trim() !== '') return { kind: 'fatal', message: `HTTP ${status} with a reply that is not JSON: ${serverMessage(a)}` };
    if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
      const b = body as Record<string, unknown>;
      if (b.type === 'try_again') return { kind: 'poll' };
      if (b.status === 'complete_metadata') return { kind: 'metadata' };
      if ('error' in b) return { kind: 'failed', message: typeof b.error === 'string' ? b.error : JSON.stringify(b.error), category: typeof b.category === 'string' ? b.category : 'unknown' };
    }
    return { kind: 'done', result: body ?? null };
  }
  if (status === 408) return { kind: 'poll' };
  if (status === 410) return { kind: 'resubmit' };
  if (status === 429) return { kind: 'backoff', waitMs: retryAfterMs(a.headers), message: `HTTP 429: ${serverMessage(a)}` };
  if (status === 400) return { kind: 'bad-request', message: `HTTP 400: ${serverMessage(a)}` };
  if (status >= 500) return { kind: 'server-error', message: `HTTP ${status}: ${serverMessage(a)}` };
  return { kind: 'fatal', message: `HTTP ${status}: ${serverMessage(a)}` };
}

const MAX_BAD_REQUESTS = 3; // the SDK's bare-400 budget
const MAX_RESUBMITS = 3; // 410s answered by resubmitting, per future

export interface AwaitOptions {
  /** The endpoint of the original request, named in errors (`/api/v1/optim_step`). */
  endpoint: string;
  /** What the request was, for messages (`optim_step seq 4`). */
  label: string;
  /** Sends the original request again (after a 410) and returns the new request id. */
  resubmit(): Promise<RequestId>;
}

/** The `request_id` of a reply to a future-returning request. */
export function requestIdOf(reply: unknown, http: TinkerHttp, endpoint: string): RequestId {
  const id = reply !== null && typeof reply === 'object' ? (reply as { request_id?: unknown }).request_id : undefined;
  if (typeof id === 'string' || typeof id === 'number') return id;
  throw http.error(endpoint, `expected a reply with a request_id, got ${shapeOf(reply)}`, false);
}

/** Sends a future-returning request (with the HTTP retry policy) and returns its request id. */
export async function submit(http: TinkerHttp, endpoint: string, body: unknown): Promise<RequestId> {
  return requestIdOf(await http.call('POST', endpoint, body), http, endpoint);
}

/** Polls the future `id` until its result, a failure, or `futureDeadlineMs`. */
export async function awaitFuture(http: TinkerHttp, id: RequestId, options: AwaitOptions): Promise<unknown> {
  const t = http.timing;
  const deadline = Date.now() + t.futureDeadlineMs;
  let requestId = id;
  let allowMetadataOnly = true;
  let backoffs = 0; // consecutive 429s / connection failures (reset by any other reply)
  let serverErrors = 0; // consecutive 5xx
  let badRequests = 0;
  let resubmits = 0;
  let lastPoll = 0;
  let lastProblem = ''; // what went wrong on the last poll that did not answer, for the deadline's message
  const fail = (message: string, retryable: boolean): BackendError => http.error(options.endpoint, `${options.label} (request ${requestId}): ${message}`, retryable);

  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw fail(`no result after ${Math.round(t.futureDeadlineMs / 1000)} s${lastProblem === '' ? '' : `; the last poll: ${lastProblem}`}`, true);
    const spacing = lastPoll + t.minPollIntervalMs - Date.now();
    if (spacing > 0) await sleep(spacing);
    lastPoll = Date.now();
    const attempt = await http.attempt(
      'POST',
      '/api/v1/retrieve_future',
      { request_id: requestId, allow_metadata_only: allowMetadataOnly },
      { timeoutMs: Math.max(1, Math.min(t.pollTimeoutMs, remaining)) },
    );
    const action = classifyRetrieve(attempt);
    if (action.kind !== 'backoff') backoffs = 0;
    if (action.kind !== 'server-error') serverErrors = 0;
    switch (action.kind) {
      case 'done':
        return action.result;
      case 'poll':
      case 'poll-timeout':
        continue;
      case 'metadata':
        // The SDK reserves memory for the payload here; we only need to ask for it in full.
        allowMetadataOnly = false;
        continue;
      case 'failed':
        throw fail(`request failed (${action.category} error): ${action.message}`, action.category === 'server');
      case 'server-error':
        if (serverErrors >= t.maxRetries) throw fail(`${action.message} on ${serverErrors + 1} polls in a row`, true);
        await sleep(retryDelayMs(serverErrors++, undefined, t));
        continue;
      case 'resubmit':
        if (resubmits++ >= MAX_RESUBMITS) throw fail(`the server forgot the request (HTTP 410) ${resubmits} times`, true);
        requestId = await options.resubmit();
        allowMetadataOnly = true;
        badRequests = 0;
        continue;
      case 'backoff': {
        const asked = action.waitMs !== undefined && action.waitMs > 0 && action.waitMs <= t.retryAfterMaxMs ? action.waitMs : undefined;
        const wait = asked ?? Math.min(t.pollBackoffBaseMs * 2 ** Math.min(backoffs, 30), t.pollBackoffMaxMs);
        backoffs++;
        lastProblem = attempt.kind === 'failure' ? http.describeFailure(attempt) : action.message;
        if (Date.now() + wait > deadline) throw fail(`${lastProblem} until the deadline`, true);
        await sleep(wait);
        continue;
      }
      case 'bad-request':
        if (badRequests++ >= MAX_BAD_REQUESTS) throw fail(`${action.message} (${badRequests} times)`, false);
        continue;
      case 'fatal':
        // describeStatus adds the hint about the API key on 401/403.
        throw fail(attempt.kind === 'reply' && attempt.status >= 300 ? http.describeStatus(attempt) : action.message, false);
    }
  }
}
