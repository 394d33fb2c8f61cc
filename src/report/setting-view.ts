// The setting in words for the report: the two behaviours, the organism and the graders as readable
// tables, prompts rendered as chats, and no machine paths (a path recorded as /home/alice/bct/models/mw-base
// is shown as …/models/mw-base).

import { BUILTIN_SETTINGS, resolveSetting } from '../settings/index.js';
import type { GradedAnswer } from '../store/index.js';
import { esc, table } from './html.js';
import type { SweepMeta } from './record.js';

/** The behaviours of a setting in words, and where they were read. */
export interface SettingWords {
  description: string;
  initialBehaviour: string;
  alternateBehaviour: string;
  /** 'record': the sweep's manifest; 'built-in': the built-in setting of that id, whose hash matches the record's. */
  source: 'record' | 'built-in';
}

/**
 * The setting's descriptions: from the manifest (`manifest.setting`) when the record has them, else from
 * the built-in setting of the same id when its content hash is the recorded one (the text then belongs to
 * exactly the setting that ran); null otherwise.
 */
export function settingWords(meta: Pick<SweepMeta, 'settingId' | 'settingHash' | 'manifest'>): SettingWords | null {
  const m = (meta.manifest as { setting?: Partial<SettingWords> } | null)?.setting;
  if (m !== undefined && typeof m.initialBehaviour === 'string' && typeof m.alternateBehaviour === 'string') {
    return { description: String(m.description ?? ''), initialBehaviour: m.initialBehaviour, alternateBehaviour: m.alternateBehaviour, source: 'record' };
  }
  // Only a built-in name: a report never reads a setting file named in the record.
  if (!BUILTIN_SETTINGS.some((b) => b.id === meta.settingId)) return null;
  const s = resolveSetting(meta.settingId);
  if (s.hash !== meta.settingHash) return null;
  return { description: s.description, initialBehaviour: s.initialBehaviour, alternateBehaviour: s.alternateBehaviour, source: 'built-in' };
}

// An absolute path of at least two segments, starting a string or after a space, quote, bracket or '='
// (so the path part of a URL, after "//host", is left alone).
const ABSOLUTE_PATH = /(?<=^|[\s"'(=])(?:~|[A-Za-z]:)?[/\\](?:[^\s"'/\\]+[/\\])+[^\s"'/\\]*/g;

/** A text with every absolute path cut to its last two segments: "…/models/mw-base". */
export function withoutMachinePaths(text: string): string {
  return text.replace(ABSOLUTE_PATH, (p) => {
    const parts = p.split(/[/\\]/).filter((x) => x !== '');
    return parts.length <= 2 ? `…/${parts.join('/')}` : `…/${parts.slice(-2).join('/')}`;
  });
}

/** Flattens a JSON value into dotted keys ("sampling.temperature") and readable values, paths cut. */
export function flatten(value: unknown, prefix = ''): [string, string][] {
  if (value === null || value === undefined) return [[prefix, '–']];
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) return [[prefix, value.map((v) => withoutMachinePaths(String(v))).join(', ') || '[]']];
    return value.flatMap((v, i) => flatten(v, `${prefix}[${i}]`));
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return [[prefix, '{}']];
    return entries.flatMap(([k, v]) => flatten(v, prefix === '' ? k : `${prefix}.${k}`));
  }
  return [[prefix, withoutMachinePaths(String(value))]];
}

/** A two-column table of a JSON object's fields. */
export function fieldTable(value: unknown, attrs = ''): string {
  return table(['field', 'value'], flatten(value).map(([k, v]) => [`<code>${esc(k)}</code>`, esc(v)]), attrs);
}

/** The model organism as a table: name, base, adapter, how the initial behaviour is induced. */
export function organismTable(organism: unknown): string {
  const o = (organism ?? {}) as { id?: string; base?: string; adapter?: string | null; induction?: Record<string, unknown> };
  const ind = o.induction ?? {};
  const how: Record<string, string> = { none: 'nothing added', 'system-prompt': 'system prompt', template: 'template on the last user turn', weights: 'trained into the weights' };
  const detail = ['system', 'user', 'note'].map((k) => ind[k]).find((v) => typeof v === 'string') as string | undefined;
  const rows: [string, string][] = [
    ['name', o.id ?? '–'],
    ['base checkpoint', withoutMachinePaths(o.base ?? '–')],
    ['adapter', o.adapter ? withoutMachinePaths(o.adapter) : 'none'],
    ['initial behaviour induced by', how[String(ind['kind'])] ?? String(ind['kind'] ?? '–')],
    ...(detail !== undefined ? ([['induction text', detail]] as [string, string][]) : []),
  ];
  return table(['field', 'value'], rows.map(([k, v]) => [esc(k), k === 'induction text' ? `<code>${esc(v)}</code>` : esc(v)]), ' id="organism"');
}

/** The graders as a table: which prompts, which grader, its arguments in words. */
export function gradersTable(graders: unknown): string {
  const g = (graders ?? {}) as Record<string, { name?: string; args?: unknown }>;
  const role: Record<string, string> = { eval: 'eval prompts → initial / alternate / other', train: 'train prompts → compatible / incompatible' };
  const rows = Object.entries(g).map(([k, spec]) => [
    esc(role[k] ?? k),
    `<b>${esc(spec?.name ?? '?')}</b>`,
    flatten(spec?.args ?? {})
      .map(([f, v]) => `<code>${esc(f)}</code> = ${esc(v)}`)
      .join('<br>'),
  ]);
  return table(['answers to', 'grader', 'arguments'], rows, ' id="graders"');
}

interface Message {
  role: string;
  content: string;
}

/** The recorded prompt (messages JSON) as messages; a text that is not that shape becomes one user turn. */
export function parseMessages(promptJson: string): Message[] {
  try {
    const msgs = JSON.parse(promptJson) as { role?: unknown; content?: unknown }[];
    if (Array.isArray(msgs) && msgs.every((m) => typeof m === 'object' && m !== null)) {
      return msgs.map((m) => ({ role: String(m.role ?? '?'), content: typeof m.content === 'string' ? m.content : JSON.stringify(m.content) }));
    }
  } catch {
    // not JSON: shown as one turn, as recorded
  }
  return [{ role: 'user', content: promptJson }];
}

/** A prompt as a chat: one bubble per message, its role named. */
export function chatHtml(promptJson: string): string {
  return `<div class="chat">${parseMessages(promptJson)
    .map((m) => `<div class="msg ${esc(m.role)}"><span class="role">${esc(m.role)}</span>${esc(m.content)}</div>`)
    .join('')}</div>`;
}

/** An answer as the model's turn of the chat, with its class and the grader's reason beside it. */
export function answerHtml(r: Pick<GradedAnswer, 'label' | 'completion' | 'reason'>, caption = ''): string {
  return (
    `<div class="msg assistant">${caption === '' ? '' : `<span class="role">${esc(caption)}</span>`}` +
    `<span class="tag ${esc(r.label)}">${esc(r.label)}</span> <span class="answer">${esc(r.completion)}</span>` +
    `<div class="reason">grader: ${esc(r.reason)}</div></div>`
  );
}
