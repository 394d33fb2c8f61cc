// The JSON wire format of Tinker SDK ≤ 0.24 (pydantic models in `src/tinker/types/*.py`): request
// bodies built from bctlab's types, and readers that check each reply's fields and name the endpoint
// when one is missing. SDK 0.25 switched forward_backward and its results to protobuf; hosted Tinker and
// SkyRL still accept JSON from older SDKs, which is what this client speaks throughout.
import { BackendError, DataError } from '../../errors.js';
import type { Datum, OptimParams } from '../types.js';

/** The SDK release whose JSON format this client speaks; sent as `sdk_version` so servers resolve the
 *  feature flags of that release. */
export const SDK_VERSION = '0.24.1';

/** A flat tensor: `data` row-major, `shape` its dimensions. */
export interface TensorData {
  data: number[];
  dtype: 'int64' | 'float32';
  shape: number[];
}

export interface ModelInput {
  chunks: { type: 'encoded_text'; tokens: number[] }[];
}

export interface WireDatum {
  model_input: ModelInput;
  loss_fn_inputs: { target_tokens: TensorData; weights: TensorData };
}

/** A 1-D tensor of `data`. */
export function tensor1d(data: readonly number[], dtype: TensorData['dtype']): TensorData {
  return { data: [...data], dtype, shape: [data.length] };
}

export function modelInput(tokens: readonly number[]): ModelInput {
  return { chunks: [{ type: 'encoded_text', tokens: [...tokens] }] };
}

/** Checks one datum (tokens are integer ids ≥ 0, one finite weight ≥ 0 per token, 2 to
 *  contextLength + 1 tokens); DataErrors name `batch[i]`. */
export function checkDatum(d: Datum, i: number, contextLength: number): void {
  const n = d.tokens.length;
  if (n < 2 || n > contextLength + 1) throw new DataError(`sequence of ${n} tokens; expected 2 to ${contextLength + 1} (context length + 1)`, `batch[${i}].tokens`);
  if (d.weights.length !== n) throw new DataError(`${d.weights.length} weights for ${n} tokens; expected one per token`, `batch[${i}].weights`);
  const badToken = d.tokens.findIndex((t) => !Number.isInteger(t) || t < 0);
  if (badToken >= 0) throw new DataError(`token ${d.tokens[badToken]} at position ${badToken}; expected an integer id ≥ 0`, `batch[${i}].tokens`);
  const badWeight = d.weights.findIndex((w) => !(w >= 0 && Number.isFinite(w)));
  if (badWeight >= 0) throw new DataError(`weight ${d.weights[badWeight]} at position ${badWeight}; expected a finite number ≥ 0`, `batch[${i}].weights`);
}

/** A datum for `cross_entropy`, shifted by one: the model reads tokens[:-1] and is scored on predicting
 *  tokens[1:] with weights[1:] (Datum.weights[i] weighs predicting tokens[i]). Lengths: n − 1 each. */
export function crossEntropyDatum(d: Datum): WireDatum {
  return {
    model_input: modelInput(d.tokens.slice(0, -1)),
    loss_fn_inputs: { target_tokens: tensor1d(d.tokens.slice(1), 'int64'), weights: tensor1d(d.weights.slice(1), 'float32') },
  };
}

// The SDK splits a forward_backward into requests of at most 1024 datums and about 5 MB, estimating
// 10 bytes per number (model input + the two loss inputs: 3 numbers per target position).
const MAX_CHUNK_DATUMS = 1024;
const MAX_CHUNK_BYTES = 5_000_000;
const bytesOf = (d: Datum): number => (d.tokens.length - 1) * 3 * 10;

/** `batch` split into consecutive chunks as the SDK does (order kept; none empty). */
export function chunkBatch<T extends Datum>(batch: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const d of batch) {
    const b = bytesOf(d);
    if (current.length > 0 && (current.length === MAX_CHUNK_DATUMS || bytes + b > MAX_CHUNK_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(d);
    bytes += b;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** `adam_params` of an optim_step: the sweep's optimizer, clipping included (0 = off, as in Tinker). */
export function adamParams(p: OptimParams): Record<string, number> {
  return { learning_rate: p.lr, beta1: p.betas[0], beta2: p.betas[1], eps: p.eps, weight_decay: p.weightDecay, grad_clip_norm: p.gradClip };
}

// --- readers of replies ---

type Obj = Record<string, unknown>;

/** The shape of a reply value, never its text: a server may echo a request, key included, so no string
 *  from a reply is quoted here (numbers and keys of objects are). */
export function shapeOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return `an object with keys ${Object.keys(value).slice(0, 12).join(', ') || '(none)'}`;
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  return String(value);
}

function bad(endpoint: string, message: string, value: unknown): BackendError {
  return new BackendError(`unexpected reply: ${message}; got ${shapeOf(value)}`, `tinker ${endpoint}`);
}

function object(value: unknown, endpoint: string, what = 'an object'): Obj {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad(endpoint, `expected ${what}`, value);
  return value as Obj;
}

function string(o: Obj, key: string, endpoint: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw bad(endpoint, `expected a non-empty string "${key}"`, o);
  return v;
}

function intArray(value: unknown, endpoint: string, what: string): number[] {
  if (!Array.isArray(value) || !value.every((t) => Number.isInteger(t) && (t as number) >= 0)) throw bad(endpoint, `expected ${what} as an array of token ids`, value);
  return value as number[];
}

/** `{ <key>: "<non-empty string>" }` → the string (session_id, model_id, sampling_session_id). */
export function readString(reply: unknown, key: string, endpoint: string): string {
  return string(object(reply, endpoint), key, endpoint);
}

/** A checkpoint path from save_weights / save_weights_for_sampler: a `tinker://` URI. */
export function readTinkerPath(reply: unknown, endpoint: string): string {
  const path = readString(reply, 'path', endpoint);
  if (!path.startsWith('tinker://')) throw bad(endpoint, 'expected "path" to be a tinker:// URI', reply);
  return path;
}

export interface ServedModel {
  name: string;
  /** Longest sequence the server accepts for it, when it says. */
  maxContextLength: number | undefined;
  /** Its tokenizer, when the server says: not an SDK field, an extension this client reads (it lets a
   *  sampler of a base model pick its renderer without a training model to ask get_info). */
  tokenizerId: string | undefined;
}

/** get_server_capabilities → the models the server serves. */
export function readCapabilities(reply: unknown, endpoint: string): ServedModel[] {
  const models = object(reply, endpoint).supported_models;
  if (!Array.isArray(models)) throw bad(endpoint, 'expected "supported_models" to be an array', reply);
  return models.flatMap((m) => {
    const o = object(m, endpoint, 'each supported model to be an object');
    if (typeof o.model_name !== 'string' || o.model_name === '') return [];
    const ctx = o.max_context_length;
    const tok = o.tokenizer_id;
    return [{ name: o.model_name, maxContextLength: Number.isInteger(ctx) && (ctx as number) > 0 ? (ctx as number) : undefined, tokenizerId: typeof tok === 'string' && tok !== '' ? tok : undefined }];
  });
}

/** get_info → the model's tokenizer id (falling back to its model name, then `base`). */
export function readTokenizerId(reply: unknown, base: string, endpoint: string): string {
  const data = object(object(reply, endpoint).model_data, endpoint, '"model_data" to be an object');
  for (const key of ['tokenizer_id', 'model_name']) {
    const v = data[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return base;
}

/** forward_backward result → `loss:sum` (Σ weight·NLL over the request's datums). */
export function readLossSum(reply: unknown, endpoint: string): number {
  const metrics = object(object(reply, endpoint).metrics, endpoint, '"metrics" to be an object');
  const loss = metrics['loss:sum'];
  if (typeof loss !== 'number') throw bad(endpoint, 'expected a number "loss:sum" in metrics', metrics);
  return loss;
}

/** optim_step result → `metrics.grad_norm`, or NaN when the server reports none. */
export function readGradNorm(reply: unknown, endpoint: string): number {
  const metrics = reply === null ? null : object(reply, endpoint).metrics;
  if (metrics === null || metrics === undefined) return NaN;
  const norm = object(metrics, endpoint, '"metrics" to be an object or null').grad_norm;
  return typeof norm === 'number' ? norm : NaN;
}

export interface SampledSequence {
  tokens: number[];
  stopReason: 'stop' | 'length';
}

/** asample result → its one sequence. */
export function readSequence(reply: unknown, endpoint: string): SampledSequence {
  const seqs = object(reply, endpoint).sequences;
  if (!Array.isArray(seqs) || seqs.length !== 1) throw bad(endpoint, 'expected "sequences" to hold exactly one sequence (num_samples 1)', reply);
  const s = object(seqs[0], endpoint, 'the sequence to be an object');
  const tokens = intArray(s.tokens, endpoint, '"tokens"');
  if (s.stop_reason !== 'stop' && s.stop_reason !== 'length') throw bad(endpoint, 'expected "stop_reason" "stop" or "length"', s);
  return { tokens, stopReason: s.stop_reason };
}

/** asample result with prompt_logprobs → the log-probabilities of prompt positions [from, to). */
export function readPromptLogprobs(reply: unknown, from: number, to: number, endpoint: string): number[] {
  const lps = object(reply, endpoint).prompt_logprobs;
  if (!Array.isArray(lps) || lps.length < to) throw bad(endpoint, `expected "prompt_logprobs" with ${to} entries`, lps);
  const out = lps.slice(from, to);
  if (!out.every((v) => typeof v === 'number' && v <= 0)) throw bad(endpoint, `expected log-probabilities (numbers ≤ 0) at prompt positions ${from} to ${to - 1}`, out);
  return out as number[];
}
