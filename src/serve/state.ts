// Everything `bct serve` holds, each bounded: client sessions, training models, sampling sessions,
// loaded sampler weights, futures, the work queue and the records that make retries idempotent.
// `submit` is the one way an operation reaches the engine: checked for room and replays first, then
// given a future, then run in its model's seq_id order (see work-queue.ts).
import { createHash, randomBytes } from 'node:crypto';
import type { Gpt } from '../engine/index.js';
import { BctError, NumericError } from '../errors.js';
import { HttpError } from '../http/index.js';
import type { TokenTrainer } from '../backends/embedded/index.js';
import type { ServedModel } from './catalog.js';
import type { ServeLimits } from './config.js';
import { FutureStore } from './futures.js';
import { SeqGate, WorkQueue } from './work-queue.js';

/** A random id `<prefix>_<16 hex digits>`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}

/** A Map that keeps at most `max` entries, forgetting the least recently touched one beyond. */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }

  get size(): number {
    return this.map.size;
  }
}

/** A model in training, from create_model until unload_model. */
export interface TrainingModel {
  id: string;
  base: ServedModel;
  lora: { rank: number; alpha: number } | null;
  seed: number;
  /** Null until its create_model has run. */
  trainer: TokenTrainer | null;
  gate: SeqGate;
  /** seq_id → the request it numbered (for retries: same body, same request_id; else 409). */
  seqRecords: BoundedMap<number, Submitted>;
  /** save_weights and save_weights_for_sampler requests accepted. */
  checkpoints: number;
  /** Set by unload_model: later requests are refused. */
  unloading: boolean;
}

/** What a future-creating request is answered with. */
export interface Submitted {
  hash: string;
  reply: { request_id: string; model_id?: string };
}

/** Where a sampling session samples from: a served base, or saved sampler weights on it. */
export interface SamplerSource {
  base: ServedModel;
  /** `tinker://…/sampler_weights/<name>`, or null for the base itself. */
  modelPath: string | null;
  /** The checkpoint folder, or null for the base. */
  dir: string | null;
}

export function bodyHash(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex');
}

export interface Operation {
  /** The raw body's hash: a replay must match it exactly. */
  hash: string;
  /** The training model it acts on (ordered by its seq_id), if any. */
  model?: TrainingModel;
  seq: number | null;
  /** X-Idempotency-Key, used for requests without (model, seq_id). */
  idempotencyKey?: string;
  /** Extra fields of the immediate reply (create_model names its new model_id). */
  modelId?: string;
  /** The work; its value is the future's result. Runs once, in turn. */
  run: () => Promise<unknown>;
}

export class ServeState {
  readonly futures: FutureStore;
  readonly queue: WorkQueue;
  readonly sessions: BoundedMap<string, { lastSeen: number }>;
  readonly models = new Map<string, TrainingModel>();
  readonly samplingSessions: BoundedMap<string, SamplerSource>;
  readonly samplerModels: BoundedMap<string, Gpt>;
  /** Requests answered per endpoint (path after /api/v1/), refused ones included: what a client costs. */
  readonly requests = new Map<string, number>();
  private readonly idempotent: BoundedMap<string, Submitted>;

  constructor(
    readonly limits: ServeLimits,
    /** Told about failures that are bctlab's fault (message only). */
    private readonly report: (message: string) => void,
  ) {
    this.futures = new FutureStore(limits.maxFutures, limits.futureTtlMs);
    this.queue = new WorkQueue(limits.maxQueued, (e) => report(`queued job threw: ${(e as Error)?.message ?? String(e)}`));
    this.sessions = new BoundedMap(limits.maxSessions);
    this.samplingSessions = new BoundedMap(limits.maxSamplingSessions);
    this.samplerModels = new BoundedMap(limits.maxSamplerModels);
    this.idempotent = new BoundedMap(limits.maxFutures);
  }

  /** The live training model `id`; 404 for an unknown or unloading one. */
  model(id: string): TrainingModel {
    const m = this.models.get(id);
    if (m === undefined || m.unloading) throw new HttpError(404, `unknown model_id ${JSON.stringify(id.slice(0, 80))}${m?.unloading ? ' (unloaded)' : ''}`);
    return m;
  }

  session(id: string): { lastSeen: number } {
    const s = this.sessions.get(id);
    if (s === undefined) throw new HttpError(404, `unknown session_id ${JSON.stringify(id.slice(0, 80))}; call create_session first`);
    return s;
  }

  /** The earlier reply when this request is a retry of one already accepted, else null; 409 when its
   *  (model, seq_id) or idempotency key was used for a different body. */
  replay(op: Pick<Operation, 'hash' | 'model' | 'seq' | 'idempotencyKey'>): Submitted['reply'] | null {
    const earlier = op.model !== undefined && op.seq !== null ? op.model.seqRecords.get(op.seq) : op.idempotencyKey !== undefined ? this.idempotent.get(op.idempotencyKey) : undefined;
    if (earlier === undefined) return null;
    if (earlier.hash !== op.hash) {
      throw new HttpError(409, op.model !== undefined && op.seq !== null
        ? `seq_id ${op.seq} of model ${op.model.id} was already used for a different request`
        : 'X-Idempotency-Key was already used for a different request');
    }
    return earlier.reply;
  }

  /** Accepts an operation: replies with its future at once and runs it in turn. Nothing is created
   *  when it is refused (replay of a different body, a full queue, a seq_id out of turn). */
  submit(op: Operation): Submitted['reply'] {
    const earlier = this.replay(op);
    if (earlier !== null) return earlier;
    this.queue.checkRoom();
    if (op.model !== undefined && op.seq !== null) op.model.gate.check(op.seq);
    const requestId = this.futures.create();
    const reply = op.modelId !== undefined ? { request_id: requestId, model_id: op.modelId } : { request_id: requestId };
    const record: Submitted = { hash: op.hash, reply };
    if (op.model !== undefined && op.seq !== null) op.model.seqRecords.set(op.seq, record);
    else if (op.idempotencyKey !== undefined) this.idempotent.set(op.idempotencyKey, record);
    const start = (): void =>
      this.queue.push(async () => {
        try {
          this.futures.resolve(requestId, await op.run());
        } catch (e) {
          const [message, category] = failure(e);
          if (category === 'server') this.report(`operation failed: ${(e as Error)?.message ?? String(e)}`);
          this.futures.fail(requestId, message, category);
        }
      });
    if (op.model !== undefined) op.model.gate.admit(op.seq, start);
    else start();
    return reply;
  }
}

/** How a failed operation is reported in its future: input and numeric errors are the user's. */
function failure(e: unknown): [string, 'user' | 'server'] {
  if (e instanceof HttpError) return [e.message, e.status < 500 ? 'user' : 'server'];
  if (e instanceof BctError) return [e.message, e.isInputError || e instanceof NumericError ? 'user' : 'server'];
  return ['internal error while running the request', 'server'];
}
