// `bct status`: what a sweep has done so far: cells by status, checkpoints recorded, and rates.
import { z } from 'zod';
import { formatCheck, type CheckResult } from '../pipeline/index.js';
import { listCells, listCheckpoints, resolveSweep } from '../store/index.js';
import { type Command, writeLine } from './command.js';
import { parseCommandLine } from './config.js';
import { type CliOptions, type CommandHelp } from './options.js';
import { sweepOptions } from './sweep-options.js';
import { costLines, summaryLines } from './summary.js';
import { openProjectToRead } from './paths.js';
import { cellState, sweepState, type ShownStatus } from './sweep-state.js';

interface StatusConfig {
  project: string; // project folder; default .bct
}

const options: CliOptions<StatusConfig> = { project: sweepOptions.project };
const schema = z.object({ project: z.string().default('.bct') }).strict();

const help: CommandHelp = {
  usage: 'bct status [sweep] [options]',
  arguments: ['sweep'],
  summary:
    'Shows a sweep (by name or id; default the latest): its status, each cell\'s status and checkpoints, the\n' +
    'eval/train rates at the first and last recorded checkpoints, and the tokens and cost of what the record\n' +
    'holds, per cell and in all (at the sweep\'s prices), against its budget.',
  examples: ['bct status', 'bct status animal-flag-1a2b3c4d', 'bct status 3 --project runs/.bct'],
};

export const statusCommand: Command = {
  name: 'status',
  summary: 'show the progress and rates of a sweep',
  async run(argv, io) {
    const parsed = parseCommandLine(argv, options, schema, help, (t) => io.out.write(t));
    if (parsed === undefined) return 0;
    const { args, config: c } = parsed;
    const project = openProjectToRead(c.project);
    try {
      const ref = args.positionals[0];
      const sweep = resolveSweep(project.db, ref);
      const state = sweepState(project.dir, sweep);
      const cells = listCells(project.db, sweep.id).map((cell) => ({ cell, status: cellState(cell, state.status) }));
      const count = (s: ShownStatus): number => cells.filter((x) => x.status === s).length;
      const interrupted = count('interrupted') > 0 ? `, ${count('interrupted')} interrupted` : '';
      writeLine(
        io.out,
        `sweep ${sweep.id} ${sweep.name}: ${state.status}; setting ${sweep.setting_id}; cells: ${count('done')} done, ${count('running')} running, ${count('pending')} pending, ${count('failed')} failed${interrupted}`,
      );
      if (state.note !== undefined) writeLine(io.out, `  ${state.note}`);
      else if (sweep.error !== null) writeLine(io.out, `  error: ${sweep.error}`);
      const check = project.db
        .prepare(`SELECT result_json FROM checks WHERE setting_hash = ? AND organism_json = ? ORDER BY created_at DESC LIMIT 1`)
        .pluck()
        .get(sweep.setting_hash, sweep.organism_json) as string | undefined;
      if (check !== undefined) for (const l of formatCheck(JSON.parse(check) as CheckResult)) writeLine(io.out, `  ${l}`);
      for (const { cell, status } of cells) {
        const schedule = (JSON.parse(cell.schedule_json) as { steps: number[] }).steps;
        const have = listCheckpoints(project.db, cell.train_key).filter((k) => schedule.includes(k.step)).length;
        writeLine(io.out, `  ${cell.name}: ${status}, checkpoints ${have}/${schedule.length}${cell.error !== null && status === 'failed' ? `, error: ${cell.error}` : ''}`);
      }
      for (const l of [...summaryLines(project.db, sweep.id), ...costLines(project.db, sweep.id)]) writeLine(io.out, l);
      return 0;
    } finally {
      project.db.close();
    }
  },
};
