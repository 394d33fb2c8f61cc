// What a `bct` command is. Each command is one file exporting one `Command`; main.ts lists them.
import type { Writable } from 'node:stream';

export interface Io {
  out: Writable & { isTTY?: boolean; columns?: number };
  err: Writable & { isTTY?: boolean; columns?: number };
}

export interface Command {
  name: string;
  /** One line for `bct --help`. */
  summary: string;
  /** Runs the command; resolves to its exit status (0 success, 1 failure). Input errors are thrown as
   *  BctError with isInputError, which main.ts maps to 2. */
  run(argv: readonly string[], io: Io): Promise<number>;
}

export function writeLine(stream: Writable, line: string): void {
  stream.write(`${line}\n`);
}
