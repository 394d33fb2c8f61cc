// Entry point of the `bct` command. Each command lives in its own file in this folder; COMMANDS below is
// the one table of them (add a command with one line). Only this file maps errors to exit statuses:
// 0 success, 2 bad input (BctError.isInputError), 1 any other failure.
import { BctError } from '../errors.js';
import { baseCommand } from './base.js';
import { demoCommand } from './demo.js';
import { checkCommand } from './check.js';
import type { Command, Io } from './command.js';
import { exportCommand } from './export.js';
import { lsCommand } from './ls.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';

/** A command whose module is imported only when it runs: report, theory and view pull in the plotting
 *  libraries, which take about a second to load, and every other command should start fast. */
function lazy(name: string, summary: string, load: () => Promise<Command>): Command {
  return { name, summary, run: async (argv, io) => (await load()).run(argv, io) };
}

export const COMMANDS: readonly Command[] = [
  checkCommand,
  runCommand,
  statusCommand,
  lsCommand,
  exportCommand,
  lazy('report', 'write the self-contained HTML report of a sweep', async () => (await import('./report.js')).reportCommand),
  lazy('theory', 'linear-regression model of transfer (closed form and simulation)', async () => (await import('./theory.js')).theoryCommand),
  lazy('view', 'browse the record in a local web app (127.0.0.1)', async () => (await import('./view.js')).viewCommand),
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
  } catch (e) {
    if (e instanceof BctError) {
      io.err.write(`bct ${name}: ${e.message}\n`);
      return e.isInputError ? 2 : 1;
    }
    io.err.write(`bct ${name}: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

// Run when executed as the program (bin/bct.js imports this module), not when imported by tests.
if (process.argv[1] !== undefined && /bct(\.js)?$|main\.[jt]s$/.test(process.argv[1])) {
  process.on('SIGINT', () => {
    process.stderr.write('\nbct: interrupted; run the same command again to resume\n');
    process.exit(130);
  });
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
