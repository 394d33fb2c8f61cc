// The parts of the report that the viewer shows too, rendered once here so that both say the same: the
// verdict table and the setting in words.

import { formatLr, groupKey } from '../analysis/index.js';
import { promptFlips } from '../analysis/prompt-classes.js';
import { formatCapabilityChange } from '../analysis/verdicts.js';
import { cellCheckpointSteps, promptAnswers, type Db } from '../store/index.js';
import type { SweepAnalysis } from './analyze.js';
import { esc, pctInterval, table } from './html.js';
import type { CellRow } from './record.js';
import { answerHtml, chatHtml, gradersTable, organismTable, settingWords } from './setting-view.js';

const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '–');

/** The verdict table (one row per method and LR, `data-group` on each row), the rules behind it, and the
 *  last checkpoint's rates. */
export function verdictHtml(a: SweepAnalysis): string {
  if (a.verdicts.length === 0) return '<p class="muted">No graded eval answers yet: no verdicts.</p>';
  // A note every row carries (two seeds cannot give a between-seed interval) is said once, under the table.
  const common = a.verdicts.length > 1 ? a.verdicts[0]!.warnings.filter((w) => a.verdicts.every((v) => v.warnings.includes(w))) : [];
  const badge: Record<string, string> = { recovered: 'transferred then recovered', unstable: 'not stable' };
  const rows = a.verdicts.map((v) => {
    const seeds = `${esc(v.seedNote)}<br><span class="muted">${v.perSeed.map((s) => `seed ${s.seed}: ${esc(s.label)}`).join('<br>')}</span>`;
    const capability = Number.isFinite(v.capabilityLoss)
      ? `${esc(formatCapabilityChange(v.capabilityLoss))} at step ${v.atStep}${v.capabilityRange !== null && v.nSeeds > 1 ? `<br><span class="muted">seeds ${esc(formatCapabilityChange(v.capabilityRange[0]))} … ${esc(formatCapabilityChange(v.capabilityRange[1]))}</span>` : ''}`
      : '–';
    const notes = [...v.warnings.filter((w) => !common.includes(w)), ...(v.scheduleHint !== null ? [v.scheduleHint] : [])];
    // The badge names the verdict; the headline after its "kind:" says the rest.
    const rest = v.headline.slice(v.headline.indexOf(': ') + 2);
    return [
      esc(v.family),
      `<span class="num">${esc(formatLr(v.lr))}</span>`,
      `<span class="verdict ${esc(v.kind)}">${esc(badge[v.kind] ?? v.kind)}</span> ${esc(rest)}`,
      seeds,
      capability,
      v.brokenFrom === null ? 'never' : `from step ${v.brokenFrom}`,
      notes.length === 0 ? '' : `<ul class="notes">${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`,
    ];
  });
  // Each capability evaluation in its own column (its value, then its change against step 0), and the
  // spread of the alternate apart from them: it is not a capability loss.
  const evals = [...new Set(a.groups.flatMap((g) => Object.keys(g.capability)))].sort();
  const withSpread = a.spread.length > 0;
  const evalCell = (name: string, m: { value: number; loss: number } | undefined): string =>
    m === undefined ? '–' : `${name.startsWith('nll:') ? esc(m.value.toPrecision(3)) : pct(m.value)} <span class="muted">${esc(formatCapabilityChange(m.loss))}</span>`;
  const summary = table(
    ['method', 'LR', 'last step', 'initial', 'alternate', 'other', 'capability loss', ...evals.map(esc), ...(withSpread ? ['spread of the alternate'] : [])],
    a.groups.map((g) => [
      esc(g.family),
      esc(formatLr(g.lr)),
      `<span class="num">${g.lastStep}</span>`,
      pct(g.initial),
      pct(g.alternate),
      pct(g.other),
      pct(g.capabilityLoss),
      ...evals.map((n) => evalCell(n, g.capability[n])),
      ...(withSpread ? [pct(g.spread)] : []),
    ]),
    ' id="summary"',
  );
  // data-group on each row: scripts and tests find a (method, LR) without parsing the text.
  const rowAttrs = a.verdicts.map((v) => ` data-group="${esc(v.group)}" data-kind="${esc(v.kind)}"`);
  return (
    table(['method', 'LR', 'verdict', 'seeds', 'capability at that step', 'broken', 'notes'], rows, ' id="verdict-table" class="verdicts"', rowAttrs) +
    (common.length > 0 ? `<p class="notes">For every row: ${common.map(esc).join('; ')}.</p>` : '') +
    `<ul class="rules">${[a.rules.steps, a.rules.recovery, a.rules.broken, ...(withSpread ? [a.rules.spread] : []), a.rules.seeds].map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` +
    `<h3>Last checkpoint (seed mean)</h3>${summary}`
  );
}

/** The lowest-seed cell of each (family, LR), in verdict order. */
export function firstCells(a: SweepAnalysis): CellRow[] {
  const out = new Map<string, CellRow>();
  for (const c of [...a.cells].sort((x, y) => x.seed - y.seed || x.id - y.id)) if (!out.has(groupKey(c))) out.set(groupKey(c), c);
  return a.verdicts.flatMap((v) => out.get(v.group) ?? []);
}

/** The setting in words: behaviours, example prompts as chats with answers at step 0 and the last step,
 *  organism and graders as tables, the pre-check. */
export function settingHtml(db: Db, a: SweepAnalysis): string {
  const m = a.meta;
  const words = settingWords(m);
  const behaviours =
    words === null
      ? '<p class="bad">The behaviours are not described in the record, and this is not a built-in setting with the same hash.</p>'
      : `<p>${esc(words.description)}</p><table id="behaviours"><tr><th>initial behaviour (the model organism)</th><td>${esc(words.initialBehaviour)}</td></tr><tr><th>alternate behaviour (if training transfers)</th><td>${esc(words.alternateBehaviour)}</td></tr></table>` +
        (words.source === 'built-in' ? `<p class="muted">Read from the built-in setting ${esc(m.settingId)}, whose content hash is the one recorded (<code>${esc(m.settingHash)}</code>).</p>` : '');
  return (
    behaviours +
    `<h3>Example prompts</h3>${settingExamples(db, a)}` +
    `<h3>Model organism</h3>${organismTable(m.organism)}<h3>Graders</h3>${gradersTable(m.graders)}` +
    checkSection(a)
  );
}

/**
 * Two eval prompts and one train prompt as chats, each with the organism's answer at step 0 and every
 * (method, LR)'s answer at its last checkpoint (lowest seed). The eval prompts are ones that flipped to the
 * alternate behaviour in the fastest transferring group (or the one that moved most), so the example
 * shows what transfer looks like.
 */
function settingExamples(db: Db, a: SweepAnalysis): string {
  const cells = firstCells(a);
  if (cells.length === 0) return '<p class="muted">No answers recorded.</p>';
  // The fastest transfer; without one, the group with the most alternate answers at its last checkpoint.
  const transferred = a.verdicts.filter((v) => v.kind === 'transferred' && v.steps !== null).sort((x, y) => x.steps! - y.steps!)[0];
  const moved = [...a.groups].sort((x, y) => y.alternate - x.alternate)[0];
  const rep = cells.find((c) => groupKey(c) === (transferred ?? moved)?.group) ?? cells[0]!;
  const repSteps = cellCheckpointSteps(db, rep.id);
  const last = repSteps[repSteps.length - 1] ?? 0;
  const flipped = promptFlips(a.samples, rep.cellId, repSteps[0] ?? 0, last).filter((f) => f.to.label === 'alternate').map((f) => f.promptId);
  const evalIds = [...new Set([...flipped, ...a.samples.filter((s) => s.cellId === rep.cellId && s.split === 'eval').map((s) => s.promptId)])].slice(0, 2);
  const trainIds = [...new Set(a.samples.filter((s) => s.cellId === rep.cellId && s.split === 'train').map((s) => s.promptId))].slice(0, 1);
  const prompts = [...evalIds.map((id) => ['eval', id] as const), ...trainIds.map((id) => ['train', id] as const)];
  const first = repSteps[0] ?? 0;
  const cards = prompts.flatMap(([split, promptId]) => {
    const base = promptAnswers(db, rep.id, promptId, [first], split)[first]?.[0];
    if (base === undefined) return [];
    return [`<div class="card" data-prompt="${esc(promptId)}"><b>${split} prompt ${esc(promptId)}</b>${chatHtml(base.prompt)}${answerHtml(base, `step ${base.step}: the model organism`)}</div>`];
  });
  if (cards.length === 0) return '<p class="muted">No answers recorded.</p>';
  const rows = cells.map((c) => {
    const steps = cellCheckpointSteps(db, c.id);
    const at = steps[steps.length - 1]!;
    const answers = prompts.map(([split, promptId]) => {
      const r = promptAnswers(db, c.id, promptId, [at], split)[at]?.[0];
      return r === undefined ? '<span class="muted">not sampled</span>' : answerHtml(r);
    });
    return [esc(c.family), `<span class="num">${esc(formatLr(c.lr))}</span>`, String(at), ...answers];
  });
  return (
    `<div class="cards">${cards.join('')}</div>` +
    `<p class="muted">The same prompts at each (method, LR)'s last checkpoint (seed ${rep.seed} where it ran):</p>` +
    table(['method', 'LR', 'step', ...prompts.map(([split, id]) => `${split} ${id}`)], rows, ' id="example-answers" class="answers"')
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
  /** The prompts that failed the criterion, each with its answer and grade (src/pipeline/check.ts). */
  offending?: { promptId: string }[];
}

function checkSection(a: SweepAnalysis): string {
  const m = a.meta;
  if (m.check === null) return '<h3>Pre-check</h3><p class="bad">No pre-check of this setting on this organism is recorded.</p>';
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
    esc((c.offending ?? []).slice(0, 20).map((o) => o.promptId).join(', ')),
  ]);
  return `<h3>Pre-check: ${m.check.passed ? '<span class="ok">passed</span>' : '<span class="bad">failed</span>'}</h3>${table(['criterion', 'count', 'rate [95%]', 'needs', 'result', 'offending prompts'], rows, ' id="precheck"')}`;
}
