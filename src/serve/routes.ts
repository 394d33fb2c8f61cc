// The Tinker API's endpoints under /api/v1/ and the checks every request passes before one runs: the
// route exists (404), the token (401; /healthz needs none), the method (405), the Origin (403), a JSON
// body within the byte limit (415 for protobuf, 413, 400). Host and the request target were checked by
// the guarded server (src/http) before this.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkJsonContentType, checkOrigin, HttpError, parseJsonStrict, readBody, sendJson, type RequestTarget } from '../http/index.js';
import type { ServeLimits } from './config.js';
import { asample, createSamplingSession, getSampler } from './sampling.js';
import { bodyHash, newId } from './state.js';
import {
  createModel,
  forwardBackward,
  getInfo,
  loadWeights,
  optimStep,
  saveWeights,
  saveWeightsForSampler,
  unloadModel,
  weightsInfo,
  type RequestInfo,
  type Serve,
} from './training.js';
import { parseBody, schemas } from './wire.js';

interface Endpoint {
  method: 'GET' | 'POST';
  /** False only for /healthz, which tells nothing but that the server is up. */
  auth: boolean;
  run(s: Serve, body: unknown, info: RequestInfo): unknown;
}

const post = (run: Endpoint['run']): Endpoint => ({ method: 'POST', auth: true, run });

const PROTOBUF = 'application/x-protobuf';

/** The endpoint table (path after /api/v1/). */
export function endpoints(limits: ServeLimits): Record<string, Endpoint> {
  return {
    healthz: { method: 'GET', auth: false, run: () => ({ status: 'ok' }) },
    'client/config': post(() => ({
      pjwt_auth_enabled: false,
      // One chunk at a time, as JSON: this server holds later seq_ids for earlier ones anyway.
      parallel_fwdbwd_chunks: false,
      proto_write_fwdbwd: false,
      proto_compress_fwdbwd: false,
      create_model_via_load_weights: false,
      fwdbwd_max_chunk_len: limits.maxDatums,
      fwdbwd_max_chunk_bytes_count: Math.floor(limits.maxBodyBytes / 4),
      // Extensions a bctlab client reads (others ignore them): a full fine-tune when create_model has no
      // lora_config, and LoRA alpha taken from lora_config.alpha.
      full_finetune: true,
      lora_alpha: true,
    })),
    create_session: post((s, body) => {
      parseBody(schemas.createSession, body, 'create_session');
      const id = newId('session');
      s.state.sessions.set(id, { lastSeen: Date.now() });
      return { type: 'create_session', session_id: id, info_message: null, warning_message: null, error_message: null };
    }),
    session_heartbeat: post((s, body) => {
      s.state.session(parseBody(schemas.sessionId, body, 'session_heartbeat').session_id).lastSeen = Date.now();
      return { type: 'session_heartbeat' };
    }),
    get_server_capabilities: {
      method: 'GET',
      auth: true,
      // tokenizer_id is an extension: it lets a client pick its chat renderer without making a model.
      run: (s) => ({ supported_models: s.catalog.all().map((m) => ({ model_name: m.name, max_context_length: m.config.contextLength, tokenizer_id: m.tokenizerId })) }),
    },
    create_model: post(createModel),
    get_info: post((s, body) => getInfo(s, body)),
    unload_model: post(unloadModel),
    forward_backward: post((s, body, info) => forwardBackward(s, body, info, false)),
    forward: post((s, body, info) => forwardBackward(s, body, info, true)),
    optim_step: post(optimStep),
    save_weights: post(saveWeights),
    save_weights_for_sampler: post(saveWeightsForSampler),
    load_weights: post(loadWeights),
    weights_info: post((s, body) => weightsInfo(s, body)),
    create_sampling_session: post((s, body) => createSamplingSession(s, body)),
    asample: post(asample),
    retrieve_future: post(async (s, body) => {
      const id = parseBody(schemas.retrieveFuture, body, 'retrieve_future').request_id;
      const r = await s.state.futures.wait(id, limits.pollMs);
      if (r.kind === 'malformed') throw new HttpError(404, `retrieve_future: request_id ${JSON.stringify(id.slice(0, 80))} was never issued by this server`);
      if (r.kind === 'unknown') throw new HttpError(410, `retrieve_future: ${id} has expired or is unknown (the server may have restarted); resubmit the request`);
      if (r.kind === 'pending') return { type: 'try_again', request_id: id, queue_state: 'active' };
      return r.value;
    }),
    telemetry: post(() => ({ status: 'accepted' })),
  };
}

/** Content types refused with a reason: SDK ≥ 0.25 sends protobuf forward_backward bodies. */
function unsupportedType(type: string): string | undefined {
  if (type !== PROTOBUF) return undefined;
  return 'protobuf bodies (Tinker SDK 0.25 and later) are not supported: this server speaks the JSON bodies of SDK 0.24 and earlier (the SDK ships no .proto schema); use tinker<=0.24.1';
}

export function router(s: Serve, limits: ServeLimits, checkToken: (req: IncomingMessage) => void, allowed: () => ReadonlySet<string>) {
  const table = endpoints(limits);
  return async (req: IncomingMessage, res: ServerResponse, target: RequestTarget): Promise<void> => {
    const seg = target.segments;
    if (seg[0] !== 'api' || seg[1] !== 'v1' || seg.length < 3) throw new HttpError(404, `no endpoint ${target.pathname}; the Tinker API is under /api/v1/`);
    const isSampler = seg.length === 4 && seg[2] === 'samplers';
    const ep: Endpoint | undefined = isSampler ? { method: 'GET', auth: true, run: (sv) => getSampler(sv, seg[3]!) } : table[seg.slice(2).join('/')];
    if (ep === undefined) throw new HttpError(404, `no endpoint ${target.pathname}`);
    const name = isSampler ? 'samplers' : seg.slice(2).join('/');
    s.state.requests.set(name, (s.state.requests.get(name) ?? 0) + 1);
    if (ep.auth) checkToken(req);
    if (req.method !== ep.method) throw new HttpError(405, `${target.pathname} takes ${ep.method}, not ${req.method}`, { allow: ep.method });
    checkOrigin(req, allowed());
    if (ep.method === 'GET') return sendJson(res, 200, await ep.run(s, undefined, { hash: '' }));
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') throw new HttpError(415, `Content-Encoding ${JSON.stringify(encoding.slice(0, 40))} is not supported; send an uncompressed JSON body`);
    checkJsonContentType(req, unsupportedType);
    const raw = await readBody(req, limits.maxBodyBytes);
    const body = parseJsonStrict(raw);
    const key = req.headers['x-idempotency-key'];
    if (typeof key === 'string' && key.length > 256) throw new HttpError(400, `X-Idempotency-Key of ${key.length} characters; at most 256`);
    const info: RequestInfo = { hash: bodyHash(raw), ...(typeof key === 'string' && key !== '' ? { idempotencyKey: `key:${key}` } : {}) };
    sendJson(res, 200, await ep.run(s, body, info));
  };
}
