// The backend interface: the primitives of the remote training APIs researchers already use (Tinker's
// service / training / sampling clients), so the pipeline never knows which backend it drives. The
// embedded engine (./embedded/) is the first implementation. Everything is async because a remote backend
// is a network call; the embedded one simply resolves.
import type { ChatMessage, Datum, Renderer } from '../domain/index.js';

export type { Datum, Renderer };

/** Result of one `forwardBackward` call. Gradients accumulate until the next `optimStep`. */
export interface ForwardBackwardResult {
  /** Weighted mean cross-entropy (nats per weighted token) over the batch. */
  loss: number;
  /** Tokens with non-zero weight in the batch. */
  weightedTokens: number;
  /** All tokens in the batch. */
  tokens: number;
  latencyMs: number;
}

/** AdamW hyper-parameters for one step (constant LR: the caller passes the LR of every step). */
export interface OptimParams {
  lr: number; // step size
  betas: [number, number]; // Adam (beta1, beta2); default [0.9, 0.999]
  eps: number; // Adam epsilon; default 1e-8
  weightDecay: number; // decoupled weight decay; default 0
  gradClip: number; // max global gradient L2 norm (scaled down above it); 0 = off. Tinker's grad_clip_norm
}

export interface OptimStepResult {
  /** Optimizer steps taken so far, this one included. */
  step: number;
  /** Global gradient L2 norm before the update. */
  gradNorm: number;
  latencyMs: number;
}

/** Where a sampler's weights live. The pipeline stores it and gives it back to `createSamplingClient`. */
export interface WeightsRef {
  /** Base checkpoint (file path or backend model name). */
  base: string;
  /** Adapter applied on the base before training (trained-in behaviour), if any. */
  adapter?: string;
  /** Trained weights saved by `saveForSampler` (a file path for local backends, a URI for remote ones);
   *  absent for the untrained base (step 0). */
  weights?: string;
}

export interface SavedWeights {
  ref: WeightsRef;
  /** The local file or folder written (what `ref.weights` names), so the store can move it under
   *  artifacts/ by content hash and hand its new path back in a WeightsRef; absent for remote backends. */
  path?: string;
}

export interface TrainingClientOptions {
  base: string;
  adapter?: string;
  /** LoRA rank and alpha, or null for a full fine-tune. */
  lora: { rank: number; alpha: number } | null;
  /** Seed for LoRA init and any backend-side randomness. */
  seed: number;
  /** Folder where local files (sampler weights, state) may be written. */
  workDir: string;
}

/** Calls are applied in the order they are made, even when an earlier call has not resolved yet: the
 *  pipeline issues `forwardBackward` and `optimStep` together and then awaits both (one round trip per
 *  step on a remote backend). */
export interface TrainingClient {
  readonly renderer: Renderer;
  /** Optimizer steps taken so far. */
  readonly step: number;
  /** Forward and backward pass on a batch; adds to the accumulated gradients. */
  forwardBackward(batch: readonly Datum[]): Promise<ForwardBackwardResult>;
  /** Applies the accumulated gradients with AdamW and clears them. */
  optimStep(params: OptimParams): Promise<OptimStepResult>;
  /** Saves the current weights for sampling under a name unique within this client. */
  saveForSampler(name: string): Promise<SavedWeights>;
  close(): Promise<void>;
}

/** Optional ability: save and restore the full training state (weights, optimizer moments, step), which
 *  makes resuming a cell mid-way possible. Without it a resumed cell restarts from step 0. */
export interface ResumableTrainingClient extends TrainingClient {
  /** Writes the full state into the folder `dir` (created; must not exist). */
  saveState(dir: string): Promise<void>;
  /** Restores a state written by `saveState`; a missing or corrupt file is a CheckpointError naming it. */
  loadState(dir: string): Promise<void>;
}

export function isResumable(client: TrainingClient): client is ResumableTrainingClient {
  const c = client as Partial<ResumableTrainingClient>;
  return typeof c.saveState === 'function' && typeof c.loadState === 'function';
}

export interface SamplingParams {
  temperature: number; // 0 = greedy
  topP: number; // nucleus mass in (0, 1]; 1 = off
  maxTokens: number; // answer tokens at most
  stop: string[]; // stop strings, besides end-of-turn
  seed: number; // base seed; a prompt's own `seed` overrides it
}

export interface SamplePrompt {
  messages: ChatMessage[];
  /** Per-prompt seed, so that a sample never depends on how prompts were batched (needed for resume). */
  seed?: number;
}

export interface SampleResult {
  text: string;
  /** Answer tokens (without the prompt). */
  tokens: number[];
  finishReason: 'stop' | 'length';
}

export interface SampleBatchResult {
  samples: SampleResult[]; // one per prompt, same order
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
}

export interface LogprobsResult {
  /** Sum of the continuation's token log-probabilities (nats). */
  logprob: number;
  tokens: number[];
  tokenLogprobs: number[];
  latencyMs: number;
  /** Tokens the request read, as the server counted them: set where the client cannot count them itself
   *  (a server that renders the prompt, such as an OpenAI chat API); else the renderer's count applies. */
  promptTokens?: number;
}

export interface SamplingClient {
  readonly renderer: Renderer;
  /** One answer per prompt. */
  sample(prompts: readonly SamplePrompt[], params: SamplingParams): Promise<SampleBatchResult>;
  /** Log-probability of `continuation` as the start of the assistant's answer to `prompt`; with
   *  `endOfTurn`, of it as the whole answer: the renderer's end-of-turn tokens after it are scored too,
   *  so the result is what training on (prompt, continuation) trains (renderSupervised's weighted tokens). */
  logprobs(prompt: readonly ChatMessage[], continuation: string, opts?: LogprobsOptions): Promise<LogprobsResult>;
  close(): Promise<void>;
}

export interface LogprobsOptions {
  /** Score the end-of-turn tokens after the continuation as well; default false. */
  endOfTurn?: boolean;
}

/** How a backend was made: written to the record so it can be re-created (`{ name, args }`). */
export interface BackendSpec {
  name: string;
  args: Record<string, string | number | boolean | null>;
}

/** The service client: makes training and sampling clients. */
export interface Backend {
  readonly spec: BackendSpec;
  createTrainingClient(options: TrainingClientOptions): Promise<TrainingClient>;
  createSamplingClient(ref: WeightsRef): Promise<SamplingClient>;
  close(): Promise<void>;
}
