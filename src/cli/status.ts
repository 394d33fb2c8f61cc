// `bct status`: what a sweep has done so far: its pre-check and training data (source, kept fraction,
// training signal), its verdicts, cells by status, checkpoints recorded, rates, and tokens and cost; as lines, or with --json as one JSON document (fields in src/cli/README.md). The
// verdicts and rates are the report's (src/report analyzeSweep), so the two never disagree.
import { z } from 'zod';
import { brokenRuleLine, type BrokenThresholds, type Rate } from '../analysis/index.js';
import { formatCheck, formatData, sweepCosts, type CheckResult, type Cost, type Dataset, type DataSummary, type TrainExample } from '../pipeline/index.js';
import { analyzeSweep, capabilityBlock, instabilityBlock, round6, verdictBlock, type AnalysisOptions, type SweepAnalysis } from '../report/index.js';
import { getDataset, latestCheck, listCells, listCheckpoints, resolveSweep, type CellRow, type Db, type SweepRow, type TokenUsage } from '../store/index.js';
import { analysisFlagsSchema, brokenOption, instabilityOption } from './analysis-flags.js';
import { type Command, writeLine } from './command.js';
import { parseCommandLine } from './config.js';
import { jsonOption, type CliOptions, type CommandHelp } from './options.js';
import { sweepOptions } from './sweep-options.js';
import { cellRates, costLines, rateLines } from './summary.js';
import { openProjectToRead } from './paths.js';
import { cellState, sweepState, type ShownStatus, type SweepState } from './sweep-state.js';

interface StatusConfig {
  project: string; // project folder; default .bct
  json: boolean; // one JSON document instead of lines
  broken: BrokenThresholds; // which checkpoints are broken (analysis-flags.ts)
  instability: number; // training-loss rise that makes a cell unstable; default 10
}

const options: CliOptions<StatusConfig> = { project: sweepOptions.project, json: jsonOption, broken: brokenOption, instability: instabilityOption };
const schema = z.object({ project: z.string().default('.bct'), json: z.boolean().default(false), ...analysisFlagsSchema }).strict();

/** Version of `bct status --json`: bumped when a field changes meaning or goes away (adding one does not). */
export const STATUS_SCHEMA_VERSION = 1;

const help: CommandHelp = {
  usage: 'bct status [sweep] [options]',
  arguments: ['sweep'],
  summary:
    'Shows a sweep (by name or id; default the latest): its status, its pre-check, where its training\n' +
    'targets came from (what a sampled source kept, and the training signal), a verdict per method and LR\n' +
    '(as in `bct report`), each cell\'s status and checkpoints, the eval/train rates at the first and last\n' +
    'recorded checkpoints, and the tokens and cost of what the record holds, per cell and in all (at the\n' +
    'sweep\'s prices), against its budget. --json prints all of it, every checkpoint\'s rates included, as\n' +
    'one JSON document.',
  examples: ['bct status', 'bct status animal-flag-1a2b3c4d', 'bct status 3 --project runs/.bct', 'bct status --json | jq .verdicts'],
};

/** Everything `bct status` shows, read once. */
interface SweepStatus {
  sweep: SweepRow;
  state: SweepState;
  cells: { cell: CellRow; status: ShownStatus; checkpoints: number; scheduled: number }[];
  check: CheckResult | null;
  /** The training data the sweep's manifest names, as recorded; null for a sweep recorded before it did. */
  data: Dataset | null;
  analysis: SweepAnalysis;
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'show the progress, verdicts and rates of a sweep',
  async run(argv, io) {
    const parsed = parseCommandLine(argv, options, schema, help, (t) => io.out.write(t));
    if (parsed === undefined) return 0;
    const { args, config: c } = parsed;
    const project = openProjectToRead(c.project);
    try {
      const sweep = resolveSweep(project.db, args.positionals[0]);
      const s = readStatus(project.db, project.dir, sweep, { broken: c.broken, instabilityFactor: c.instability });
      if (c.json) writeLine(io.out, JSON.stringify(statusJson(project.db, s), null, 2));
      else for (const l of statusLines(project.db, s)) writeLine(io.out, l);
      return 0;
    } finally {
      project.db.close();
    }
  },
};

function readStatus(db: Db, projectDir: string, sweep: SweepRow, opts: AnalysisOptions): SweepStatus {
  const state = sweepState(projectDir, sweep);
  const cells = listCells(db, sweep.id).map((cell) => {
    const schedule = (JSON.parse(cell.schedule_json) as { steps: number[] }).steps;
    const checkpoints = listCheckpoints(db, cell.train_key).filter((k) => schedule.includes(k.step)).length;
    return { cell, status: cellState(cell, state.status), checkpoints, scheduled: schedule.length };
  });
  const check = latestCheck(db, sweep.setting_hash, sweep.organism_json);
  return { sweep, state, cells, check: check === undefined ? null : (JSON.parse(check.resultJson) as CheckResult), data: sweepDataset(db, sweep), analysis: analyzeSweep(db, sweep.id, opts) };
}

/** The dataset a sweep trained on: the record's row under the key its manifest names, with its source,
 *  kept fraction and training signal (a row recorded before its source was takes the manifest's). */
function sweepDataset(db: Db, sweep: SweepRow): Dataset | null {
  const manifest = JSON.parse(sweep.manifest_json) as { hashes?: { dataset?: string }; dataset?: Pick<DataSummary, 'source' | 'yield'> };
  const key = manifest.hashes?.dataset;
  const row = key === undefined ? undefined : getDataset(db, key);
  if (key === undefined || row === undefined) return null;
  const summary: DataSummary | undefined = row.source_json !== null ? (JSON.parse(row.source_json) as DataSummary) : manifest.dataset;
  if (summary === undefined) return null;
  return { key, examples: JSON.parse(row.examples_json) as TrainExample[], dropped: JSON.parse(row.dropped_json) as Dataset['dropped'], summary };
}

/** A dataset as `bct status --json` and `bct check --json` show it: its key, examples and dropped prompts
 *  counted, its source, what a sampled source kept (`yield`, null for any other) and the training signal
 *  (null in a dataset recorded before bctlab measured it). */
export function datasetJson(d: Dataset) {
  const { source, yield: kept, signal } = d.summary;
  return { key: d.key, examples: d.examples.length, dropped: d.dropped.length, source, yield: kept ?? null, signal: signal ?? null };
}

/** What a cell can show as (a sweep, not a cell, is stopped at its budget). */
const CELL_STATUSES = ['done', 'running', 'pending', 'failed', 'interrupted'] as const;

function countByStatus(s: SweepStatus): Record<(typeof CELL_STATUSES)[number], number> {
  return Object.fromEntries(CELL_STATUSES.map((st) => [st, s.cells.filter((x) => x.status === st).length])) as Record<(typeof CELL_STATUSES)[number], number>;
}

function statusLines(db: Db, s: SweepStatus): string[] {
  const { sweep, state } = s;
  const n = countByStatus(s);
  const interrupted = n.interrupted > 0 ? `, ${n.interrupted} interrupted` : '';
  const lines = [`sweep ${sweep.id} ${sweep.name}: ${state.status}; setting ${sweep.setting_id}; cells: ${n.done} done, ${n.running} running, ${n.pending} pending, ${n.failed} failed${interrupted}`];
  if (state.note !== undefined) lines.push(`  ${state.note}`);
  else if (sweep.error !== null) lines.push(`  error: ${sweep.error}`);
  if (s.check !== null) lines.push(...formatCheck(s.check).map((l) => `  ${l}`));
  if (s.data !== null) lines.push(...formatData(s.data).map((l) => `  ${l}`));
  lines.push(...verdictBlock(s.analysis));
  for (const { cell, status, checkpoints, scheduled } of s.cells) {
    lines.push(`  ${cell.name}: ${status}, checkpoints ${checkpoints}/${scheduled}${cell.error !== null && status === 'failed' ? `, error: ${cell.error}` : ''}`);
  }
  lines.push(...rateLines(cellRates(s.analysis.cells, s.analysis.rates)), ...capabilityBlock(s.analysis), ...instabilityBlock(s.analysis), ...costLines(db, sweep.id));
  return lines;
}

/** A rate with its 95% interval, rounded to 6 decimals; no answers gives null rate and bounds. */
const rateJson = (r: Rate): { k: number; n: number; rate: number | null; lo: number | null; hi: number | null } => ({ k: r.k, n: r.n, rate: round6(r.rate), lo: round6(r.lo), hi: round6(r.hi) });

const tokensJson = (u: TokenUsage, cost: Cost) => ({ organism: u.organism, judge: u.judge, usd: cost.usd });

/** The `bct status --json` document (src/cli/README.md lists its fields). */
function statusJson(db: Db, s: SweepStatus) {
  const { sweep, state, analysis: a } = s;
  const costs = sweepCosts(db, sweep.id);
  return {
    schemaVersion: STATUS_SCHEMA_VERSION,
    sweep: {
      id: sweep.id,
      name: sweep.name,
      settingId: sweep.setting_id,
      status: state.status,
      recordedStatus: sweep.status,
      note: state.note ?? null,
      error: sweep.error,
      createdAt: sweep.created_at,
      updatedAt: sweep.updated_at,
    },
    counts: countByStatus(s),
    check: s.check,
    dataset: s.data === null ? null : datasetJson(s.data),
    threshold: a.threshold,
    broken: { ...a.broken, rule: brokenRuleLine(a.broken) },
    verdicts: a.verdicts.map((v) => ({
      group: v.group,
      family: v.family,
      lr: v.lr,
      kind: v.kind,
      headline: v.headline,
      atStep: v.atStep,
      steps: round6(v.steps),
      lo: round6(v.lo),
      hi: round6(v.hi),
      lastStep: v.lastStep,
      nSeeds: v.nSeeds,
      seedsCrossed: v.seedsCrossed,
      perSeed: v.perSeed.map((p) => ({ cellId: Number(p.cellId), seed: p.seed, label: p.label, crossed: p.crossed })),
      capabilityLoss: round6(v.capabilityLoss),
      spread: round6(v.spreadRate),
      brokenFrom: v.brokenFrom,
      warnings: v.warnings,
    })),
    cells: s.cells.map(({ cell, status, checkpoints, scheduled }) => ({
      id: cell.id,
      name: cell.name,
      status,
      method: cell.lora_rank !== null && cell.lora_rank > 0 ? 'lora' : 'full',
      loraRank: cell.lora_rank ?? 0,
      lr: cell.lr,
      seed: cell.seed,
      batchSize: cell.batch_size,
      steps: cell.steps,
      checkpoints,
      scheduledCheckpoints: scheduled,
      error: cell.error,
    })),
    // Per (method, LR) at its last checkpoint (seed means): each capability evaluation's value and loss
    // against step 0, and the spread of the alternate, pooled and per evaluation.
    capability: a.groups.map((g) => ({
      group: g.group,
      family: g.family,
      lr: g.lr,
      step: g.lastStep,
      loss: round6(g.capabilityLoss),
      evals: Object.fromEntries(Object.entries(g.capability).map(([name, m]) => [name, { value: round6(m.value), loss: round6(m.loss) }])),
      spread: round6(g.spread),
      spreadByEval: Object.fromEntries(Object.entries(g.spreadByEval).map(([name, x]) => [name, round6(x)])),
    })),
    instability: {
      factor: a.instabilityFactor,
      cells: a.instability.map((c) => ({
        cellId: Number(c.cellId),
        unstable: c.unstable,
        from: c.from,
        earlyLoss: c.earlyLoss,
        earlySteps: c.earlySteps,
        peakLoss: Number.isFinite(c.peakLoss) ? c.peakLoss : null,
        peakStep: c.peakStep,
        ratio: Number.isFinite(c.ratio) ? c.ratio : null,
      })),
    },
    rates: cellRates(a.cells, a.rates).map((r) => ({
      cellId: r.cellId,
      cell: r.name,
      step: r.step,
      initial: rateJson(r.eval.initial),
      alternate: rateJson(r.eval.alternate),
      other: rateJson(r.eval.other),
      compatible: rateJson(r.compatible),
      errors: r.errors,
    })),
    tokens: {
      cells: costs.cells.map((c) => ({ cellId: c.cellId, cell: c.name, ...tokensJson(c.usage, c.cost) })),
      check: costs.check === null ? null : tokensJson(costs.check.usage, costs.check.cost),
      data: costs.data === null ? null : tokensJson(costs.data.usage, costs.data.cost),
      total: tokensJson(costs.total.usage, costs.total.cost),
      missingPrices: costs.total.cost.missing,
      unmetered: costs.unmetered,
      budget: costs.budget ?? null,
    },
  };
}
