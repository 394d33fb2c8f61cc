// `bct run`: runs (or resumes) a sweep from a sweep file and/or flags.
import { explainError } from '../errors.js';
import { createProgress, identityOf, organismOf, runSweep, stopOnRequest, sweepConfigSchema, type SweepConfig, type SweepOutcome } from '../pipeline/index.js';
import { resolveSetting, type Setting } from '../settings/index.js';
import type { Project } from '../store/index.js';
import { parseOrHelp, readSweepFile, validateConfig } from './config.js';
import { type Command, type Io, writeLine } from './command.js';
import { openProjectToWrite } from './paths.js';
import { catchStopSignals } from './signals.js';
import type { CommandHelp } from './options.js';
import { sweepOptions } from './sweep-options.js';
import { summaryLines } from './summary.js';

const help: CommandHelp = {
  usage: 'bct run [sweep.yaml] [options]',
  arguments: ['sweep.yaml'],
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
    await runSweepFromCli(typeof projectDir === 'string' ? projectDir : '.bct', config, setting, io, (project, outcome) => {
      for (const l of summaryLines(project.db, outcome.sweep.id)) writeLine(io.out, l);
    });
    return 0;
  },
};

/** Runs a sweep as `bct run` and `bct demo` do: in the project at `projectDir` (checked, and created when
 *  missing), with progress on `io.out`; SIGINT/SIGTERM stop it after the current batch (signals.ts).
 *  `after` reads the record before it is closed. A full disk is reported with the project's free space. */
export async function runSweepFromCli<T>(projectDir: string, config: SweepConfig, setting: Setting, io: Io, after: (project: Project, outcome: SweepOutcome) => T): Promise<T> {
  const project = openProjectToWrite(projectDir);
  const stop = catchStopSignals(io.err);
  try {
    return after(project, await runSweep(project, config, stopOnRequest(createProgress(io.out), stop.requested), setting));
  } catch (e) {
    throw explainError(e, project.dir);
  } finally {
    stop.release();
    project.db.close();
  }
}
