// `bct check`: the compatibility pre-check of a setting on its model organism.
import { z } from 'zod';
import { checkStage, createProgress, DEFAULT_THRESHOLDS, formatCheck, identityOf, makeContext, organismOf, sweepConfigSchema } from '../pipeline/index.js';
import { resolveSetting } from '../settings/index.js';
import { type Command, writeLine } from './command.js';
import { parseOrHelp, validateConfig } from './config.js';
import { parseNumber, type CliOptions, type CommandHelp } from './options.js';
import { sweepOptions } from './sweep-options.js';
import { openProjectToWrite } from './paths.js';

interface CheckConfig {
  setting: string; // setting name or file (also the first positional argument)
  base?: string; // base checkpoint override
  temperature: number; // sampling temperature; default 0.7
  maxTokens: number; // answer tokens at most; default 32
  sampleSeed: number; // sampling seed; default 0
  minAgreement: number; // threshold on agreement; default 0.95
  minDivergence: number; // threshold on divergence; default 0.9
  minInitial: number; // threshold on the initial behaviour at step 0; default 0.9
  json: boolean; // print the result as JSON
  project: string; // project folder; default .bct
}

const schema = z
  .object({
    setting: z.string().min(1),
    base: z.string().min(1).optional(),
    temperature: z.number().nonnegative().default(0.7),
    maxTokens: z.number().int().positive().default(32),
    sampleSeed: z.number().int().nonnegative().default(0),
    minAgreement: z.number().min(0).max(1).default(DEFAULT_THRESHOLDS.agreement),
    minDivergence: z.number().min(0).max(1).default(DEFAULT_THRESHOLDS.divergence),
    minInitial: z.number().min(0).max(1).default(DEFAULT_THRESHOLDS.initial),
    json: z.boolean().default(false),
    project: z.string().default('.bct'),
  })
  .strict();

const options: CliOptions<CheckConfig> = {
  setting: sweepOptions.setting,
  base: sweepOptions.base,
  temperature: sweepOptions.temperature,
  maxTokens: sweepOptions.maxTokens,
  sampleSeed: sweepOptions.sampleSeed,
  minAgreement: { description: 'minimum agreement rate on train prompts (default 0.95)', argument: '<rate>', parse: parseNumber },
  minDivergence: { description: 'minimum divergence rate on eval prompts (default 0.9)', argument: '<rate>', parse: parseNumber },
  minInitial: { description: 'minimum initial-behaviour rate at step 0 (default 0.9)', argument: '<rate>', parse: parseNumber },
  json: { description: 'print the result as JSON', argument: null },
  project: sweepOptions.project,
};

const help: CommandHelp = {
  usage: 'bct check <setting> [options]',
  arguments: ['setting'],
  summary:
    'Pre-checks a setting on its model organism before training: agreement of the two behaviours on train\n' +
    'prompts, their divergence on eval prompts, and the initial behaviour at step 0, each as a rate with a\n' +
    '95% Wilson interval and the offending prompts. Exit status 0 when all pass, 1 when one fails.',
  examples: ['bct check animal-flag', 'bct check my-setting.yaml --base models/mw-base --min-initial 0.95', 'bct check animal-flag --json'],
};

export const checkCommand: Command = {
  name: 'check',
  summary: 'pre-check a setting on its model organism',
  async run(argv, io) {
    const args = parseOrHelp(argv, options, help, (t) => io.out.write(t));
    if (args === undefined) return 0;
    const values = args.positionals[0] !== undefined ? { setting: args.positionals[0], ...args.values } : args.values;
    const c = validateConfig(schema, {}, { ...args, values }, undefined);
    const setting = resolveSetting(c.setting, 'setting');
    const sweep = sweepConfigSchema.parse({ setting: c.setting, temperature: c.temperature, maxTokens: c.maxTokens, sampleSeed: c.sampleSeed, ...(c.base !== undefined ? { base: c.base } : {}) });
    identityOf(organismOf(sweep, setting));
    const project = openProjectToWrite(c.project);
    const ctx = makeContext(project, sweep, createProgress(io.out), setting);
    try {
      const result = await checkStage(ctx, { agreement: c.minAgreement, divergence: c.minDivergence, initial: c.minInitial });
      if (c.json) writeLine(io.out, JSON.stringify(result, null, 2));
      else for (const l of formatCheck(result)) writeLine(io.out, l);
      return result.passed ? 0 : 1;
    } finally {
      await ctx.close();
      project.db.close();
    }
  },
};
