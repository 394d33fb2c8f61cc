// `bct report`: one self-contained HTML file per sweep that works offline — every plot is inline SVG, the
// CSS is inline, nothing is fetched. It embeds the report data as versioned JSON for scripts.

import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatLr, groupKey, type EvalClass } from '../analysis/index.js';
import type { Db, Project } from '../store/index.js';
import { analyzeSweep, summaryTable, type AnalysisOptions, type SweepAnalysis } from './analyze.js';
import { BASE_CSS, esc, jsonBlock, pctInterval, scriptJson, table } from './html.js';
import { capabilityMetricsSpec, capabilitySpec, curveSpec, paretoSpec, renderSvg, type CurveAxis } from './plots.js';
import { cellSteps, examplesByClass, findSweep, type SampleRow } from './record.js';

/** Version of the JSON embedded in the report (`<script id="report-data">`). Bump on any change of meaning. */
export const REPORT_SCHEMA_VERSION = 1;

export interface ReportOptions extends AnalysisOptions {
  /** Example answers per class and checkpoint; default 2. */
  examplesPerClass?: number;
}

/** Builds the report of a sweep (the latest without `ref`) and returns its HTML. */
export async function buildReport(db: Db, ref?: string | number, opts: ReportOptions = {}): Promise<{ html: string; analysis: SweepAnalysis }> {
  const a = analyzeSweep(db, ref, opts);
  const svg = async (spec: Parameters<typeof renderSvg>[0]): Promise<string> => `<div class="plot">${await renderSvg(spec)}</div>`;
  const curve = (cls: EvalClass, axis: CurveAxis, title: string): Promise<string> => svg(curveSpec(a.curves, cls, axis, { title }));
  const hasCurves = a.curves.length > 0;
  const plotsTransfer = hasCurves
    ? [
        await curve('initial', 'step', 'initial behaviour on eval prompts vs steps'),
        await curve('initial', 'samplesSeen', 'initial behaviour vs training samples seen'),
        await curve('alternate', 'step', 'alternate behaviour vs steps'),
        await curve('other', 'step', 'other answers vs steps'),
      ].join('')
    : '<p class="muted">No graded eval answers yet.</p>';
  const plotLrSteps = hasCurves ? await curve('initial', 'lrSteps', 'initial behaviour at equal lr × steps') : '';
  const plotsCapability =
    a.losses.length > 0
      ? (await svg(capabilitySpec(a.losses, a.cells, a.broken.capabilityLoss))) + (await svg(paretoSpec(a.pareto))) + (await svg(capabilityMetricsSpec(a.capability, a.cells)))
      : '<p class="muted">No capability evaluations recorded.</p>';

  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bctlab report: ${esc(a.meta.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${BASE_CSS}</style></head>
<body><main>
<h1>Sweep ${esc(a.meta.name)}</h1>
<p class="muted">setting <b>${esc(a.meta.settingId)}</b> · status ${esc(a.meta.status)} · created ${esc(a.meta.createdAt)} · ${a.cells.length} cells</p>
${summarySection(a)}
<h2 id="setting">Setting and pre-check</h2>
${checkSection(a)}
<h2 id="curves">Transfer curves</h2>
<p class="muted">Mean over seeds; the band is the seeds' range (one seed: its 95% interval). x is symlog so that step 0 is shown. Dashed: the ${esc(a.threshold)} threshold.</p>
<div class="plots">${plotsTransfer}</div>
<h2 id="steps">Steps to transfer</h2>
${stepsSection(a)}
<h3>Learning-rate check</h3>
${lrSection(a)}
${budgetSection(a)}
<div class="plots">${plotLrSteps}</div>
<h2 id="capability">Capability</h2>
<p class="muted">Capability loss is the worst loss against the cell's step 0 over its evaluations: the relative drop of an accuracy, or the relative drop of per-token likelihood, 1 − exp(−ΔNLL), for an NLL. A checkpoint with capability loss ≥ ${esc(a.broken.capabilityLoss)} or an other-rate ≥ ${esc(a.broken.otherRate)} is <b>broken</b>: its drop in the initial behaviour is not counted as transfer.</p>
<div class="plots">${plotsCapability}</div>
<h2 id="examples">Example answers</h2>
${examplesSection(db, a, opts.examplesPerClass ?? 2)}
<h2 id="manifest">Sweep manifest</h2>
${manifestSection(a)}
<script type="application/json" id="report-data">${scriptJson({
    schemaVersion: REPORT_SCHEMA_VERSION,
    sweep: { id: a.meta.id, name: a.meta.name, settingId: a.meta.settingId },
    threshold: a.threshold,
    broken: a.broken,
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

const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '–');

function summarySection(a: SweepAnalysis): string {
  return table(
    ['family', 'LR', 'last step', 'initial', 'alternate', 'other', `steps to initial < ${pct(a.threshold)}`, 'capability loss'],
    a.groups.map((g) => [
      esc(g.family),
      esc(formatLr(g.lr)),
      `<span class="num">${g.lastStep}</span>`,
      pct(g.initial),
      pct(g.alternate),
      pct(g.other),
      esc(g.steps?.label ?? '–'),
      pct(g.capabilityLoss),
    ]),
    ' id="summary"',
  );
}

interface CheckPart {
  k: number;
  n: number;
  rate: number;
  lo: number;
  hi: number;
  threshold: number;
  passed: boolean;
  offending?: string[];
}

function checkSection(a: SweepAnalysis): string {
  const m = a.meta;
  const head = `<p>setting <b>${esc(m.settingId)}</b> (hash <code>${esc(m.settingHash)}</code>)</p><h3>Model organism</h3>${jsonBlock(m.organism)}<h3>Graders</h3>${jsonBlock(m.graders)}`;
  if (m.check === null) return `${head}<p class="bad">No pre-check of this setting on this organism is recorded.</p>`;
  // The result holds one { k, n, rate, … } object per criterion next to plain fields (ids, the verdict).
  const result = m.check.result as Record<string, unknown>;
  const criteria = Object.entries(result).filter((e): e is [string, CheckPart] => {
    const v = e[1] as Partial<CheckPart> | null;
    return typeof v === 'object' && v !== null && typeof v.k === 'number' && typeof v.n === 'number';
  });
  const rows = criteria.map(([name, c]) => [
    esc(name),
    `${c.k}/${c.n}`,
    esc(pctInterval(c.rate, c.lo, c.hi)),
    `≥ ${esc(c.threshold)}`,
    c.passed ? '<span class="ok">pass</span>' : '<span class="bad">FAIL</span>',
    esc((c.offending ?? []).slice(0, 20).join(', ')),
  ]);
  return `${head}<h3>Pre-check: ${m.check.passed ? '<span class="ok">passed</span>' : '<span class="bad">failed</span>'}</h3>${table(['criterion', 'count', 'rate [95%]', 'needs', 'result', 'offending prompts'], rows, ' id="precheck"')}`;
}

function stepsSection(a: SweepAnalysis): string {
  return (
    `<p class="muted">First crossing of the seed-averaged initial rate below ${pct(a.threshold)}, interpolated between checkpoints; 95% bootstrap over prompts and seeds. "&gt; N": not reached in N steps (censored).</p>` +
    table(
      ['family', 'LR', 'status', 'steps [95%]', 'share of bootstrap replicates that transfer', 'seeds', 'prompts'],
      a.steps.map((s) => [esc(s.family), esc(formatLr(s.lr)), esc(s.status), esc(s.label), pct(s.transferShare), String(s.nSeeds), String(s.nPrompts)]),
      ' id="steps-table"',
    )
  );
}

function lrSection(a: SweepAnalysis): string {
  if (a.lrPairs.length === 0) return '<p class="muted">No LR pair where the higher LR transferred.</p>';
  return (
    '<p class="muted">For each pair, S = steps to transfer at the high LR and N = high/low. The naive expectation is that the low LR transfers after N·S steps (multiple 1). The companion note reports low LRs still not transferred at 6·N·S or more.</p>' +
    table(
      ['family', 'high LR', 'low LR', 'N', 'S (high)', 'N·S', 'low LR: steps', 'as multiple of N·S', 'low-LR initial rate at N·S'],
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
      ['family', 'LR', 'lr × steps', 'steps', 'initial rate'],
      a.equalBudget.map((r) => [esc(r.family), esc(formatLr(r.lr)), esc(Number(r.budget.toPrecision(3))), r.steps.toFixed(0), pct(r.initial)]),
      ' id="budget-table"',
    )
  );
}

function examplesSection(db: Db, a: SweepAnalysis, perClass: number): string {
  // One cell per (family, LR): the lowest seed.
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const c of a.cells) {
    const g = groupKey(c);
    if (seen.has(g)) continue;
    seen.add(g);
    const steps = cellSteps(db, c.id);
    if (steps.length === 0) continue;
    const picks = [...new Set([steps[0]!, steps[steps.length - 1]!])];
    const cols = picks.map((step) => {
      const ex = examplesByClass(db, c.id, step, perClass);
      const body = (Object.entries(ex) as [string, SampleRow[]][])
        .map(([cls, rows]) => `<div><span class="tag ${esc(cls)}">${esc(cls)}</span> ${rows.length === 0 ? '<span class="muted">none</span>' : rows.map((r) => `<div class="answer" title="${esc(r.reason)}"><span class="muted">${esc(r.promptId)} · ${esc(promptText(r.prompt))}</span><br>${esc(r.completion)}</div>`).join('')}</div>`)
        .join('');
      return `<td><b>step ${step}</b>${body}</td>`;
    });
    parts.push(`<h3>${esc(g)} · seed ${c.seed} · cell ${esc(c.name)}</h3><table class="examples"><tr>${cols.join('')}</tr></table>`);
  }
  return parts.join('') || '<p class="muted">No answers recorded.</p>';
}

function manifestSection(a: SweepAnalysis): string {
  const cells = table(
    ['cell', 'family', 'LR', 'seed', 'batch', 'steps', 'status', 'steps to transfer (this seed)'],
    a.cells.map((c) => [
      esc(c.name),
      esc(c.family),
      esc(formatLr(c.lr)),
      String(c.seed),
      String(c.batchSize),
      String(c.steps),
      esc(c.status),
      esc(a.cellCrossings.get(c.cellId)?.label ?? '–'),
    ]),
    ' id="cells-table"',
  );
  return `<h3>Manifest (versions, seeds, hashes)</h3>${jsonBlock(a.meta.manifest)}<h3>Sweep spec</h3>${jsonBlock(a.meta.spec)}<h3>Cells</h3>${cells}`;
}

/** The last message of a recorded prompt (`[{ role, content }]`), or the raw text if it is not that shape. */
function promptText(promptJson: string): string {
  try {
    const msgs = JSON.parse(promptJson) as { role?: string; content?: string }[];
    if (Array.isArray(msgs) && msgs.length > 0) return msgs.map((m) => `${m.role ?? '?'}: ${m.content ?? ''}`).join(' | ');
  } catch {
    // not JSON: show as recorded
  }
  return promptJson;
}
