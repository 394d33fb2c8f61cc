// `bct run`: runs (or resumes) a sweep from a sweep file and/or flags.
import { createProgress, identityOf, organismOf, runSweep, sweepConfigSchema, type SweepConfig } from '../pipeline/index.js';
import { resolveSetting } from '../settings/index.js';
import { openProject } from '../store/index.js';
import { parseOrHelp, readSweepFile, validateConfig } from './config.js';
import { type Command, writeLine } from './command.js';
import type { CommandHelp } from './options.js';
import { sweepOptions } from './sweep-options.js';
import { summaryLines } from './summary.js';

const help: CommandHelp = {
  usage: 'bct run [sweep.yaml] [options]',
  summary:
    'Runs a sweep: pre-checks the setting, builds the training data, trains every cell (LR × seed × batch size ×\n' +
    'steps × LoRA rank), and samples and grades every checkpoint, writing everything to the record.\n' +
    'Running the same command again resumes: finished work is skipped. Flags override the sweep file.',
  examples: [
    'bct run sweep.yaml',
    'bct run --setting animal-flag --lrs 1e-4,1e-3,1e-2 --seeds 0,1 --steps 200 --checkpoint-count 5',
    'bct run --setting my-setting.yaml --base models/mw-base --lora-ranks 0,8 --jobs 2',
  ],
};

export const runCommand: Command = {
  name: 'run',
  summary: 'run or resume a sweep (train, sample, grade, record)',
  async run(argv, io) {
    const args = parseOrHelp(argv, sweepOptions, help, (t) => io.out.write(t));
    if (args === undefined) return 0;
    const file = args.positionals[0];
    const fileValues = file === undefined ? {} : readSweepFile(file);
    const { project: projectDir, ...rest } = args.values as Record<string, unknown>;
    const config: SweepConfig = validateConfig(sweepConfigSchema, fileValues, { ...args, values: rest }, file);
    // Validate everything that can be validated before the record is touched.
    const setting = resolveSetting(config.setting, 'setting');
    identityOf(organismOf(config, setting));
    const project = openProject(typeof projectDir === 'string' ? projectDir : '.bct', { create: true });
    try {
      const outcome = await runSweep(project, config, createProgress(io.out), setting);
      for (const l of summaryLines(project.db, outcome.sweep.id)) writeLine(io.out, l);
      return 0;
    } finally {
      project.db.close();
    }
  },
};
