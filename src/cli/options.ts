// CLI flags generated from a config type (one parser for every command). `CliOptions<C>` forces every
// field of C to have a flag definition or an explicit `null` (not exposed), so adding a config field
// without deciding its CLI exposure fails tsc.
import { ConfigError } from '../errors.js';

export interface CliOption {
  description: string;
  /** Placeholder shown in help (`<lrs>`), or null for a boolean switch. */
  argument: string | null;
  /** Turns the raw text into the field's value (validated later by the config schema); throws a
   *  ConfigError (without `where`: parseArgs names the flag) when the text cannot be one. */
  parse?: (raw: string) => unknown;
}

export type CliOptions<C> = { [K in keyof Required<C>]: CliOption | null };

/** `batchSizes` → `--batch-sizes`. */
export function flagName(field: string): string {
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

// A number on the command line is decimal: `Number()` alone would also take "0x10", "0b1", "1e999"
// (Infinity) and " 8 ", which nobody means as a learning rate or a step count.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function decimal(text: string): number | undefined {
  const n = Number(text);
  return DECIMAL.test(text) && Number.isFinite(n) ? n : undefined;
}

/** A decimal number; anything else is a ConfigError (parseArgs adds the flag's name). */
export function parseNumber(raw: string): number {
  const n = decimal(raw);
  if (n === undefined) throw new ConfigError(`expected a decimal number (like 8, 0.5 or 3e-4), got ${JSON.stringify(raw)}`);
  return n;
}

/** Comma-separated decimal numbers (spaces around an item are allowed). */
export function parseNumberList(raw: string): number[] {
  return raw.split(',').map((item, i) => {
    const n = decimal(item.trim());
    if (n === undefined) {
      throw new ConfigError(`expected comma-separated decimal numbers (like 1e-4,3e-4), got ${JSON.stringify(raw)}: item ${i + 1} ${item.trim() === '' ? 'is empty' : `${JSON.stringify(item.trim())} is not a decimal number`}`);
    }
    return n;
  });
}

/** `--json`: the command prints one JSON document on standard output instead of its lines; its fields are
 *  listed in src/cli/README.md and keep their names and meanings (`schemaVersion` is bumped otherwise). */
export const jsonOption: CliOption = { description: 'print one JSON document instead of lines (its fields: src/cli/README.md)', argument: null };

export interface ParsedArgs<C> {
  values: Partial<Record<keyof C, unknown>>;
  positionals: string[];
  /** Field → flag, to name the flag in errors about a value that came from the command line. */
  flags: Map<string, string>;
  help: boolean;
}

/** A word that reads as an option rather than a value: `--project`, `-x` (but not `-1` or `-.5`). */
function looksLikeOption(word: string): boolean {
  return word.startsWith('--') || /^-[^\d.]/.test(word);
}

/**
 * Parses argv against the options table: `--flag value`, `--flag=value`, boolean `--switch`, `-h`/`--help`,
 * and `--` (everything after it is an argument). `positionals` names the arguments the command takes, in
 * order; more are an error. Errors name the flag or the argument: an unknown option (short ones included:
 * only -h exists), a flag given twice (no flag is repeatable; lists are comma-separated), a missing or
 * empty value, a value that is another option (`--steps --project P`; write `--name=-x` for a value that
 * starts with a dash), and a number that is not decimal.
 */
export function parseArgs<C>(argv: readonly string[], options: CliOptions<C>, positionals: readonly string[] = []): ParsedArgs<C> {
  const byFlag = new Map<string, [string, CliOption]>();
  for (const [field, opt] of Object.entries(options) as [string, CliOption | null][]) {
    if (opt !== null) byFlag.set(flagName(field), [field, opt]);
  }
  const known = (): string => `known options: ${[...byFlag.keys()].join(', ')}, --help`;
  const values: Record<string, unknown> = {};
  const flags = new Map<string, string>();
  const args: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!looksLikeOption(arg)) {
      args.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) throw new ConfigError(`unknown option; options are long (--name) except -h; ${known()}`, arg);
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const entry = byFlag.get(name);
    if (entry === undefined) throw new ConfigError(`unknown option; ${known()}`, name);
    const [field, opt] = entry;
    if (flags.has(field)) throw new ConfigError('given more than once; give it once (a list is one comma-separated value)', name);
    let raw: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (opt.argument === null) {
      if (raw !== undefined && raw !== 'true' && raw !== 'false') throw new ConfigError(`expected no value (or =true/=false), got "${raw}"`, name);
      values[field] = raw !== 'false';
    } else {
      if (raw === undefined) {
        raw = argv[i + 1];
        if (raw === undefined) throw new ConfigError(`expected a value ${opt.argument}`, name);
        if (looksLikeOption(raw)) throw new ConfigError(`expected a value ${opt.argument}, got the option ${raw}`, name);
        i++;
      }
      if (raw === '') throw new ConfigError(`expected a value ${opt.argument}, got an empty one`, name);
      try {
        values[field] = opt.parse === undefined ? raw : opt.parse(raw);
      } catch (e) {
        if (e instanceof ConfigError && e.where === undefined) throw new ConfigError(e.message, name);
        throw e;
      }
    }
    flags.set(field, name);
  }
  if (!help && args.length > positionals.length) {
    const extra = args.slice(positionals.length).map((a) => JSON.stringify(a)).join(', ');
    const takes = positionals.length === 0 ? 'this command takes no arguments' : `this command takes at most ${positionals.length}: ${positionals.map((n) => `<${n}>`).join(' ')}`;
    throw new ConfigError(`unexpected argument${args.length - positionals.length > 1 ? 's' : ''} ${extra}; ${takes}`);
  }
  return { values: values as Partial<Record<keyof C, unknown>>, positionals: args, flags, help };
}

export interface CommandHelp {
  usage: string;
  summary: string;
  examples: string[];
  /** The positional arguments the command takes, in order (default none); more are an error. */
  arguments?: readonly string[];
}

export function formatHelp<C>(help: CommandHelp, options: CliOptions<C>): string {
  const rows = (Object.entries(options) as [string, CliOption | null][])
    .filter((e): e is [string, CliOption] => e[1] !== null)
    .map(([field, o]) => [`${flagName(field)}${o.argument === null ? '' : ` ${o.argument}`}`, o.description] as const);
  rows.push(['--help', 'show this help']);
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  return [
    `Usage: ${help.usage}`,
    '',
    help.summary,
    '',
    'Options:',
    ...rows.map(([f, d]) => `  ${f.padEnd(width)}${d}`),
    '',
    'Examples:',
    ...help.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}
