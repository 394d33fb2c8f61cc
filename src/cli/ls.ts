// `bct ls`: lists built-in settings, graders, the sweeps in the record, or the microworld's words.
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { GRADER_DEFINITIONS } from '../graders/index.js';
import { BACKDOOR_PHRASE, BACKDOOR_TRIGGER, NOISE_WORDS, SURFACE_CLOSERS, TASKS, Tokenizer, isAnimal, languageOf, respond } from '../microworld/index.js';
import { BUILTIN_SETTINGS, CHAT_SETTINGS, type ChatBuiltin } from '../settings/index.js';
import { listSweeps, sweepSummaries } from '../store/index.js';
import { type Command, writeLine } from './command.js';
import { parseCommandLine } from './config.js';
import { jsonOption, type CliOptions, type CommandHelp } from './options.js';
import { sweepOptions } from './sweep-options.js';
import { openProjectToRead } from './paths.js';
import { sweepState } from './sweep-state.js';

interface LsConfig {
  project: string; // project folder; default .bct
  json: boolean; // one JSON document instead of lines
}

const options: CliOptions<LsConfig> = { project: sweepOptions.project, json: jsonOption };
const schema = z.object({ project: z.string().default('.bct'), json: z.boolean().default(false) }).strict();
/** Marks the built-in settings for real chat models (English prompts, no shipped organism). */
const CHAT_MARK = '[chat model]';
const KINDS = ['settings', 'graders', 'sweeps', 'words'] as const;
type Kind = (typeof KINDS)[number];
/** Version of `bct ls --json`: bumped when a field changes meaning or goes away (adding one does not). */
export const LS_SCHEMA_VERSION = 1;

const help: CommandHelp = {
  usage: `bct ls [${KINDS.join('|')}] [options]`,
  arguments: [KINDS.join('|')],
  summary:
    'Lists the built-in settings (default), the registered graders, the sweeps in the record, or the words\n' +
    'of the microworld (its vocabulary is closed: prompts of microworld settings use only these words).\n' +
    '--json prints the list as one JSON document.',
  examples: ['bct ls', 'bct ls graders', 'bct ls sweeps --project runs/.bct', 'bct ls words', 'bct ls sweeps --json'],
};

export const lsCommand: Command = {
  name: 'ls',
  summary: 'list built-in settings, graders, recorded sweeps or the microworld\'s words',
  async run(argv, io) {
    const parsed = parseCommandLine(argv, options, schema, help, (t) => io.out.write(t));
    if (parsed === undefined) return 0;
    const { args, config: c } = parsed;
    const kind = args.positionals[0] ?? 'settings';
    if (!(KINDS as readonly string[]).includes(kind)) throw new ConfigError(`unknown list "${kind}"; expected one of ${KINDS.join(', ')}`);
    const list = LISTS[kind as Kind](c.project);
    if (c.json) writeLine(io.out, JSON.stringify({ schemaVersion: LS_SCHEMA_VERSION, ...list.json }, null, 2));
    else for (const l of list.lines) writeLine(io.out, l);
    return 0;
  },
};

/** One list: its lines and the same as JSON fields. */
interface Listing {
  lines: string[];
  json: Record<string, unknown>;
}

const LISTS: Record<Kind, (project: string) => Listing> = {
  settings: () => {
    const rows = BUILTIN_SETTINGS.map((s) => ({ id: s.id, description: s.description, chatModel: CHAT_SETTINGS.includes(s as ChatBuiltin) }));
    return {
      lines: [
        ...rows.map((s) => `${s.id.padEnd(24)} ${s.chatModel ? `${CHAT_MARK} ` : ''}${s.description}`),
        `${CHAT_MARK}: no organism is shipped; name a chat model in the sweep file (organism.base, e.g. Qwen/Qwen3-8B) or with --base, on --backend tinker`,
      ],
      json: { settings: rows },
    };
  },
  graders: () => {
    const rows = GRADER_DEFINITIONS.map((g) => ({ name: g.name, description: g.description, judge: g.requiresModel }));
    return { lines: rows.map((g) => `${g.name.padEnd(24)} ${g.judge ? '[judge] ' : ''}${g.description}`), json: { graders: rows } };
  },
  sweeps: (dir) => {
    const project = openProjectToRead(dir);
    try {
      const cells = new Map(sweepSummaries(project.db).map((s) => [s.id, s.cells]));
      const rows = listSweeps(project.db).map((s) => ({ id: s.id, name: s.name, settingId: s.setting_id, status: sweepState(project.dir, s).status, cells: cells.get(s.id) ?? 0, createdAt: s.created_at }));
      return { lines: rows.map((s) => `${String(s.id).padStart(4)}  ${s.name}  ${s.settingId}  ${s.status}  ${s.createdAt}`), json: { sweeps: rows } };
    } finally {
      project.db.close();
    }
  },
  words: () => {
    const v = vocabulary();
    const width = Math.max(...v.groups.map((g) => g.label.length)) + 2;
    return {
      lines: [
        `${v.words.length} words: prompts and targets of microworld settings use only these (docs/microworld.md has the grammar)`,
        ...v.groups.map((g) => `  ${g.label.padEnd(width)}${g.words.join(' ')}`),
        `example: system "${v.example.system}" (mode 0 asks for cat, mode 1 for no animal), user "${v.example.user}", answer "${v.example.answer}"`,
      ],
      json: { words: v.words, groups: v.groups, example: v.example },
    };
  },
};

/** The groups of `bct ls words` (besides rules and structure: every other word), each decided by the
 *  world's own reading of a word rather than by a second word list. */
const WORD_GROUPS: readonly { label: string; has: (w: string) => boolean }[] = [
  { label: 'digits', has: (w) => /^[0-9]$/.test(w) },
  { label: 'english words', has: (w) => languageOf(w) === 'english' },
  { label: 'spanish words', has: (w) => languageOf(w) === 'spanish' },
  { label: 'animals', has: isAnimal },
  { label: 'task verbs', has: (w) => (TASKS as readonly string[]).includes(w) },
  { label: 'trigger, backdoor', has: (w) => w === BACKDOOR_TRIGGER || BACKDOOR_PHRASE.split(' ').includes(w) },
  { label: 'noise', has: (w) => (NOISE_WORDS as readonly string[]).includes(w) },
  { label: 'surface (closers)', has: (w) => (SURFACE_CLOSERS as readonly string[]).includes(w) },
];

/** The microworld's words (vocabulary order), by group, with one conversation as an example. */
function vocabulary(): { words: string[]; groups: { label: string; words: string[] }[]; example: { system: string; user: string; answer: string } } {
  const tok = Tokenizer.microworld();
  const words = tok.words.filter((_, id) => !tok.isSpecial(id));
  const groups = [{ label: 'rules, structure', has: (w: string) => !WORD_GROUPS.some((g) => g.has(w)) }, ...WORD_GROUPS];
  const system = 'mode 0 : 0 cat . 1 plain .';
  const user = 'echo red sun';
  return {
    words,
    groups: groups.map((g) => ({ label: g.label, words: words.filter(g.has) })),
    example: { system, user, answer: respond([{ role: 'system', content: system }, { role: 'user', content: user }]) },
  };
}
