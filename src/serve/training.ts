// The training endpoints: create_model, get_info, unload_model, forward, forward_backward, optim_step,
// save_weights, save_weights_for_sampler, load_weights, weights_info. Each checks its whole request
// before anything is created (a refused request changes nothing) and leaves the engine work to a
// future. The engine work is the embedded backend's token-level code (TokenTrainer), so a model trained
// here gives the same numbers as `--backend embedded` on the same tokens.
import { randomInt } from 'node:crypto';
import { sequenceLogprobs, TokenTrainer } from '../backends/embedded/index.js';
import type { Datum } from '../domain/index.js';
import { HttpError } from '../http/index.js';
import type { Catalog, ServedModel } from './catalog.js';
import { checkName, parseTinkerPath, tinkerPath, type CheckpointKind, type CheckpointStore, type TinkerPath } from './checkpoints.js';
import { BoundedMap, newId, type ServeState, type TrainingModel } from './state.js';
import { SeqGate } from './work-queue.js';
import { floatTensor, parseBody, schemas, toEngineDatum } from './wire.js';

/** LoRA alpha when lora_config carries none (the bctlab extension field `alpha`): SkyRL's fixed 32,
 *  so a rank-32 adapter (the SDK's default) has scale alpha/rank = 1. */
export const LORA_ALPHA = 32;

/** seq_id records kept per model for retries. */
const SEQ_RECORDS = 4096;

export interface Serve {
  state: ServeState;
  catalog: Catalog;
  store: CheckpointStore;
}

/** What routes know of a request besides its body. */
export interface RequestInfo {
  hash: string; // of the raw body
  idempotencyKey?: string; // X-Idempotency-Key
}

/** The idempotency key of a request, as the spread-in field of an operation or replay. */
export function keyOf(info: RequestInfo): { idempotencyKey?: string } {
  return info.idempotencyKey !== undefined ? { idempotencyKey: info.idempotencyKey } : {};
}

/** The model's trainer when the operation runs; the model may have been unloaded since it was queued. */
function live(s: Serve, m: TrainingModel): TokenTrainer {
  if (s.state.models.get(m.id) !== m || m.trainer === null) throw new HttpError(404, `model ${m.id} was unloaded`);
  return m.trainer;
}

function servedBase(s: Serve, name: string, field: string): ServedModel {
  const base = s.catalog.get(name);
  if (base === undefined) throw new HttpError(404, `${field}: unknown model ${JSON.stringify(name.slice(0, 80))}; served: ${s.catalog.names.join(', ')}`);
  return base;
}

export function createModel(s: Serve, body: unknown, info: RequestInfo): unknown {
  const b = parseBody(schemas.createModel, body, 'create_model');
  const limits = s.state.limits;
  s.state.session(b.session_id);
  const base = servedBase(s, b.base_model, 'base_model');
  const earlier = s.state.replay({ hash: info.hash, seq: null, ...keyOf(info) });
  if (earlier !== null) return earlier;
  const lc = b.lora_config ?? null;
  if (lc !== null) {
    if (lc.rank > limits.maxLoraRank) throw new HttpError(400, `create_model: lora_config.rank ${lc.rank}; at most ${limits.maxLoraRank}`);
    if (lc.train_attn === false || lc.train_mlp === false) {
      throw new HttpError(400, 'create_model: lora_config: LoRA goes on the attention and MLP projections together; train_attn and train_mlp must be true');
    }
  }
  if (s.state.models.size >= limits.maxModels) {
    throw new HttpError(429, `${s.state.models.size} models are loaded (at most ${limits.maxModels}); unload one with unload_model`);
  }
  const lora = lc === null ? null : { rank: lc.rank, alpha: lc.alpha ?? LORA_ALPHA };
  let id: string;
  do id = newId('model');
  while (s.state.models.has(id));
  const m: TrainingModel = {
    id,
    base,
    lora,
    seed: lc?.seed ?? randomInt(2 ** 31),
    trainer: null,
    gate: new SeqGate(limits.seqGapMs, limits.maxHeldPerModel),
    seqRecords: new BoundedMap(SEQ_RECORDS),
    checkpoints: 0,
    unloading: false,
  };
  const reply = s.state.submit({
    hash: info.hash,
    seq: null,
    modelId: id,
    ...keyOf(info),
    run: async () => {
      try {
        m.trainer = new TokenTrainer({ dir: base.dir, lora, seed: m.seed });
      } catch (e) {
        s.state.models.delete(id);
        throw e;
      }
      return { type: 'create_model', model_id: id };
    },
  });
  s.state.models.set(id, m);
  return reply;
}

export function getInfo(s: Serve, body: unknown): unknown {
  const m = s.state.model(parseBody(schemas.modelId, body, 'get_info').model_id);
  return {
    type: 'get_info',
    model_id: m.id,
    model_data: { arch: 'bctlab-gpt', model_name: m.base.name, tokenizer_id: m.base.tokenizerId },
    is_lora: m.lora !== null,
    lora_rank: m.lora?.rank ?? null,
    model_name: m.base.name,
  };
}

export function unloadModel(s: Serve, body: unknown, info: RequestInfo): unknown {
  const m = s.state.model(parseBody(schemas.modelId, body, 'unload_model').model_id);
  const reply = s.state.submit({
    hash: info.hash,
    seq: null,
    model: m,
    run: async () => {
      s.state.models.delete(m.id);
      m.gate.dispose();
      return { type: 'unload_model', model_id: m.id };
    },
  });
  m.unloading = true;
  return reply;
}

/** Per datum: log p of each target, and w·(−log p). */
function lossOutputs(datums: readonly Datum[], logprobs: readonly number[][]): { outputs: unknown[]; sum: number } {
  let sum = 0;
  const outputs = datums.map((d, i) => {
    const lp = logprobs[i]!;
    const loss = lp.map((l, j) => -Math.fround(d.weights[j + 1]!) * l);
    for (const v of loss) sum += v;
    return { logprobs: floatTensor(lp), elementwise_loss: floatTensor(loss) };
  });
  return { outputs, sum };
}

/** A numbered request of a model (forward_backward, optim_step, save and load): the model, its seq_id,
 *  and the reply already given to the same request when this is a retry. */
function numbered(s: Serve, b: { model_id: string; seq_id?: number | null | undefined }, info: RequestInfo): { m: TrainingModel; seq: number | null; earlier: unknown } {
  const m = s.state.model(b.model_id);
  const seq = b.seq_id ?? null;
  return { m, seq, earlier: s.state.replay({ hash: info.hash, model: m, seq, ...keyOf(info) }) };
}

/** Queues `run` as request `seq` of model `m` (in seq_id order); answers with its future. */
function submitNumbered(s: Serve, info: RequestInfo, m: TrainingModel, seq: number | null, run: () => Promise<unknown>): unknown {
  return s.state.submit({ hash: info.hash, ...keyOf(info), model: m, seq, run });
}

/** forward_backward (gradients accumulate until optim_step) or forward (no gradient). */
export function forwardBackward(s: Serve, body: unknown, info: RequestInfo, forwardOnly: boolean): unknown {
  const what = forwardOnly ? 'forward' : 'forward_backward';
  const b = forwardOnly ? parseBody(schemas.forward, body, what) : parseBody(schemas.forwardBackward, body, what);
  const input = 'forward_input' in b ? b.forward_input : b.forward_backward_input;
  const field = forwardOnly ? 'forward_input' : 'forward_backward_input';
  const { m, seq, earlier } = numbered(s, b, info);
  if (earlier !== null) return earlier;
  if (input.loss_fn !== 'cross_entropy') {
    throw new HttpError(400, `${what}: ${field}.loss_fn ${JSON.stringify(input.loss_fn.slice(0, 40))} is not supported; this server implements cross_entropy only`);
  }
  if (input.loss_fn_config != null && Object.keys(input.loss_fn_config).length > 0) {
    throw new HttpError(400, `${what}: ${field}.loss_fn_config: cross_entropy takes no configuration, got ${Object.keys(input.loss_fn_config).join(', ')}`);
  }
  const max = s.state.limits.maxDatums;
  if (input.data.length > max) throw new HttpError(400, `${what}: ${field}.data has ${input.data.length} datums; at most ${max} per request`);
  const datums = input.data.map((d, i) => toEngineDatum(d, m.base.config, `${field}.data[${i}]`));
  return submitNumbered(s, info, m, seq, async () => {
    const trainer = live(s, m);
    const logprobs = await sequenceLogprobs(trainer.model, datums);
    const { outputs, sum } = lossOutputs(datums, logprobs);
    const loss = forwardOnly ? sum : (await trainer.forwardBackward(datums)).loss;
    return { loss_fn_output_type: 'ArrayRecord', loss_fn_outputs: outputs, metrics: { 'loss:sum': loss } };
  });
}

export function optimStep(s: Serve, body: unknown, info: RequestInfo): unknown {
  const b = parseBody(schemas.optimStep, body, 'optim_step');
  const m = s.state.model(b.model_id);
  const a = b.adam_params;
  // Nothing to validate before the replay check, which submit makes itself (a retry gets its future).
  return submitNumbered(s, info, m, b.seq_id ?? null, async () => {
    const r = live(s, m).optimStep({
      lr: a.learning_rate,
      betas: [a.beta1, a.beta2],
      eps: a.eps,
      weightDecay: a.weight_decay,
      gradClip: a.grad_clip_norm > 0 ? a.grad_clip_norm : null,
    });
    return { type: 'optim_step', metrics: { grad_norm: r.gradNorm, step: r.step } };
  });
}

/** The checkpoint a save will write; refused (409/429) before anything is queued. */
function plannedCheckpoint(s: Serve, m: TrainingModel, kind: CheckpointKind, name: string, overwrite: boolean): TinkerPath {
  const p = { modelId: m.id, kind, name };
  if (!overwrite && s.store.exists(p)) throw new HttpError(409, `${tinkerPath(p)} already exists; choose another name`);
  const max = s.state.limits.maxCheckpointsPerModel;
  if (m.checkpoints >= max) throw new HttpError(429, `model ${m.id} has saved ${m.checkpoints} checkpoints (at most ${max}); create a new model to save more`);
  return p;
}

export function saveWeights(s: Serve, body: unknown, info: RequestInfo): unknown {
  const b = parseBody(schemas.saveWeights, body, 'save_weights');
  const { m, seq, earlier } = numbered(s, b, info);
  if (earlier !== null) return earlier;
  if (b.path == null) throw new HttpError(400, 'save_weights: path: a checkpoint name is required');
  const overwrite = b.overwrite === true;
  const p = plannedCheckpoint(s, m, 'weights', checkName(b.path, 'save_weights: path'), overwrite);
  const reply = submitNumbered(s, info, m, seq, async () => {
    const trainer = live(s, m);
    s.store.write(p, { schemaVersion: 1, baseModel: m.base.name, lora: m.lora, step: trainer.step, kind: 'weights' }, (dir) => trainer.saveState(dir), overwrite);
    return { type: 'save_weights', path: tinkerPath(p) };
  });
  m.checkpoints++;
  return reply;
}

export function saveWeightsForSampler(s: Serve, body: unknown, info: RequestInfo): unknown {
  const b = parseBody(schemas.saveForSampler, body, 'save_weights_for_sampler');
  const { m, seq, earlier } = numbered(s, b, info);
  if (earlier !== null) return earlier;
  const sessionSeq = b.sampling_session_seq_id ?? null;
  if (b.path == null && sessionSeq === null) {
    throw new HttpError(400, 'save_weights_for_sampler: give a path (a checkpoint name) or a sampling_session_seq_id');
  }
  // Unnamed weights (save_weights_and_get_sampling_client) get a fresh name; they are files like any other.
  const name = b.path == null ? newId(`ss${sessionSeq}`) : checkName(b.path, 'save_weights_for_sampler: path');
  const p = plannedCheckpoint(s, m, 'sampler_weights', name, false);
  const reply = submitNumbered(s, info, m, seq, async () => {
    const trainer = live(s, m);
    s.store.write(p, { schemaVersion: 1, baseModel: m.base.name, lora: m.lora, step: trainer.step, kind: 'sampler_weights' }, (dir) => trainer.saveSamplerWeights(dir), false);
    const path = tinkerPath(p);
    if (sessionSeq === null) return { type: 'save_weights_for_sampler', path };
    const samplingSessionId = newId('sampler');
    s.state.samplingSessions.set(samplingSessionId, { base: m.base, modelPath: path, dir: s.store.folder(p) });
    return { type: 'save_weights_for_sampler', path, sampling_session_id: samplingSessionId };
  });
  m.checkpoints++;
  return reply;
}

export function loadWeights(s: Serve, body: unknown, info: RequestInfo): unknown {
  const b = parseBody(schemas.loadWeights, body, 'load_weights');
  if (b.model_id == null) throw new HttpError(400, 'load_weights: model_id is required (create_model with the same base and LoRA rank, then load_weights)');
  const { m, seq, earlier } = numbered(s, { model_id: b.model_id, seq_id: b.seq_id }, info);
  if (earlier !== null) return earlier;
  const p = parseTinkerPath(b.path, 'load_weights: path');
  if (p.kind !== 'weights') throw new HttpError(400, `load_weights: path ${tinkerPath(p)} holds sampler weights; load a training state saved by save_weights (tinker://…/weights/<name>)`);
  const meta = s.store.read(p);
  if (meta.baseModel !== m.base.name) throw new HttpError(400, `load_weights: ${tinkerPath(p)} was trained on ${meta.baseModel}; model ${m.id} is on ${m.base.name}`);
  const shape = (l: TrainingModel['lora']): string => (l === null ? 'a full fine-tune' : `LoRA rank ${l.rank} alpha ${l.alpha}`);
  if (JSON.stringify(meta.lora) !== JSON.stringify(m.lora)) throw new HttpError(400, `load_weights: ${tinkerPath(p)} is ${shape(meta.lora)}; model ${m.id} is ${shape(m.lora)}`);
  const dir = s.store.folder(p);
  return submitNumbered(s, info, m, seq, async () => {
    live(s, m).loadState(dir, { optimizer: b.optimizer });
    return { type: 'load_weights', path: tinkerPath(p), model_id: m.id };
  });
}

export function weightsInfo(s: Serve, body: unknown): unknown {
  const p = parseTinkerPath(parseBody(schemas.weightsInfo, body, 'weights_info').tinker_path, 'weights_info: tinker_path');
  const meta = s.store.read(p);
  return { base_model: meta.baseModel, is_lora: meta.lora !== null, lora_rank: meta.lora?.rank ?? null };
}
