// Entry point of the `bct` command. Each command lives in its own file in this folder; COMMANDS below is
// the one table of them (add a command with one line). Only this file maps errors to exit statuses:
// 0 success, 2 bad input (BctError.isInputError), 130/143 a run stopped by SIGINT/SIGTERM
// (InterruptedError), 1 any other failure. Operating-system errors are explained by systemErrorOf
// (src/errors.ts), one line each; only a bug prints a stack trace. README.md has the whole contract.
import { BctError, explainError, InterruptedError, STOP_SIGNALS } from '../errors.js';
import { baseCommand } from './base.js';
import { demoCommand } from './demo.js';
import { checkCommand } from './check.js';
import type { Command, Io } from './command.js';
import { exportCommand } from './export.js';
import { initCommand } from './init.js';
import { lsCommand } from './ls.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';

/** A command whose module is imported only when it runs: report, theory and view pull in the plotting
 *  libraries, which take about a second to load, and every other command should start fast. */
function lazy(name: string, summary: string, load: () => Promise<Command>): Command {
  return { name, summary, run: async (argv, io) => (await load()).run(argv, io) };
}

export const COMMANDS: readonly Command[] = [
  initCommand,
  checkCommand,
  runCommand,
  statusCommand,
  lsCommand,
  exportCommand,
  lazy('report', 'write the self-contained HTML report of a sweep', async () => (await import('./report.js')).reportCommand),
  lazy('theory', 'linear-regression model of transfer (closed form and simulation)', async () => (await import('./theory.js')).theoryCommand),
  lazy('view', 'browse the record in a local web app (127.0.0.1)', async () => (await import('./view.js')).viewCommand),
  lazy('serve', 'the embedded engine behind the Tinker API (127.0.0.1)', async () => (await import('./serve.js')).serveCommand),
  lazy('compare', 'compare sweeps: verdicts and the fields of their specs that differ', async () => (await import('./compare.js')).compareCommand),
  lazy('verify', 'check every artifact of a project against its recorded size and hash', async () => (await import('./verify.js')).verifyCommand),
  lazy('plan', 'the cells, requests, tokens and cost of a sweep before it runs (writes nothing)', async () => (await import('./plan.js')).planCommand),
  lazy('setting', 'write a built-in setting out as editable files (bct setting export <name> DIR)', async () => (await import('./setting.js')).settingCommand),
  baseCommand,
  demoCommand,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'Usage: bct <command> [options]   (bct <command> --help for its options and examples)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
  ].join('\n');
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.err.write(`bct: unknown command "${name}"; known commands: ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (thrown) {
    const e = explainError(thrown);
    if (e instanceof BctError) {
      io.err.write(`bct ${name}: ${e.message}\n`);
      if (e instanceof InterruptedError) return STOP_SIGNALS[e.signal];
      return e.isInputError ? 2 : 1;
    }
    io.err.write(`bct ${name}: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

/** A closed standard output (`bct export | head`) ends the command quietly with status 0, as the reader
 *  asked for no more; a closed standard error leaves nothing to report to, so it is ignored. */
function endQuietlyOnClosedPipes(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(0);
  });
  process.stderr.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

// Run when executed as the program (bin/bct.js imports this module), not when imported by tests.
// SIGINT and SIGTERM are each command's to handle (signals.ts); a command that does not ends with them.
if (process.argv[1] !== undefined && /bct(\.js)?$|main\.[jt]s$/.test(process.argv[1])) {
  endQuietlyOnClosedPipes();
  main(process.argv.slice(2), { out: process.stdout, err: process.stderr }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`bct: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
