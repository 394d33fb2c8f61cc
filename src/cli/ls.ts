// `bct ls`: lists built-in settings, graders, or the sweeps in the record.
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { GRADER_DEFINITIONS } from '../graders/index.js';
import { BUILTIN_SETTINGS } from '../settings/index.js';
import { listSweeps } from '../store/index.js';
import { type Command, writeLine } from './command.js';
import { parseCommandLine } from './config.js';
import { type CliOptions, type CommandHelp } from './options.js';
import { sweepOptions } from './sweep-options.js';
import { openProjectToRead } from './paths.js';
import { sweepState } from './sweep-state.js';

interface LsConfig {
  project: string; // project folder; default .bct
}

const options: CliOptions<LsConfig> = { project: sweepOptions.project };
const schema = z.object({ project: z.string().default('.bct') }).strict();
const KINDS = ['settings', 'graders', 'sweeps'] as const;

const help: CommandHelp = {
  usage: `bct ls [${KINDS.join('|')}] [options]`,
  arguments: [KINDS.join('|')],
  summary: 'Lists the built-in settings (default), the registered graders, or the sweeps in the record.',
  examples: ['bct ls', 'bct ls graders', 'bct ls sweeps --project runs/.bct'],
};

export const lsCommand: Command = {
  name: 'ls',
  summary: 'list built-in settings, graders or recorded sweeps',
  async run(argv, io) {
    const parsed = parseCommandLine(argv, options, schema, help, (t) => io.out.write(t));
    if (parsed === undefined) return 0;
    const { args, config: c } = parsed;
    const kind = args.positionals[0] ?? 'settings';
    if (kind === 'settings') {
      for (const s of BUILTIN_SETTINGS) writeLine(io.out, `${s.id.padEnd(24)} ${s.description}`);
    } else if (kind === 'graders') {
      for (const g of GRADER_DEFINITIONS) writeLine(io.out, `${g.name.padEnd(24)} ${g.requiresModel ? '[judge] ' : ''}${g.description}`);
    } else if (kind === 'sweeps') {
      const project = openProjectToRead(c.project);
      try {
        for (const s of listSweeps(project.db)) writeLine(io.out, `${String(s.id).padStart(4)}  ${s.name}  ${s.setting_id}  ${sweepState(project.dir, s).status}  ${s.created_at}`);
      } finally {
        project.db.close();
      }
    } else {
      throw new ConfigError(`unknown list "${kind}"; expected one of ${KINDS.join(', ')}`);
    }
    return 0;
  },
};
