// Turning CLI arguments (and an optional YAML/JSON file) into one validated config: the file's values,
// overridden by flags, checked by one schema. An error names the flag when the value came from a flag,
// else the file and the field path.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { isRemoteBackend } from '../backends/index.js';
import { ConfigError, systemErrorOf } from '../errors.js';
import { issuePath, parseInputText, readInputFile, reportedIssue } from '../settings/index.js';
import { formatHelp, parseArgs, type CliOptions, type CommandHelp, type ParsedArgs } from './options.js';

export function readConfigObject(path: string): Record<string, unknown> {
  let text: string;
  try {
    // Size-checked before reading (a huge file is refused, not read into memory).
    text = readInputFile(path, 'config', 'cannot read file; expected a YAML or JSON sweep file');
  } catch (e) {
    throw systemErrorOf((e as Error).cause, { path }) ?? e;
  }
  const raw = parseInputText(path, text);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('(top level): expected a mapping of sweep fields', path);
  return raw as Record<string, unknown>;
}

export function validateConfig<T>(schema: z.ZodType<T>, fileValues: Record<string, unknown>, args: ParsedArgs<unknown>, file: string | undefined): T {
  const merged = { ...fileValues, ...(args.values as Record<string, unknown>) };
  const parsed = schema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const issue = reportedIssue(parsed.error.issues);
  const field = String(issue.path[0] ?? '');
  const flag = args.flags.get(field);
  if (flag !== undefined) throw new ConfigError(`${issue.message} (${issuePath(issue.path)})`, flag);
  const path = issuePath(issue.path) || '(top level)';
  throw new ConfigError(`${path}: ${issue.message}`, file ?? 'options');
}

/** Reads a sweep file; paths in it (setting, base, organism base and adapter) are relative to the file. On
 *  a remote backend a base is a model name the server resolves, never a path. */
export function readSweepFile(path: string): Record<string, unknown> {
  const dir = dirname(resolve(path));
  const out = readConfigObject(path);
  const fix = (p: unknown): unknown => (typeof p === 'string' && !isAbsolute(p) && existsSync(resolve(dir, p)) ? resolve(dir, p) : p);
  const backend = out.backend !== null && typeof out.backend === 'object' ? (out.backend as { name?: unknown }).name : out.backend;
  const fixBase = typeof backend === 'string' && isRemoteBackend(backend) ? (p: unknown) => p : fix;
  out.setting = fix(out.setting);
  if (out.judge !== undefined) out.judge = judgeRelativeTo(out.judge, dir);
  if (out.data !== undefined) out.data = dataRelativeTo(out.data, dir, fix);
  out.base = fixBase(out.base);
  if (out.organism !== null && typeof out.organism === 'object') {
    const o = { ...(out.organism as Record<string, unknown>) };
    o.base = fixBase(o.base);
    if (o.adapter !== undefined) o.adapter = fix(o.adapter);
    out.organism = o;
  }
  return out;
}

/** A judge value whose embedded model folder is taken relative to `dir` (the sweep or judge file's
 *  folder) when it exists there, as an organism's base is. */
export function judgeRelativeTo(judge: unknown, dir: string): unknown {
  if (judge === null || typeof judge !== 'object' || Array.isArray(judge)) return judge;
  const j = judge as Record<string, unknown>;
  const backend = j.backend !== null && typeof j.backend === 'object' ? (j.backend as { name?: unknown }).name : j.backend;
  if (backend !== 'embedded' || typeof j.model !== 'string' || isAbsolute(j.model) || !existsSync(resolve(dir, j.model))) return judge;
  return { ...j, model: resolve(dir, j.model) };
}

/** A data source whose files are taken relative to the sweep file (`fix`): a dataset's `file`, and a
 *  teacher's `model` and `adapter` unless its backend is remote (a model name the server resolves). */
function dataRelativeTo(data: unknown, dir: string, fix: (p: unknown) => unknown): unknown {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  const d = { ...(data as Record<string, unknown>) };
  if (d.kind === 'dataset') d.file = typeof d.file === 'string' && !isAbsolute(d.file) ? resolve(dir, d.file) : d.file;
  const backend = d.backend !== null && typeof d.backend === 'object' ? (d.backend as { name?: unknown }).name : d.backend;
  if (d.kind === 'teacher' && !(typeof backend === 'string' && isRemoteBackend(backend))) {
    d.model = fix(d.model);
    if (d.adapter !== undefined) d.adapter = fix(d.adapter);
  }
  return d;
}

/** Parses a command's argv; on --help writes the command's help and returns undefined. */
export function parseOrHelp<C>(argv: readonly string[], options: CliOptions<C>, help: CommandHelp, write: (text: string) => void): ParsedArgs<C> | undefined {
  const args = parseArgs(argv, options, help.arguments);
  if (!args.help) return args;
  write(formatHelp(help, options));
  return undefined;
}

/** `parseOrHelp`, then the flags validated by the command's schema (for commands that read no file). */
export function parseCommandLine<C, T>(
  argv: readonly string[],
  options: CliOptions<C>,
  schema: z.ZodType<T>,
  help: CommandHelp,
  write: (text: string) => void,
): { args: ParsedArgs<C>; config: T } | undefined {
  const args = parseOrHelp(argv, options, help, write);
  return args === undefined ? undefined : { args, config: validateConfig(schema, {}, args, undefined) };
}
