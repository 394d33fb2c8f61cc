// The flags of `bct run` (and the subset `bct check` uses), generated from SweepConfig: every field must
// be listed here, as a flag or as null.
import { ConfigError } from '../errors.js';
import type { SweepConfig } from '../pipeline/index.js';
import { parseBudget, readPricesFile } from './cost-flags.js';
import { parseJudgeFlag } from './judge-flag.js';
import { parseNumber, parseNumberList, type CliOptions } from './options.js';

/** `name=value` items, comma-separated, into an object (a decimal value becomes a number); the sweep
 *  schema validates the names and values. */
function parseFields(items: readonly string[], raw: string, example: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items) {
    const m = /^\s*([A-Za-z]+)\s*=\s*(.*?)\s*$/.exec(item);
    if (m === null || m[2] === '') throw new ConfigError(`expected name=value items, comma-separated (like ${example}), got ${JSON.stringify(raw)}`);
    if (m[1]! in out) throw new ConfigError(`${m[1]} is given twice in ${JSON.stringify(raw)}; give each once`);
    out[m[1]!] = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(m[2]!) ? parseNumber(m[2]!) : m[2];
  }
  return out;
}

/** `--data KIND[,name=value…]`: `stream,seed=3`, `dataset,file=pairs.jsonl`, `teacher,model=DIR,temperature=1`. */
export function parseDataSource(raw: string): Record<string, unknown> {
  const [kind, ...rest] = raw.split(',');
  if (kind === undefined || kind.trim() === '') throw new ConfigError(`expected a source kind first (like stream or dataset,file=pairs.jsonl), got ${JSON.stringify(raw)}`);
  return { kind: kind.trim(), ...parseFields(rest, raw, 'dataset,file=pairs.jsonl') };
}

/** `--setting-params trainPrompts=1024`. */
export function parseSettingParams(raw: string): Record<string, unknown> {
  return parseFields(raw.split(','), raw, 'trainPrompts=1024');
}

export const sweepOptions: CliOptions<SweepConfig & { project: string }> = {
  name: { description: 'sweep name (default <setting>-<hash8>)', argument: '<name>' },
  setting: { description: 'built-in setting name or path to a setting .yaml/.json', argument: '<setting>' },
  organism: null, // a structured value: give it in the sweep file
  base: { description: 'base checkpoint folder of the model organism (overrides the setting\'s)', argument: '<dir>' },
  backend: { description: 'training/sampling backend (default embedded)', argument: '<name>' },
  judge: { description: 'judge of model-graded graders: organism (the untrained organism), or a YAML/JSON file holding judge: { backend, model }', argument: '<organism|file>', parse: parseJudgeFlag },
  settingParams: { description: 'setting parameters as name=value: trainPrompts=N (1 to 65536; default the setting\'s own), evalPrompts=N (its first N; default all), targetStyle=terse|base|polite (microworld reference targets\' surface words; default terse), hackGrader=static|judge (chat-rh-* eval answers; default static)', argument: '<params>', parse: parseSettingParams },
  data: {
    description: 'training targets: reference, on-policy, teacher,model=M, dataset,file=F or stream[,seed=N], with name=value fields after the kind (default the setting\'s targets)',
    argument: '<source>',
    parse: parseDataSource,
  },
  served: null, // a structured value (cells of checkpoints served elsewhere): give it in the sweep file
  lrs: { description: 'comma-separated learning rates (default 1e-4,1e-3)', argument: '<lrs>', parse: parseNumberList },
  seeds: { description: 'comma-separated training seeds (default 0)', argument: '<seeds>', parse: parseNumberList },
  batchSizes: { description: 'comma-separated batch sizes (default 8)', argument: '<sizes>', parse: parseNumberList },
  steps: { description: 'comma-separated optimizer steps per cell (default 100)', argument: '<steps>', parse: parseNumberList },
  epochs: { description: 'comma-separated epochs per cell (instead of --steps)', argument: '<epochs>', parse: parseNumberList },
  loraRanks: { description: 'comma-separated LoRA ranks; 0 = full fine-tune (default 0)', argument: '<ranks>', parse: parseNumberList },
  loraAlpha: { description: 'LoRA alpha (default 16)', argument: '<alpha>', parse: parseNumber },
  optimizer: { description: 'optimizer defaults: research (betas 0.9,0.95, eps 1e-12, no clipping; the default) or bctlab-0.1 (0.9,0.999, 1e-8, clip 1)', argument: '<preset>' },
  betas: { description: 'Adam betas as b1,b2 (default from --optimizer)', argument: '<b1,b2>', parse: parseNumberList },
  eps: { description: 'Adam epsilon (default from --optimizer)', argument: '<eps>', parse: parseNumber },
  weightDecay: { description: 'decoupled weight decay (default from --optimizer: 0)', argument: '<wd>', parse: parseNumber },
  gradClip: { description: 'clip the gradient at this global L2 norm; 0 = off (default from --optimizer)', argument: '<norm>', parse: parseNumber },
  warmupSteps: { description: 'linear LR warm-up: step s trains at lr x min(1, s/N); 0 = off (default 0)', argument: '<N>', parse: parseNumber },
  checkpointEvery: { description: 'a checkpoint every k steps (plus 0 and the last)', argument: '<k>', parse: parseNumber },
  checkpointCount: { description: 'n log-spaced checkpoints (plus 0 and the last; default 4)', argument: '<n>', parse: parseNumber },
  samplesPerPrompt: { description: 'answers per eval prompt at each checkpoint (default 1)', argument: '<n>', parse: parseNumber },
  trainPromptsPerCheckpoint: { description: 'train prompts sampled at each checkpoint (default 16)', argument: '<n>', parse: parseNumber },
  temperature: { description: 'sampling temperature (default 0.7)', argument: '<t>', parse: parseNumber },
  topP: { description: 'nucleus sampling mass (default 1)', argument: '<p>', parse: parseNumber },
  maxTokens: { description: 'answer tokens at most (default 32)', argument: '<n>', parse: parseNumber },
  sampleSeed: { description: 'base seed of sampling (default 0)', argument: '<n>', parse: parseNumber },
  jobs: { description: 'cells trained at once, in worker threads (default 1; OpenBLAS already uses 2 threads)', argument: '<n>', parse: parseNumber },
  force: { description: 'run even if the setting fails its pre-check', argument: null },
  skipCheck: { description: 'skip the pre-check', argument: null },
  prices: { description: 'YAML/JSON file with `prices:` (USD per million tokens by backend and model; src/pipeline/README.md)', argument: '<file>', parse: readPricesFile },
  budget: { description: 'stop cleanly at a cap: maxUsd=N and/or maxTokens=N, comma-separated', argument: '<caps>', parse: parseBudget },
  project: { description: 'project folder holding the record (default ./.bct)', argument: '<dir>' },
};
