// The flags of `bct run` (and the subset `bct check` uses), generated from SweepConfig: every field must
// be listed here, as a flag or as null.
import type { SweepConfig } from '../pipeline/index.js';
import { parseBudget, readPricesFile } from './cost-flags.js';
import { parseNumber, parseNumberList, type CliOptions } from './options.js';

export const sweepOptions: CliOptions<SweepConfig & { project: string }> = {
  name: { description: 'sweep name (default <setting>-<hash8>)', argument: '<name>' },
  setting: { description: 'built-in setting name or path to a setting .yaml/.json', argument: '<setting>' },
  organism: null, // a structured value: give it in the sweep file
  base: { description: 'base checkpoint folder of the model organism (overrides the setting\'s)', argument: '<dir>' },
  backend: { description: 'training/sampling backend (default embedded)', argument: '<name>' },
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
