// Several sweeps side by side (`bct compare A B …` and the viewer): each one's verdicts, their curves
// overlaid on one chart, and the fields of their specs and manifests that differ.

import type { TopLevelSpec } from 'vega-lite';
import { ConfigError } from '../errors.js';
import type { GroupVerdict } from '../analysis/verdicts.js';
import type { Db } from '../store/index.js';
import { analyzeSweep, type AnalysisOptions, type SweepAnalysis } from './analyze.js';
import { flatten } from './setting-view.js';
import { compareSpec } from './transfer-plots.js';

/** At most this many sweeps in one comparison: more lines than a chart can keep apart. */
export const MAX_COMPARED = 8;

export interface SweepComparison {
  sweeps: { id: number; name: string; settingId: string; threshold: number; verdicts: GroupVerdict[] }[];
  /** Each field (dotted key under `spec.` or `manifest.`) whose value is not the same in every sweep, with
   *  each sweep's value in sweep order ('–' where a sweep lacks it); machine paths cut. */
  diff: { field: string; values: string[] }[];
  /** The sweeps' initial-rate curves on one chart. */
  chart: TopLevelSpec;
}

/** Compares sweeps already analysed (the viewer keeps its analyses). */
export function compareAnalyses(analyses: readonly SweepAnalysis[]): SweepComparison {
  if (analyses.length < 2 || analyses.length > MAX_COMPARED) throw new ConfigError(`expected 2 to ${MAX_COMPARED} sweeps to compare, got ${analyses.length}`, 'sweeps');
  const names = uniqueNames(analyses.map((a) => a.meta.name));
  const fields = analyses.map((a) => new Map([...flatten(a.meta.spec, 'spec'), ...flatten(a.meta.manifest, 'manifest')]));
  const keys = [...new Set(fields.flatMap((f) => [...f.keys()]))].sort();
  const diff = keys.flatMap((field) => {
    const values = fields.map((f) => f.get(field) ?? '–');
    return values.every((v) => v === values[0]) ? [] : [{ field, values }];
  });
  const thresholds = [...new Set(analyses.map((a) => a.threshold))];
  return {
    sweeps: analyses.map((a) => ({ id: a.meta.id, name: a.meta.name, settingId: a.meta.settingId, threshold: a.threshold, verdicts: a.verdicts })),
    diff,
    chart: compareSpec(
      analyses.map((a, i) => ({ name: names[i]!, points: a.curves })),
      'initial',
      thresholds.length === 1 ? thresholds[0] : undefined,
    ),
  };
}

/** Compares the sweeps named by id or name (each analysed once). */
export function compareSweeps(db: Db, refs: readonly (string | number)[], opts: AnalysisOptions = {}): SweepComparison {
  if (refs.length < 2 || refs.length > MAX_COMPARED) throw new ConfigError(`expected 2 to ${MAX_COMPARED} sweeps to compare, got ${refs.length}`, 'sweeps');
  return compareAnalyses(refs.map((r) => analyzeSweep(db, r, opts)));
}

/** The comparison as plain text for `bct compare`: each sweep's verdicts, then the fields that differ. */
export function compareTable(c: SweepComparison): string {
  const lines: string[] = [];
  for (const s of c.sweeps) {
    lines.push(`${s.name} (sweep ${s.id}, setting ${s.settingId}):`);
    const w = Math.max(0, ...s.verdicts.map((v) => v.group.length));
    for (const v of s.verdicts) lines.push(`  ${v.group.padEnd(w)}  ${v.headline} · ${v.seedNote}`);
  }
  lines.push('', c.diff.length === 0 ? 'specs and manifests: no field differs' : 'fields that differ:');
  const w = Math.max(0, ...c.diff.map((d) => d.field.length));
  for (const d of c.diff) lines.push(`  ${d.field.padEnd(w)}  ${d.values.join('  |  ')}`);
  return lines.join('\n');
}

/** Sweep names made unique for a legend (two sweeps may share a name across projects): "a", "a (2)". */
function uniqueNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n} (${k})`;
  });
}
