// Turning CLI arguments (and an optional YAML/JSON file) into one validated config: the file's values,
// overridden by flags, checked by one schema. An error names the flag when the value came from a flag,
// else the file and the field path.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { issuePath } from '../settings/index.js';
import type { ParsedArgs } from './options.js';

export function readConfigObject(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError('cannot read file; expected a YAML or JSON sweep file', path);
  }
  let raw: unknown;
  try {
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError(`not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`, path);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('(top level): expected a mapping of sweep fields', path);
  return raw as Record<string, unknown>;
}

export function validateConfig<T>(schema: z.ZodType<T>, fileValues: Record<string, unknown>, args: ParsedArgs<unknown>, file: string | undefined): T {
  const merged = { ...fileValues, ...(args.values as Record<string, unknown>) };
  const parsed = schema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0] ?? '');
  const flag = args.flags.get(field);
  if (flag !== undefined) throw new ConfigError(`${issue.message} (${issuePath(issue.path)})`, flag);
  const path = issuePath(issue.path) || '(top level)';
  throw new ConfigError(`${path}: ${issue.message}`, file ?? 'options');
}
