// The embedded backend: the backend interface on the in-process engine (src/engine) with the microworld
// tokenizer. A base is an engine checkpoint folder (config.json + model.safetensors, optionally
// tokenizer.json; see src/engine/checkpoint.ts). Sampler weights are checkpoint folders too: a full
// model.safetensors after a full fine-tune, or adapter files after LoRA (the base is loaded under them).
// An organism adapter (a folder as saveAdapters writes it) is merged into the base weights on load, so the
// organism is a plain model and a cell's own LoRA or full fine-tune trains on top of it.
// Training state is a folder with the trainable weights and optimizer.safetensors (AdamW moments + step).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  generate,
  getGemm,
  loadAdapters,
  loadModel,
  loadOptimizer,
  LORA_TARGETS,
  saveAdapters,
  saveModel,
  saveOptimizer,
  score,
  Trainer,
  type Gpt,
} from '../../engine/index.js';
import { CheckpointError, ConfigError } from '../../errors.js';
import { Tokenizer } from '../../microworld/index.js';
import { resolveModelPath, type ChatMessage } from '../../domain/index.js';
import type {
  Backend,
  BackendSpec,
  Datum,
  ForwardBackwardResult,
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

/** The tokenizer shipped beside a base (tokenizer.json), else the microworld's. */
function tokenizerFor(dir: string): Tokenizer {
  const path = join(dir, 'tokenizer.json');
  if (!existsSync(path)) return Tokenizer.microworld();
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CheckpointError(`cannot read JSON (${(e as Error).message})`, path);
  }
  return Tokenizer.fromJSON(json, path);
}

function baseDir(base: string): string {
  const dir = resolveModelPath(base);
  if (!existsSync(join(dir, 'config.json'))) {
    throw new CheckpointError(`expected an engine checkpoint folder with config.json and model.safetensors`, dir);
  }
  return dir;
}

function renderer(tok: Tokenizer, model: Gpt): Renderer {
  return {
    renderPrompt: (messages) => tok.renderPrompt(messages),
    renderSupervised: (messages, completion) => tok.renderExample(messages, completion),
    decode: (tokens) => tok.parseCompletion(tokens),
    contextLength: model.config.contextLength,
    stopTokens: [tok.special.eot],
  };
}

/** The model organism: the base, with its adapter (if any) merged into the base weights. A missing,
 *  corrupt or wrong-shape adapter is a CheckpointError naming the file (and the tensor). */
function loadOrganism(dir: string, adapter: string | undefined): Gpt {
  const model = loadModel(dir);
  if (adapter === undefined) return model;
  const adir = resolveModelPath(adapter);
  if (!existsSync(join(adir, 'adapter_config.json'))) {
    throw new CheckpointError('expected an adapter folder with adapter_config.json and adapter_model.safetensors (as the engine saves LoRA adapters)', adir);
  }
  loadAdapters(model, adir);
  model.mergeLora(getGemm());
  return model;
}

/** Loads the organism (+ sampler weights). Sampler weights are either a full checkpoint folder (the
 *  organism adapter is already in it) or a cell's adapters (loaded on the organism). */
function loadForSampling(ref: WeightsRef): Gpt {
  const dir = baseDir(ref.base);
  if (ref.weights === undefined) return loadOrganism(dir, ref.adapter);
  if (existsSync(join(ref.weights, 'adapter_config.json'))) {
    const model = loadOrganism(dir, ref.adapter);
    loadAdapters(model, ref.weights);
    return model;
  }
  return loadModel(ref.weights);
}

function truncateAtStop(text: string, stop: readonly string[]): { text: string; stopped: boolean } {
  let cut = -1;
  for (const s of stop) {
    const i = s === '' ? -1 : text.indexOf(s);
    if (i >= 0 && (cut < 0 || i < cut)) cut = i;
  }
  return cut < 0 ? { text, stopped: false } : { text: text.slice(0, cut).trimEnd(), stopped: true };
}

class EmbeddedSampler implements SamplingClient {
  readonly renderer: Renderer;
  constructor(
    private readonly model: Gpt,
    private readonly tok: Tokenizer,
  ) {
    this.renderer = renderer(tok, model);
  }

  async sample(prompts: readonly SamplePrompt[], params: SamplingParams): Promise<SampleBatchResult> {
    const t0 = performance.now();
    const tokens = prompts.map((p, i) => this.tok.renderPrompt(p.messages, `prompts[${i}].messages`));
    // Each row stops at the context length on its own, so one long prompt never shortens the others.
    const gens = generate(this.model, tokens, {
      maxTokens: params.maxTokens,
      temperature: params.temperature,
      topP: params.topP,
      stopTokens: [this.tok.special.eot],
      seed: params.seed,
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

  async logprobs(prompt: readonly ChatMessage[], continuation: string): Promise<LogprobsResult> {
    const t0 = performance.now();
    const p = this.tok.renderPrompt(prompt);
    const c = this.tok.encode(continuation, 'continuation');
    if (c.length === 0) return { logprob: 0, tokens: [], tokenLogprobs: [], latencyMs: performance.now() - t0 };
    const [r] = score(this.model, [{ prompt: p, continuation: c }]);
    return { logprob: r!.logprob, tokens: c, tokenLogprobs: r!.tokenLogprobs, latencyMs: performance.now() - t0 };
  }

  async close(): Promise<void> {}
}

class EmbeddedTrainer implements ResumableTrainingClient {
  readonly renderer: Renderer;
  private trainer: Trainer;
  private readonly saved = new Set<string>();

  constructor(
    private readonly options: TrainingClientOptions,
    private readonly dir: string,
    tok: Tokenizer,
  ) {
    this.trainer = new Trainer(this.fresh());
    this.renderer = renderer(tok, this.trainer.model);
  }

  /** The organism, with new LoRA adapters when training LoRA. */
  private fresh(): Gpt {
    const model = loadOrganism(this.dir, this.options.adapter);
    const lora = this.options.lora;
    if (lora !== null) model.addLora({ rank: lora.rank, alpha: lora.alpha, targets: [...LORA_TARGETS] }, this.options.seed);
    return model;
  }

  get step(): number {
    return this.trainer.step;
  }

  async forwardBackward(batch: readonly Datum[]): Promise<ForwardBackwardResult> {
    const t0 = performance.now();
    const info = this.trainer.forwardBackward(batch);
    return { ...info, latencyMs: performance.now() - t0 };
  }

  async optimStep(params: OptimParams): Promise<OptimStepResult> {
    const t0 = performance.now();
    const info = this.trainer.optimStep(params);
    return { ...info, latencyMs: performance.now() - t0 };
  }

  async saveForSampler(name: string): Promise<SavedWeights> {
    if (this.saved.has(name)) throw new ConfigError(`sampler weights "${name}" were already saved by this client`, 'saveForSampler');
    this.saved.add(name);
    const out = join(this.options.workDir, `sampler-${name}`);
    const model = this.trainer.model;
    if (model.lora !== null) saveAdapters(model, out);
    else saveModel(model, out);
    const adapter = this.options.adapter;
    return { ref: { base: this.options.base, ...(adapter !== undefined ? { adapter } : {}), weights: out }, path: out };
  }

  async saveState(dir: string): Promise<void> {
    const model = this.trainer.model;
    if (model.lora !== null) saveAdapters(model, dir);
    else saveModel(model, dir);
    saveOptimizer(this.trainer.optimizer, model, dir);
  }

  async loadState(dir: string): Promise<void> {
    let model: Gpt;
    if (this.options.lora !== null) {
      model = loadOrganism(this.dir, this.options.adapter);
      loadAdapters(model, dir);
      const l = model.lora;
      if (l === null || l.rank !== this.options.lora.rank || l.alpha !== this.options.lora.alpha) {
        throw new CheckpointError(`state has LoRA ${JSON.stringify(l)}, expected rank ${this.options.lora.rank} alpha ${this.options.lora.alpha}`, dir);
      }
    } else {
      if (existsSync(join(dir, 'adapter_config.json'))) throw new CheckpointError('state holds LoRA adapters but this cell is a full fine-tune', dir);
      model = loadModel(dir);
    }
    const trainer = new Trainer(model);
    loadOptimizer(trainer.optimizer, model, dir);
    this.trainer = trainer;
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
    return new EmbeddedSampler(loadForSampling(ref), tokenizerFor(baseDir(ref.base)));
  }

  async close(): Promise<void> {}
}

export function createEmbeddedBackend(spec: BackendSpec): Backend {
  const extra = Object.keys(spec.args);
  if (extra.length > 0) throw new ConfigError(`the embedded backend takes no arguments, got ${extra.join(', ')}`, 'backend.args');
  return new EmbeddedBackend();
}
