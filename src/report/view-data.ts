// What the viewer's endpoints answer, built from a sweep's analysis: the sweep (verdicts, the report's own
// verdict and setting HTML, every chart compiled to Vega), and the drill-down views — the prompt × cell
// matrix of classes at a step, the prompts that flipped between two steps, search, one prompt across every
// cell. Each takes the request's query parameters and names the parameter it rejects.

import { formatLr, groupKey } from '../analysis/index.js';
import { comparePromptIds, promptClasses, promptFlips } from '../analysis/prompt-classes.js';
import { ConfigError } from '../errors.js';
import { cellCheckpointSteps, promptAnswers, promptTexts, searchPrompts, type Db, type GradedAnswer } from '../store/index.js';
import type { SweepAnalysis } from './analyze.js';
import { sweepCharts, type ChartSection } from './charts.js';
import { compareAnalyses, MAX_COMPARED } from './compare.js';
import { compileSpec, lrColors } from './plots.js';
import { settingHtml, verdictHtml } from './sections.js';
import { parseMessages } from './setting-view.js';

/** An integer query parameter; `fallback` when absent (undefined: required). */
export function intParam(q: URLSearchParams, name: string, fallback?: number): number {
  const v = q.get(name);
  if (v === null || v === '') {
    if (fallback !== undefined) return fallback;
    throw new ConfigError('expected an integer, got nothing', name);
  }
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new ConfigError(`expected an integer, got "${v.slice(0, 40)}"`, name);
  return n;
}

function splitParam(q: URLSearchParams): 'eval' | 'train' {
  const s = q.get('split') ?? 'eval';
  if (s !== 'eval' && s !== 'train') throw new ConfigError(`expected eval or train, got "${s.slice(0, 40)}"`, 'split');
  return s;
}

/** The last user turn of a recorded prompt: what a list of prompts shows. */
function promptLine(promptJson: string | undefined): string {
  if (promptJson === undefined) return '';
  const msgs = parseMessages(promptJson);
  return ([...msgs].reverse().find((m) => m.role === 'user') ?? msgs[msgs.length - 1])?.content ?? '';
}

// One payload per analysis: the viewer keeps an analysis until the record changes, and compiling every
// chart again for each request would cost more than the analysis itself.
const payloads = new WeakMap<SweepAnalysis, ReturnType<typeof buildPayload>>();

/** `/api/sweeps/:id`: the sweep with its verdicts and every chart compiled to Vega. */
export function sweepPayload(db: Db, a: SweepAnalysis): ReturnType<typeof buildPayload> {
  let p = payloads.get(a);
  if (p === undefined) payloads.set(a, (p = buildPayload(db, a)));
  return p;
}

function buildPayload(db: Db, a: SweepAnalysis) {
  const sections: Record<ChartSection, string> = { glance: 'at a glance', transfer: 'transfer curves', lr: 'equal lr × steps', capability: 'capability', training: 'training' };
  return {
    meta: { id: a.meta.id, name: a.meta.name, settingId: a.meta.settingId, status: a.meta.status, createdAt: a.meta.createdAt },
    cells: a.cells.map((c) => ({ id: c.id, name: c.name, family: c.family, lr: c.lr, lrLabel: formatLr(c.lr), seed: c.seed, group: groupKey(c), stepsList: cellCheckpointSteps(db, c.id), crossing: a.cellCrossings.get(c.cellId)?.label ?? null })),
    verdicts: a.verdicts,
    groups: a.groups,
    steps: a.steps,
    lrPairs: a.lrPairs,
    rules: a.rules,
    threshold: a.threshold,
    broken: a.broken,
    style: { lrs: a.style.lrs.map(formatLr), colors: lrColors(a.style.lrs), families: a.style.families },
    verdictHtml: verdictHtml(a),
    settingHtml: settingHtml(db, a),
    charts: sweepCharts(a).map((c) => ({ id: c.id, section: c.section, sectionTitle: sections[c.section], vega: compileSpec(c.spec) })),
  };
}

/**
 * `/api/sweeps/:id/matrix?step&family&split&offset&limit`: the class of each prompt in each cell of one
 * method at one step, prompts as rows (natural id order, `limit` ≤ 500 a page), cells as columns (LR, then
 * seed).
 */
export function promptMatrix(db: Db, a: SweepAnalysis, q: URLSearchParams) {
  const step = intParam(q, 'step');
  const split = splitParam(q);
  const family = q.get('family') ?? a.style.families[0] ?? '';
  if (!a.style.families.includes(family)) throw new ConfigError(`expected one of ${a.style.families.join(', ')}, got "${family.slice(0, 40)}"`, 'family');
  const offset = Math.max(0, intParam(q, 'offset', 0));
  const limit = Math.max(1, Math.min(500, intParam(q, 'limit', 200)));
  const cells = a.cells.filter((c) => c.family === family).sort((x, y) => x.lr - y.lr || x.seed - y.seed);
  const classes = promptClasses(a.samples, step, { split, cellIds: new Set(cells.map((c) => c.cellId)) });
  const prompts = [...new Set([...classes.values()].flatMap((m) => [...m.keys()]))].sort(comparePromptIds);
  const page = prompts.slice(offset, offset + limit);
  const texts = cells.length > 0 ? promptTexts(db, cells[0]!.id, split) : new Map<string, string>();
  return {
    step,
    split,
    family,
    columns: cells.map((c) => ({ cellId: c.id, lrLabel: formatLr(c.lr), seed: c.seed, group: groupKey(c) })),
    rows: page.map((promptId) => ({
      promptId,
      text: promptLine(texts.get(promptId)),
      classes: cells.map((c) => classes.get(c.cellId)?.get(promptId)?.label ?? null),
    })),
    total: prompts.length,
    offset,
    next: offset + limit < prompts.length ? offset + limit : null,
  };
}

/** `/api/sweeps/:id/flips?cell&a&b&split`: the prompts of one cell whose class changed between steps a and b. */
export function flipsView(db: Db, a: SweepAnalysis, q: URLSearchParams) {
  const cellId = intParam(q, 'cell');
  const cell = a.cells.find((c) => c.id === cellId);
  if (cell === undefined) throw new ConfigError(`no cell ${cellId} in sweep ${a.meta.id}`, 'cell');
  const split = splitParam(q);
  const from = intParam(q, 'a');
  const to = intParam(q, 'b');
  const texts = promptTexts(db, cell.id, split);
  return {
    cellId,
    a: from,
    b: to,
    split,
    flips: promptFlips(a.samples, cell.cellId, from, to, split).map((f) => ({ promptId: f.promptId, text: promptLine(texts.get(f.promptId)), from: f.from, to: f.to })),
  };
}

/** `/api/sweeps/:id/search?q&limit`: prompts whose id is q or whose text contains it. */
export function searchView(db: Db, a: SweepAnalysis, q: URLSearchParams) {
  const text = (q.get('q') ?? '').trim();
  if (text === '') throw new ConfigError('expected a prompt id or some text, got nothing', 'q');
  if (text.length > 200) throw new ConfigError(`expected at most 200 characters, got ${text.length}`, 'q');
  const hits = searchPrompts(db, a.meta.id, text, intParam(q, 'limit', 50));
  return { q: text, hits: hits.map((h) => ({ split: h.split, promptId: h.promptId, text: promptLine(h.prompt) })) };
}

/** `/api/sweeps/:id/prompt?prompt&step&split`: one prompt's answers in every cell at one step (each cell's
 *  nearest checkpoint at or below it), with the grader's reasons. */
export function promptAcrossCells(db: Db, a: SweepAnalysis, q: URLSearchParams) {
  const promptId = q.get('prompt') ?? '';
  if (promptId === '' || promptId.length > 200) throw new ConfigError('expected a prompt id of 1 to 200 characters', 'prompt');
  const split = splitParam(q);
  const step = intParam(q, 'step');
  const cells = [...a.cells].sort((x, y) => (x.family < y.family ? -1 : x.family > y.family ? 1 : x.lr - y.lr || x.seed - y.seed));
  let prompt: string | null = null;
  const rows = cells.map((c) => {
    const steps = cellCheckpointSteps(db, c.id).filter((s) => s <= step);
    const at = steps[steps.length - 1];
    const answers: GradedAnswer[] = at === undefined ? [] : (promptAnswers(db, c.id, promptId, [at], split)[at] ?? []);
    prompt ??= answers[0]?.prompt ?? null;
    return { cellId: c.id, name: c.name, group: groupKey(c), seed: c.seed, step: at ?? null, answers: answers.map((r) => ({ label: r.label, completion: r.completion, reason: r.reason, sampleIndex: r.sampleIndex })) };
  });
  return { promptId, split, step, prompt, cells: rows };
}

/** `/api/compare?sweeps=1,2`: the comparison of sweeps (each analysis from `analysis`), its chart compiled. */
export function compareView(q: URLSearchParams, analysis: (id: number) => SweepAnalysis) {
  const ids = (q.get('sweeps') ?? '')
    .split(',')
    .filter((s) => s !== '')
    .map((s) => {
      const n = Number(s);
      if (!Number.isSafeInteger(n)) throw new ConfigError(`expected sweep ids separated by commas, got "${s.slice(0, 40)}"`, 'sweeps');
      return n;
    });
  if (ids.length < 2 || ids.length > MAX_COMPARED) throw new ConfigError(`expected 2 to ${MAX_COMPARED} sweep ids, got ${ids.length}`, 'sweeps');
  const c = compareAnalyses(ids.map(analysis));
  return { sweeps: c.sweeps, diff: c.diff, chart: compileSpec(c.chart) };
}
