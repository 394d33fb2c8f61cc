// The analysis terms `bct report` and `bct status` take on the command line: which checkpoints are broken
// (`--broken capability=0.1,other=0.2,evals=accuracy+nll,spread=off`, every term optional, the others at
// their defaults) and how far a cell's training loss must rise to be unstable (`--instability 10`). Both
// change what is read from the record, never the record.
import { z } from 'zod';
import { CAPABILITY_KINDS, DEFAULT_BROKEN, DEFAULT_INSTABILITY_FACTOR, type BrokenThresholds, type CapabilityKind } from '../analysis/index.js';
import { ConfigError } from '../errors.js';
import { parseNumber, type CliOption } from './options.js';

const TERMS = ['capability', 'other', 'evals', 'spread'] as const;
const EXAMPLE = 'capability=0.1,other=0.2,evals=accuracy+nll,spread=off';

/** A rate or loss threshold of the rule: a decimal in (0, 1]. */
function share(term: string, raw: string): number {
  const x = parseNumber(raw);
  if (!(x > 0 && x <= 1)) throw new ConfigError(`${term}=${raw}: expected a share in (0, 1], like ${term}=0.1`);
  return x;
}

/** The broken rule a `--broken` value gives: its terms over DEFAULT_BROKEN. */
export function parseBroken(raw: string): BrokenThresholds {
  const out: { -readonly [K in keyof BrokenThresholds]: BrokenThresholds[K] } = { ...DEFAULT_BROKEN };
  const seen = new Set<string>();
  for (const item of raw.split(',')) {
    const m = /^\s*([a-z]+)\s*=\s*(.+?)\s*$/.exec(item);
    const term = m?.[1] as (typeof TERMS)[number] | undefined;
    if (m === null || term === undefined || !TERMS.includes(term)) {
      throw new ConfigError(`expected comma-separated terms ${TERMS.map((t) => `${t}=…`).join(', ')} (like ${EXAMPLE}), got ${JSON.stringify(item.trim())}`);
    }
    if (seen.has(term)) throw new ConfigError(`${term} is given twice in ${JSON.stringify(raw)}; give each term once`);
    seen.add(term);
    const value = m[2]!;
    if (term === 'capability') out.capabilityLoss = share(term, value);
    else if (term === 'other') out.otherRate = share(term, value);
    else if (term === 'spread') out.spread = value === 'off' ? null : share(term, value);
    else {
      const kinds = value === 'none' ? [] : value.split('+');
      const bad = kinds.find((k) => !CAPABILITY_KINDS.includes(k as CapabilityKind));
      if (bad !== undefined || new Set(kinds).size !== kinds.length) {
        throw new ConfigError(`evals=${value}: expected accuracy, nll, accuracy+nll or none (the capability evaluations whose loss counts)`);
      }
      out.evals = CAPABILITY_KINDS.filter((k) => kinds.includes(k));
    }
  }
  return out;
}

/** Training-loss rise that makes a cell unstable: above 1, at most 1e6. */
export function parseInstability(raw: string): number {
  const x = parseNumber(raw);
  if (!(x > 1 && x <= 1e6)) throw new ConfigError(`expected a factor in (1, 1e6], like 10, got ${raw}`);
  return x;
}

export const brokenOption: CliOption = {
  description: `which checkpoints are broken (default ${EXAMPLE}: capability loss or other rate credibly at or above its share; spread=off: spread breaks nothing)`,
  argument: '<terms>',
  parse: parseBroken,
};

export const instabilityOption: CliOption = {
  description: `a cell is unstable when its training loss rises this many times above its early value (default ${DEFAULT_INSTABILITY_FACTOR})`,
  argument: '<factor>',
  parse: parseInstability,
};

/** The config fields of the two options (their values are parsed, so validated, already). */
export const analysisFlagsSchema = {
  broken: z.custom<BrokenThresholds>((v) => typeof v === 'object' && v !== null).default(DEFAULT_BROKEN),
  instability: z.number().default(DEFAULT_INSTABILITY_FACTOR),
};
