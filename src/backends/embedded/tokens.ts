// Token-level operations on the in-process engine: loading a model organism and sampler weights,
// sampling token prompts with per-prompt seeds, log-probabilities of token sequences, and training on
// token datums with Tinker's `cross_entropy` (reduction 'sum'). The embedded backend's clients (index.ts)
// and the Tinker-API server (src/serve) both call these, so the two paths run identical engine code and
// give identical numbers for identical tokens.
// Files: a base or a full fine-tune is a checkpoint folder (config.json + model.safetensors); LoRA
// sampler weights are adapter files loaded under the organism; training state adds optimizer.safetensors.
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
  type ForwardBackwardInfo,
  type Generation,
  type Gpt,
  type OptimParams,
  type OptimStepInfo,
  type ScoreResult,
} from '../../engine/index.js';
import { CheckpointError } from '../../errors.js';
import { Tokenizer } from '../../microworld/index.js';
import { resolveModelPath, type Datum } from '../../domain/index.js';
import type { WeightsRef } from '../types.js';

/** Tokens per training or scoring micro-batch. A request is split into consecutive micro-batches of at
 *  most this many tokens (a longer datum goes alone), with a yield to the event loop between them, so a
 *  server stays responsive while it trains (about 0.2 s per micro-batch of mw-base on 2 cores). Batches
 *  of the pipeline's default size (8 datums) fit in one. */
export const MICRO_BATCH_TOKENS = 2048;

/** The engine checkpoint folder a base names (a path, or a folder shipped in the package's models/). */
export function baseDir(base: string): string {
  const dir = resolveModelPath(base);
  if (!existsSync(join(dir, 'config.json'))) {
    throw new CheckpointError(`expected an engine checkpoint folder with config.json and model.safetensors`, dir);
  }
  return dir;
}

/** The tokenizer shipped beside a base (tokenizer.json), else the microworld's. */
export function tokenizerFor(dir: string): Tokenizer {
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

/** The model organism: the base, with its adapter (if any) merged into the base weights. A missing,
 *  corrupt or wrong-shape adapter is a CheckpointError naming the file (and the tensor). */
export function loadOrganism(dir: string, adapter: string | undefined): Gpt {
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
export function loadSamplerModel(ref: WeightsRef): Gpt {
  const dir = baseDir(ref.base);
  if (ref.weights === undefined) return loadOrganism(dir, ref.adapter);
  if (existsSync(join(ref.weights, 'adapter_config.json'))) {
    const model = loadOrganism(dir, ref.adapter);
    loadAdapters(model, ref.weights);
    return model;
  }
  return loadModel(ref.weights);
}

/** Sampling options of token-level generation. */
export interface TokenSampleOptions {
  maxTokens: number; // new tokens per prompt at most
  temperature: number; // 0 = greedy
  topP: number; // nucleus mass in (0, 1]
  stopTokens: readonly number[]; // a row ends after one of these (kept in its tokens)
  seeds: readonly number[]; // one per prompt: a sample never depends on the rest of the batch
  logprobs?: boolean; // also each generated token's log-probability (temperature 1); default false
}

/** One generation per token prompt. */
export function sampleTokens(model: Gpt, prompts: readonly (readonly number[])[], o: TokenSampleOptions): Generation[] {
  return generate(model, prompts, {
    maxTokens: o.maxTokens,
    temperature: o.temperature,
    topP: o.topP,
    stopTokens: o.stopTokens,
    seeds: o.seeds,
    logprobs: o.logprobs ?? false,
  });
}

/** Teacher-forced log-probabilities of `continuation` after `prompt` (each at least one token). */
export function continuationLogprobs(model: Gpt, prompt: readonly number[], continuation: readonly number[]): ScoreResult {
  return score(model, [{ prompt, continuation }])[0]!;
}

/** Consecutive runs of datums of at most MICRO_BATCH_TOKENS tokens each (a longer datum runs alone). */
function microBatches<T extends { tokens: readonly number[] }>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let n = 0;
  for (const it of items) {
    if (cur.length > 0 && n + it.tokens.length > MICRO_BATCH_TOKENS) {
      out.push(cur);
      cur = [];
      n = 0;
    }
    cur.push(it);
    n += it.tokens.length;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** For each sequence (at least 2 tokens), log p(tokens[i] | tokens[..i]) for i = 1..n−1 (natural log),
 *  without gradients; micro-batched like training. */
export async function sequenceLogprobs(model: Gpt, seqs: readonly { tokens: readonly number[] }[]): Promise<number[][]> {
  const out: number[][] = [];
  const batches = microBatches(seqs);
  for (let b = 0; b < batches.length; b++) {
    if (b > 0) await yieldToEventLoop();
    const items = batches[b]!.map((s) => ({ prompt: s.tokens.slice(0, 1), continuation: s.tokens.slice(1) }));
    for (const r of score(model, items)) out.push(r.tokenLogprobs);
  }
  return out;
}

export interface TokenTrainerOptions {
  /** Engine checkpoint folder of the base (see baseDir). */
  dir: string;
  /** Organism adapter merged into the base, if any. */
  adapter?: string;
  /** LoRA rank and alpha on every projection (LORA_TARGETS), or null for a full fine-tune. */
  lora: { rank: number; alpha: number } | null;
  /** Seed of the LoRA initialisation. */
  seed: number;
}

/** A model in training on token datums: the organism (+ new LoRA adapters), AdamW, and Tinker's
 *  `cross_entropy`. A failed forwardBackward leaves the accumulated gradients as they were. */
export class TokenTrainer {
  private trainer: Trainer;

  constructor(private readonly options: TokenTrainerOptions) {
    this.trainer = new Trainer(this.fresh());
  }

  /** The organism, with new LoRA adapters when training LoRA. */
  private fresh(): Gpt {
    const model = loadOrganism(this.options.dir, this.options.adapter);
    const lora = this.options.lora;
    if (lora !== null) model.addLora({ rank: lora.rank, alpha: lora.alpha, targets: [...LORA_TARGETS] }, this.options.seed);
    return model;
  }

  get model(): Gpt {
    return this.trainer.model;
  }

  /** Optimizer steps taken so far. */
  get step(): number {
    return this.trainer.step;
  }

  /** Forward and backward with loss Σ wᵢ·nllᵢ over the whole batch (a `Datum` weight weighs predicting
   *  its token); gradients add to those accumulated since the last optimStep. */
  async forwardBackward(batch: readonly Datum[]): Promise<ForwardBackwardInfo> {
    const batches = microBatches(batch);
    // Later micro-batches may fail (a non-finite loss) after earlier ones added their gradients: keep a
    // copy to put back, so a failed request changes nothing.
    const params = this.trainer.model.trainableParams();
    const saved = batches.length > 1 ? params.map(([, t]) => Float32Array.from(t.grad!)) : null;
    const total: ForwardBackwardInfo = { loss: 0, weightedTokens: 0, tokens: 0 };
    try {
      for (let b = 0; b < batches.length; b++) {
        if (b > 0) await yieldToEventLoop();
        const info = this.trainer.forwardBackward(batches[b]!, { reduction: 'sum' });
        total.loss += info.loss;
        total.weightedTokens += info.weightedTokens;
        total.tokens += info.tokens;
      }
    } catch (e) {
      if (saved !== null) params.forEach(([, t], i) => t.grad!.set(saved[i]!));
      throw e;
    }
    return total;
  }

  /** AdamW on the accumulated gradients (summed over forwardBackward calls); clears them. */
  optimStep(p: Partial<OptimParams> & { lr: number }): OptimStepInfo {
    return this.trainer.optimStep(p);
  }

  /** Writes the weights a sampler needs into `dir`: the adapters after LoRA, else the whole model. */
  saveSamplerWeights(dir: string): void {
    const model = this.trainer.model;
    if (model.lora !== null) saveAdapters(model, dir);
    else saveModel(model, dir);
  }

  /** Writes the full training state into `dir`: the trainable weights and the optimizer (moments, step). */
  saveState(dir: string): void {
    this.saveSamplerWeights(dir);
    saveOptimizer(this.trainer.optimizer, this.trainer.model, dir);
  }

  /** Restores a state written by saveState (weights, plus the optimizer unless `optimizer` is false,
   *  which starts a fresh AdamW at step 0). Nothing changes when the state does not fit this trainer:
   *  a missing or corrupt file or another LoRA shape is a CheckpointError naming it. */
  loadState(dir: string, options: { optimizer: boolean } = { optimizer: true }): void {
    const lora = this.options.lora;
    let model: Gpt;
    if (lora !== null) {
      model = loadOrganism(this.options.dir, this.options.adapter);
      loadAdapters(model, dir);
      const l = model.lora;
      if (l === null || l.rank !== lora.rank || l.alpha !== lora.alpha) {
        throw new CheckpointError(`state has LoRA ${JSON.stringify(l)}, expected rank ${lora.rank} alpha ${lora.alpha}`, dir);
      }
    } else {
      if (existsSync(join(dir, 'adapter_config.json'))) throw new CheckpointError('state holds LoRA adapters but this model is a full fine-tune', dir);
      model = loadModel(dir);
    }
    const trainer = new Trainer(model);
    if (options.optimizer) loadOptimizer(trainer.optimizer, model, dir);
    this.trainer = trainer;
  }
}
