// The sampling endpoints: create_sampling_session, samplers/{id}, asample. Sampling runs the embedded
// backend's token-level sampler, so sample 0 of a request with seed s is exactly what the embedded
// SamplingClient gives the same prompt tokens with seed s; sample i > 0 uses seed s + i (the embedded
// sampler's seed for the i-th prompt of a batch without per-prompt seeds).
import { randomInt } from 'node:crypto';
import { continuationLogprobs, loadSamplerModel, sampleTokens } from '../backends/embedded/index.js';
import type { Generation, Gpt } from '../engine/index.js';
import { HttpError } from '../http/index.js';
import { parseTinkerPath, tinkerPath } from './checkpoints.js';
import { newId, type SamplerSource } from './state.js';
import { keyOf, type RequestInfo, type Serve } from './training.js';
import { inputTokens, parseBody, schemas } from './wire.js';

/** Longest stop string accepted. */
const MAX_STOP_CHARS = 256;

/** A sampler's source from `base_model` or `model_path` (exactly one; a model_path names its base). */
function source(s: Serve, baseModel: string | null | undefined, modelPath: string | null | undefined, what: string): SamplerSource {
  if (modelPath != null) {
    const p = parseTinkerPath(modelPath, `${what}: model_path`);
    if (p.kind !== 'sampler_weights') {
      throw new HttpError(400, `${what}: model_path ${tinkerPath(p)} is a training state; sample from weights saved by save_weights_for_sampler (tinker://…/sampler_weights/<name>)`);
    }
    const meta = s.store.read(p);
    const base = s.catalog.get(meta.baseModel);
    if (base === undefined) throw new HttpError(404, `${what}: ${tinkerPath(p)} was trained on ${meta.baseModel}, which this server does not serve now`);
    if (baseModel != null && baseModel !== meta.baseModel) throw new HttpError(400, `${what}: base_model ${JSON.stringify(baseModel)} but ${tinkerPath(p)} was trained on ${meta.baseModel}`);
    return { base, modelPath: tinkerPath(p), dir: s.store.folder(p) };
  }
  if (baseModel == null) throw new HttpError(400, `${what}: give base_model, model_path or sampling_session_id`);
  const base = s.catalog.get(baseModel);
  if (base === undefined) throw new HttpError(404, `${what}: unknown base_model ${JSON.stringify(baseModel.slice(0, 80))}; served: ${s.catalog.names.join(', ')}`);
  return { base, modelPath: null, dir: null };
}

export function createSamplingSession(s: Serve, body: unknown): unknown {
  const b = parseBody(schemas.createSamplingSession, body, 'create_sampling_session');
  s.state.session(b.session_id);
  const src = source(s, b.base_model, b.model_path, 'create_sampling_session');
  const id = newId('sampler');
  s.state.samplingSessions.set(id, src);
  return { type: 'create_sampling_session', sampling_session_id: id };
}

export function getSampler(s: Serve, id: string): unknown {
  const src = s.state.samplingSessions.get(id);
  if (src === undefined) throw new HttpError(404, `unknown sampler ${JSON.stringify(id.slice(0, 80))}`);
  return { sampler_id: id, base_model: src.base.name, model_path: src.modelPath };
}

/** The loaded sampler weights of a source (kept loaded, least recently used dropped first). */
export function samplerModel(s: Serve, src: SamplerSource): Gpt {
  const key = src.dir ?? `base:${src.base.name}`;
  let model = s.state.samplerModels.get(key);
  if (model === undefined) {
    model = loadSamplerModel({ base: src.base.dir, ...(src.dir !== null ? { weights: src.dir } : {}) });
    s.state.samplerModels.set(key, model);
  }
  return model;
}

/** sampling_params.stop as token ids or strings; strings need the model's word tokenizer. */
function stops(src: SamplerSource, stop: string | string[] | number[] | null | undefined, max: number): { tokens: number[]; strings: string[] } {
  const list = stop == null ? [] : typeof stop === 'string' ? [stop] : stop;
  if (list.length > max) throw new HttpError(400, `asample: sampling_params.stop has ${list.length} entries; at most ${max}`);
  const tokens: number[] = [];
  const strings: string[] = [];
  for (const [i, v] of list.entries()) {
    if (typeof v === 'number') {
      if (v < 0 || v >= src.base.config.vocabSize) throw new HttpError(400, `asample: sampling_params.stop[${i}]: token id ${v} is outside [0, ${src.base.config.vocabSize})`);
      tokens.push(v);
    } else {
      if (v === '' || v.length > MAX_STOP_CHARS) throw new HttpError(400, `asample: sampling_params.stop[${i}]: expected 1 to ${MAX_STOP_CHARS} characters`);
      strings.push(v);
    }
  }
  if (strings.length > 0 && src.base.tokenizer === null) {
    throw new HttpError(400, `asample: sampling_params.stop: stop strings need the model's tokenizer, which this server does not have for ${src.base.tokenizerId}; send stop token ids`);
  }
  return { tokens, strings };
}

/** Cuts a generation after the first token at which its text (`decode`) contains a stop string. Rows are
 *  sampled independently, so this equals having stopped there. */
export function cutAtStopString(g: Generation, decode: (tokens: number[]) => string, strings: readonly string[]): Generation {
  if (strings.length === 0) return g;
  for (let k = 1; k <= g.tokens.length; k++) {
    const text = decode(g.tokens.slice(0, k));
    if (strings.some((x) => text.includes(x))) {
      return { tokens: g.tokens.slice(0, k), finishReason: 'stop', ...(g.logprobs ? { logprobs: g.logprobs.slice(0, k) } : {}) };
    }
  }
  return g;
}

export function asample(s: Serve, body: unknown, info: RequestInfo): unknown {
  const b = parseBody(schemas.sample, body, 'asample');
  const limits = s.state.limits;
  let src: SamplerSource;
  if (b.sampling_session_id != null) {
    const found = s.state.samplingSessions.get(b.sampling_session_id);
    if (found === undefined) throw new HttpError(404, `asample: unknown sampling_session_id ${JSON.stringify(b.sampling_session_id.slice(0, 80))}`);
    src = found;
  } else {
    src = source(s, b.base_model, b.model_path, 'asample');
  }
  // A sampling session numbers its requests: (session, seq_id) is the retry key, else X-Idempotency-Key.
  const key = b.sampling_session_id != null && b.seq_id != null ? { idempotencyKey: `sample:${b.sampling_session_id}:${b.seq_id}` } : keyOf(info);
  const earlier = s.state.replay({ hash: info.hash, seq: null, ...key });
  if (earlier !== null) return earlier;
  const sp = b.sampling_params;
  const ctx = src.base.config.contextLength;
  if (b.num_samples > limits.maxNumSamples) throw new HttpError(400, `asample: num_samples ${b.num_samples}; at most ${limits.maxNumSamples}`);
  if (sp.top_k !== -1 && sp.top_k !== 0) throw new HttpError(400, `asample: sampling_params.top_k ${sp.top_k} is not supported (use top_p); send -1`);
  if (b.topk_prompt_logprobs > 0) throw new HttpError(400, 'asample: topk_prompt_logprobs is not supported; send 0 (prompt_logprobs is)');
  const prompt = inputTokens(b.prompt, src.base.config, 'asample: prompt');
  if (prompt.length < 1 || prompt.length > ctx) throw new HttpError(400, `asample: prompt of ${prompt.length} tokens; expected 1 to ${ctx} (the context length)`);
  if (sp.max_tokens != null && sp.max_tokens > ctx) throw new HttpError(400, `asample: sampling_params.max_tokens ${sp.max_tokens}; at most ${ctx} (the context length)`);
  const maxTokens = sp.max_tokens ?? Math.max(1, ctx - prompt.length);
  const stop = stops(src, sp.stop, limits.maxStopSequences);
  const seed = sp.seed ?? randomInt(2 ** 31);
  const n = b.num_samples;
  return s.state.submit({
    hash: info.hash,
    seq: null,
    ...key,
    run: async () => {
      const model = samplerModel(s, src);
      const gens = sampleTokens(model, Array.from({ length: n }, () => prompt), {
        maxTokens,
        temperature: sp.temperature,
        topP: sp.top_p,
        stopTokens: stop.tokens,
        seeds: Array.from({ length: n }, (_, i) => seed + i),
        logprobs: true,
      });
      const sequences = gens.map((g0) => {
        const g = cutAtStopString(g0, (t) => src.base.tokenizer!.decode(t), stop.strings);
        return { tokens: g.tokens, logprobs: g.logprobs ?? null, stop_reason: g.finishReason };
      });
      const promptLogprobs = b.prompt_logprobs === true
        ? [null, ...(prompt.length > 1 ? continuationLogprobs(model, prompt.slice(0, 1), prompt.slice(1)).tokenLogprobs : [])]
        : null;
      return { type: 'sample', sequences, prompt_logprobs: promptLogprobs, topk_prompt_logprobs: null };
    },
  });
}
