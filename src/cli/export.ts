// `bct export`: a sweep's rows as CSV or JSONL, for notebooks. Each exportable table is one entry of
// EXPORT_TABLES (add one line there to export another).
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { resolveSweep, type Db } from '../store/index.js';
import { sweepMetricsRows } from '../report/index.js';
import { type Command, writeLine } from './command.js';
import { parseCommandLine } from './config.js';
import { type CliOptions, type CommandHelp } from './options.js';
import { sweepOptions } from './sweep-options.js';
import { checkOutputFile, openProjectToRead, writeOutputFile } from './paths.js';

type Row = Record<string, string | number | null>;

export interface ExportTable {
  description: string;
  rows(db: Db, sweepId: number): Row[];
}

export const EXPORT_TABLES: Record<string, ExportTable> = {
  metrics: {
    description: 'one row per checkpoint: each class rate with its 95% interval, capability loss, broken (src/analysis)',
    rows: (db, id) => sweepMetricsRows(db, id),
  },
  grades: {
    description: 'one row per graded eval/train answer: cell axes, step, prompt, answer, label, reason',
    rows: (db, id) =>
      db
        .prepare(
          `SELECT c.name AS cell, c.lr, c.seed, c.batch_size, c.lora_rank, v.step, v.examples_seen, v.split, v.prompt_id,
                  v.sample_index, s.completion, v.label, v.score, g.reason
           FROM sweep_grades v JOIN cells c ON c.id = v.cell_id JOIN samples s ON s.id = v.sample_id
           JOIN grades g ON g.sample_id = v.sample_id AND g.label = v.label
             AND g.grader_key = (SELECT CASE v.split WHEN 'eval' THEN w.eval_grader_key ELSE w.train_grader_key END FROM sweeps w WHERE w.id = v.sweep_id)
           WHERE v.sweep_id = ? ORDER BY c.id, v.step, v.split, v.prompt_id, v.sample_index`,
        )
        .all(id) as Row[],
  },
  cells: {
    description: 'one row per cell: axes, steps, status',
    rows: (db, id) => db.prepare(`SELECT id, name, lr, seed, batch_size, steps, lora_rank, status, train_key FROM cells WHERE sweep_id = ? ORDER BY id`).all(id) as Row[],
  },
  capability: {
    description: 'one row per capability metric per checkpoint',
    rows: (db, id) =>
      db
        .prepare(
          `SELECT c.name AS cell, c.lr, c.seed, k.step, m.name AS metric, m.value, m.n, m.higher_is_better
           FROM cells c JOIN cell_metrics cm ON cm.cell_id = c.id
           JOIN checkpoints k ON k.id = cm.checkpoint_id JOIN metrics m ON m.id = cm.metric_id
           WHERE c.sweep_id = ? ORDER BY c.id, k.step, m.name`,
        )
        .all(id) as Row[],
  },
};

export function toCsv(rows: readonly Row[]): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]!);
  const cell = (v: string | number | null): string => {
    if (v === null) return '';
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return `${[cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c] ?? null)).join(','))].join('\n')}\n`;
}

export function toJsonl(rows: readonly Row[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : '');
}

interface ExportConfig {
  table: string; // which table; default grades
  format: 'csv' | 'jsonl'; // output format; default csv
  out?: string; // file to write; default stdout
  project: string; // project folder; default .bct
}

const options: CliOptions<ExportConfig> = {
  table: { description: `table to export: ${Object.keys(EXPORT_TABLES).join(', ')} (default grades)`, argument: '<table>' },
  format: { description: 'csv or jsonl (default csv)', argument: '<format>' },
  out: { description: 'file to write (default: standard output)', argument: '<file>' },
  project: sweepOptions.project,
};
const schema = z
  .object({ table: z.string().default('grades'), format: z.enum(['csv', 'jsonl']).default('csv'), out: z.string().min(1).optional(), project: z.string().default('.bct') })
  .strict();

const help: CommandHelp = {
  usage: 'bct export [sweep] [options]',
  arguments: ['sweep'],
  summary: `Writes a sweep's rows (default the latest sweep) as CSV or JSONL. Tables:\n${Object.entries(EXPORT_TABLES).map(([k, t]) => `  ${k}: ${t.description}`).join('\n')}`,
  examples: ['bct export --format jsonl --out grades.jsonl', 'bct export my-sweep --table capability', 'bct export 2 --table cells --format csv'],
};

export const exportCommand: Command = {
  name: 'export',
  summary: 'export a sweep as CSV or JSONL',
  async run(argv, io) {
    const parsed = parseCommandLine(argv, options, schema, help, (t) => io.out.write(t));
    if (parsed === undefined) return 0;
    const { args, config: c } = parsed;
    const table = EXPORT_TABLES[c.table];
    if (table === undefined) throw new ConfigError(`unknown table "${c.table}"; expected one of ${Object.keys(EXPORT_TABLES).join(', ')}`, '--table');
    if (c.out !== undefined) checkOutputFile(c.out, '--out');
    const project = openProjectToRead(c.project);
    try {
      const ref = args.positionals[0];
      const sweep = resolveSweep(project.db, ref);
      const rows = table.rows(project.db, sweep.id);
      const text = c.format === 'csv' ? toCsv(rows) : toJsonl(rows);
      if (c.out === undefined) io.out.write(text);
      else {
        writeOutputFile(c.out, text, '--out');
        writeLine(io.out, `wrote ${rows.length} rows to ${c.out}`);
      }
      return 0;
    } finally {
      project.db.close();
    }
  },
};
