// `bct compare A B …`: two to eight sweeps of one project side by side: each sweep's verdicts, then every
// field of their specs and manifests that differs (the viewer shows the same comparison with a chart).
import { z } from 'zod';
import { compareSweeps, compareTable, MAX_COMPARED } from '../report/index.js';
import { resolveSweep } from '../store/index.js';
import type { Command } from './command.js';
import { parseCommandLine } from './config.js';
import type { CliOptions, CommandHelp } from './options.js';
import { openProjectToRead } from './paths.js';
import { sweepOptions } from './sweep-options.js';

interface CompareConfig {
  project: string; // project folder; default .bct
}

const options: CliOptions<CompareConfig> = { project: sweepOptions.project };
const schema = z.object({ project: z.string().default('.bct') }).strict();

const help: CommandHelp = {
  usage: 'bct compare <sweep> <sweep> [<sweep> …] [options]',
  summary: `Compares 2 to ${MAX_COMPARED} sweeps (by id or name): each one's verdict per method and LR, then the fields of their specs and manifests that differ.`,
  examples: ['bct compare 1 2', 'bct compare demo-animal-flag my-sweep --project runs/.bct'],
  arguments: Array.from({ length: MAX_COMPARED }, (_, i) => `sweep${i + 1}`),
};

export const compareCommand: Command = {
  name: 'compare',
  summary: 'compare sweeps: verdicts and the fields of their specs that differ',
  async run(argv, io) {
    const parsed = parseCommandLine(argv, options, schema, help, (t) => io.out.write(t));
    if (parsed === undefined) return 0;
    const project = openProjectToRead(parsed.config.project);
    try {
      // Each by id, name or key, as every command names a sweep (an unknown one lists the known sweeps).
      const ids = parsed.args.positionals.map((r) => resolveSweep(project.db, r).id);
      io.out.write(compareTable(compareSweeps(project.db, ids)));
      return 0;
    } finally {
      project.db.close();
    }
  },
};
