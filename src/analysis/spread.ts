// The spread of the alternate behaviour onto capability prompts: per checkpoint, the share of the counted
// capability answers that show the setting's alternate value where the rules do not ask for it (the
// record's `spread:<eval>` metrics, src/pipeline/capability.ts). It is reported beside capability, never
// as capability loss: an answer ending in a spurious "cat" can still be right. Whether it makes a
// checkpoint broken is a term of the broken rule (capability.ts `BrokenThresholds.spread`, off by default).

import { wilson, type Rate } from './intervals.js';
import type { CapabilityScore } from './types.js';

const PREFIX = 'spread:';

/** Whether a capability metric is a spread (`spread:<eval>`), not a capability. */
export function isSpreadMetric(name: string): boolean {
  return name.startsWith(PREFIX);
}

/** The spread of one checkpoint: pooled over its capability evaluations, and per evaluation. */
export interface SpreadRate {
  cellId: string;
  step: number;
  /** All counted answers of the checkpoint together (Wilson: one greedy answer per prompt). */
  rate: Rate;
  /** Per capability evaluation, by its name without the `spread:` prefix. */
  byEval: Record<string, Rate>;
}

/** The spread of every checkpoint that has spread metrics, ordered by cell and step. A metric's count is
 *  value × n (each is a share of n answers). */
export function spreadRates(scores: readonly CapabilityScore[]): SpreadRate[] {
  const rows = new Map<string, { cellId: string; step: number; counts: Map<string, [number, number]> }>();
  for (const s of scores) {
    if (!isSpreadMetric(s.name) || s.n === undefined || s.n <= 0) continue;
    const key = `${s.cellId}\u0000${s.step}`;
    let row = rows.get(key);
    if (row === undefined) rows.set(key, (row = { cellId: s.cellId, step: s.step, counts: new Map() }));
    row.counts.set(s.name.slice(PREFIX.length), [Math.round(s.value * s.n), s.n]);
  }
  return [...rows.values()]
    .map(({ cellId, step, counts }) => {
      let k = 0;
      let n = 0;
      const byEval: Record<string, Rate> = {};
      for (const [name, [ki, ni]] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        byEval[name] = wilson(ki, ni);
        k += ki;
        n += ni;
      }
      return { cellId, step, rate: wilson(k, n), byEval };
    })
    .sort((a, b) => (a.cellId !== b.cellId ? (a.cellId < b.cellId ? -1 : 1) : a.step - b.step));
}
