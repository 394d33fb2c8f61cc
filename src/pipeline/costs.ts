// Money from tokens: a sweep's price table (`prices:` in the sweep spec) prices each model role's tokens
// per million, separately for training, prefill (tokens read: prompts, log-probability requests) and
// sampled tokens. bctlab ships no prices: vendors change them, and a number that looked current would
// be worse than none. A role without a price has tokens but no cost, and says which entry is missing.
import { basename } from 'node:path';
import { z } from 'zod';
import { boundedNumber as bounded, boundedText as text, type ModelOrganism } from '../settings/index.js';
import { StoreError } from '../errors.js';
import { getSweep, sweepUsage, type Db, type RoleTokens, type TokenUsage } from '../store/index.js';
import type { Budget } from './budget.js';
// Types only: sweep-spec.ts imports this file's price schema, so a value import here would be a cycle.
import type { BackendConfig, JudgeConfig, SweepConfig } from './sweep-spec.js';

/** One row of a price table: USD per million tokens of each kind, for one model on one backend. */
export interface PriceEntry {
  backend: string; // backend name (`tinker`, `embedded`, …)
  model: string; // the model as the sweep names it (organism base), its file name, or `*` for any model of the backend
  train: number; // USD per million tokens trained
  prefill: number; // USD per million tokens read (prompts, log-probability requests)
  sample: number; // USD per million tokens sampled
  source?: string; // where the numbers come from and when they were read, shown with every cost
}

const PRICE_LIMITS = { entries: 256, usdPerMillion: 1e6, textChars: 256 } as const;

const usd = bounded(0, PRICE_LIMITS.usdPerMillion);
const priceEntrySchema = z
  .object({
    backend: text(PRICE_LIMITS.textChars),
    model: text(PRICE_LIMITS.textChars),
    train: usd,
    prefill: usd,
    sample: usd,
    source: text(PRICE_LIMITS.textChars).optional(),
  })
  .strict();
export const pricesSchema = z
  .array(priceEntrySchema)
  .max(PRICE_LIMITS.entries, { error: (issue) => `expected at most ${PRICE_LIMITS.entries} price entries, got ${(issue.input as unknown[]).length}` });

/** The model a role's calls go to. */
export interface ModelRef {
  backend: string;
  model: string;
}

/** Who is called for what: the organism is trained and sampled; the judge of model-graded graders is the
 *  sweep's `judge` (the organism's own model for `judge: organism`), priced by its backend and model. */
export interface SweepRoles {
  organism: ModelRef;
  judge: ModelRef;
}

export function sweepRoles(backend: BackendConfig, organism: Pick<ModelOrganism, 'base'>, judge?: JudgeConfig): SweepRoles {
  const ref = { backend: typeof backend === 'string' ? backend : backend.name, model: organism.base };
  return { organism: ref, judge: judge === undefined || judge === 'organism' ? ref : { backend: typeof judge.backend === 'string' ? judge.backend : judge.backend.name, model: judge.model } };
}

/** The entry for a model: exact name first, then its file name (a local checkpoint folder), then `*`. */
export function priceFor(prices: readonly PriceEntry[], ref: ModelRef): PriceEntry | undefined {
  const of = prices.filter((p) => p.backend === ref.backend);
  return of.find((p) => p.model === ref.model) ?? of.find((p) => p.model === basename(ref.model)) ?? of.find((p) => p.model === '*');
}

export interface Cost {
  /** USD of every token, or null when a role with tokens has no price. */
  usd: number | null;
  /** `<model> on <backend>` for each role with tokens but no price. */
  missing: string[];
}

const roleUsd = (t: RoleTokens, p: PriceEntry): number => (t.trained * p.train + t.prefill * p.prefill + t.sampled * p.sample) / 1e6;
const hasTokens = (t: RoleTokens): boolean => t.trained + t.prefill + t.sampled > 0;

export function costOf(usage: TokenUsage, roles: SweepRoles, prices: readonly PriceEntry[]): Cost {
  let usd = 0;
  const missing = new Set<string>();
  for (const role of ['organism', 'judge'] as const) {
    if (!hasTokens(usage[role])) continue;
    const price = priceFor(prices, roles[role]);
    if (price === undefined) missing.add(`${roles[role].model} on ${roles[role].backend}`);
    else usd += roleUsd(usage[role], price);
  }
  return { usd: missing.size > 0 ? null : usd, missing: [...missing] };
}

/** `$1.23`, with more digits for small amounts (a tiny sweep costs fractions of a cent). */
export function formatUsd(x: number): string {
  if (x === 0) return '$0';
  if (x >= 100) return `$${x.toFixed(0)}`;
  if (x >= 1) return `$${x.toFixed(2)}`;
  return `$${Number(x.toPrecision(3))}`;
}

/** A cost, or why there is none. */
export function formatCost(c: Cost): string {
  return c.usd === null ? `no price for ${c.missing.join(', ')}` : formatUsd(c.usd);
}

/** Where a sweep's prices come from, for the line under a cost. */
export function priceSources(prices: readonly PriceEntry[], roles: SweepRoles): string {
  const used = [...new Set([roles.organism, roles.judge].map((r) => priceFor(prices, r)).filter((p): p is PriceEntry => p !== undefined))];
  return used.map((p) => `${p.backend}/${p.model}: train $${p.train}, prefill $${p.prefill}, sample $${p.sample} per million tokens${p.source === undefined ? '' : ` (${p.source})`}`).join('; ');
}

export interface CellCost {
  cellId: number;
  name: string;
  usage: TokenUsage;
  cost: Cost;
}

export interface SweepCosts {
  sweepId: number;
  roles: SweepRoles;
  prices: PriceEntry[];
  /** The budget of the sweep's latest run, if it had one (budget.ts). */
  budget: Budget | undefined;
  /** The pre-check and the training data (null: none, or recorded before token accounting). */
  check: { usage: TokenUsage; cost: Cost } | null;
  data: { usage: TokenUsage; cost: Cost } | null;
  cells: CellCost[];
  total: { usage: TokenUsage; cost: Cost };
  /** Answers recorded before token accounting (their prompt tokens are in no sum). */
  unmetered: number;
}

/** What a sweep's record took, in tokens and money, at the prices of the sweep's spec: a pure read of
 *  the record (store/usage.ts), for `bct status`, `bct plan` and the report. */
export function sweepCosts(db: Db, sweepId: number): SweepCosts {
  const row = getSweep(db, sweepId);
  if (row === undefined) throw new StoreError(`sweep ${sweepId} is not in the record`);
  const spec = JSON.parse(row.spec_json) as Partial<SweepConfig>;
  const roles = sweepRoles(spec.backend ?? 'embedded', JSON.parse(row.organism_json) as ModelOrganism, spec.judge);
  // The recorded spec was validated when it ran; one from before prices and budgets has neither.
  const prices = spec.prices ?? [];
  const budget = spec.budget;
  const u = sweepUsage(db, sweepId);
  const priced = (usage: TokenUsage) => ({ usage, cost: costOf(usage, roles, prices) });
  return {
    sweepId,
    roles,
    prices,
    budget,
    check: u.check === null ? null : priced(u.check),
    data: u.data === null ? null : priced(u.data),
    cells: u.cells.map((c) => ({ cellId: c.cellId, name: c.name, ...priced(c.usage) })),
    total: priced(u.total),
    unmetered: u.unmetered,
  };
}
