// The embedded backend: the backend interface on the in-process engine (src/engine) with the microworld
// tokenizer. A base is an engine checkpoint folder (config.json + model.safetensors, optionally
// tokenizer.json; see src/engine/checkpoint.ts). Sampler weights are checkpoint folders too: a full
// model.safetensors after a full fine-tune, or adapter files after LoRA (the base is loaded under them).
// An organism adapter (a folder as saveAdapters writes it) is merged into the base weights on load, so the
// organism is a plain model and a cell's own LoRA or full fine-tune trains on top of it.
// Training state is a folder with the trainable weights and optimizer.safetensors (AdamW moments + step).
// The engine work itself is the token-level code in tokens.ts, which the Tinker-API server (src/serve)
// calls too: training normalises weights to the batch mean (meanWeighted) and then trains with Tinker's
// sum, so this backend and `bct serve` give the same numbers for the same tokens.
import { join } from 'node:path';
import type { Gpt } from '../../engine/index.js';
import { ConfigError } from '../../errors.js';
import type { Tokenizer } from '../../microworld/index.js';
import type { ChatMessage } from '../../domain/index.js';
import { microworldRenderer } from '../../chat/index.js';
import { meanWeighted } from '../mean-weights.js';
import { truncateAtStop } from '../stop-strings.js';
import type {
  Backend,
  BackendSpec,
  Datum,
  ForwardBackwardResult,
  LogprobsOptions,
  LogprobsResult,
  OptimParams,
  OptimStepResult,
  Renderer,
  ResumableTrainingClient,
  SampleBatchResult,
  SamplePrompt,
  SamplingClient,
  SamplingParams,
  SavedWeights,
  TrainingClientOptions,
  WeightsRef,
} from '../types.js';
import { baseDir, continuationLogprobs, loadSamplerModel, sampleTokens, tokenizerFor, TokenTrainer } from './tokens.js';

export * from './tokens.js';

class EmbeddedSampler implements SamplingClient {
  readonly renderer: Renderer;
  constructor(
    private readonly model: Gpt,
    private readonly tok: Tokenizer,
  ) {
    this.renderer = microworldRenderer(tok, model.config.contextLength);
  }

  async sample(prompts: readonly SamplePrompt[], params: SamplingParams): Promise<SampleBatchResult> {
    const t0 = performance.now();
    const tokens = prompts.map((p, i) => this.tok.renderPrompt(p.messages, `prompts[${i}].messages`));
    // Each row stops at the context length on its own, so one long prompt never shortens the others.
    const gens = sampleTokens(this.model, tokens, {
      maxTokens: params.maxTokens,
      temperature: params.temperature,
      topP: params.topP,
      stopTokens: [this.tok.special.eot],
      seeds: prompts.map((p, i) => p.seed ?? params.seed + i),
    });
    const samples = gens.map((g) => {
      const answer = g.tokens[g.tokens.length - 1] === this.tok.special.eot ? g.tokens.slice(0, -1) : g.tokens;
      const cut = truncateAtStop(this.tok.parseCompletion(answer), params.stop);
      return { text: cut.text, tokens: answer, finishReason: cut.stopped || g.finishReason === 'stop' ? ('stop' as const) : ('length' as const) };
    });
    return {
      samples,
      promptTokens: tokens.reduce((n, t) => n + t.length, 0),
      completionTokens: gens.reduce((n, g) => n + g.tokens.length, 0),
      latencyMs: performance.now() - t0,
    };
  }

  async logprobs(prompt: readonly ChatMessage[], continuation: string, opts: LogprobsOptions = {}): Promise<LogprobsResult> {
    const t0 = performance.now();
    const p = this.tok.renderPrompt(prompt);
    const c = [...this.tok.encode(continuation, 'continuation'), ...(opts.endOfTurn === true ? [this.tok.special.eot] : [])];
    if (c.length === 0) return { logprob: 0, tokens: [], tokenLogprobs: [], latencyMs: performance.now() - t0 };
    const r = continuationLogprobs(this.model, p, c);
    return { logprob: r.logprob, tokens: c, tokenLogprobs: r.tokenLogprobs, latencyMs: performance.now() - t0 };
  }

  async close(): Promise<void> {}
}

/** A training client on a TokenTrainer: weights are normalised to the batch's per-token mean
 *  (meanWeighted), then trained with Tinker's sum, exactly as a Tinker-API server is sent them. */
class EmbeddedTrainer implements ResumableTrainingClient {
  readonly renderer: Renderer;
  private readonly trainer: TokenTrainer;
  private readonly saved = new Set<string>();
  /** The last call issued: each call starts when the one before it has settled, so calls apply in the
   *  order they are made even though forwardBackward yields to the event loop between micro-batches. */
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly options: TrainingClientOptions,
    dir: string,
    tok: Tokenizer,
  ) {
    this.trainer = new TokenTrainer({ dir, ...(options.adapter !== undefined ? { adapter: options.adapter } : {}), lora: options.lora, seed: options.seed });
    this.renderer = microworldRenderer(tok, this.trainer.model.config.contextLength);
  }

  get step(): number {
    return this.trainer.step;
  }

  private inOrder<T>(run: () => Promise<T>): Promise<T> {
    const next = this.last.then(run, run);
    this.last = next.catch(() => undefined);
    return next;
  }

  forwardBackward(batch: readonly Datum[]): Promise<ForwardBackwardResult> {
    return this.inOrder(async () => {
      const t0 = performance.now();
      const info = await this.trainer.forwardBackward(meanWeighted(batch));
      return { ...info, latencyMs: performance.now() - t0 };
    });
  }

  optimStep(params: OptimParams): Promise<OptimStepResult> {
    return this.inOrder(async () => {
      const t0 = performance.now();
      const info = this.trainer.optimStep({ ...params, gradClip: params.gradClip > 0 ? params.gradClip : null });
      return { ...info, latencyMs: performance.now() - t0 };
    });
  }

  saveForSampler(name: string): Promise<SavedWeights> {
    return this.inOrder(async () => {
      if (this.saved.has(name)) throw new ConfigError(`sampler weights "${name}" were already saved by this client`, 'saveForSampler');
      this.saved.add(name);
      const out = join(this.options.workDir, `sampler-${name}`);
      this.trainer.saveSamplerWeights(out);
      const adapter = this.options.adapter;
      return { ref: { base: this.options.base, ...(adapter !== undefined ? { adapter } : {}), weights: out }, path: out };
    });
  }

  saveState(dir: string): Promise<void> {
    return this.inOrder(async () => this.trainer.saveState(dir));
  }

  loadState(dir: string): Promise<void> {
    return this.inOrder(async () => this.trainer.loadState(dir));
  }

  async close(): Promise<void> {}
}

export class EmbeddedBackend implements Backend {
  readonly spec: BackendSpec = { name: 'embedded', args: {} };

  async createTrainingClient(options: TrainingClientOptions): Promise<ResumableTrainingClient> {
    const dir = baseDir(options.base);
    return new EmbeddedTrainer(options, dir, tokenizerFor(dir));
  }

  async createSamplingClient(ref: WeightsRef): Promise<SamplingClient> {
    return new EmbeddedSampler(loadSamplerModel(ref), tokenizerFor(baseDir(ref.base)));
  }

  async close(): Promise<void> {}
}

export function createEmbeddedBackend(spec: BackendSpec): Backend {
  const extra = Object.keys(spec.args);
  if (extra.length > 0) throw new ConfigError(`the embedded backend takes no arguments, got ${extra.join(', ')}`, 'backend.args');
  return new EmbeddedBackend();
}
