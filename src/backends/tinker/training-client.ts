// A training client over the Tinker API: one server-side model (create_model), trained with
// forward_backward (`cross_entropy`) and optim_step, saved with save_weights_for_sampler / save_weights.
//
// Ordering. A Tinker model executes its requests in `seq_id` order (1, 2, …), and the SDK submits them
// strictly in that order. Here every request takes its seq_id when its method is CALLED and is sent only
// after every earlier request of this client was accepted; its result is then polled on its own. So
// `forwardBackward(b)` followed at once by `optimStep(p)` (without awaiting the first) submits both back
// to back and costs one round trip per step, and awaiting each in turn is still correct. If a submission
// fails for good, the seq_ids after it can never run, so every later request fails too, naming it.
//
// Resume. SkyRL accepts load_weights only as a model's first request, so `loadState` on a model that
// already took requests unloads it and creates a fresh one to load into (the same thing the SDK's
// create_training_client_from_state does).
import { join } from 'node:path';
import { CheckpointError, ConfigError, DataError } from '../../errors.js';
import { meanWeighted } from '../mean-weights.js';
import type { Datum, ForwardBackwardResult, OptimParams, OptimStepResult, Renderer, ResumableTrainingClient, SavedWeights, TrainingClientOptions } from '../types.js';
import { awaitFuture, submit } from './futures.js';
import { readRemoteState, writeRemoteState, writeRemoteWeights } from './remote-files.js';
import { rendererFor } from './renderer.js';
import type { TinkerSession, Warn } from './session.js';
import { adamParams, checkDatum, chunkBatch, crossEntropyDatum, readGradNorm, readLossSum, readString, readTinkerPath, readTokenizerId } from './wire.js';

/** Checkpoint names as servers accept them (SkyRL's id pattern). */
const CHECKPOINT_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_LORA_RANK = 1024;

/** create_model of `base` in `session` (LoRA on every layer kind, as the SDK defaults) → model_id. */
async function createModel(session: TinkerSession, base: string, lora: { rank: number; alpha: number } | null, seed: number): Promise<string> {
  const endpoint = '/api/v1/create_model';
  const alpha = lora !== null && session.flags.loraAlpha ? { alpha: lora.alpha } : {};
  const body = {
    session_id: session.id,
    model_seq_id: session.nextModelSeqId(),
    base_model: base,
    ...(lora !== null ? { lora_config: { rank: lora.rank, seed, train_mlp: true, train_attn: true, train_unembed: true, ...alpha } } : {}),
    user_metadata: {},
    type: 'create_model',
  };
  const send = () => submit(session.http, endpoint, body);
  const result = await awaitFuture(session.http, await send(), { endpoint, label: 'create_model', resubmit: send });
  return readString(result, 'model_id', endpoint);
}

/** get_info of a model → its tokenizer id (remembered by the session for samplers of `base`). */
async function modelTokenizerId(session: TinkerSession, modelId: string, base: string, fallback: string): Promise<string> {
  const endpoint = '/api/v1/get_info';
  const info = await session.http.call('POST', endpoint, { model_id: modelId, type: 'get_info' });
  const id = readTokenizerId(info, fallback, endpoint);
  session.rememberTokenizer(base, id);
  return id;
}

/** The tokenizer of `base` when neither the server's capabilities nor its name tell: get_info of a
 *  throwaway rank-1 LoRA model, unloaded at once (a sampler of a base model has no model to ask). */
export async function probeTokenizerId(session: TinkerSession, base: string, warn: Warn): Promise<string> {
  const modelId = await createModel(session, base, { rank: 1, alpha: 1 }, 0);
  try {
    return await modelTokenizerId(session, modelId, base, base);
  } finally {
    await unloadModel(session, modelId, warn);
  }
}

/** Checks what the server cannot do before any model is made: a local organism adapter, full
 *  fine-tuning on a LoRA-only server, an out-of-range rank. */
function checkOptions(session: TinkerSession, options: TrainingClientOptions): void {
  if (options.adapter !== undefined) {
    throw new ConfigError('the tinker backend cannot apply a local organism adapter (it trains models on the server); use an organism without an adapter, or the embedded backend', 'organism.adapter');
  }
  const lora = options.lora;
  if (lora === null && !session.flags.fullFinetune) {
    throw new ConfigError(`${session.http.config.baseUrl} offers LoRA training only; use LoRA ranks > 0 (0 means a full fine-tune)`, 'loraRanks');
  }
  if (lora !== null && !(Number.isInteger(lora.rank) && lora.rank >= 1 && lora.rank <= MAX_LORA_RANK)) {
    throw new ConfigError(`LoRA rank ${lora.rank}; expected an integer from 1 to ${MAX_LORA_RANK}`, 'loraRanks');
  }
}

/** A training client on a new server-side model: checks the request, creates the model, and picks the
 *  renderer from the tokenizer the server reports. */
export async function createTinkerTrainer(session: TinkerSession, options: TrainingClientOptions, warn: Warn): Promise<TinkerTrainer> {
  checkOptions(session, options);
  const served = await session.servedModel(options.base);
  const modelId = await createModel(session, options.base, options.lora, options.seed);
  try {
    const tokenizerId = await modelTokenizerId(session, modelId, options.base, served.tokenizerId ?? options.base);
    return new TinkerTrainer(session, options, modelId, tokenizerId, rendererFor(options.base, tokenizerId, served.maxContextLength), warn);
  } catch (e) {
    await unloadModel(session, modelId, warn);
    throw e;
  }
}

/** Frees a server-side model, best effort: one attempt, result not awaited, a failure only warned. */
async function unloadModel(session: TinkerSession, modelId: string, warn: Warn): Promise<void> {
  try {
    await session.http.call('POST', '/api/v1/unload_model', { model_id: modelId, type: 'unload_model' }, { maxRetries: 0, timeoutMs: Math.min(10_000, session.http.timing.requestTimeoutMs) });
  } catch (e) {
    warn(`could not unload model ${modelId} (${(e as Error).message}); the server frees it when the session ends`);
  }
}

export class TinkerTrainer implements ResumableTrainingClient {
  private seq = 0; // seq_id of the latest request taken (the next takes seq + 1)
  private submitted: Promise<void> = Promise.resolve(); // settles when every request taken so far was sent
  private failed: { seq: number; error: Error } | undefined; // the first submission that failed for good
  private optimSteps = 0;
  private readonly samplerNames = new Set<string>();
  private readonly stateNames = new Set<string>();

  constructor(
    private readonly session: TinkerSession,
    private readonly options: TrainingClientOptions,
    private modelId: string,
    /** Reported by get_info; written beside sampler weights so a sampler picks the same renderer. */
    readonly tokenizerId: string,
    readonly renderer: Renderer,
    private readonly warn: Warn,
  ) {}

  get step(): number {
    return this.optimSteps;
  }

  /** The model's id on the server (for messages and tests). */
  get model(): string {
    return this.modelId;
  }

  /** Takes the next seq_id now, submits after every earlier request, and resolves with the result.
   *  Must be called synchronously from the public methods (before any await) to keep call order. */
  private request(endpoint: string, label: string, body: (seqId: number) => object): Promise<unknown> {
    const seqId = ++this.seq;
    const payload = body(seqId);
    const http = this.session.http;
    const send = () => submit(http, endpoint, payload);
    const sent = this.submitted.then(() => {
      const f = this.failed;
      if (f !== undefined) throw http.error(endpoint, `${label} seq ${seqId} not sent: request seq ${f.seq} before it failed (${f.error.message})`, false);
      return send();
    });
    this.submitted = sent.then(
      () => undefined,
      (error: Error) => {
        this.failed ??= { seq: seqId, error };
      },
    );
    // A 410 resubmits the same body with the same seq_id: servers that key requests on (model, seq_id),
    // as SkyRL does, hand back the original request instead of running it twice.
    return sent.then((id) => awaitFuture(http, id, { endpoint, label: `${label} seq ${seqId}`, resubmit: send }));
  }

  async forwardBackward(batch: readonly Datum[]): Promise<ForwardBackwardResult> {
    const t0 = performance.now();
    if (batch.length === 0) throw new DataError('the batch is empty', 'batch');
    batch.forEach((d, i) => checkDatum(d, i, this.renderer.contextLength));
    let weightedTokens = 0;
    let tokens = 0;
    for (const d of batch) {
      tokens += d.tokens.length - 1;
      for (let i = 1; i < d.weights.length; i++) if (d.weights[i]! > 0) weightedTokens++;
    }
    // Weights divided by the batch's total make Tinker's summed cross-entropy the per-token mean, and a
    // batch split into several requests (chunkBatch) add up to the same gradient.
    const endpoint = '/api/v1/forward_backward';
    const modelId = this.modelId;
    const results = chunkBatch(meanWeighted(batch)).map((chunk) =>
      this.request(endpoint, 'forward_backward', (seqId) => ({
        forward_backward_input: { data: chunk.map(crossEntropyDatum), loss_fn: 'cross_entropy', loss_fn_config: null },
        model_id: modelId,
        seq_id: seqId,
      })),
    );
    let loss = 0;
    for (const r of await Promise.all(results)) loss += readLossSum(r, endpoint);
    return { loss, weightedTokens, tokens, latencyMs: performance.now() - t0 };
  }

  async optimStep(params: OptimParams): Promise<OptimStepResult> {
    const t0 = performance.now();
    const endpoint = '/api/v1/optim_step';
    const modelId = this.modelId;
    const result = await this.request(endpoint, 'optim_step', (seqId) => ({ adam_params: adamParams(params), model_id: modelId, seq_id: seqId, type: 'optim_step' }));
    this.optimSteps++;
    return { step: this.optimSteps, gradNorm: readGradNorm(result, endpoint), latencyMs: performance.now() - t0 };
  }

  /** Saves sampler weights on the server as `name` and writes `<workDir>/sampler-<name>/remote-weights.json`
   *  naming them: that folder is `path` and `ref.weights`. */
  async saveForSampler(name: string): Promise<SavedWeights> {
    if (!CHECKPOINT_NAME.test(name)) throw new ConfigError(`sampler weights name ${JSON.stringify(name)}; expected 1 to 128 letters, digits, _ or -`, 'saveForSampler');
    if (this.samplerNames.has(name)) throw new ConfigError(`sampler weights "${name}" were already saved by this client`, 'saveForSampler');
    this.samplerNames.add(name);
    const endpoint = '/api/v1/save_weights_for_sampler';
    const modelId = this.modelId;
    const result = await this.request(endpoint, 'save_weights_for_sampler', (seqId) => ({ model_id: modelId, path: name, seq_id: seqId, type: 'save_weights_for_sampler' }));
    const dir = join(this.options.workDir, `sampler-${name}`);
    writeRemoteWeights(dir, { tinker_path: readTinkerPath(result, endpoint), base_model: this.options.base, tokenizer_id: this.tokenizerId });
    return { ref: { base: this.options.base, weights: dir }, path: dir };
  }

  /** Saves weights and optimizer state on the server and writes `dir/remote-state.json` naming them. */
  async saveState(dir: string): Promise<void> {
    let name = `state-step-${this.optimSteps}`;
    for (let k = 2; this.stateNames.has(name); k++) name = `state-step-${this.optimSteps}-${k}`;
    this.stateNames.add(name);
    const endpoint = '/api/v1/save_weights';
    const modelId = this.modelId;
    const step = this.optimSteps;
    const result = await this.request(endpoint, 'save_weights', (seqId) => ({ model_id: modelId, path: name, seq_id: seqId, type: 'save_weights' }));
    writeRemoteState(dir, { tinker_path: readTinkerPath(result, endpoint), base_model: this.options.base, lora_rank: this.options.lora?.rank ?? null, step });
  }

  /** Restores a state written by saveState: weights and optimizer moments (load_weights with optimizer
   *  true) into a model that has taken no request yet, and the step count. */
  async loadState(dir: string): Promise<void> {
    const state = readRemoteState(dir);
    const where = join(dir, 'remote-state.json');
    if (state.base_model !== this.options.base) throw new CheckpointError(`state was trained from "${state.base_model}"; this cell trains "${this.options.base}"`, where);
    const rank = this.options.lora?.rank ?? null;
    if (state.lora_rank !== rank) {
      const what = (r: number | null): string => (r === null ? 'a full fine-tune' : `LoRA rank ${r}`);
      throw new CheckpointError(`state is ${what(state.lora_rank)}; this cell is ${what(rank)}`, where);
    }
    if (this.seq > 0) {
      const old = this.modelId;
      this.modelId = await createModel(this.session, this.options.base, this.options.lora, this.options.seed);
      this.seq = 0;
      this.submitted = Promise.resolve();
      this.failed = undefined;
      this.stateNames.clear();
      await unloadModel(this.session, old, this.warn);
    }
    const modelId = this.modelId;
    await this.request('/api/v1/load_weights', 'load_weights', (seqId) => ({ model_id: modelId, path: state.tinker_path, seq_id: seqId, optimizer: true, type: 'load_weights' }));
    this.optimSteps = state.step;
  }

  /** Frees the model on the server (its saved checkpoints stay). */
  async close(): Promise<void> {
    await this.submitted;
    await unloadModel(this.session, this.modelId, this.warn);
  }
}
