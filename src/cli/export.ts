// `bct export`: a sweep's rows as CSV or JSONL, for notebooks. Each exportable table is one entry of
// EXPORT_TABLES (add one line there to export another). The metrics table's broken column follows the
// broken rule of `--broken`, as `bct status` and `bct report` do (analysis-flags.ts).
import { z } from 'zod';
import type { BrokenThresholds } from '../analysis/index.js';
import { ConfigError } from '../errors.js';
import { resolveSweep, type Db } from '../store/index.js';
import { sweepCapabilityRows, sweepCellRows, sweepGradeRows, sweepMetricsRows, trainLogRows, type ExportRow } from '../report/index.js';
import { type Command, writeLine } from './command.js';
import { parseCommandLine } from './config.js';
import { analysisFlagsSchema, brokenOption } from './analysis-flags.js';
import { type CliOptions, type CommandHelp } from './options.js';
import { sweepOptions } from './sweep-options.js';
import { checkOutputFile, openProjectToRead, writeOutputFile } from './paths.js';

/** What the analysis reads rows by: the broken rule (`--broken`). */
export interface ExportOptions {
  broken: BrokenThresholds;
}

export interface ExportTable {
  description: string;
  /** Whether the rows follow the broken rule (`--broken`); a table that does not refuses the flag. */
  broken?: true;
  /** `o` absent: the default rule (DEFAULT_BROKEN), as `bct export` without the flag. */
  rows(db: Db, sweepId: number, o?: ExportOptions): ExportRow[];
}

/** Every table starts with sweep_id, sweep, cell_id, cell, method, lora_rank, lr, seed, batch_size (so
 *  tables join on sweep_id, cell_id and step) and is sorted by cell id, then step, as numbers. */
export const EXPORT_TABLES: Record<string, ExportTable> = {
  metrics: {
    description: 'one row per checkpoint: each class rate with its 95% interval, capability loss, broken (by --broken; src/analysis)',
    broken: true,
    rows: (db, id, o) => sweepMetricsRows(db, id, o?.broken),
  },
  grades: {
    description: 'one row per graded eval/train answer: step, prompt, answer, label, score, the grader\'s reason',
    rows: sweepGradeRows,
  },
  cells: {
    description: 'one row per cell: steps, status, training key',
    rows: sweepCellRows,
  },
  capability: {
    description: 'one row per capability metric per checkpoint: metric, value, n, higher_is_better',
    rows: sweepCapabilityRows,
  },
  train_log: {
    description: 'one row per optimizer step: training loss, gradient norm, tokens, latency',
    rows: trainLogRows,
  },
};

export function toCsv(rows: readonly ExportRow[]): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]!);
  const cell = (v: string | number | null): string => {
    if (v === null) return '';
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return `${[cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c] ?? null)).join(','))].join('\n')}\n`;
}

export function toJsonl(rows: readonly ExportRow[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : '');
}

interface ExportConfig {
  table: string; // which table; default grades
  format: 'csv' | 'jsonl'; // output format; default csv
  out?: string; // file to write; default stdout
  project: string; // project folder; default .bct
  broken: BrokenThresholds; // which checkpoints the metrics table calls broken (analysis-flags.ts)
}

const options: CliOptions<ExportConfig> = {
  table: { description: `table to export: ${Object.keys(EXPORT_TABLES).join(', ')} (default grades)`, argument: '<table>' },
  format: { description: 'csv or jsonl (default csv)', argument: '<format>' },
  out: { description: 'file to write (default: standard output)', argument: '<file>' },
  project: sweepOptions.project,
  broken: brokenOption,
};
const schema = z
  .object({ table: z.string().default('grades'), format: z.enum(['csv', 'jsonl']).default('csv'), out: z.string().min(1).optional(), project: z.string().default('.bct'), broken: analysisFlagsSchema.broken })
  .strict();

const help: CommandHelp = {
  usage: 'bct export [sweep] [options]',
  arguments: ['sweep'],
  summary: `Writes a sweep's rows (default the latest sweep) as CSV or JSONL. Tables:\n${Object.entries(EXPORT_TABLES).map(([k, t]) => `  ${k}: ${t.description}`).join('\n')}`,
  examples: ['bct export --format jsonl --out grades.jsonl', 'bct export my-sweep --table capability', 'bct export 2 --table cells --format csv', 'bct export --table metrics --broken capability=0.2,spread=off'],
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
    if (args.values.broken !== undefined && table.broken !== true) {
      const readers = Object.entries(EXPORT_TABLES).filter(([, t]) => t.broken === true).map(([k]) => k);
      throw new ConfigError(`the ${c.table} table has no broken column; the broken rule is read by --table ${readers.join(', ')}`, '--broken');
    }
    if (c.out !== undefined) checkOutputFile(c.out, '--out');
    const project = openProjectToRead(c.project);
    try {
      const ref = args.positionals[0];
      const sweep = resolveSweep(project.db, ref);
      const rows = table.rows(project.db, sweep.id, { broken: c.broken });
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
