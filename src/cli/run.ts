// `bct run`: runs (or resumes) a sweep from a sweep file and/or flags.
import { ConfigError, explainError } from '../errors.js';
import { createProgress, runSweep, stopOnRequest, type SweepConfig, type SweepOutcome } from '../pipeline/index.js';
import type { Setting } from '../settings/index.js';
import type { Project } from '../store/index.js';
import { parseOrHelp } from './config.js';
import { type Command, type Io, writeLine } from './command.js';
import { openProjectToWrite } from './paths.js';
import { planLines, sweepFromArgs } from './plan.js';
import { catchStopSignals } from './signals.js';
import type { CliOptions, CommandHelp } from './options.js';
import { sweepOptions } from './sweep-options.js';
import { costLines, summaryLines } from './summary.js';

const runOptions: CliOptions<SweepConfig & { project: string; dryRun: boolean; offline: boolean }> = {
  ...sweepOptions,
  dryRun: { description: 'print the plan (cells, requests, tokens, cost) and stop; the same as bct plan', argument: null },
  offline: { description: 'with --dry-run: ask no server (renderers from the model names), as bct plan --offline', argument: null },
};

const help: CommandHelp = {
  usage: 'bct run [sweep.yaml] [options]',
  arguments: ['sweep.yaml'],
  summary:
    'Runs a sweep: pre-checks the setting, builds the training data, trains every cell (LR × seed × batch size ×\n' +
    'steps × LoRA rank), and samples and grades every checkpoint, writing everything to the record.\n' +
    'Running the same command again resumes: finished work is skipped. Flags override the sweep file.\n' +
    'With a budget (maxUsd, maxTokens) the sweep stops cleanly at the cap, marked stopped; the same command\n' +
    'with a higher cap resumes. --dry-run prints what it would do and does nothing (bct plan); with --offline\n' +
    'it asks no server either (bct plan --offline).',
  examples: [
    'bct run sweep.yaml',
    'bct run --setting animal-flag --lrs 1e-4,1e-3,1e-2 --seeds 0,1 --steps 200 --checkpoint-count 5',
    'bct run --setting my-setting.yaml --base models/mw-base --lora-ranks 0,8 --jobs 2',
    'bct run sweep.yaml --dry-run',
    'bct run sweep.yaml --dry-run --offline',
    'bct run sweep.yaml --prices prices.yaml --budget maxUsd=20',
  ],
};

export const runCommand: Command = {
  name: 'run',
  summary: 'run or resume a sweep (train, sample, grade, record)',
  async run(argv, io) {
    const args = parseOrHelp(argv, runOptions, help, (t) => io.out.write(t));
    if (args === undefined) return 0;
    // Everything that can be validated is, before the record is touched.
    const offline = args.values.offline === true;
    if (offline && args.values.dryRun !== true) throw new ConfigError('is read only with --dry-run (a run asks its servers); add --dry-run, or drop --offline', '--offline');
    const { projectDir, config, setting } = sweepFromArgs(args);
    if (args.values.dryRun === true) {
      for (const l of await planLines(projectDir, config, setting, { offline })) writeLine(io.out, l);
      return 0;
    }
    await runSweepFromCli(projectDir, config, setting, io, (project, outcome) => {
      for (const l of [...summaryLines(project.db, outcome.sweep.id), ...costLines(project.db, outcome.sweep.id)]) writeLine(io.out, l);
      // A sweep stopped at its budget did not fail: its line says so and how to resume; exit 0.
      if (outcome.sweep.status === 'stopped') writeLine(io.out, `sweep ${outcome.sweep.name} ${outcome.sweep.error ?? 'stopped at its budget'}`);
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
