// A sweep's budget: `budget: { maxUsd, maxTokens }` caps what its record takes (store/usage.ts: tokens
// of every kind and role, priced by costs.ts). The runner asks the guard after each recorded batch of
// answers or labels, and before each training segment (the steps up to the next checkpoint, recorded
// together): a segment starts only if its tokens, known exactly from the data order, fit under the cap,
// so no paid-for training is thrown away by a stop. Once the cap is reached the current batch is
// finished and recorded, the sweep is marked `stopped`, and the same command with a higher cap resumes.
import { z } from 'zod';
import { BctError, ConfigError } from '../errors.js';
import { boundedNumber as bounded } from '../settings/index.js';
import { addUsage, cellUsages, sweepUsage, totalTokens, zeroUsage, type Db, type TokenUsage } from '../store/index.js';
import { costOf, formatUsd, priceFor, type PriceEntry, type SweepRoles } from './costs.js';

/** At least one cap; both may be given (the first reached stops the sweep). */
export interface Budget {
  maxUsd?: number; // USD at the sweep's prices (every role with tokens needs one)
  maxTokens?: number; // tokens trained, read and sampled, all roles together
}

const BUDGET_LIMITS = { maxUsd: 1e9, maxTokens: 1e15 } as const;

export const budgetSchema = z
  .object({
    maxUsd: bounded(0, BUDGET_LIMITS.maxUsd, { above: true }).optional(),
    maxTokens: bounded(1, BUDGET_LIMITS.maxTokens, { int: true }).optional(),
  })
  .strict()
  .refine((b) => b.maxUsd !== undefined || b.maxTokens !== undefined, { message: 'expected maxUsd or maxTokens (or both)' });

const STOPPED = 'stopped at its budget';

/** The sweep reached its cap. Its message is what the record keeps as the sweep's error, so that
 *  `isBudgetStop` tells it from a failure (a worker thread hands errors back by code and message). */
export class BudgetReached extends BctError {
  constructor(reason: string) {
    super('interrupted', `${STOPPED}: ${reason}; run the same command with a higher budget to resume`);
  }
}

/** Whether an error, or a recorded error message, is a budget stop. */
export function isBudgetStop(e: unknown): boolean {
  if (typeof e === 'string') return e.startsWith(STOPPED);
  return e instanceof BctError && e.code === 'interrupted' && e.message.startsWith(STOPPED);
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** A ConfigError when `maxUsd` cannot be enforced: a role the sweep calls has no price. */
export function checkBudgetPrices(budget: Budget | undefined, roles: SweepRoles, prices: readonly PriceEntry[]): void {
  if (budget?.maxUsd === undefined) return;
  for (const ref of [roles.organism, roles.judge]) {
    if (priceFor(prices, ref) === undefined) {
      throw new ConfigError(`a budget in USD needs a price for every model the sweep calls, and prices has none for backend "${ref.backend}", model "${ref.model}"; add one to prices, or cap maxTokens instead`, 'budget.maxUsd');
    }
  }
}

/** How `usage` compares with the cap it has reached (≥), or undefined while it is under every cap. */
function reached(usage: TokenUsage, budget: Budget, roles: SweepRoles, prices: readonly PriceEntry[]): string | undefined {
  const tokens = totalTokens(usage);
  if (budget.maxTokens !== undefined && tokens >= budget.maxTokens) return `${count(tokens)} tokens of maxTokens ${count(budget.maxTokens)}`;
  if (budget.maxUsd !== undefined) {
    // checkBudgetPrices made sure every role is priced.
    const usd = costOf(usage, roles, prices).usd!;
    if (usd >= budget.maxUsd) return `${formatUsd(usd)} of maxUsd ${formatUsd(budget.maxUsd)} (${count(tokens)} tokens)`;
  }
  return undefined;
}

/** The running total of one run against its cap. Cells that run concurrently in this thread (a remote
 *  backend) share one guard, so a segment one of them is training counts against the others until it is
 *  recorded. Worker threads (`--jobs`) each hold their own and see the others' work once it is recorded,
 *  so with N workers the cap may be passed by up to N − 1 training segments. */
export class BudgetGuard {
  private readonly sweepLevel: TokenUsage;
  private readonly cells = new Map<number, TokenUsage>();
  /** Training tokens of the segment each cell is training, not yet in the record. */
  private readonly training = new Map<number, number>();
  private stop: BudgetReached | undefined;

  constructor(
    private readonly db: Db,
    private readonly sweepId: number,
    private readonly budget: Budget,
    private readonly roles: SweepRoles,
    private readonly prices: readonly PriceEntry[],
  ) {
    checkBudgetPrices(budget, roles, prices);
    const u = sweepUsage(db, sweepId);
    this.sweepLevel = addUsage(u.check ?? zeroUsage(), u.data ?? zeroUsage());
    for (const c of u.cells) this.cells.set(c.cellId, c.usage);
  }

  /** The sweep's usage as recorded, plus the segments in training and `extraTrained` tokens. */
  usage(extraTrained = 0): TokenUsage {
    let u = this.sweepLevel;
    for (const c of this.cells.values()) u = addUsage(u, c);
    let training = extraTrained;
    for (const t of this.training.values()) training += t;
    return addUsage(u, { ...zeroUsage(), organism: { trained: training, prefill: 0, sampled: 0 } });
  }

  private refresh(cellId: number): void {
    for (const c of cellUsages(this.db, this.sweepId, cellId)) this.cells.set(c.cellId, c.usage);
    this.training.delete(cellId);
  }

  private halt(reason: string): BudgetReached {
    this.stop ??= new BudgetReached(reason);
    return this.stop;
  }

  /** Throws BudgetReached when the record (this cell's newest rows included) has reached a cap. Called
   *  before any cell runs (`cellId` null) and after each recorded batch. */
  check(cellId: number | null): void {
    if (cellId !== null) this.refresh(cellId);
    if (this.stop !== undefined) throw this.stop;
    const over = reached(this.usage(), this.budget, this.roles, this.prices);
    if (over !== undefined) throw this.halt(`the record holds ${over}`);
  }

  /** Before a cell trains steps `from`…`to` (`tokens` in all): throws BudgetReached unless they fit under
   *  the caps; else counts them until the checkpoint at `to` is recorded. */
  beforeSegment(cellId: number, cellName: string, from: number, to: number, tokens: number): void {
    this.refresh(cellId);
    if (this.stop !== undefined) throw this.stop;
    const over = reached(this.usage(tokens), this.budget, this.roles, this.prices);
    if (over !== undefined) {
      throw this.halt(`the record holds ${count(totalTokens(this.usage()))} tokens, and training ${cellName} steps ${from}–${to} (${count(tokens)} tokens) would make it ${over}`);
    }
    this.training.set(cellId, tokens);
  }

  /** The cell stopped or finished: its segment in training (if any) is no longer counted. */
  release(cellId: number): void {
    this.refresh(cellId);
  }
}
