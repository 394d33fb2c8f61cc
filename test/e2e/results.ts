// A sweep's results as a researcher reads them (the metrics, capability and grades exports), in a form
// that can be compared across projects: cells named instead of numbered, row ids left out (ids differ
// between projects that hold the same results).
import { EXPORT_TABLES } from '../../src/cli/export.js';
import { openProject, resolveSweep } from '../../src/store/index.js';

export interface SweepResults {
  metrics: unknown[];
  capability: unknown[];
  grades: unknown[];
}

export function sweepResults(projectDir: string, sweepRef: string): SweepResults {
  const project = openProject(projectDir, { readonly: true });
  try {
    const sweep = resolveSweep(project.db, sweepRef);
    const names = new Map((project.db.prepare(`SELECT id, name FROM cells WHERE sweep_id = ?`).all(sweep.id) as { id: number; name: string }[]).map((c) => [c.id, c.name]));
    const rows = (table: string) => EXPORT_TABLES[table]!.rows(project.db, sweep.id).map(({ cell_id, sweep_id, sample_id, ...r }) => ({ cell: names.get(Number(cell_id)) ?? r.cell, ...r }));
    return { metrics: rows('metrics'), capability: rows('capability'), grades: rows('grades') };
  } finally {
    project.db.close();
  }
}
