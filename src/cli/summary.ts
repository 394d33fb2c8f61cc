// Per-cell rates of a sweep as table lines (for `bct run` and `bct status`): initial / alternate / other
// on eval prompts and compatible on train prompts at the first and last recorded checkpoints, each with
// its count and 95% interval; and what the sweep's record took in tokens and money (`costLines`). The
// rates come from src/analysis (checkpointRates), the same numbers and intervals as the report, the
// metrics export and the viewer; grading errors are in no n and are counted in their own column.
import { checkpointRates, type CheckpointRates, type EvalClass, type Rate } from '../analysis/index.js';
import { formatUsd, priceSources, sweepCosts, type Cost } from '../pipeline/index.js';
import { sweepCells, sweepSamples, type CellRow } from '../report/index.js';
import { totalTokens, type Db, type TokenUsage } from '../store/index.js';

export interface CellRates {
  cellId: number;
  name: string;
  status: string;
  step: number;
  eval: Record<EvalClass, Rate>;
  compatible: Rate;
  /** Answers whose grading failed (in no rate). */
  errors: CheckpointRates['errors'];
}

/** Rates of every cell at each recorded checkpoint, ordered by cell id, then step. */
export function sweepRates(db: Db, sweepId: number): CellRates[] {
  const cells = sweepCells(db, sweepId);
  return cellRates(cells, checkpointRates(sweepSamples(db, sweepId), cells));
}

/** The checkpoint rates of an analysis (`SweepAnalysis.rates`) by cell, ordered by cell id, then step. */
export function cellRates(cells: readonly CellRow[], rates: readonly CheckpointRates[]): CellRates[] {
  const byCell = new Map<string, CheckpointRates[]>();
  for (const r of rates) {
    const own = byCell.get(r.cellId);
    if (own === undefined) byCell.set(r.cellId, [r]);
    else own.push(r);
  }
  return [...cells]
    .sort((a, b) => a.id - b.id)
    .flatMap((c) =>
      (byCell.get(c.cellId) ?? []).map((r) => ({ cellId: c.id, name: c.name, status: c.status, step: r.step, eval: r.eval, compatible: r.compatible, errors: r.errors })),
    );
}

/** `62.5% [31–86]`: the rate and its 95% interval, in percent. */
const withCi = (r: Rate): string =>
  r.n === 0 ? '-'.padStart(16) : `${(100 * r.rate).toFixed(1)}% [${Math.round(100 * r.lo)}–${Math.round(100 * r.hi)}]`.padStart(16);

export function summaryLines(db: Db, sweepId: number): string[] {
  return rateLines(sweepRates(db, sweepId));
}

/** The table of `summaryLines`: per cell its first and last recorded checkpoints. */
export function rateLines(rates: readonly CellRates[]): string[] {
  const names = [...new Set(rates.map((r) => r.name))];
  const width = Math.max(4, ...names.map((n) => n.length));
  const head = ['initial', 'alternate', 'other', 'compatible (train)'].map((h) => h.padStart(16)).join(' ');
  const lines = [
    `${'cell'.padEnd(width)} ${'step'.padStart(6)} ${head}  n(eval)  errors   (95% intervals clustered by prompt, as in \`bct report\`; answers whose grading failed are in no n)`,
  ];
  for (const name of names) {
    const rs = rates.filter((r) => r.name === name);
    for (const r of rs.length > 1 ? [rs[0]!, rs[rs.length - 1]!] : rs) {
      const cols = [r.eval.initial, r.eval.alternate, r.eval.other, r.compatible].map(withCi).join(' ');
      lines.push(`${name.padEnd(width)} ${String(r.step).padStart(6)} ${cols}  ${String(r.eval.initial.n).padStart(7)}  ${String(r.errors.eval + r.errors.train).padStart(6)}`);
    }
  }
  return lines;
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Tokens per cell and for the sweep (trained, prompt and sampled by the organism, and its judge's), their
 *  cost at the sweep's prices, and the budget: what the record holds (src/pipeline/costs.ts sweepCosts). */
export function costLines(db: Db, sweepId: number): string[] {
  const c = sweepCosts(db, sweepId);
  // The pre-check and on-policy training data are the sweep's too; reference targets cost nothing.
  const stage = (name: string, s: { usage: TokenUsage; cost: Cost } | null): [string, TokenUsage, Cost][] => (s === null || totalTokens(s.usage) === 0 ? [] : [[name, s.usage, s.cost]]);
  const rows: [string, TokenUsage, Cost][] = [
    ...stage('(pre-check)', c.check),
    ...stage('(training data)', c.data),
    ...c.cells.map((x): [string, TokenUsage, Cost] => [x.name, x.usage, x.cost]),
    ['sweep', c.total.usage, c.total.cost],
  ];
  const width = Math.max(...rows.map(([n]) => n.length));
  const head = ['trained', 'prompt', 'sampled', 'judged', 'cost'].map((h) => h.padStart(12)).join(' ');
  const lines = [`${'tokens'.padEnd(width)} ${head}`];
  for (const [name, u, cost] of rows) {
    const cols = [u.organism.trained, u.organism.prefill, u.organism.sampled, u.judge.prefill + u.judge.sampled].map((n) => count(n).padStart(12)).join(' ');
    lines.push(`${name.padEnd(width)} ${cols} ${(cost.usd === null ? '-' : formatUsd(cost.usd)).padStart(12)}`);
  }
  const total = c.total;
  if (c.prices.length === 0) lines.push('  tokens only: the sweep has no prices (`prices:` in the sweep, src/pipeline/README.md)');
  else if (total.cost.usd === null) lines.push(`  no price for ${total.cost.missing.join(', ')}: tokens only`);
  else lines.push(`  prices: ${priceSources(c.prices, c.roles)}`);
  if (c.unmetered > 0) lines.push(`  ${count(c.unmetered)} answers were recorded before token accounting: their prompt tokens are in no sum`);
  const b = c.budget;
  if (b !== undefined) {
    const used = [
      ...(b.maxTokens === undefined ? [] : [`${count(totalTokens(total.usage))} of maxTokens ${count(b.maxTokens)}`]),
      ...(b.maxUsd === undefined || total.cost.usd === null ? [] : [`${formatUsd(total.cost.usd)} of maxUsd ${formatUsd(b.maxUsd)}`]),
    ];
    lines.push(`  budget: ${used.join(', ')}`);
  }
  return lines;
}
