// The cost fields of a sweep on the command line: `--budget maxUsd=N,maxTokens=N` and `--prices FILE`,
// and `prices: FILE` in a sweep file (a file of prices shared by many sweeps, relative to the sweep file).
// A prices file is YAML or JSON with one field, `prices:`, the list the sweep field takes; it is read
// into the sweep's config, so the record keeps the prices a sweep was priced at.
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { readConfigObject } from './config.js';
import { parseNumber } from './options.js';

/** `maxUsd=5`, `maxTokens=2e6`, or both comma-separated; bounds are the schema's (budget.ts). */
export function parseBudget(raw: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of raw.split(',')) {
    const m = /^\s*(maxUsd|maxTokens)\s*=\s*(.+?)\s*$/.exec(item);
    if (m === null) throw new ConfigError(`expected maxUsd=N and/or maxTokens=N, comma-separated (like maxUsd=20 or maxTokens=5e6), got ${JSON.stringify(raw)}`);
    if (m[1]! in out) throw new ConfigError(`${m[1]} is given twice in ${JSON.stringify(raw)}; give each cap once`);
    out[m[1]!] = parseNumber(m[2]!);
  }
  return out;
}

/** The `prices:` list of a prices file (validated with the sweep, by the sweep schema). */
export function readPricesFile(path: string): unknown {
  const file = readConfigObject(path);
  const extra = Object.keys(file).filter((k) => k !== 'prices');
  if (!('prices' in file) || extra.length > 0) {
    throw new ConfigError(`expected a mapping with one field, prices: (a list of { backend, model, train, prefill, sample, source }), got the field${extra.length === 1 ? '' : 's'} ${(extra.length > 0 ? extra : Object.keys(file)).join(', ') || '(none)'}`, path);
  }
  return file.prices;
}

/** A sweep file's `prices` given as a file name is read, relative to the sweep file. */
export function pricesInSweepFile(values: Record<string, unknown>, sweepFile: string): Record<string, unknown> {
  if (typeof values.prices !== 'string') return values;
  const path = isAbsolute(values.prices) ? values.prices : resolve(dirname(resolve(sweepFile)), values.prices);
  return { ...values, prices: readPricesFile(path) };
}
