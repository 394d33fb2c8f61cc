// The sweep spec: one typed config for `bct run` (from a YAML/JSON file and/or CLI flags, validated by
// one schema), and the pure functions that turn it into cells: grid(axes), runName(point), schedule().
import { z } from 'zod';
import { RENDERER_NAMES, type RendererName } from '../chat/index.js';
import { boundedNumber as bounded, boundedText as text, organismSchema } from '../settings/index.js';
import type { ModelOrganism } from '../settings/index.js';
import { settingParamsSchema, type SettingParams } from '../settings/index.js';
import { budgetSchema, type Budget } from './budget.js';
import { dataSourceSchema, type DataSource } from './data-source.js';
import { pricesSchema, type PriceEntry } from './costs.js';

/** Everything `bct run` needs: the fields of every sweep, and either the fields that say how its cells
 *  train (a trained sweep) or `served` (checkpoints trained elsewhere, sampled where they are served).
 *  Their flags, in the order of `--help`, are cli/sweep-options.ts. */
export type SweepConfig = TrainedSweepConfig | ServedSweepConfig;

/** A sweep that trains its cells: every combination of the grid axes is one cell. */
export type TrainedSweepConfig = SweepFields & TrainingFields & { served?: undefined };

/** A sweep that trains nothing: its cells are `served` (served.ts), so it has no training field. */
export type ServedSweepConfig = SweepFields & { [K in keyof TrainingFields]?: undefined } & { served: ServedCell[] };

export interface SweepFields {
  // ── what to run
  name?: string; // sweep name; default `<setting>-<hash8>`
  setting: string; // built-in setting name or path to a setting .yaml/.json
  organism?: ModelOrganism; // model organism; default: the setting's own
  base?: string; // overrides the organism's base checkpoint path
  backend: BackendConfig; // training/sampling backend: `embedded` (default) or `tinker` / `{ name: tinker, baseUrl, apiKeyEnv }`; `openai` (sampling only) for a served sweep
  judge?: JudgeConfig; // judge of model-graded graders (llm-judge): `organism` or `{ backend, model, renderer? }`; default none: such a grader is refused
  settingParams?: SettingParams; // the setting's parameters: `{ trainPrompts }` (settings/types.ts); default none
  data?: DataSource; // where training targets come from: reference, on-policy, teacher, dataset or stream (data-source.ts); default the setting's own
  // ── sampling at each checkpoint
  samplesPerPrompt: number; // answers per eval prompt; default 1
  trainPromptsPerCheckpoint: number; // train prompts sampled per checkpoint (compatibility rate); default 16
  temperature: number; // sampling temperature; default 0.7
  topP: number; // nucleus sampling mass; default 1
  maxTokens: number; // answer tokens at most; default 32
  sampleSeed: number; // base seed of sampling; default 0
  // ── execution
  jobs: number; // cells trained at once (worker threads); default 1 (OpenBLAS already uses 2 threads)
  force: boolean; // run even if the pre-check fails or the sweep's totals pass plan.ts TOTAL_LIMITS; default false
  skipCheck: boolean; // skip the pre-check entirely; default false
  // ── cost (neither changes what a sweep computes: both stay out of every key)
  prices?: PriceEntry[]; // USD per million tokens by backend and model (costs.ts); default none: tokens only
  budget?: Budget; // stop cleanly once the record holds { maxUsd } or { maxTokens } (budget.ts); default none
}

/** How the cells of a trained sweep train. None of them may be given with `served`. */
export interface TrainingFields {
  // ── grid axes (every combination is one cell)
  lrs: number[]; // learning rates (constant, AdamW); default [1e-4, 1e-3]
  seeds: number[]; // training seeds; default [0]
  batchSizes: number[]; // examples per optimizer step; default [8]
  steps?: number[]; // optimizer steps per cell (give steps or epochs); default [100]
  epochs?: number[]; // passes over the training examples (instead of steps)
  loraRanks: number[]; // LoRA ranks; 0 = full fine-tune; default [0]
  // ── optimizer (Adam with decoupled weight decay, constant LR; docs/training.md)
  loraAlpha: number; // LoRA alpha (scale = alpha / rank); default 16
  optimizer: OptimizerPreset; // where the four fields below default from; default `research`
  betas: [number, number]; // Adam betas; default from the preset
  eps: number; // Adam epsilon; default from the preset
  weightDecay: number; // decoupled weight decay; default from the preset
  gradClip: number; // max global gradient L2 norm, larger gradients scaled down to it; 0 = off; default from the preset
  warmupSteps?: number; // linear LR warm-up: step s (from 1) trains at lr × min(1, s / warmupSteps); default 0 (off)
  // ── checkpoints (step 0 and the last step are always included)
  checkpointEvery?: number; // a checkpoint every k steps
  checkpointCount?: number; // or n log-spaced checkpoints; default 4
}

/** One cell of a served sweep: checkpoints trained elsewhere, each sampled by the model name its server
 *  gives it. What it was trained with labels it (reports group and name cells by these); none of it
 *  enters a key, which only the weights do (keys.ts `servedTrainKey`). */
export interface ServedCell {
  lr: number; // the learning rate it was trained at
  seed: number; // its training seed
  loraRank: number; // its LoRA rank; default 0 (full fine-tune)
  batchSize?: number; // its batch size, for the samples-seen axis; default unknown (recorded as 0)
  checkpoints: Record<string, string>; // step → the model name its server serves; without step 0, the organism's base is step 0
}

/** The fields a served sweep must not give (it trains nothing): each would mean training. */
export const TRAINING_FIELDS = [
  'lrs',
  'seeds',
  'batchSizes',
  'steps',
  'epochs',
  'loraRanks',
  'loraAlpha',
  'optimizer',
  'betas',
  'eps',
  'weightDecay',
  'gradClip',
  'warmupSteps',
  'checkpointEvery',
  'checkpointCount',
] as const satisfies readonly (keyof TrainingFields)[];

/** The training fields of a sweep that trains. Callers branch on `served` first: a served sweep here is a
 *  bug of the caller, not of the sweep. */
export function trainedConfig(c: SweepConfig): TrainedSweepConfig {
  if (c.served !== undefined) throw new Error('a served sweep has no training fields; its cells come from `served`');
  return c;
}

/** Which backend trains and samples. A name alone takes the backend's defaults (for `tinker`: the
 *  `TINKER_BASE_URL` and `TINKER_API_KEY` environment variables). The fields say where the backend runs,
 *  not what it computes, so they stay out of every content key (keys.ts); the API key itself is only ever
 *  read from the environment variable named here, never written. `openai` samples only, so it is the
 *  backend of a served sweep and of no other. */
export type BackendConfig =
  | 'embedded'
  | 'tinker'
  | 'openai'
  | {
      name: 'embedded' | 'tinker';
      baseUrl?: string; // server base URL (Tinker: default $TINKER_BASE_URL, else the hosted service)
      apiKeyEnv?: string; // environment variable holding the API key; default TINKER_API_KEY
      maxInFlight?: number; // requests in flight at once against the server; default 32
    }
  | OpenAiBackendConfig;

/** An OpenAI-compatible server (src/backends/openai/README.md): vLLM with LoRA adapters, `bct serve`, a
 *  hosted API. `api`, `renderer` and `tokenizer` say how its answers are read, so a served cell's key
 *  has them (keys.ts); `baseUrl`, `apiKeyEnv`, `maxInFlight` and `scoring` (the same log-probabilities
 *  either way) do not. */
export interface OpenAiBackendConfig {
  name: 'openai';
  baseUrl?: string; // API root with /v1; default $OPENAI_BASE_URL, else https://api.openai.com/v1
  apiKeyEnv?: string; // environment variable holding the API key; default OPENAI_API_KEY
  maxInFlight?: number; // requests in flight at once; default 32
  api?: 'completions' | 'chat'; // completions (token ids rendered here; vLLM, bct serve) or chat (the server renders); default completions
  renderer?: RendererName; // the chat renderer, when the model's name and the server do not say it
  tokenizer?: string; // or a tokenizer id to choose the renderer by (e.g. Qwen/Qwen3-8B)
  scoring?: 'prompt_logprobs' | 'echo'; // how completions mode scores a continuation; default prompt_logprobs
}

/** Where a server-backed backend runs: in no key (keys.ts). */
const serverArgs = {
  baseUrl: z.string().url().max(2048).optional(),
  apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'expected an environment variable name').optional(),
  maxInFlight: z.number().int().positive().max(1024).optional(),
};

const rendererSchema = z.enum(RENDERER_NAMES as [RendererName, ...RendererName[]], { error: () => `expected one of ${RENDERER_NAMES.join(', ')}` });

// The object forms are told apart by `name`, so an openai form's error names its own field. An unknown
// name is reported as zod reports an unknown string (the first form), with the names a training backend
// takes; openai, a served sweep's only backend, is named by the refusal of a served sweep on another.
const TRAINING_BACKENDS = 'Invalid option: expected one of "embedded"|"tinker"';
const backendConfigSchema = z.union([
  z.enum(['embedded', 'tinker']),
  z.literal('openai'),
  z.discriminatedUnion(
    'name',
    [
      z.object({ name: z.enum(['embedded', 'tinker']), ...serverArgs }).strict(),
      z
        .object({
          name: z.literal('openai'),
          ...serverArgs,
          api: z.enum(['completions', 'chat']).optional(),
          renderer: rendererSchema.optional(),
          tokenizer: text(256).optional(),
          scoring: z.enum(['prompt_logprobs', 'echo']).optional(),
        })
        .strict(),
    ],
    { error: (issue) => (issue.code === 'invalid_union' ? TRAINING_BACKENDS : undefined) },
  ),
]);

/** The judge of model-graded graders (src/graders llm-judge): a model role of its own, never implied.
 *  `organism` asks the untrained organism on the sweep's backend (the research's judge), and says so in
 *  the record. Otherwise a model on a backend of its own: `embedded` (a local checkpoint folder), `tinker`
 *  (a model name its server serves) or `openai` (an OpenAI-compatible server: vLLM, a hosted API,
 *  `bct serve`; sampling only). As for `backend`, where the judge runs stays out of every key; what it is
 *  (backend, model, renderer, API mode) is part of the key of every grade it gives (keys.ts). */
export type JudgeConfig =
  | 'organism'
  | {
      backend: JudgeBackendConfig;
      model: string; // embedded: a checkpoint folder; tinker, openai: the model name the server serves
      renderer?: RendererName; // openai only: the chat renderer, when the model's name and the server do not say it
    };

/** A judge's backend: the forms of a sweep's (its schema takes the openai form without `renderer`,
 *  `tokenizer` and `scoring`: a judge names its renderer as `judge.renderer`). */
export type JudgeBackendConfig = BackendConfig;

export const judgeConfigSchema = z.union([
  z.literal('organism'),
  z
    .object({
      backend: z.union([
        z.enum(['embedded', 'tinker', 'openai']),
        z.discriminatedUnion('name', [z.object({ name: z.enum(['embedded', 'tinker']), ...serverArgs }).strict(), z.object({ name: z.literal('openai'), ...serverArgs, api: z.enum(['completions', 'chat']).optional() }).strict()]),
      ]),
      model: text(4096), // SWEEP_LIMITS.pathChars, defined below
      renderer: rendererSchema.optional(),
    })
    .strict()
    .refine((j) => j.renderer === undefined || backendSpecOf(j.backend).name === 'openai', {
      message: 'is read by the openai backend only (embedded and tinker take the renderer from the model)',
      path: ['renderer'],
    }),
]);

/** The backend's name and its arguments (`createBackend` input). */
export function backendSpecOf(b: BackendConfig | JudgeBackendConfig): { name: string; args: Record<string, string | number> } {
  if (typeof b === 'string') return { name: b, args: {} };
  const { name, ...args } = b;
  return { name, args: Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)) as Record<string, string | number> };
}

/** Hard bounds of the numeric fields, inclusive. Each is far above any sweep that makes sense and low
 *  enough that no single value can exhaust memory or run for ever; what values add up to together
 *  (tokens, answers, hours) is bounded when the sweep is planned (plan.ts `checkTotals`). */
export const SWEEP_LIMITS = {
  axisValues: 64, // values per grid axis (lrs, seeds, batchSizes, steps, epochs, loraRanks)
  cells: 4096, // grid points of one sweep
  lr: 1, // learning rates in (0, 1]
  seed: 2 ** 31 - 1, // training and sampling seeds in [0, 2^31 - 1] (the engine's RNG seeds are 31-bit)
  batchSize: 4096, // examples per step; also at most the number of training examples (plan.ts)
  steps: 1_000_000, // optimizer steps per cell, given or computed from epochs
  epochs: 1000,
  loraRank: 4096, // also at most the model's d_model (context.ts `checkLoraRanks`)
  loraAlpha: 10_000,
  eps: 1,
  weightDecay: 10,
  gradClip: 1e6,
  checkpointCount: 1000,
  checkpointsPerCell: 1000, // checkpoints of a cell after step 0 (each stores weights), plan.ts
  samplesPerPrompt: 1000,
  trainPromptsPerCheckpoint: 100_000,
  temperature: 10,
  maxTokens: 32_768,
  jobs: 64,
  nameChars: 128,
  pathChars: 4096, // `setting` and `base`
} as const;

/** A grid axis: 1 to SWEEP_LIMITS.axisValues values. */
const axis = <T extends z.ZodType>(t: T) =>
  z
    .array(t)
    .min(1, { error: 'expected at least one value' })
    .max(SWEEP_LIMITS.axisValues, { error: (issue) => `expected at most ${SWEEP_LIMITS.axisValues} values, got ${(issue.input as unknown[]).length}` });

const L = SWEEP_LIMITS;
const beta = bounded(0, 1, { below: true });

/** Named optimizer defaults; a sweep's own betas / eps / weightDecay / gradClip override its preset.
 *  - `research`: the protocol of the research bctlab reproduces, which is Tinker's `AdamParams` defaults:
 *    betas 0.9 / 0.95, eps 1e-12, no weight decay, no gradient clipping.
 *  - `bctlab-0.1`: what bctlab 0.1 used without saying so (betas 0.9 / 0.999, eps 1e-8, clipping at global
 *    norm 1), for sweeps that must reproduce numbers recorded with it (the shipped sweeps/ files name it). */
export const OPTIMIZER_PRESETS = {
  research: { betas: [0.9, 0.95], eps: 1e-12, weightDecay: 0, gradClip: 0 },
  'bctlab-0.1': { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, gradClip: 1 },
} as const satisfies Record<string, { betas: readonly [number, number]; eps: number; weightDecay: number; gradClip: number }>;

export type OptimizerPreset = keyof typeof OPTIMIZER_PRESETS;

/** The grid and optimizer of a trained sweep that gives none: applied after validation (the transform
 *  below), so that a refinement still tells a field given from a field defaulted (a served sweep refuses
 *  every given one). */
const TRAINING_DEFAULTS = { lrs: [1e-4, 1e-3], seeds: [0], batchSizes: [8], loraRanks: [0], loraAlpha: 16, optimizer: 'research' } as const;

/** A served checkpoint's step: a decimal integer without sign, point or leading zero, so that one step has
 *  one spelling (YAML's `50:` and JSON's `"50":` alike). */
const STEP_KEY = /^(0|[1-9][0-9]*)$/;

const servedCellSchema = z
  .object({
    lr: bounded(0, L.lr, { above: true }),
    seed: bounded(0, L.seed, { int: true }),
    loraRank: bounded(0, L.loraRank, { int: true }).default(0),
    batchSize: bounded(1, L.batchSize, { int: true }).optional(),
    checkpoints: z.record(z.string(), text(L.pathChars)),
  })
  .strict()
  .superRefine((cell, ctx) => {
    const steps = Object.keys(cell.checkpoints);
    for (const step of steps) {
      if (!STEP_KEY.test(step) || Number(step) > L.steps) {
        ctx.addIssue({ code: 'custom', path: ['checkpoints', step], message: `expected a step: an integer in [0, ${L.steps}] without sign, point or leading zero, got ${JSON.stringify(step)}` });
      }
    }
    const after = steps.filter((step) => step !== '0').length;
    if (after === 0) ctx.addIssue({ code: 'custom', path: ['checkpoints'], message: 'expected at least one checkpoint after step 0 (step → served model name)' });
    if (after > L.checkpointCount) ctx.addIssue({ code: 'custom', path: ['checkpoints'], message: `expected at most ${L.checkpointCount} checkpoints after step 0, got ${after}` });
  });

const servedSchema = z
  .array(servedCellSchema)
  .min(1, { error: 'expected at least one cell' })
  .max(L.cells, { error: (issue) => `expected at most ${L.cells} cells, got ${(issue.input as unknown[]).length}` })
  .superRefine((cells, ctx) => {
    // A cell is what it was trained with, as its name says it (LRs to six digits); two entries of one
    // cell would be one cell's checkpoints split in two.
    const first = new Map<string, number>();
    cells.forEach((c, i) => {
      const name = servedCellName(c);
      const j = first.get(name);
      if (j === undefined) first.set(name, i);
      else ctx.addIssue({ code: 'custom', path: [i], message: `the same cell as served[${j}] (${name}: lr, seed, loraRank and batchSize); give each cell once, with all its checkpoints` });
    });
  });

/** Why a served sweep cannot sample on `backend`: its checkpoints are named by the model names a server
 *  gives them, which only the openai backend takes. */
function servedBackendIssue(backend: string): string | undefined {
  if (backend === 'openai') return undefined;
  const serve = 'serve them on an OpenAI-compatible server (vLLM with --lora-modules NAME=PATH, bct serve --model NAME=DIR, Tinker\'s OpenAI-compatible API, which takes tinker:// paths as model names) and use backend openai';
  return backend === 'embedded'
    ? `a served sweep samples checkpoints by the model names a server gives them; the embedded backend reads checkpoint folders: ${serve}`
    : `a served sweep samples checkpoints by the model names a server gives them; the tinker backend samples only the sampler weights it recorded itself: ${serve}`;
}

export const sweepConfigSchema = z
  .object({
    name: text(L.nameChars).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected letters, digits, dot, dash or underscore').optional(),
    setting: text(L.pathChars),
    organism: organismSchema.optional(),
    base: text(L.pathChars).optional(),
    backend: backendConfigSchema.default('embedded'),
    judge: judgeConfigSchema.optional(),
    settingParams: settingParamsSchema.optional(),
    data: dataSourceSchema.optional(),
    served: servedSchema.optional(),
    lrs: axis(bounded(0, L.lr, { above: true })).optional(),
    seeds: axis(bounded(0, L.seed, { int: true })).optional(),
    batchSizes: axis(bounded(1, L.batchSize, { int: true })).optional(),
    steps: axis(bounded(1, L.steps, { int: true })).optional(),
    epochs: axis(bounded(0, L.epochs, { above: true })).optional(),
    loraRanks: axis(bounded(0, L.loraRank, { int: true })).optional(),
    loraAlpha: bounded(0, L.loraAlpha, { above: true }).optional(),
    optimizer: z.enum(Object.keys(OPTIMIZER_PRESETS) as [OptimizerPreset, ...OptimizerPreset[]]).optional(),
    betas: z.tuple([beta, beta]).optional(),
    eps: bounded(0, L.eps, { above: true }).optional(),
    weightDecay: bounded(0, L.weightDecay).optional(),
    gradClip: bounded(0, L.gradClip).optional(),
    warmupSteps: bounded(0, L.steps, { int: true }).optional(),
    checkpointEvery: bounded(1, L.steps, { int: true }).optional(),
    checkpointCount: bounded(1, L.checkpointCount, { int: true }).optional(),
    samplesPerPrompt: bounded(1, L.samplesPerPrompt, { int: true }).default(1),
    trainPromptsPerCheckpoint: bounded(0, L.trainPromptsPerCheckpoint, { int: true }).default(16),
    temperature: bounded(0, L.temperature).default(0.7),
    topP: bounded(0, 1, { above: true }).default(1),
    maxTokens: bounded(1, L.maxTokens, { int: true }).default(32),
    sampleSeed: bounded(0, L.seed, { int: true }).default(0),
    jobs: bounded(1, L.jobs, { int: true }).default(1),
    force: z.boolean().default(false),
    skipCheck: z.boolean().default(false),
    prices: pricesSchema.optional(),
    budget: budgetSchema.optional(),
  })
  .strict()
  .refine((c) => !(c.steps !== undefined && c.epochs !== undefined), { message: 'give steps or epochs, not both', path: ['epochs'] })
  .refine((c) => !(c.checkpointEvery !== undefined && c.checkpointCount !== undefined), {
    message: 'give checkpointEvery or checkpointCount, not both',
    path: ['checkpointCount'],
  })
  .superRefine((c, ctx) => {
    const backend = backendSpecOf(c.backend).name;
    if (c.served !== undefined) {
      for (const field of TRAINING_FIELDS) {
        if (c[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `a served sweep trains nothing: its cells and their checkpoints come from \`served\` (lr, seed, loraRank, batchSize, checkpoints), so ${field} cannot be given` });
      }
      if (c.data !== undefined && c.data.kind !== 'reference') ctx.addIssue({ code: 'custom', path: ['data'], message: `a served sweep trains nothing, so it builds no training data; remove data (${c.data.kind})` });
      const issue = servedBackendIssue(backend);
      if (issue !== undefined) ctx.addIssue({ code: 'custom', path: ['backend'], message: issue });
      return;
    }
    if (backend === 'openai') {
      ctx.addIssue({ code: 'custom', path: ['backend'], message: 'the openai backend samples only (the OpenAI API has no training): train with embedded or tinker, or give `served` to evaluate checkpoints served elsewhere' });
    }
    const axes: [string, number][] = [
      ['lrs', (c.lrs ?? TRAINING_DEFAULTS.lrs).length],
      ['seeds', (c.seeds ?? TRAINING_DEFAULTS.seeds).length],
      ['batchSizes', (c.batchSizes ?? TRAINING_DEFAULTS.batchSizes).length],
      [c.epochs !== undefined ? 'epochs' : 'steps', (c.epochs ?? c.steps ?? [0]).length],
      ['loraRanks', (c.loraRanks ?? TRAINING_DEFAULTS.loraRanks).length],
    ];
    const cells = axes.reduce((n, [, k]) => n * k, 1);
    if (cells > L.cells) {
      ctx.addIssue({ code: 'custom', path: [], message: `the grid has ${cells} cells (${axes.map(([f, k]) => `${f} ${k}`).join(' × ')}); expected at most ${L.cells}` });
    }
  })
  // Every default of a trained sweep's grid and optimizer is applied here, once, so the recorded spec
  // names each value a sweep used; a served sweep has none of them (its spec re-reads as given).
  .transform((c): SweepConfig => {
    const { served, ...rest } = c;
    // The refinement above left a served sweep no training field.
    if (served !== undefined) return { ...rest, served } as ServedSweepConfig;
    const optimizer = c.optimizer ?? TRAINING_DEFAULTS.optimizer;
    const preset = OPTIMIZER_PRESETS[optimizer];
    return {
      ...rest,
      lrs: c.lrs ?? [...TRAINING_DEFAULTS.lrs],
      seeds: c.seeds ?? [...TRAINING_DEFAULTS.seeds],
      batchSizes: c.batchSizes ?? [...TRAINING_DEFAULTS.batchSizes],
      loraRanks: c.loraRanks ?? [...TRAINING_DEFAULTS.loraRanks],
      loraAlpha: c.loraAlpha ?? TRAINING_DEFAULTS.loraAlpha,
      optimizer,
      betas: c.betas ?? ([...preset.betas] as [number, number]),
      eps: c.eps ?? preset.eps,
      weightDecay: c.weightDecay ?? preset.weightDecay,
      gradClip: c.gradClip ?? preset.gradClip,
    };
  }) satisfies z.ZodType<SweepConfig, unknown>;

/** One point of the grid: one cell. */
export interface GridPoint {
  lr: number;
  seed: number;
  batchSize: number;
  /** Exactly one of steps / epochs is set. */
  steps?: number;
  epochs?: number;
  /** 0 = full fine-tune. */
  loraRank: number;
}

export type GridAxes = { [K in keyof GridPoint]-?: readonly NonNullable<GridPoint[K]>[] };

/** Every combination of the axes, in a fixed order (lr slowest … loraRank fastest). An axis given as an
 *  empty array is absent from the points (used for steps vs epochs). */
export function grid(axes: Partial<GridAxes>): GridPoint[] {
  const order: (keyof GridPoint)[] = ['lr', 'seed', 'batchSize', 'steps', 'epochs', 'loraRank'];
  let points: Record<string, number>[] = [{}];
  for (const key of order) {
    const values = axes[key];
    if (values === undefined || values.length === 0) continue;
    points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  }
  return points as unknown as GridPoint[];
}

/** Short, exact number label: 3e-4 rather than 0.00030000000000000003. */
export function formatNumber(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e6) return String(x);
  return Number(x.toPrecision(6)).toExponential().replace(/\.?0+e/, 'e').replace('e+', 'e');
}

/** A cell's name: every axis of the point, so names are unique within a sweep. */
export function runName(point: GridPoint): string {
  const parts = [`lr=${formatNumber(point.lr)}`, `seed=${point.seed}`, `bs=${point.batchSize}`];
  if (point.steps !== undefined) parts.push(`steps=${point.steps}`);
  if (point.epochs !== undefined) parts.push(`epochs=${formatNumber(point.epochs)}`);
  parts.push(point.loraRank === 0 ? 'full' : `lora${point.loraRank}`);
  return parts.join('.');
}

/** A served cell's name: what it was trained with, as a trained cell's name says it (no steps: its
 *  checkpoints are what it has), so two entries with one name are one cell given twice. */
export function servedCellName(cell: Pick<ServedCell, 'lr' | 'seed' | 'loraRank' | 'batchSize'>): string {
  const parts = [`lr=${formatNumber(cell.lr)}`, `seed=${cell.seed}`];
  if (cell.batchSize !== undefined) parts.push(`bs=${cell.batchSize}`);
  parts.push(cell.loraRank === 0 ? 'full' : `lora${cell.loraRank}`);
  return parts.join('.');
}

/** Checkpoint steps: always 0 and `total`; plus every `every` steps, or `count` log-spaced points in
 *  [1, total] (rounded, deduplicated). */
export function checkpointSteps(total: number, opts: { every?: number; count?: number }): number[] {
  const steps = new Set<number>([0, total]);
  if (opts.every !== undefined) {
    for (let s = opts.every; s < total; s += opts.every) steps.add(s);
  } else {
    const n = opts.count ?? 4;
    for (let i = 0; i < n; i++) {
      const t = n === 1 ? 1 : i / (n - 1);
      steps.add(Math.min(total, Math.max(1, Math.round(Math.exp(t * Math.log(total))))));
    }
  }
  return [...steps].sort((a, b) => a - b);
}

/** Steps of a point once the number of training examples is known. */
export function pointSteps(point: GridPoint, examples: number): number {
  if (point.steps !== undefined) return point.steps;
  return Math.max(1, Math.ceil(((point.epochs ?? 1) * examples) / point.batchSize));
}

export function gridOf(config: TrainedSweepConfig): GridPoint[] {
  return grid({
    lr: config.lrs,
    seed: config.seeds,
    batchSize: config.batchSizes,
    steps: config.epochs === undefined ? (config.steps ?? [100]) : [],
    epochs: config.epochs ?? [],
    loraRank: config.loraRanks,
  });
}
