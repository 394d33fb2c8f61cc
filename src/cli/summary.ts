// Per-cell rates of a sweep as table lines (for `bct run` and `bct status`): initial / alternate / other
// on eval prompts and compatible on train prompts at the first and last recorded checkpoints, each with
// its count and 95% interval. The rates come from src/analysis (checkpointRates), the same numbers and
// intervals as the report, the metrics export and the viewer; grading errors are in no n and are counted
// in their own column.
import { checkpointRates, type CheckpointRates, type EvalClass, type Rate } from '../analysis/index.js';
import { sweepCells, sweepSamples } from '../report/index.js';
import type { Db } from '../store/index.js';

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
  const cells = sweepCells(db, sweepId).sort((a, b) => a.id - b.id);
  const byCell = new Map<string, CheckpointRates[]>();
  for (const r of checkpointRates(sweepSamples(db, sweepId), cells)) byCell.set(r.cellId, [...(byCell.get(r.cellId) ?? []), r]);
  return cells.flatMap((c) =>
    (byCell.get(c.cellId) ?? []).map((r) => ({ cellId: c.id, name: c.name, status: c.status, step: r.step, eval: r.eval, compatible: r.compatible, errors: r.errors })),
  );
}

/** `62.5% [31–86]`: the rate and its 95% interval, in percent. */
const withCi = (r: Rate): string =>
  r.n === 0 ? '-'.padStart(16) : `${(100 * r.rate).toFixed(1)}% [${Math.round(100 * r.lo)}–${Math.round(100 * r.hi)}]`.padStart(16);

export function summaryLines(db: Db, sweepId: number): string[] {
  const rates = sweepRates(db, sweepId);
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
