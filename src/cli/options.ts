// CLI flags generated from a config type (one parser for every command). `CliOptions<C>` forces every
// field of C to have a flag definition or an explicit `null` (not exposed), so adding a config field
// without deciding its CLI exposure fails tsc.
import { ConfigError } from '../errors.js';

export interface CliOption {
  description: string;
  /** Placeholder shown in help (`<lrs>`), or null for a boolean switch. */
  argument: string | null;
  /** Turns the raw text into the field's value (validated later by the config schema). */
  parse?: (raw: string) => unknown;
}

export type CliOptions<C> = { [K in keyof Required<C>]: CliOption | null };

/** `batchSizes` → `--batch-sizes`. */
export function flagName(field: string): string {
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export const parseNumber = (raw: string): unknown => (raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw);
export const parseNumberList = (raw: string): unknown[] => raw.split(',').map((s) => parseNumber(s.trim()));

export interface ParsedArgs<C> {
  values: Partial<Record<keyof C, unknown>>;
  positionals: string[];
  /** Field → flag, to name the flag in errors about a value that came from the command line. */
  flags: Map<string, string>;
  help: boolean;
}

/** Parses argv against the options table; `--flag value`, `--flag=value` and boolean `--switch` forms. */
export function parseArgs<C>(argv: readonly string[], options: CliOptions<C>): ParsedArgs<C> {
  const byFlag = new Map<string, [string, CliOption]>();
  for (const [field, opt] of Object.entries(options) as [string, CliOption | null][]) {
    if (opt !== null) byFlag.set(flagName(field), [field, opt]);
  }
  const values: Record<string, unknown> = {};
  const flags = new Map<string, string>();
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const entry = byFlag.get(name);
    if (entry === undefined) {
      throw new ConfigError(`unknown option; known options: ${[...byFlag.keys()].join(', ')}, --help`, name);
    }
    const [field, opt] = entry;
    let raw: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (opt.argument === null) {
      if (raw !== undefined && raw !== 'true' && raw !== 'false') throw new ConfigError(`expected no value (or =true/=false), got "${raw}"`, name);
      values[field] = raw !== 'false';
    } else {
      if (raw === undefined) {
        raw = argv[++i];
        if (raw === undefined) throw new ConfigError(`expected a value ${opt.argument}`, name);
      }
      values[field] = opt.parse === undefined ? raw : opt.parse(raw);
    }
    flags.set(field, name);
  }
  return { values: values as Partial<Record<keyof C, unknown>>, positionals, flags, help };
}

export interface CommandHelp {
  usage: string;
  summary: string;
  examples: string[];
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
