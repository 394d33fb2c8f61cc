// `bct demo`: the default sweep (sweeps/demo.yaml: animal-flag on the shipped base model, trained on its
// own answers, full fine-tune, three LRs, three seeds, log-spaced checkpoints from step 0) run through the
// pipeline into the record, then the report: a short table per LR and fine-tune kind, and the path of the
// HTML report.
// Running it again resumes (finished cells are skipped).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { configIdentity, sweepConfigSchema, type SweepConfig } from '../pipeline/index.js';
import { resolveSetting } from '../settings/index.js';
import { type Command, writeLine } from './command.js';
import { parseOrHelp, readSweepFile, validateConfig } from './config.js';
import { type CliOptions, type CommandHelp } from './options.js';
import { runReport } from './report.js';
import { runSweepFromCli } from './run.js';

interface DemoConfig {
  sweep: string; // sweep file; default sweeps/demo.yaml of the bctlab package
  project: string; // project folder of the record; default .bct
}

const options: CliOptions<DemoConfig> = {
  sweep: { description: 'sweep file to run instead of the default sweeps/demo.yaml', argument: '<file>' },
  project: { description: 'project folder of the record (default .bct)', argument: '<dir>' },
};

const help: CommandHelp = {
  usage: 'bct demo [options]',
  summary:
    'Runs the demo sweep (animal-flag on the shipped microworld base model: full fine-tune and LoRA rank 8,\n' +
    'LRs 1e-4 to 3e-3, two seeds, 128 steps with log-spaced checkpoints from step 0), writes the record,\n' +
    'and prints per LR the initial / alternate / other rates at the last checkpoint, the steps to transfer\n' +
    '(or "> N" when censored) and the capability change, then the path of the HTML report.',
  examples: ['bct demo', 'bct demo --project /tmp/demo', 'bct demo --sweep sweeps/demo.yaml'],
};

/** The bctlab package root (holds sweeps/ and models/), from dist/src/cli/ or src/cli/. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'sweeps', 'demo.yaml')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the default demo sweep end to end and print its summary',
  async run(argv, io) {
    const args = parseOrHelp(argv, options, help, (t) => io.out.write(t));
    if (args === undefined) return 0;
    const file = resolve(typeof args.values.sweep === 'string' ? args.values.sweep : join(packageRoot(), 'sweeps', 'demo.yaml'));
    const projectDir = typeof args.values.project === 'string' ? args.values.project : '.bct';
    const config: SweepConfig = validateConfig(sweepConfigSchema, readSweepFile(file), { values: {}, positionals: [], flags: new Map(), help: false }, file);
    const setting = resolveSetting(config.setting, 'setting');
    configIdentity(config, setting);
    const t0 = Date.now();
    const sweepName = await runSweepFromCli(projectDir, config, setting, io, (_project, outcome) => outcome.sweep.name);
    writeLine(io.out, '');
    await runReport([sweepName, '--project', projectDir], (l) => writeLine(io.out, l));
    writeLine(io.out, `demo finished in ${((Date.now() - t0) / 1000).toFixed(0)}s`);
    return 0;
  },
};
