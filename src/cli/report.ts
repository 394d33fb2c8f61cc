// `bct report [sweep]`: writes one self-contained HTML report of a sweep (the latest by default).
import { z } from 'zod';
import type { BrokenThresholds } from '../analysis/index.js';
import { writeSweepReport } from '../report/index.js';
import { analysisFlagsSchema, brokenOption, instabilityOption } from './analysis-flags.js';
import type { Command } from './command.js';
import { validateConfig } from './config.js';
import { checkOutputFile, openProjectToRead } from './paths.js';
import { formatHelp, parseArgs, parseNumber, type CliOptions, type CommandHelp } from './options.js';

export interface ReportConfig {
  project: string; // project folder holding the record; default ./.bct
  out: string; // HTML file to write; default <project>/report-<sweep>.html
  threshold: number; // steps to transfer: initial rate below this; default 0.5
  broken: BrokenThresholds; // which checkpoints are broken (analysis-flags.ts); default capability 0.1, other 0.2
  instability: number; // a cell whose training loss rises this many times above its early value is unstable; default 10
  resamples: number; // bootstrap resamples for steps to transfer; default 500
}

const schema = z
  .object({
    project: z.string().min(1).default('.bct'),
    out: z.string().min(1).optional(),
    threshold: z.number().gt(0).lt(1).default(0.5),
    ...analysisFlagsSchema,
    resamples: z.number().int().min(10).max(100000).default(500),
  })
  .strict();

export const reportOptions: CliOptions<ReportConfig> = {
  project: { description: 'project folder with the record (default .bct)', argument: '<dir>' },
  out: { description: 'output HTML file (default <project>/report-<sweep>.html)', argument: '<file>' },
  threshold: { description: 'steps to transfer: initial rate below this (default 0.5)', argument: '<rate>', parse: parseNumber },
  broken: brokenOption,
  instability: instabilityOption,
  resamples: { description: 'bootstrap resamples (default 500)', argument: '<n>', parse: parseNumber },
};

export const reportHelp: CommandHelp = {
  usage: 'bct report [sweep] [options]',
  arguments: ['sweep'],
  summary: 'Write one self-contained, offline HTML report of a sweep (by id or name; the latest by default).',
  examples: ['bct report', 'bct report animal-flag-1a2b3c4d --out report.html', 'bct report 3 --threshold 0.25', 'bct report --broken capability=0.05,other=0.5,spread=0.3'],
};

/** Parses the report flags. */
export function parseConfig(argv: readonly string[]): { config: z.infer<typeof schema>; positionals: string[]; help: boolean } {
  const args = parseArgs(argv, reportOptions, reportHelp.arguments);
  return { config: validateConfig(schema, {}, args, undefined), positionals: args.positionals, help: args.help };
}

export async function runReport(argv: readonly string[], out: (line: string) => void = console.log): Promise<void> {
  const { config: c, positionals, help } = parseConfig(argv);
  if (help) {
    out(formatHelp(reportHelp, reportOptions));
    return;
  }
  if (c.out !== undefined) checkOutputFile(c.out, '--out');
  const project = openProjectToRead(c.project);
  try {
    const opts = { threshold: c.threshold, broken: c.broken, instabilityFactor: c.instability, resamples: c.resamples, out: c.out };
    const { path, table } = await writeSweepReport(project, positionals[0], opts);
    out(table);
    out('');
    out(`report: ${path}`);
  } finally {
    project.db.close();
  }
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'write a self-contained offline HTML report of a sweep',
  run: async (argv, io) => {
    await runReport(argv, (l) => io.out.write(`${l}\n`));
    return 0;
  },
};
