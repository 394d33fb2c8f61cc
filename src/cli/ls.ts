// `bct ls`: lists built-in settings, graders, the sweeps in the record, or the microworld's words.
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { GRADER_DEFINITIONS } from '../graders/index.js';
import { BACKDOOR_PHRASE, BACKDOOR_TRIGGER, NOISE_WORDS, TASKS, Tokenizer, isAnimal, languageOf, respond } from '../microworld/index.js';
import { BUILTIN_SETTINGS, CHAT_SETTINGS, type ChatBuiltin } from '../settings/index.js';
import { listSweeps } from '../store/index.js';
import { type Command, writeLine } from './command.js';
import { parseCommandLine } from './config.js';
import { type CliOptions, type CommandHelp } from './options.js';
import { sweepOptions } from './sweep-options.js';
import { openProjectToRead } from './paths.js';
import { sweepState } from './sweep-state.js';

interface LsConfig {
  project: string; // project folder; default .bct
}

const options: CliOptions<LsConfig> = { project: sweepOptions.project };
const schema = z.object({ project: z.string().default('.bct') }).strict();
/** Marks the built-in settings for real chat models (English prompts, no shipped organism). */
const CHAT_MARK = '[chat model]';
const KINDS = ['settings', 'graders', 'sweeps', 'words'] as const;

const help: CommandHelp = {
  usage: `bct ls [${KINDS.join('|')}] [options]`,
  arguments: [KINDS.join('|')],
  summary:
    'Lists the built-in settings (default), the registered graders, the sweeps in the record, or the words\n' +
    'of the microworld (its vocabulary is closed: prompts of microworld settings use only these words).',
  examples: ['bct ls', 'bct ls graders', 'bct ls sweeps --project runs/.bct', 'bct ls words'],
};

export const lsCommand: Command = {
  name: 'ls',
  summary: 'list built-in settings, graders, recorded sweeps or the microworld\'s words',
  async run(argv, io) {
    const parsed = parseCommandLine(argv, options, schema, help, (t) => io.out.write(t));
    if (parsed === undefined) return 0;
    const { args, config: c } = parsed;
    const kind = args.positionals[0] ?? 'settings';
    if (kind === 'settings') {
      for (const s of BUILTIN_SETTINGS) writeLine(io.out, `${s.id.padEnd(24)} ${CHAT_SETTINGS.includes(s as ChatBuiltin) ? `${CHAT_MARK} ` : ''}${s.description}`);
      writeLine(io.out, `${CHAT_MARK}: no organism is shipped; name a chat model in the sweep file (organism.base, e.g. Qwen/Qwen3-8B) or with --base, on --backend tinker`);
    } else if (kind === 'graders') {
      for (const g of GRADER_DEFINITIONS) writeLine(io.out, `${g.name.padEnd(24)} ${g.requiresModel ? '[judge] ' : ''}${g.description}`);
    } else if (kind === 'sweeps') {
      const project = openProjectToRead(c.project);
      try {
        for (const s of listSweeps(project.db)) writeLine(io.out, `${String(s.id).padStart(4)}  ${s.name}  ${s.setting_id}  ${sweepState(project.dir, s).status}  ${s.created_at}`);
      } finally {
        project.db.close();
      }
    } else if (kind === 'words') {
      for (const l of vocabularyLines()) writeLine(io.out, l);
    } else {
      throw new ConfigError(`unknown list "${kind}"; expected one of ${KINDS.join(', ')}`);
    }
    return 0;
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
];

/** The microworld's words by group (vocabulary order within a group), with one conversation as an example. */
function vocabularyLines(): string[] {
  const tok = Tokenizer.microworld();
  const words = tok.words.filter((_, id) => !tok.isSpecial(id));
  const groups = [{ label: 'rules, structure', has: (w: string) => !WORD_GROUPS.some((g) => g.has(w)) }, ...WORD_GROUPS];
  const width = Math.max(...groups.map((g) => g.label.length)) + 2;
  const system = 'mode 0 : 0 cat . 1 plain .';
  const user = 'echo red sun';
  const answer = respond([{ role: 'system', content: system }, { role: 'user', content: user }]);
  return [
    `${words.length} words: prompts and targets of microworld settings use only these (docs/microworld.md has the grammar)`,
    ...groups.map((g) => `  ${g.label.padEnd(width)}${words.filter(g.has).join(' ')}`),
    `example: system "${system}" (mode 0 asks for cat, mode 1 for no animal), user "${user}", answer "${answer}"`,
  ];
}
