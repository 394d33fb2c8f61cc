// The Tinker API's JSON bodies (SDK ≤ 0.24; field names from the SDK's `types/*.py`), checked with zod,
// and their conversion to and from the engine's token data. Unknown fields are ignored (the SDK adds
// `type` and newer optional fields); a value of the wrong type is a 400 naming its field path.
import { z } from 'zod';
import type { Datum } from '../domain/index.js';
import { HttpError } from '../http/index.js';
import { issuePath } from '../settings/index.js';

/** Parses `body` with `schema`; the first issue becomes a 400 `path: message`. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issuePath(issue.path);
  throw new HttpError(400, `${what}: ${path === '' ? '(body)' : path}: ${issue.message}`);
}

const int = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const seqId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullish();
const id = z.string().min(1).max(256);

/** TensorData: a flat `data` array with a dtype and an optional shape (dense only). */
const tensorData = z.object({
  data: z.array(z.number()),
  dtype: z.enum(['int64', 'float32']),
  shape: z.array(z.number().int().min(0)).nullish(),
  sparse_crow_indices: z.unknown().optional(),
  sparse_col_indices: z.unknown().optional(),
});
type TensorData = z.infer<typeof tensorData>;

const chunk = z.object({ type: z.string().optional(), tokens: z.array(z.number().int()).optional() });
export const modelInput = z.object({ chunks: z.array(chunk).max(4096) });
export type ModelInput = z.infer<typeof modelInput>;

const datum = z.object({ model_input: modelInput, loss_fn_inputs: z.record(z.string(), tensorData) });
const forwardBackwardInput = z.object({
  data: z.array(datum).min(1),
  loss_fn: z.string(),
  loss_fn_config: z.record(z.string(), z.number()).nullish(),
});

export const schemas = {
  createSession: z.object({ tags: z.array(z.string()).max(64).optional(), sdk_version: z.string().max(64).optional() }),
  sessionId: z.object({ session_id: id }),
  modelId: z.object({ model_id: id }),
  createModel: z.object({
    session_id: id,
    base_model: z.string().min(1).max(256),
    lora_config: z
      .object({
        rank: z.number().int().min(1),
        seed: int.nullish(),
        alpha: z.number().positive().max(1e6).nullish(), // bctlab extension; default LORA_ALPHA
        train_attn: z.boolean().optional(),
        train_mlp: z.boolean().optional(),
        train_unembed: z.boolean().optional(),
      })
      .nullish(),
  }),
  forwardBackward: z.object({ model_id: id, seq_id: seqId, forward_backward_input: forwardBackwardInput }),
  forward: z.object({ model_id: id, seq_id: seqId, forward_input: forwardBackwardInput }),
  optimStep: z.object({
    model_id: id,
    seq_id: seqId,
    adam_params: z.object({
      learning_rate: z.number().min(0).max(1e3).default(1e-4),
      beta1: z.number().min(0).lt(1).default(0.9),
      beta2: z.number().min(0).lt(1).default(0.95),
      eps: z.number().positive().max(1).default(1e-12),
      weight_decay: z.number().min(0).max(1e3).default(0),
      grad_clip_norm: z.number().min(0).default(0),
    }),
  }),
  saveWeights: z.object({ model_id: id, seq_id: seqId, path: z.string().nullish(), overwrite: z.boolean().optional() }),
  saveForSampler: z.object({ model_id: id, seq_id: seqId, path: z.string().nullish(), sampling_session_seq_id: int.nullish() }),
  loadWeights: z.object({ model_id: id.nullish(), seq_id: seqId, path: z.string().max(512), optimizer: z.boolean().default(false) }),
  weightsInfo: z.object({ tinker_path: z.string().max(512) }),
  createSamplingSession: z.object({
    session_id: id,
    sampling_session_seq_id: int.optional(),
    base_model: z.string().max(256).nullish(),
    model_path: z.string().max(512).nullish(),
  }),
  sample: z.object({
    num_samples: z.number().int().min(1).default(1),
    prompt: modelInput,
    sampling_params: z.object({
      max_tokens: z.number().int().min(1).nullish(),
      seed: int.nullish(),
      stop: z.union([z.string(), z.array(z.string()), z.array(z.number().int())]).nullish(),
      temperature: z.number().min(0).max(1e3).default(1),
      top_k: z.number().int().default(-1),
      top_p: z.number().gt(0).max(1).default(1),
    }),
    base_model: z.string().max(256).nullish(),
    model_path: z.string().max(512).nullish(),
    sampling_session_id: id.nullish(),
    seq_id: seqId,
    prompt_logprobs: z.boolean().nullish(),
    topk_prompt_logprobs: z.number().int().min(0).default(0),
  }),
  retrieveFuture: z.object({ request_id: z.string().max(256), allow_metadata_only: z.boolean().optional() }),
};

/** What token ids of a model must satisfy. */
export interface Vocab {
  vocabSize: number;
  contextLength: number;
}

/** The tokens of a ModelInput (encoded_text chunks only), each a valid id; 400 otherwise. */
export function inputTokens(input: ModelInput, vocab: Vocab, field: string): number[] {
  const out: number[] = [];
  input.chunks.forEach((c, i) => {
    if ((c.type ?? 'encoded_text') !== 'encoded_text' || c.tokens === undefined) {
      throw new HttpError(400, `${field}.chunks[${i}]: chunk type ${JSON.stringify(c.type)} is not supported; only encoded_text chunks of token ids`);
    }
    for (const t of c.tokens) {
      if (t < 0 || t >= vocab.vocabSize) throw new HttpError(400, `${field}.chunks[${i}]: token id ${t} is outside the vocabulary [0, ${vocab.vocabSize})`);
      out.push(t);
    }
  });
  return out;
}

function dense(t: TensorData, field: string, dtype: 'int64' | 'float32'): number[] {
  if (t.sparse_crow_indices != null || t.sparse_col_indices != null) throw new HttpError(400, `${field}: sparse TensorData is not supported; send dense data`);
  if (t.dtype !== dtype) throw new HttpError(400, `${field}: expected dtype ${dtype}, got ${t.dtype}`);
  if (t.shape != null && (t.shape.length !== 1 || t.shape[0] !== t.data.length)) {
    throw new HttpError(400, `${field}: shape ${JSON.stringify(t.shape)} does not describe ${t.data.length} values; expected [${t.data.length}]`);
  }
  return t.data;
}

export type WireDatum = z.infer<typeof datum>;

/** A `cross_entropy` datum as an engine Datum. Tinker's input is tokens[:-1] and its targets tokens[1:]
 *  (target_tokens[i] is predicted after input[..i]); the engine takes the whole sequence, with
 *  weights[i] on predicting tokens[i], so the targets must be the input shifted by one. Weights default
 *  to 1; each must be finite and ≥ 0. */
export function toEngineDatum(d: WireDatum, vocab: Vocab, field: string): Datum {
  const input = inputTokens(d.model_input, vocab, `${field}.model_input`);
  const n = input.length;
  if (n < 1 || n > vocab.contextLength) throw new HttpError(400, `${field}.model_input: ${n} tokens; expected 1 to ${vocab.contextLength} (the context length)`);
  for (const key of Object.keys(d.loss_fn_inputs)) {
    if (key !== 'target_tokens' && key !== 'weights') throw new HttpError(400, `${field}.loss_fn_inputs.${key}: not an input of cross_entropy (target_tokens, weights)`);
  }
  const tt = d.loss_fn_inputs.target_tokens;
  if (tt === undefined) throw new HttpError(400, `${field}.loss_fn_inputs.target_tokens: required`);
  const targets = dense(tt, `${field}.loss_fn_inputs.target_tokens`, 'int64');
  if (targets.length !== n) throw new HttpError(400, `${field}.loss_fn_inputs.target_tokens: ${targets.length} targets for ${n} input tokens; expected one per input token`);
  for (let i = 0; i < n; i++) {
    const t = targets[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= vocab.vocabSize) throw new HttpError(400, `${field}.loss_fn_inputs.target_tokens[${i}]: ${t} is not a token id in [0, ${vocab.vocabSize})`);
    if (i + 1 < n && t !== input[i + 1]) {
      throw new HttpError(400, `${field}.loss_fn_inputs.target_tokens[${i}]: ${t}, but input token ${i + 1} is ${input[i + 1]}; targets must be the input shifted by one (this engine trains next-token prediction only)`);
    }
  }
  const wt = d.loss_fn_inputs.weights;
  const weights = wt === undefined ? targets.map(() => 1) : dense(wt, `${field}.loss_fn_inputs.weights`, 'float32');
  if (weights.length !== n) throw new HttpError(400, `${field}.loss_fn_inputs.weights: ${weights.length} weights for ${n} targets`);
  const bad = weights.findIndex((w) => !(w >= 0 && Number.isFinite(w)));
  if (bad >= 0) throw new HttpError(400, `${field}.loss_fn_inputs.weights[${bad}]: ${weights[bad]}; expected a finite number ≥ 0`);
  return { tokens: [...input, targets[n - 1]!], weights: [0, ...weights] };
}

/** TensorData of float32 values (1-D). */
export function floatTensor(values: readonly number[]): { data: number[]; dtype: 'float32'; shape: [number] } {
  return { data: [...values], dtype: 'float32', shape: [values.length] };
}
