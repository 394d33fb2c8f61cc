// `bct plan`: a sweep's cells, requests, tokens and cost before anything runs (`bct run --dry-run` is the
// same). It takes `bct run`'s arguments, refuses what `bct run` would refuse before running anything, and
// writes nothing: the record is opened read-only (or not at all when there is none yet), and the backend
// is asked only for the organism's renderer (with --offline, not at all: renderers from the model names).
import { existsSync } from 'node:fs';
import { formatPlan, makeContext, planSweep, silentProgress, sweepConfigSchema, configIdentity, type SweepConfig } from '../pipeline/index.js';
import { resolveSetting, type Setting } from '../settings/index.js';
import { emptyProject, projectPaths } from '../store/index.js';
import { type Command, writeLine } from './command.js';
import { parseOrHelp, readSweepFile, validateConfig } from './config.js';
import { pricesInSweepFile } from './cost-flags.js';
import type { CliOptions, CommandHelp, ParsedArgs } from './options.js';
import { openProjectToRead } from './paths.js';
import { sweepOptions } from './sweep-options.js';

const help: CommandHelp = {
  usage: 'bct plan [sweep.yaml] [options]',
  arguments: ['sweep.yaml'],
  summary:
    'Shows what `bct run` with the same arguments would do, without doing it: the cells, the requests by\n' +
    'backend, the tokens trained, read (prompts) and sampled per cell, and their cost at the sweep\'s prices.\n' +
    'Writes nothing. Trained and prompt tokens are exact; sampled tokens assume answers as long as the\n' +
    'setting\'s targets (at most maxTokens, which bounds them). --offline asks no server: a remote model\'s\n' +
    'renderer comes from its name (src/chat/model-names.ts), and its server\'s limits are not checked.',
  examples: ['bct plan sweep.yaml', 'bct plan sweep.yaml --offline', 'bct plan sweep.yaml --prices prices.yaml --budget maxUsd=20', 'bct plan --setting animal-flag --lrs 1e-4,1e-3 --steps 200'],
};

/** A sweep from `bct run`'s arguments: the sweep file's values (its `prices` may name a file), overridden
 *  by flags, validated by the sweep schema; and the setting and organism checked before any work. */
export function sweepFromArgs(args: ParsedArgs<unknown>): { projectDir: string; config: SweepConfig; setting: Setting } {
  const file = args.positionals[0];
  const fileValues = file === undefined ? {} : pricesInSweepFile(readSweepFile(file), file);
  const { project: projectDir, dryRun: _dryRun, offline: _offline, ...rest } = args.values as Record<string, unknown>;
  const config: SweepConfig = validateConfig(sweepConfigSchema, fileValues, { ...args, values: rest }, file);
  const setting = resolveSetting(config.setting, 'setting');
  configIdentity(config, setting);
  return { projectDir: typeof projectDir === 'string' ? projectDir : '.bct', config, setting };
}

/** The plan's lines, read from the project's record when it has one. */
export async function planLines(projectDir: string, config: SweepConfig, setting: Setting, opts: { offline?: boolean } = {}): Promise<string[]> {
  const project = existsSync(projectPaths(projectDir).dbPath) ? openProjectToRead(projectDir) : emptyProject(projectDir);
  const ctx = makeContext(project, config, silentProgress, setting);
  try {
    return formatPlan(await planSweep(ctx, opts));
  } finally {
    await ctx.close();
    project.db.close();
  }
}

const planOptions: CliOptions<SweepConfig & { project: string; offline: boolean }> = {
  ...sweepOptions,
  offline: { description: 'ask no server: renderers from the model names; the server\'s models and limits are not checked', argument: null },
};

export const planCommand: Command = {
  name: 'plan',
  summary: 'the cells, requests, tokens and cost of a sweep before it runs (writes nothing)',
  async run(argv, io) {
    const args = parseOrHelp(argv, planOptions as CliOptions<unknown>, help, (t) => io.out.write(t));
    if (args === undefined) return 0;
    const { projectDir, config, setting } = sweepFromArgs(args);
    const offline = (args.values as { offline?: unknown }).offline === true;
    for (const l of await planLines(projectDir, config, setting, { offline })) writeLine(io.out, l);
    return 0;
  },
};
