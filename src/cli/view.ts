// `bct view`: serves the local viewer over the record on 127.0.0.1 until Ctrl-C or SIGTERM, then closes
// the server and exits 0.
import { z } from 'zod';
import { systemErrorOf } from '../errors.js';
import { startViewer, type Viewer } from '../report/index.js';
import type { Command } from './command.js';
import { parseCommandLine } from './config.js';
import { parseNumber, type CliOptions, type CommandHelp } from './options.js';
import { openProjectToRead } from './paths.js';
import { nextStopSignal } from './signals.js';

export interface ViewConfig {
  project: string; // project folder with the record; default .bct
  host: string; // interface to listen on; default 127.0.0.1
  port: number; // port; default 8765 (0 = any free port)
  threshold: number; // steps to transfer: initial rate below this; default 0.5
}

const schema = z
  .object({
    project: z.string().min(1).default('.bct'),
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8765),
    threshold: z.number().gt(0).lt(1).default(0.5),
  })
  .strict();

export const viewOptions: CliOptions<ViewConfig> = {
  project: { description: 'project folder with the record (default .bct)', argument: '<dir>' },
  host: { description: 'interface to listen on (default 127.0.0.1)', argument: '<host>' },
  port: { description: 'port (default 8765; 0 = any free port)', argument: '<port>', parse: parseNumber },
  threshold: { description: 'steps to transfer: initial rate below this (default 0.5)', argument: '<rate>', parse: parseNumber },
};

export const viewHelp: CommandHelp = {
  usage: 'bct view [options]',
  summary: 'Browse the record in a local web app: sweeps, cells, curves, answers by class, checkpoints side by side.',
  examples: ['bct view', 'bct view --project runs/.bct --port 9000'],
};

export const viewCommand: Command = {
  name: 'view',
  summary: 'browse the record in a local web app (127.0.0.1)',
  run: async (argv, io) => {
    const parsed = parseCommandLine(argv, viewOptions, schema, viewHelp, (t) => io.out.write(t));
    if (parsed === undefined) return 0;
    const { config: c } = parsed;
    const project = openProjectToRead(c.project);
    try {
      let viewer: Viewer;
      try {
        viewer = await startViewer(project.db, { host: c.host, port: c.port, threshold: c.threshold });
      } catch (e) {
        throw systemErrorOf(e, { port: `--port ${c.port}`, host: `--host ${c.host}` }) ?? e;
      }
      io.out.write(`bct view: ${viewer.url}  (Ctrl-C to stop)\n`);
      // Stopping a server is its normal end: close it and exit 0, with nothing to resume.
      await nextStopSignal();
      await viewer.close();
    } finally {
      project.db.close();
    }
    return 0;
  },
};
