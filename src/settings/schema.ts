// The file form of a user setting (YAML or JSON) and its loader. The file holds the same fields as the
// in-memory Setting, with prompt sets as JSONL files beside it. Every error names the file, the field path
// (`evalPrompts.file`) and what was expected.
//
// Prompt JSONL line: {"id": "p1", "messages": [{"role": "user", "content": "..."}], "meta": {...},
//                     "target": "..."}   // with `targets.kind: reference`: required on train prompts (the
//                                        // training target); optional on eval prompts (the alternate
//                                        // behaviour's answer, used by the pre-check)
// or the shorthand {"id": "p1", "system": "...", "user": "..."}.
// NLL JSONL line: a prompt line plus "completion": "...".
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, DataError, formatBytes, systemProblem } from '../errors.js';
import { GRADER_NAMES, MODEL_GRADED, parseGraderArgs, type GraderSpec } from '../graders/index.js';
import { HACK_GRADERS, type AlternateSpread, type CapabilityEval, type ModelOrganism, type Setting } from './types.js';
import type { ChatMessage, Json, Prompt } from '../domain/index.js';
import { settingHash } from './hash.js';
import { STYLE_NAMES, type StyleName } from '../microworld/index.js';

/** Setting, sweep and JSONL prompt files larger than this are refused before they are read: parsing
 *  holds the whole text, and every object made from it, in memory at once. */
export const MAX_INPUT_FILE_BYTES = 16 * 1024 * 1024;
/** Prompt lines of one JSONL file at most (each becomes a prompt sampled at every checkpoint). */
export const MAX_JSONL_PROMPTS = 100_000;
/** Characters of one JSONL line at most: a prompt longer than this is longer than any model's context,
 *  and would be rendered and tokenized at every checkpoint before the backend refused it. */
export const MAX_JSONL_LINE_CHARS = 1024 * 1024;
/** Levels of nesting of a free-form JSON value (grader args, prompt `meta`) at most: validating and
 *  hashing it recurse, and a deeper value would overflow the stack instead of being refused. */
export const MAX_JSON_DEPTH = 64;
/** Capability evaluations of one setting at most. */
export const MAX_CAPABILITY_EVALS = 64;
/** Characters of an id, a path or a name given in a setting file. */
const MAX_NAME_CHARS = 4096;
/** Characters of a prose field (description, behaviours). */
const MAX_PROSE_CHARS = 100_000;

/** The text of an input file, its size checked with stat before anything is read; a ConfigError
 *  (kind `config`: setting and sweep files) or DataError (`data`: JSONL) naming the file otherwise.
 *  `unreadable` is the message when the file cannot be read at all. */
export function readInputFile(path: string, kind: 'config' | 'data', unreadable: string): string {
  const fail = (message: string, cause?: unknown, where = path): Error => {
    const options = cause === undefined ? undefined : { cause };
    return kind === 'config' ? new ConfigError(message, where, options) : new DataError(message, where, options);
  };
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw fail(`${unreadable} (found a folder or device, not a file)`);
    size = st.size;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof DataError) throw e;
    throw fail(because(unreadable, e), e);
  }
  if (size > MAX_INPUT_FILE_BYTES) throw fail(`file is ${formatBytes(size)} (${size} bytes); expected at most ${formatBytes(MAX_INPUT_FILE_BYTES)}`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw fail(because(unreadable, e), e);
  }
  // Decoded strictly: a lenient decoder turns bytes of another encoding into U+FFFD without a word, and
  // the prompts or names that reach the record are then not the file's.
  try {
    return UTF8.decode(bytes);
  } catch {
    throw fail('not valid UTF-8; expected UTF-8 text (save the file as UTF-8)', undefined, `${path}:${firstNonUtf8Line(bytes)}`);
  }
}

/** `message: what the operating system said` (`…: no such file or folder (ENOENT)`). */
const because = (message: string, e: unknown): string => {
  const problem = systemProblem(e);
  return problem === undefined ? message : `${message}: ${problem}`;
};

/** Strict UTF-8. A byte-order mark at the start is dropped (TextDecoder's default; editors on Windows
 *  write one), so JSON and JSONL files saved with one parse. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The number (1-based) of the first line of `bytes` that is not valid UTF-8. */
function firstNonUtf8Line(bytes: Buffer): number {
  let line = 1;
  for (let start = 0; start < bytes.length; line++) {
    const end = bytes.indexOf(0x0a, start);
    const stop = end === -1 ? bytes.length : end;
    try {
      UTF8.decode(bytes.subarray(start, stop));
    } catch {
      return line;
    }
    start = stop + 1;
  }
  return line;
}

/** The value of a YAML or JSON file's text (JSON when the name ends in `.json`), or a ConfigError naming
 *  the file: a syntax error, a YAML warning (an unresolved tag means a value the file did not mean as
 *  text), too many aliases (a "billion laughs" file) or nesting too deep for the parser. Only the first
 *  line of the parser's message is kept; the rest is a code frame. */
export function parseInputText(path: string, text: string): unknown {
  const format = path.endsWith('.json') ? 'JSON' : 'YAML';
  try {
    if (format === 'JSON') return JSON.parse(text);
    const doc = parseDocument(text);
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem !== undefined) throw problem;
    return doc.toJS();
  } catch (e) {
    // The YAML parser reports its own stack overflow as a parse error.
    const first = (e as Error).message.split('\n')[0]!.replace(/:$/, '');
    const message = /Maximum call stack size exceeded/.test(first) ? 'nested too deeply for the parser; expected a few levels of mappings and lists' : first;
    throw new ConfigError(`not valid ${format}: ${message}`, path);
  }
}

const shown = (v: unknown): string => (typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v)));

/** A number in [min, max] (min excluded when `above`, max when `below`; an integer when `int`) whose
 *  range errors name the allowed range and the value given (a value of another type keeps zod's
 *  `expected number, received …`). */
export function boundedNumber(min: number, max: number, opts: { int?: boolean; above?: boolean; below?: boolean } = {}): z.ZodNumber {
  const range = `${opts.int === true ? 'an integer' : 'a number'} in ${opts.above === true ? '(' : '['}${min}, ${max}${opts.below === true ? ')' : ']'}`;
  const error = (issue: { input?: unknown }): string => `expected ${range}, got ${shown(issue.input)}`;
  let n = z.number();
  if (opts.int === true) n = n.int({ error });
  n = opts.above === true ? n.gt(min, { error }) : n.min(min, { error });
  return opts.below === true ? n.lt(max, { error }) : n.max(max, { error });
}

/** A non-empty string of at most `max` characters. */
export function boundedText(max: number): z.ZodString {
  return z.string().min(1).max(max, { error: (issue) => `expected at most ${max} characters, got ${String(issue.input).length}` });
}

const anyJson: z.ZodType<Json> = z.lazy(() => z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(anyJson), z.record(z.string(), anyJson)]));

/** Whether `v` has at most `max` levels of arrays and objects (counted without recursion). */
function depthAtMost(v: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (depth >= max) return false;
    for (const child of Object.values(x)) stack.push([child, depth + 1]);
  }
  return true;
}

/** A JSON value nested at most MAX_JSON_DEPTH levels deep (the depth is checked first, so a deeper one
 *  is refused rather than overflowing the recursive schema). */
const jsonSchema: z.ZodType<Json> = z
  .unknown()
  .refine((v) => depthAtMost(v, MAX_JSON_DEPTH), { message: `nested more than ${MAX_JSON_DEPTH} levels deep; expected a shallower JSON value` })
  .pipe(anyJson);

const graderSpecSchema = z
  .object({ name: z.string().refine((n) => GRADER_NAMES.includes(n as never), { message: `expected one of ${GRADER_NAMES.join(', ')}` }), args: jsonSchema.default({}) })
  .strict();

const fileRef = z.object({ file: boundedText(MAX_NAME_CHARS) }).strict();

export const inductionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z.object({ kind: z.literal('system-prompt'), system: boundedText(MAX_PROSE_CHARS) }).strict(),
  z.object({ kind: z.literal('template'), user: boundedText(MAX_PROSE_CHARS).includes('{{prompt}}') }).strict(),
  z.object({ kind: z.literal('weights'), note: z.string().max(MAX_PROSE_CHARS) }).strict(),
]);

export const organismSchema = z
  .object({ id: boundedText(MAX_NAME_CHARS), base: boundedText(MAX_NAME_CHARS), adapter: boundedText(MAX_NAME_CHARS).optional(), induction: inductionSchema })
  .strict();

/** Train prompts a setting parameter may ask for: each is trained on, and held in memory with its
 *  target, so a typo of a few zeros is refused rather than generated. */
export const MAX_TRAIN_PROMPTS = 65_536;

/** A sweep's `settingParams` (types.ts `SettingParams`). */
export const settingParamsSchema = z
  .object({
    trainPrompts: boundedNumber(1, MAX_TRAIN_PROMPTS, { int: true }).optional(),
    evalPrompts: boundedNumber(1, MAX_JSONL_PROMPTS, { int: true }).optional(),
    targetStyle: z.enum(STYLE_NAMES as [StyleName, ...StyleName[]], { error: () => `expected one of ${STYLE_NAMES.join(', ')}` }).optional(),
    hackGrader: z.enum(HACK_GRADERS, { error: () => `expected one of ${HACK_GRADERS.join(', ')}` }).optional(),
  })
  .strict();

export const settingFileSchema = z
  .object({
    id: boundedText(128).regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a kebab-case id'),
    version: z.union([boundedText(128), z.number()]).transform(String),
    description: z.string().max(MAX_PROSE_CHARS).default(''),
    trainPrompts: fileRef,
    evalPrompts: fileRef,
    initialBehaviour: boundedText(MAX_PROSE_CHARS),
    alternateBehaviour: boundedText(MAX_PROSE_CHARS),
    graders: z.object({ eval: graderSpecSchema, train: graderSpecSchema }).strict(),
    targets: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('reference') }).strict(),
      // Each attempt samples every train prompt still without a target once.
      z.object({ kind: z.literal('on-policy'), attempts: boundedNumber(1, 100, { int: true }).default(4), temperature: boundedNumber(0, 10).default(0.7) }).strict(),
    ]),
    capabilityEvals: z
      .array(
        z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('accuracy'), name: boundedText(128), file: boundedText(MAX_NAME_CHARS), grader: graderSpecSchema }).strict(),
          z.object({ kind: z.literal('nll'), name: boundedText(128), file: boundedText(MAX_NAME_CHARS) }).strict(),
        ]),
      )
      .max(MAX_CAPABILITY_EVALS, { error: (issue) => `expected at most ${MAX_CAPABILITY_EVALS} capability evaluations, got ${(issue.input as unknown[]).length}` })
      .default([]),
    // The spread of the alternate onto capability prompts (types.ts AlternateSpread): its grader, and
    // optionally the prompts that count, by accuracy evaluation name.
    spread: z
      .object({
        grader: graderSpecSchema,
        prompts: z.record(boundedText(128), z.array(boundedText(MAX_NAME_CHARS)).max(MAX_JSONL_PROMPTS)).optional(),
      })
      .strict()
      .optional(),
    organism: organismSchema.optional(),
  })
  .strict();

export type SettingFile = z.infer<typeof settingFileSchema>;

/** `a.b[2].c` from a zod issue path. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

type Issue = z.ZodError['issues'][number];

/** The issue to report of a failed parse: the first one; for a value that matched no form of a union,
 *  the issue of the form it came closest to (the deepest path: `{ name: cuda }` is an object with a bad
 *  name, not a bad string; on a tie, the first form), so that the message says what was expected
 *  instead of zod's bare "Invalid input". */
export function reportedIssue(issues: readonly Issue[]): { path: PropertyKey[]; message: string } {
  const issue = issues[0]!;
  if (issue.code !== 'invalid_union' || !issue.errors.some((b) => b.length > 0)) return { path: [...issue.path], message: issue.message };
  const forms = issue.errors.filter((b) => b.length > 0).map((b) => reportedIssue(b));
  const closest = forms.reduce((a, b) => (b.path.length > a.path.length ? b : a));
  return { path: [...issue.path, ...closest.path], message: closest.message };
}

/** Parses YAML or JSON text (by extension) and validates it with `schema`; errors name file and field. */
export function parseConfigFile<T>(path: string, schema: z.ZodType<T>): T {
  const raw = parseInputText(path, readInputFile(path, 'config', 'cannot read file; expected a YAML or JSON file'));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = reportedIssue(parsed.error.issues);
    throw new ConfigError(`${issuePath(issue.path) || '(top level)'}: ${issue.message}`, path);
  }
  return parsed.data;
}

const messageSchema = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() }).strict();
const promptLineSchema = z
  .object({
    id: z.string().min(1),
    messages: z.array(messageSchema).min(1).optional(),
    system: z.string().optional(),
    user: z.string().optional(),
    meta: z.record(z.string(), jsonSchema).optional(),
    target: z.string().optional(),
    completion: z.string().optional(),
  })
  .strict()
  .refine((l) => (l.messages !== undefined) !== (l.user !== undefined), { message: 'expected either "messages" or "user" (not both)' });

type PromptLine = z.infer<typeof promptLineSchema>;

/** What a JSONL reader's errors call its file and its lines. */
export interface JsonlWords {
  /** The message when the file cannot be read. */
  unreadable: string;
  /** The message for `n` non-blank lines, more than MAX_JSONL_PROMPTS. */
  tooMany: (n: number) => string;
  /** What one line holds, for the line-length message (`one prompt per line`). */
  perLine: string;
  /** The message when the file has no line. */
  none: string;
}

/** The non-blank lines of a JSONL file, each parsed and validated by `schema`, with its line number: at
 *  most MAX_JSONL_PROMPTS lines of at most MAX_JSONL_LINE_CHARS characters, in a file `readInputFile`
 *  bounds. Every error is a DataError naming `file:line` and what was expected. */
export function readJsonlLines<T>(file: string, schema: z.ZodType<T>, words: JsonlWords): { line: number; value: T }[] {
  const lines = readInputFile(file, 'data', words.unreadable).split('\n');
  const count = lines.filter((l) => l.trim() !== '').length;
  if (count > MAX_JSONL_PROMPTS) throw new DataError(words.tooMany(count), file);
  const out: { line: number; value: T }[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file}:${i + 1}`;
    if (line.length > MAX_JSONL_LINE_CHARS) throw new DataError(`line has ${line.length} characters; expected at most ${MAX_JSONL_LINE_CHARS} (${words.perLine})`, where);
    // A file's own byte-order mark is dropped when it is read; one here came from files joined together.
    if (line.startsWith('\uFEFF')) throw new DataError('line starts with a byte-order mark (U+FEFF); expected a JSON object (remove the mark)', where);
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (e) {
      throw new DataError(`line is not JSON: ${(e as Error).message}`, where);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = reportedIssue(parsed.error.issues);
      throw new DataError(`${issuePath(issue.path) || '(line)'}: ${issue.message}`, where);
    }
    out.push({ line: i + 1, value: parsed.data });
  });
  if (out.length === 0) throw new DataError(words.none, file);
  return out;
}

function readJsonl(file: string, field: string): PromptLine[] {
  const lines = readJsonlLines(file, promptLineSchema, {
    unreadable: `cannot read the JSONL file named by ${field}`,
    tooMany: (n) => `${n} prompt lines; expected at most ${MAX_JSONL_PROMPTS} (named by ${field})`,
    perLine: 'one prompt per line',
    none: `no prompts; expected at least one JSONL line (named by ${field})`,
  });
  const ids = new Set<string>();
  for (const { line, value } of lines) {
    if (ids.has(value.id)) throw new DataError(`duplicate prompt id "${value.id}"`, `${file}:${line}`);
    ids.add(value.id);
  }
  return lines.map((l) => l.value);
}

function toPrompt(l: PromptLine): Prompt {
  const messages: ChatMessage[] = l.messages ?? [
    ...(l.system !== undefined ? [{ role: 'system' as const, content: l.system }] : []),
    { role: 'user' as const, content: l.user! },
  ];
  return l.meta === undefined ? { id: l.id, messages } : { id: l.id, messages, meta: l.meta };
}

function checkedGrader(spec: { name: string; args: Json }, where: string, file: string): GraderSpec {
  try {
    parseGraderArgs(spec, where);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(e.message, file);
    throw e;
  }
  return spec as GraderSpec;
}

/** Loads a user setting file and the JSONL files it names (relative to the setting file). */
export function loadSettingFile(path: string): Setting {
  const f = parseConfigFile(path, settingFileSchema);
  const dir = dirname(resolve(path));
  const lines = (ref: { file: string }, field: string): PromptLine[] => readJsonl(resolve(dir, ref.file), field);
  const trainLines = lines(f.trainPrompts, 'trainPrompts.file');
  const evalLines = lines(f.evalPrompts, 'evalPrompts.file');
  const targetById = new Map<string, string>();
  if (f.targets.kind === 'reference') {
    for (const l of trainLines) {
      if (l.target === undefined) throw new DataError(`train prompt "${l.id}" has no "target"; targets.kind is reference`, resolve(dir, f.trainPrompts.file));
      targetById.set(l.id, l.target);
    }
    // An eval prompt's `target` is the alternate behaviour's answer there; the pre-check grades it to
    // measure divergence. Optional.
    for (const l of evalLines) if (l.target !== undefined) targetById.set(`eval:${l.id}`, l.target);
  }
  const capabilityEvals: CapabilityEval[] = f.capabilityEvals.map((c, i) => {
    const field = `capabilityEvals[${i}].file`;
    const cl = lines(c, field);
    if (c.kind === 'accuracy') return { kind: 'accuracy', name: c.name, prompts: cl.map(toPrompt), grader: checkedGrader(c.grader, `capabilityEvals[${i}].grader`, path) };
    return {
      kind: 'nll',
      name: c.name,
      pairs: cl.map((l) => {
        if (l.completion === undefined) throw new DataError(`NLL line "${l.id}" has no "completion"`, resolve(dir, c.file));
        return { prompt: toPrompt(l), completion: l.completion };
      }),
    };
  });
  const spread = f.spread === undefined ? undefined : checkedSpread(f.spread, capabilityEvals, path);
  const base: Omit<Setting, 'hash'> = {
    id: f.id,
    version: f.version,
    description: f.description,
    trainPrompts: trainLines.map(toPrompt),
    evalPrompts: evalLines.map(toPrompt),
    initialBehaviour: f.initialBehaviour,
    alternateBehaviour: f.alternateBehaviour,
    graders: { eval: checkedGrader(f.graders.eval, 'graders.eval', path), train: checkedGrader(f.graders.train, 'graders.train', path) },
    targets: f.targets.kind === 'reference' ? { kind: 'reference', target: (p) => targetById.get(p.id) ?? targetById.get(`eval:${p.id}`) ?? null } : f.targets,
    capabilityEvals,
    ...(spread !== undefined ? { spread } : {}),
    ...(f.organism !== undefined ? { defaultOrganism: resolveOrganismPaths(f.organism, dir) } : {}),
  };
  return { ...base, hash: settingHash(base) };
}

/** The file's `spread`, its grader checked and every prompt it names one of the named accuracy evaluation's. */
function checkedSpread(s: NonNullable<SettingFile['spread']>, evals: readonly CapabilityEval[], file: string): AlternateSpread {
  const grader = checkedGrader(s.grader, 'spread.grader', file);
  // The capability stage grades spread itself, with no judge; a model-graded spread would also go
  // uncounted by `bct plan` and the budget.
  if (MODEL_GRADED.has(grader.name)) throw new ConfigError(`spread.grader: expected a grader that calls no model, got ${grader.name}`, file);
  if (s.prompts === undefined) return { grader };
  for (const [name, ids] of Object.entries(s.prompts)) {
    const e = evals.find((c) => c.name === name);
    if (e?.kind !== 'accuracy') {
      const names = evals.filter((c) => c.kind === 'accuracy').map((c) => c.name);
      throw new ConfigError(`spread.prompts.${name}: expected the name of an accuracy evaluation (${names.join(', ') || 'none'})`, file);
    }
    const known = new Set(e.prompts.map((p) => p.id));
    const unknown = ids.find((id) => !known.has(id));
    if (unknown !== undefined) throw new ConfigError(`spread.prompts.${name}: prompt "${unknown}" is not in capability evaluation ${name}`, file);
  }
  return { grader, prompts: s.prompts };
}

/** Makes a file organism's relative base/adapter paths relative to the file that names them, when a file
 *  exists there (otherwise the name is kept: it may be a backend model name). */
function resolveOrganismPaths(o: ModelOrganism, dir: string): ModelOrganism {
  const abs = (p: string): string => (existsSync(resolve(dir, p)) ? resolve(dir, p) : p);
  return { ...o, base: abs(o.base), ...(o.adapter !== undefined ? { adapter: abs(o.adapter) } : {}) };
}
