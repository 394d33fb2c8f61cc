// The sweep spec: one typed config for `bct run` (from a YAML/JSON file and/or CLI flags, validated by
// one schema), and the pure functions that turn it into cells: grid(axes), runName(point), schedule().
import { z } from 'zod';
import { organismSchema } from '../settings/index.js';
import type { ModelOrganism } from '../settings/index.js';

/** Everything `bct run` needs. Field order is the order of `--help`. */
export interface SweepConfig {
  // ── what to run
  name?: string; // sweep name; default `<setting>-<hash8>`
  setting: string; // built-in setting name or path to a setting .yaml/.json
  organism?: ModelOrganism; // model organism; default: the setting's own
  base?: string; // overrides the organism's base checkpoint path
  backend: BackendConfig; // training/sampling backend: `embedded` (default) or `tinker` / `{ name: tinker, baseUrl, apiKeyEnv }`
  // ── grid axes (every combination is one cell)
  lrs: number[]; // learning rates (constant, AdamW); default [1e-4, 1e-3]
  seeds: number[]; // training seeds; default [0]
  batchSizes: number[]; // examples per optimizer step; default [8]
  steps?: number[]; // optimizer steps per cell (give steps or epochs); default [100]
  epochs?: number[]; // passes over the training examples (instead of steps)
  loraRanks: number[]; // LoRA ranks; 0 = full fine-tune; default [0]
  // ── optimizer
  loraAlpha: number; // LoRA alpha (scale = alpha / rank); default 16
  betas: [number, number]; // AdamW betas; default [0.9, 0.999]
  eps: number; // AdamW epsilon; default 1e-8
  weightDecay: number; // decoupled weight decay; default 0
  // ── checkpoints (step 0 and the last step are always included)
  checkpointEvery?: number; // a checkpoint every k steps
  checkpointCount?: number; // or n log-spaced checkpoints; default 4
  // ── sampling at each checkpoint
  samplesPerPrompt: number; // answers per eval prompt; default 1
  trainPromptsPerCheckpoint: number; // train prompts sampled per checkpoint (compatibility rate); default 16
  temperature: number; // sampling temperature; default 0.7
  topP: number; // nucleus sampling mass; default 1
  maxTokens: number; // answer tokens at most; default 32
  sampleSeed: number; // base seed of sampling; default 0
  // ── execution
  jobs: number; // cells trained at once (worker threads); default 1 (OpenBLAS already uses 2 threads)
  force: boolean; // run even if the pre-check fails; default false
  skipCheck: boolean; // skip the pre-check entirely; default false
}

/** Which backend trains and samples. A name alone takes the backend's defaults (for `tinker`: the
 *  `TINKER_BASE_URL` and `TINKER_API_KEY` environment variables). The fields say where the backend runs,
 *  not what it computes, so they stay out of every content key (keys.ts); the API key itself is only ever
 *  read from the environment variable named here, never written. */
export type BackendConfig =
  | 'embedded'
  | 'tinker'
  | {
      name: 'embedded' | 'tinker';
      baseUrl?: string; // server base URL (Tinker: default $TINKER_BASE_URL, else the hosted service)
      apiKeyEnv?: string; // environment variable holding the API key; default TINKER_API_KEY
      maxInFlight?: number; // requests in flight at once against the server; default 32
    };

const backendConfigSchema = z.union([
  z.enum(['embedded', 'tinker']),
  z
    .object({
      name: z.enum(['embedded', 'tinker']),
      baseUrl: z.string().url().max(2048).optional(),
      apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'expected an environment variable name').optional(),
      maxInFlight: z.number().int().positive().max(1024).optional(),
    })
    .strict(),
]);

/** The backend's name and its arguments (`createBackend` input). */
export function backendSpecOf(b: BackendConfig): { name: string; args: Record<string, string | number> } {
  if (typeof b === 'string') return { name: b, args: {} };
  const { name, ...args } = b;
  return { name, args: Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)) as Record<string, string | number> };
}

const positive = z.number().positive();
const posInt = z.number().int().positive();
const nonEmpty = <T extends z.ZodType>(t: T) => z.array(t).min(1);

export const sweepConfigSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected letters, digits, dot, dash or underscore').optional(),
    setting: z.string().min(1),
    organism: organismSchema.optional(),
    base: z.string().min(1).optional(),
    backend: backendConfigSchema.default('embedded'),
    lrs: nonEmpty(positive).default([1e-4, 1e-3]),
    seeds: nonEmpty(z.number().int().nonnegative()).default([0]),
    batchSizes: nonEmpty(posInt).default([8]),
    steps: nonEmpty(posInt).optional(),
    epochs: nonEmpty(positive).optional(),
    loraRanks: nonEmpty(z.number().int().nonnegative()).default([0]),
    loraAlpha: positive.default(16),
    betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.999]),
    eps: positive.default(1e-8),
    weightDecay: z.number().nonnegative().default(0),
    checkpointEvery: posInt.optional(),
    checkpointCount: posInt.optional(),
    samplesPerPrompt: posInt.default(1),
    trainPromptsPerCheckpoint: z.number().int().nonnegative().default(16),
    temperature: z.number().nonnegative().default(0.7),
    topP: z.number().gt(0).max(1).default(1),
    maxTokens: posInt.default(32),
    sampleSeed: z.number().int().nonnegative().default(0),
    jobs: posInt.default(1),
    force: z.boolean().default(false),
    skipCheck: z.boolean().default(false),
  })
  .strict()
  .refine((c) => !(c.steps !== undefined && c.epochs !== undefined), { message: 'give steps or epochs, not both', path: ['epochs'] })
  .refine((c) => !(c.checkpointEvery !== undefined && c.checkpointCount !== undefined), {
    message: 'give checkpointEvery or checkpointCount, not both',
    path: ['checkpointCount'],
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

export function gridOf(config: SweepConfig): GridPoint[] {
  return grid({
    lr: config.lrs,
    seed: config.seeds,
    batchSize: config.batchSizes,
    steps: config.epochs === undefined ? (config.steps ?? [100]) : [],
    epochs: config.epochs ?? [],
    loraRank: config.loraRanks,
  });
}
