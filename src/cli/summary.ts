// Per-cell rates of a sweep as table lines (for `bct run` and `bct status`): initial / alternate / other
// on eval prompts and compatible on train prompts at the first and last recorded checkpoints, each with
// its count and a 95% Wilson interval.
import { wilson } from '../analysis/index.js';
import type { Db } from '../store/index.js';

interface Count {
  cell_id: number;
  step: number;
  split: string;
  label: string;
  n: number;
}

export interface CellRates {
  cellId: number;
  name: string;
  status: string;
  step: number;
  eval: Record<'initial' | 'alternate' | 'other', { k: number; n: number; rate: number; lo: number; hi: number }>;
  compatible: { k: number; n: number; rate: number; lo: number; hi: number };
}

/** Rates of every cell at each recorded checkpoint. */
export function sweepRates(db: Db, sweepId: number): CellRates[] {
  const counts = db
    .prepare(`SELECT cell_id, step, split, label, COUNT(*) AS n FROM sweep_grades WHERE sweep_id = ? GROUP BY cell_id, step, split, label`)
    .all(sweepId) as Count[];
  const cells = db.prepare(`SELECT id, name, status FROM cells WHERE sweep_id = ? ORDER BY id`).all(sweepId) as { id: number; name: string; status: string }[];
  const out: CellRates[] = [];
  for (const c of cells) {
    const steps = [...new Set(counts.filter((r) => r.cell_id === c.id).map((r) => r.step))].sort((a, b) => a - b);
    for (const step of steps) {
      const at = counts.filter((r) => r.cell_id === c.id && r.step === step);
      const total = (split: string): number => at.filter((r) => r.split === split).reduce((s, r) => s + r.n, 0);
      const k = (split: string, label: string): number => at.find((r) => r.split === split && r.label === label)?.n ?? 0;
      const nEval = total('eval');
      const other = nEval - k('eval', 'initial') - k('eval', 'alternate');
      out.push({
        cellId: c.id,
        name: c.name,
        status: c.status,
        step,
        eval: { initial: wilson(k('eval', 'initial'), nEval), alternate: wilson(k('eval', 'alternate'), nEval), other: wilson(other, nEval) },
        compatible: wilson(k('train', 'compatible'), total('train')),
      });
    }
  }
  return out;
}

type Shown = { k: number; n: number; rate: number; lo: number; hi: number };

/** `62.5% [31–86]`: the rate and its 95% Wilson interval, in percent. */
const withCi = (r: Shown): string =>
  r.n === 0 ? '-'.padStart(16) : `${(100 * r.rate).toFixed(1)}% [${Math.round(100 * r.lo)}–${Math.round(100 * r.hi)}]`.padStart(16);

export function summaryLines(db: Db, sweepId: number): string[] {
  const rates = sweepRates(db, sweepId);
  const names = [...new Set(rates.map((r) => r.name))];
  const width = Math.max(4, ...names.map((n) => n.length));
  const head = ['initial', 'alternate', 'other', 'compatible (train)'].map((h) => h.padStart(16)).join(' ');
  const lines = [`${'cell'.padEnd(width)} ${'step'.padStart(6)} ${head}  n(eval)   (95% Wilson intervals over answers; \`bct report\` clusters by prompt)`];
  for (const name of names) {
    const rs = rates.filter((r) => r.name === name);
    for (const r of rs.length > 1 ? [rs[0]!, rs[rs.length - 1]!] : rs) {
      const cols = [r.eval.initial, r.eval.alternate, r.eval.other, r.compatible].map(withCi).join(' ');
      lines.push(`${name.padEnd(width)} ${String(r.step).padStart(6)} ${cols}  ${r.eval.initial.n}`);
    }
  }
  return lines;
}
