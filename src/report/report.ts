// `bct report`: one self-contained HTML file per sweep that works offline — every plot is inline SVG, the
// CSS is inline, nothing is fetched. It opens with a verdict per (method, LR), then the same step axis for
// transfer, capability and training loss, the setting in words, and the details. It embeds the report
// data as versioned JSON for scripts.

import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeInstability, formatLr, groupKey } from '../analysis/index.js';
import { cellCheckpointSteps, type Db, type GradedAnswer, type Project } from '../store/index.js';
import { analyzeSweep, summaryTable, type AnalysisOptions, type SweepAnalysis } from './analyze.js';
import { sweepCharts, type Chart, type ChartSection } from './charts.js';
import { BASE_CSS, esc, scriptJson, table } from './html.js';
import { renderSvg } from './plots.js';
import { examplesByClass, findSweep } from './record.js';
import { firstCells, settingHtml, verdictHtml } from './sections.js';
import { answerHtml, chatHtml, fieldTable } from './setting-view.js';

/**
 * Version of the JSON embedded in the report (`<script id="report-data">`). Bump on any change of meaning.
 * 2: `verdicts` and `rules` added; `groups[].steps` carries status, bracket, warnings and scheduleHint.
 */
export const REPORT_SCHEMA_VERSION = 2;

export interface ReportOptions extends AnalysisOptions {
  /** Example answers per class and checkpoint; default 2. */
  examplesPerClass?: number;
}

/** Builds the report of a sweep (the latest without `ref`) and returns its HTML. */
export async function buildReport(db: Db, ref?: string | number, opts: ReportOptions = {}): Promise<{ html: string; analysis: SweepAnalysis }> {
  const a = analyzeSweep(db, ref, opts);
  const charts = sweepCharts(a);
  const svgs = new Map<string, string>();
  for (const c of charts) svgs.set(c.id, await renderSvg(c.spec));
  const figures = (section: ChartSection, empty: string): string => {
    const own = charts.filter((c) => c.section === section);
    return own.length === 0 ? `<p class="muted">${esc(empty)}</p>` : `<div class="plots">${own.map((c) => figure(c, svgs.get(c.id)!)).join('')}</div>`;
  };
  const m = a.meta;
  const seeds = [...new Set(a.cells.map((c) => c.seed))];
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bctlab report: ${esc(m.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${BASE_CSS}</style></head>
<body><main>
<h1>Sweep ${esc(m.name)}</h1>
<p class="muted">setting <b>${esc(m.settingId)}</b> · ${a.style.families.map(esc).join(', ')} · LRs ${a.style.lrs.map(formatLr).join(', ')} · ${seeds.length} seed${seeds.length === 1 ? '' : 's'} · ${a.cells.length} cells · status ${esc(m.status)} · created ${esc(m.createdAt)}</p>
<nav class="toc"><a href="#verdicts">verdicts</a> <a href="#glance">at a glance</a> <a href="#setting">setting</a> <a href="#curves">transfer curves</a> <a href="#steps">steps to transfer</a> <a href="#capability">capability</a> <a href="#training">training</a> <a href="#examples">answers</a> <a href="#manifest">manifest</a></nav>
<h2 id="verdicts">Verdicts: setting ${esc(m.settingId)}</h2>
${verdictHtml(a)}
<h2 id="glance">Transfer, capability and training loss on one step axis</h2>
${figures('glance', 'No graded eval answers yet.')}
<h2 id="setting">The setting</h2>
${settingHtml(db, a)}
<h2 id="curves">Transfer curves</h2>
${figures('transfer', 'No graded eval answers yet.')}
<h2 id="steps">Steps to transfer</h2>
${stepsSection(a)}
<h3>Learning-rate check</h3>
${lrSection(a)}
${budgetSection(a)}
${figures('lr', '')}
<h2 id="capability">Capability</h2>
<p class="muted">Capability loss is the worst loss against the cell's step 0 over its evaluations: the relative drop of an accuracy, or of per-token likelihood, 1 − exp(−ΔNLL), for an NLL. ${esc(a.rules.broken)}</p>
${a.spread.length > 0 ? `<p class="muted" id="spread-rule">${esc(a.rules.spread)}</p>` : ''}
${figures('capability', 'No capability evaluations recorded.')}
<h2 id="training">Training loss and gradient norm</h2>
${figures('training', 'No training steps recorded (the record has no train_log rows for these cells).')}
${trainingNote(a)}
${instabilitySection(a)}
<h2 id="examples">Answers by class</h2>
${examplesSection(db, a, opts.examplesPerClass ?? 2)}
<h2 id="manifest">Sweep manifest</h2>
${manifestSection(a)}
<script type="application/json" id="report-data">${scriptJson({
    schemaVersion: REPORT_SCHEMA_VERSION,
    sweep: { id: m.id, name: m.name, settingId: m.settingId },
    threshold: a.threshold,
    broken: a.broken,
    rules: a.rules,
    instability: a.instability,
    verdicts: a.verdicts,
    groups: a.groups,
    lrPairs: a.lrPairs,
  })}</script>
</main></body></html>
`;
  return { html, analysis: a };
}

/** Writes the report of a sweep to `outPath`. */
export async function writeReport(db: Db, outPath: string, ref?: string | number, opts: ReportOptions = {}): Promise<SweepAnalysis> {
  const { html, analysis } = await buildReport(db, ref, opts);
  writeFileSync(outPath, html);
  return analysis;
}

/**
 * Writes the report of a sweep of a project (the latest without `ref`) to `out`, by default
 * `<project>/report-<sweep name>.html`, and returns the path, the analysis and the plain-text summary table.
 * This is what `bct report` and `bct demo` call.
 */
export async function writeSweepReport(
  project: Project,
  ref?: string | number,
  opts: ReportOptions & { out?: string } = {},
): Promise<{ path: string; analysis: SweepAnalysis; table: string }> {
  const sweep = findSweep(project.db, ref);
  const path = resolve(opts.out ?? join(project.dir, `report-${sweep.name.replace(/[^A-Za-z0-9._-]+/g, '_')}.html`));
  const analysis = await writeReport(project.db, path, sweep.id, opts);
  return { path, analysis, table: summaryTable(analysis) };
}

function figure(c: Chart, svg: string): string {
  return `<figure class="plot" data-chart="${esc(c.id)}">${svg}</figure>`;
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '–');

function stepsSection(a: SweepAnalysis): string {
  return (
    `<p class="muted">${esc(a.rules.steps)}</p>` +
    table(
      ['method', 'LR', 'status', 'steps [95%]', 'checkpoints around it', 'resampling alone', 'replicates that cross', 'seeds crossed', 'prompts', 'notes'],
      a.steps.map((s) => [
        esc(s.family),
        esc(formatLr(s.lr)),
        esc(s.status),
        esc(s.label),
        s.bracket === null ? '–' : `${s.bracket[0]} → ${s.bracket[1]}`,
        Number.isFinite(s.noiseLo) ? `${s.noiseLo.toFixed(1)} – ${Number.isFinite(s.noiseHi) ? s.noiseHi.toFixed(1) : '∞'}` : '–',
        pct(s.transferShare),
        `${s.seedsCrossed} of ${s.nSeeds}`,
        String(s.nPrompts),
        esc([...s.warnings, ...(s.scheduleHint !== null ? [s.scheduleHint] : [])].join('; ')),
      ]),
      ' id="steps-table"',
    )
  );
}

function lrSection(a: SweepAnalysis): string {
  if (a.lrPairs.length === 0) return '<p class="muted">No LR pair where the higher LR transferred.</p>';
  return (
    `<p class="muted">For each pair, S = steps to transfer at the high LR and N = high/low. The naive expectation is that the low LR transfers after N·S steps (multiple 1). ${esc(a.rules.lrCheck)}</p>` +
    table(
      ['method', 'high LR', 'low LR', 'N', 'S (high)', 'N·S', 'low LR: steps', 'as multiple of N·S', 'low-LR initial rate at N·S'],
      a.lrPairs.map((p) => [
        esc(p.family),
        esc(formatLr(p.lrHigh)),
        esc(formatLr(p.lrLow)),
        p.n.toFixed(1),
        p.stepsHigh.toFixed(1),
        p.naiveLowSteps.toFixed(0),
        esc(p.lowStatus === 'censored' ? `> ${p.stepsLow}` : p.stepsLow.toFixed(1)),
        esc(p.label),
        pct(p.lowRateAtNaive),
      ]),
      ' id="lr-table"',
    )
  );
}

function budgetSection(a: SweepAnalysis): string {
  if (a.equalBudget.length === 0) return '';
  return (
    '<p class="muted">Equal lr × steps: every LR read at the same budget (the largest that all LRs of the family reached). If only lr × steps mattered, the initial rates would agree.</p>' +
    table(
      ['method', 'LR', 'lr × steps', 'steps', 'initial rate'],
      a.equalBudget.map((r) => [esc(r.family), esc(formatLr(r.lr)), esc(Number(r.budget.toPrecision(3))), r.steps.toFixed(0), pct(r.initial)]),
      ' id="budget-table"',
    )
  );
}

function trainingNote(a: SweepAnalysis): string {
  if (a.trainLog.length === 0) return '';
  const missing = a.trainLog.filter((p) => p.gradNorm === null).length;
  if (missing === a.trainLog.length) return '<p class="muted" id="grad-norm-missing">The backend did not report gradient norms for these cells (NULL in the record): no gradient-norm chart.</p>';
  return '';
}

/** Which cells' training loss rose above the instability factor, with the rule in words. */
function instabilitySection(a: SweepAnalysis): string {
  if (a.instability.length === 0) return '';
  const info = new Map(a.cells.map((c) => [c.cellId, c]));
  const unstable = a.instability.filter((c) => c.unstable);
  const rows = unstable.map((c) => {
    const cell = info.get(c.cellId);
    return [esc(cell?.name ?? c.cellId), esc(cell?.family ?? ''), esc(cell === undefined ? '' : formatLr(cell.lr)), String(cell?.seed ?? ''), esc(describeInstability(c))];
  });
  return (
    `<p class="muted" id="instability-rule">${esc(a.rules.instability)}</p>` +
    (unstable.length === 0
      ? `<p id="instability">No cell is unstable (${a.instability.length} cells).</p>`
      : `<p id="instability">${unstable.length} of ${a.instability.length} cells are unstable:</p>${table(['cell', 'method', 'LR', 'seed', 'training'], rows, ' id="instability-table"')}`)
  );
}

function examplesSection(db: Db, a: SweepAnalysis, perClass: number): string {
  const parts = firstCells(a).map((c, i) => {
    const steps = cellCheckpointSteps(db, c.id);
    if (steps.length === 0) return '';
    const picks = [...new Set([steps[0]!, steps[steps.length - 1]!])];
    const cols = picks.map((step) => {
      const ex = examplesByClass(db, c.id, step, perClass);
      const body = (Object.entries(ex) as [string, GradedAnswer[]][])
        .map(([cls, rows]) => `<div class="cls"><span class="tag ${esc(cls)}">${esc(cls)}</span> ${rows.length === 0 ? '<span class="muted">none</span>' : rows.map((r) => `<div class="example">${chatHtml(r.prompt)}${answerHtml(r)}</div>`).join('')}</div>`)
        .join('');
      return `<td><b>step ${step}</b>${body}</td>`;
    });
    const v = a.verdicts.find((x) => x.group === groupKey(c));
    return `<details${i === 0 ? ' open' : ''}><summary>${esc(groupKey(c))} · seed ${c.seed} · ${esc(v?.headline ?? '')}</summary><table class="examples"><tr>${cols.join('')}</tr></table></details>`;
  });
  return parts.join('') || '<p class="muted">No answers recorded.</p>';
}

function manifestSection(a: SweepAnalysis): string {
  const instabilityOf = new Map(a.instability.map((c) => [c.cellId, c.unstable ? `unstable from step ${c.from}` : c.peakStep === null ? 'too short to judge' : 'stable']));
  const cells = table(
    ['cell', 'method', 'LR', 'seed', 'batch', 'steps', 'status', 'steps to transfer (this seed)', 'training'],
    a.cells.map((c) => [
      esc(c.name),
      esc(c.family),
      esc(formatLr(c.lr)),
      String(c.seed),
      String(c.batchSize),
      String(c.steps),
      esc(c.status),
      esc(a.cellCrossings.get(c.cellId)?.label ?? '–'),
      esc(instabilityOf.get(c.cellId) ?? '–'),
    ]),
    ' id="cells-table"',
  );
  return (
    `<p class="muted">Paths are cut to their last two parts: the record keeps the machine's own.</p>` +
    `<details><summary>Manifest (versions, seeds, hashes, config)</summary>${fieldTable(a.meta.manifest, ' id="manifest-table"')}</details>` +
    `<details><summary>Sweep spec</summary>${fieldTable(a.meta.spec, ' id="spec-table"')}</details>` +
    `<h3>Cells</h3>${cells}`
  );
}
