// `bct check`: the compatibility pre-check of a setting on its model organism, then (as `bct run` does once
// the check passes) the training data: its source, what a sampled source kept, and the training signal
// (the untrained organism's NLL on the targets); or with --dry-run the checks that need no model: prompts,
// reference targets, rendering with the model's chat renderer, and every grader against the setting's
// gold answers. Both stages reuse what the record holds, and `bct run` reuses what they record.
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { createRenderer, MAX_CONTEXT_LENGTH, RENDERER_NAMES, rendererNameFor, type RendererName } from '../chat/index.js';
import { resolveModelPath, type GradeLabel, type Prompt, type Renderer } from '../domain/index.js';
import { BctError, ConfigError } from '../errors.js';
import { createGrader, graderDefinition, type GraderSpec } from '../graders/index.js';
import { validateGrader, type GoldAnswer, type GraderValidation } from '../graders/validation.js';
import { DEFAULT_JUDGE_THRESHOLDS } from '../graders/validation.js';
import { checkStage, createProgress, criteriaPassed, dataSourceSchema, dataStage, DEFAULT_THRESHOLDS, formatCheck, formatData, configIdentity, judgeConfigSchema, makeContext, organismOf, sweepConfigSchema, type CheckResult, type DataSource, type Dataset, type JudgeConfig } from '../pipeline/index.js';
import { applyInduction, goldAnswersOf, graderOfRole, resolveSetting, settingParamsSchema, type ModelOrganism, type Setting, type SettingParams } from '../settings/index.js';
import { type Command, writeLine } from './command.js';
import { parseOrHelp, validateConfig } from './config.js';
import { parseNumber, type CliOptions, type CommandHelp } from './options.js';
import { sweepOptions } from './sweep-options.js';
import { openProjectToWrite } from './paths.js';
import { datasetJson } from './status.js';

/** Context length the dry run renders real chat models in: the cookbook's training default (the
 *  server's own limit may be larger; a prompt longer than this would fail on most). */
const DRY_RUN_CONTEXT = 32_768;
/** A grader passes its gold answers at this accuracy or more. */
const MIN_GOLD_ACCURACY = 0.95;

interface CheckConfig {
  setting: string; // setting name or file (also the first positional argument)
  base?: string; // base checkpoint override
  backend?: 'embedded' | 'tinker'; // where the organism runs; default embedded
  temperature: number; // sampling temperature; default 0.7
  maxTokens: number; // answer tokens at most; default 32
  sampleSeed: number; // sampling seed; default 0
  minAgreement: number; // threshold on agreement; default 0.95
  minDivergence: number; // threshold on divergence; default 0.9
  minInitial: number; // threshold on the initial behaviour at step 0; default 0.9
  judge?: JudgeConfig; // judge of the setting's model-graded graders, validated on their gold answers; default none
  data?: DataSource; // where the training targets come from, as a sweep's `data`; default the setting's own
  settingParams?: SettingParams; // the setting's parameters, as a sweep's `settingParams`; default none
  minJudgeKappa: number; // the judge's minimum Cohen's kappa on the gold answers; default 0.6
  minJudgeAccuracy: number; // the judge's minimum accuracy on the gold answers; default 0.8
  force: boolean; // exit 0 although the judge falls below its thresholds (the criteria still count); build the data although the check fails
  json: boolean; // print the result as JSON
  project: string; // project folder; default .bct
  dryRun: boolean; // check prompts, targets, rendering and graders only, with no model
  renderer?: RendererName; // chat renderer for --dry-run; default from the organism's model name
}

const schema = z
  .object({
    setting: z.string().min(1),
    base: z.string().min(1).optional(),
    backend: z.enum(['embedded', 'tinker']).optional(),
    temperature: z.number().nonnegative().default(0.7),
    maxTokens: z.number().int().positive().default(32),
    sampleSeed: z.number().int().nonnegative().default(0),
    minAgreement: z.number().min(0).max(1).default(DEFAULT_THRESHOLDS.agreement),
    minDivergence: z.number().min(0).max(1).default(DEFAULT_THRESHOLDS.divergence),
    minInitial: z.number().min(0).max(1).default(DEFAULT_THRESHOLDS.initial),
    judge: judgeConfigSchema.optional(),
    data: dataSourceSchema.optional(),
    settingParams: settingParamsSchema.optional(),
    minJudgeKappa: z.number().min(-1).max(1).default(DEFAULT_JUDGE_THRESHOLDS.kappa),
    minJudgeAccuracy: z.number().min(0).max(1).default(DEFAULT_JUDGE_THRESHOLDS.accuracy),
    force: z.boolean().default(false),
    json: z.boolean().default(false),
    project: z.string().default('.bct'),
    dryRun: z.boolean().default(false),
    renderer: z.enum(RENDERER_NAMES as [RendererName, ...RendererName[]], { error: () => `expected one of ${RENDERER_NAMES.join(', ')}` }).optional(),
  })
  .strict();

const options: CliOptions<CheckConfig> = {
  setting: sweepOptions.setting,
  base: sweepOptions.base,
  backend: sweepOptions.backend,
  temperature: sweepOptions.temperature,
  maxTokens: sweepOptions.maxTokens,
  sampleSeed: sweepOptions.sampleSeed,
  minAgreement: { description: 'minimum agreement rate on train prompts (default 0.95)', argument: '<rate>', parse: parseNumber },
  minDivergence: { description: 'minimum divergence rate on eval prompts (default 0.9)', argument: '<rate>', parse: parseNumber },
  minInitial: { description: 'minimum initial-behaviour rate at step 0 (default 0.9)', argument: '<rate>', parse: parseNumber },
  judge: sweepOptions.judge,
  data: sweepOptions.data,
  settingParams: sweepOptions.settingParams,
  minJudgeKappa: { description: `the judge's minimum Cohen's kappa on the gold answers (default ${DEFAULT_JUDGE_THRESHOLDS.kappa})`, argument: '<kappa>', parse: parseNumber },
  minJudgeAccuracy: { description: `the judge's minimum accuracy on the gold answers (default ${DEFAULT_JUDGE_THRESHOLDS.accuracy})`, argument: '<rate>', parse: parseNumber },
  force: { description: 'exit 0 although the judge falls below its thresholds; build the training data although the check fails', argument: null },
  json: { description: 'print the result as JSON', argument: null },
  project: sweepOptions.project,
  dryRun: { description: 'check without a model: prompts, targets, rendering with the chat renderer, graders against gold answers', argument: null },
  renderer: { description: `chat renderer for --dry-run (${RENDERER_NAMES.join(', ')}); default from the model name (--base)`, argument: '<name>' },
};

const help: CommandHelp = {
  usage: 'bct check <setting> [options]',
  arguments: ['setting'],
  summary:
    'Pre-checks a setting on its model organism before training: agreement of the two behaviours on train\n' +
    'prompts, their divergence on eval prompts, and the initial behaviour at step 0, each as a rate with a\n' +
    '95% Wilson interval and the offending prompts. Exit status 0 when all pass, 1 when one fails.\n' +
    'Once it passes (or with --force) it builds the training data as `bct run` does (--data, default the\n' +
    'setting\'s targets) and prints its source, what a sampled source kept, and the training signal: the\n' +
    'untrained organism\'s mean NLL per target token, its spread, and a WARNING when it is so low that\n' +
    'training would be noise-driven. Both are recorded, and `bct run` reuses them.\n' +
    'A setting whose graders ask a judge model needs one (--judge organism, or --judge FILE with judge:\n' +
    '{ backend, model }): the judge first grades the gold answers of those graders, and is refused (exit 1)\n' +
    `below kappa ${DEFAULT_JUDGE_THRESHOLDS.kappa} or accuracy ${DEFAULT_JUDGE_THRESHOLDS.accuracy} unless --force.\n` +
    '--dry-run needs no model and writes nothing: it validates the prompts, grades the reference targets\n' +
    '(train targets compatible, eval targets alternate), renders every prompt and target with the chat\n' +
    `renderer of the model (--base MODEL, or --renderer NAME) within a ${DRY_RUN_CONTEXT}-token context, and runs\n` +
    'each grader on the setting\'s gold answers: accuracy and Cohen\'s kappa with 95% intervals, passing at\n' +
    `accuracy ${MIN_GOLD_ACCURACY} or more (graders that need a judge model are listed, not run).`,
  examples: [
    'bct check animal-flag',
    'bct check my-setting.yaml --base models/mw-base --min-initial 0.95',
    'bct check animal-flag --json',
    'bct check animal-flag --data teacher,model=models/mw-base,temperature=1',
    'bct check my-rh-setting.yaml --base Qwen/Qwen3-8B --judge judge.yaml',
    'bct check chat-rh-plain --setting-params hackGrader=judge --base Qwen/Qwen3-8B --backend tinker --judge organism',
    'bct check chat-wronglang --dry-run --base Qwen/Qwen3-8B',
    'bct check chat-rh-plain --dry-run --renderer qwen3_instruct',
  ],
};

export const checkCommand: Command = {
  name: 'check',
  summary: 'pre-check a setting on its model organism',
  async run(argv, io) {
    const args = parseOrHelp(argv, options, help, (t) => io.out.write(t));
    if (args === undefined) return 0;
    const values = args.positionals[0] !== undefined ? { setting: args.positionals[0], ...args.values } : args.values;
    if (values.setting === undefined) throw new ConfigError(`missing the <setting> argument: a built-in setting (\`bct ls\`) or a setting .yaml/.json file, as in ${help.usage}`);
    const c = validateConfig(schema, {}, { ...args, values }, undefined);
    const setting = resolveSetting(c.setting, 'setting', c.settingParams);
    if (c.dryRun) {
      if (c.data !== undefined) throw new ConfigError('is not read by --dry-run, which builds no training data; drop one of the two', '--data');
      const result = await dryRun(setting, c);
      if (c.json) writeLine(io.out, JSON.stringify(result, null, 2));
      else for (const l of formatDryRun(result)) writeLine(io.out, l);
      return result.passed ? 0 : 1;
    }
    if (c.renderer !== undefined) throw new ConfigError('is read only with --dry-run (a run takes the renderer from the model the backend serves)', '--renderer');
    const sweep = sweepConfigSchema.parse({ setting: c.setting, temperature: c.temperature, maxTokens: c.maxTokens, sampleSeed: c.sampleSeed, ...(c.base !== undefined ? { base: c.base } : {}), ...(c.backend !== undefined ? { backend: c.backend } : {}), ...(c.judge !== undefined ? { judge: c.judge } : {}), ...(c.data !== undefined ? { data: c.data } : {}), ...(c.settingParams !== undefined ? { settingParams: c.settingParams } : {}) });
    configIdentity(sweep, setting);
    const project = openProjectToWrite(c.project);
    const ctx = makeContext(project, sweep, createProgress(io.out), setting);
    try {
      const result = await checkStage(ctx, { agreement: c.minAgreement, divergence: c.minDivergence, initial: c.minInitial }, { kappa: c.minJudgeKappa, accuracy: c.minJudgeAccuracy });
      // The data stage runs where `bct run` would run it: after a check that passed, or with --force.
      const data = result.passed || c.force ? await dataStage(ctx) : null;
      if (c.json) writeLine(io.out, JSON.stringify(checkJson(result, data), null, 2));
      else {
        for (const l of formatCheck(result)) writeLine(io.out, l);
        if (data === null) writeLine(io.out, 'training data: not built, as the pre-check fails (`bct check --force` builds it and prints its training signal)');
        else for (const l of formatData(data)) writeLine(io.out, l);
      }
      if (result.passed) return 0;
      const judgeOnly = criteriaPassed(result);
      if (judgeOnly && c.force) {
        if (!c.json) writeLine(io.out, `the judge falls below its thresholds; --force: exit 0, and \`bct run --force\` runs the sweep with this judge`);
        return 0;
      }
      return 1;
    } finally {
      await ctx.close();
      project.db.close();
    }
  },
};

/** `bct check --json`: the check's result, with `data`: the training data as `bct status --json` shows
 *  it (status.ts `datasetJson`), null when it was not built. */
const checkJson = (result: CheckResult, data: Dataset | null) => ({ ...result, data: data === null ? null : datasetJson(data) });

// ---------------------------------------------------------------------------------------------------
// --dry-run

/** Problems listed per check (the rest are counted). */
const MAX_LISTED = 5;

interface Part {
  passed: boolean;
  /** One line: what was checked and what was found. */
  summary: string;
  /** Offending prompts or answers, at most MAX_LISTED, with their count in `summary`. */
  problems: string[];
}

interface GoldCheck extends Part {
  grader: string; // eval | train | a capability evaluation's name
  name: string; // the grader's registry name
  validation: GraderValidation | null; // null: not run (a judge grader)
}

export interface DryRunResult {
  settingId: string;
  renderer: RendererName;
  passed: boolean;
  prompts: Part;
  targets: Part;
  rendering: Part;
  gold: GoldCheck[];
  /** Why there is no gold check (no gold answers), or null. */
  goldNote: string | null;
}

/** Every prompt set of a setting with its name, for checks and messages. */
function promptSets(s: Setting): { name: string; prompts: Prompt[] }[] {
  return [
    { name: 'train', prompts: s.trainPrompts },
    { name: 'eval', prompts: s.evalPrompts },
    ...s.capabilityEvals.map((c) => ({ name: `capability ${c.name}`, prompts: c.kind === 'accuracy' ? c.prompts : c.pairs.map((p) => p.prompt) })),
  ];
}

function part(summary: string, problems: string[]): Part {
  return { passed: problems.length === 0, summary: problems.length === 0 ? summary : `${summary}; ${problems.length} problem${problems.length === 1 ? '' : 's'}`, problems: problems.slice(0, MAX_LISTED) };
}

function checkPrompts(s: Setting): Part {
  const problems: string[] = [];
  const sets = promptSets(s);
  for (const { name, prompts } of sets) {
    if (prompts.length === 0) problems.push(`${name}: no prompts`);
    const ids = new Set<string>();
    for (const p of prompts) {
      if (ids.has(p.id)) problems.push(`${name} ${p.id}: duplicate prompt id`);
      ids.add(p.id);
      const last = p.messages[p.messages.length - 1];
      if (last === undefined) problems.push(`${name} ${p.id}: no messages`);
      else if (last.role !== 'user') problems.push(`${name} ${p.id}: the last message is ${last.role}; expected user (the answer follows it)`);
      const empty = p.messages.findIndex((m) => m.content.trim() === '');
      if (empty >= 0) problems.push(`${name} ${p.id}: messages[${empty}] (${p.messages[empty]!.role}) is empty`);
    }
  }
  return part(sets.map((x) => `${x.prompts.length} ${x.name}`).join(', '), problems);
}

/** Whether a grader can run here (no judge model). */
const runsWithoutModel = (spec: GraderSpec): boolean => !graderDefinition(spec.name).requiresModel;

/** Reference targets graded by the setting's own graders: train targets compatible, eval targets (the
 *  alternate answer) alternate. */
async function checkTargets(s: Setting): Promise<Part> {
  if (s.targets.kind !== 'reference') return part(`targets on-policy (${s.targets.attempts} attempts per train prompt): drawn from the organism, nothing to grade here`, []);
  const target = s.targets.target;
  const problems: string[] = [];
  const counts: string[] = [];
  const sets: [string, Prompt[], GraderSpec, GradeLabel][] = [
    ['train', s.trainPrompts, s.graders.train, 'compatible'],
    ['eval', s.evalPrompts, s.graders.eval, 'alternate'],
  ];
  for (const [name, prompts, spec, want] of sets) {
    const withTarget = prompts.filter((p) => target(p) !== null);
    if (name === 'train' && withTarget.length < prompts.length) problems.push(`${prompts.length - withTarget.length} train prompts have no target (the data stage drops them)`);
    if (!runsWithoutModel(spec)) {
      counts.push(`${withTarget.length} ${name} targets (${spec.name} needs a judge model: not graded)`);
      continue;
    }
    const grade = createGrader(spec, {}, `graders.${name}`);
    let ok = 0;
    for (const p of withTarget) {
      const r = await grade({ prompt: p, completion: target(p)! });
      if (r.label === want) ok++;
      else problems.push(`${name} ${p.id}: target graded ${r.label}, expected ${want}: ${r.reason}`);
    }
    counts.push(`${ok}/${withTarget.length} ${name} targets ${want} (${spec.name})`);
  }
  return part(counts.join(', '), problems);
}

/** The renderer a dry run uses: --renderer, else the one the organism's model name calls for, else the
 *  microworld's for a local checkpoint folder. */
function dryRunRenderer(s: Setting, organism: ModelOrganism | undefined, flag: RendererName | undefined): { name: RendererName; from: string } {
  if (flag !== undefined) return { name: flag, from: '--renderer' };
  if (organism !== undefined) {
    const named = rendererNameFor(organism.base);
    if (named !== undefined) return { name: named, from: organism.base };
    if (existsSync(resolveModelPath(organism.base))) return { name: 'microworld', from: `the local checkpoint ${organism.base}` };
  }
  const what = organism === undefined ? `setting "${s.id}" names no model organism` : `no chat renderer is known for "${organism.base}"`;
  throw new ConfigError(`${what}; name the model with --base MODEL (e.g. Qwen/Qwen3-8B) or the renderer with --renderer NAME (${RENDERER_NAMES.join(', ')})`, '--renderer');
}

/** `bounded`: whether the renderer's context is the model's (a microworld checkpoint's is checked by the
 *  engine that loads it, not here). */
function checkRendering(s: Setting, organism: ModelOrganism | undefined, renderer: Renderer, maxTokens: number, bounded: boolean): Part {
  const problems: string[] = [];
  const as = (p: Prompt): Prompt => (organism === undefined ? p : applyInduction(organism, p));
  const attempt = (what: string, f: () => number): number | null => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof BctError)) throw e;
      problems.push(`${what}: ${e.message}`);
      return null;
    }
  };
  let longestPrompt = 0;
  let longestExample = 0;
  let rendered = 0;
  for (const { name, prompts } of promptSets(s)) {
    for (const p of prompts) {
      const n = attempt(`${name} ${p.id}`, () => renderer.renderPrompt(as(p).messages).length);
      if (n === null) continue;
      rendered++;
      longestPrompt = Math.max(longestPrompt, n);
      if (bounded && n + maxTokens > renderer.contextLength) problems.push(`${name} ${p.id}: ${n} prompt tokens + ${maxTokens} answer tokens exceed the context of ${renderer.contextLength}`);
    }
  }
  const examples: [string, Prompt, string | null][] = [
    ...s.trainPrompts.map((p): [string, Prompt, string | null] => ['train', p, s.targets.kind === 'reference' ? s.targets.target(p) : null]),
    ...s.capabilityEvals.flatMap((c) => (c.kind === 'nll' ? c.pairs.map((q): [string, Prompt, string | null] => [`capability ${c.name}`, q.prompt, q.completion]) : [])),
  ];
  let trained = 0;
  for (const [name, p, completion] of examples) {
    if (completion === null) continue;
    const n = attempt(`${name} ${p.id} target`, () => renderer.renderSupervised(as(p).messages, completion).tokens.length);
    if (n === null) continue;
    trained++;
    longestExample = Math.max(longestExample, n);
  }
  const context = bounded ? `context ${renderer.contextLength} with ${maxTokens} answer tokens` : 'context: the checkpoint\'s, checked when it is loaded';
  return part(`${rendered} prompts (longest ${longestPrompt} tokens) and ${trained} targets (longest example ${longestExample} tokens) rendered; ${context}`, problems);
}

async function checkGold(s: Setting, gold: readonly GoldAnswer[]): Promise<GoldCheck[]> {
  const roles = [...new Set(gold.map((g) => g.grader))];
  const pct = (x: number): string => x.toFixed(3);
  const out: GoldCheck[] = [];
  for (const role of roles) {
    const spec = graderOfRole(s, role);
    if (spec === undefined) {
      out.push({ grader: role, name: '-', validation: null, passed: false, summary: `gold answers name grader "${role}", which the setting does not have`, problems: [] });
      continue;
    }
    const items = gold.filter((g) => g.grader === role);
    if (!runsWithoutModel(spec)) {
      out.push({ grader: role, name: spec.name, validation: null, passed: true, summary: `${items.length} gold answers not run: ${spec.name} needs a judge model (bct check <setting> --judge runs them)`, problems: [] });
      continue;
    }
    const v = await validateGrader(createGrader(spec, {}, `graders.${role}`), items);
    const a = v.agreement;
    const passed = a.accuracy.rate >= MIN_GOLD_ACCURACY;
    const kappa = Number.isNaN(a.kappa.value) ? 'kappa undefined (one label only)' : `kappa ${pct(a.kappa.value)} [${pct(a.kappa.lo)}, ${pct(a.kappa.hi)}]`;
    out.push({
      grader: role,
      name: spec.name,
      validation: v,
      passed,
      summary: `accuracy ${a.accuracy.k}/${a.n} = ${pct(a.accuracy.rate)} [${pct(a.accuracy.lo)}, ${pct(a.accuracy.hi)}], ${kappa}`,
      problems: v.misses.slice(0, MAX_LISTED).map((m) => `${m.id}: gold ${m.gold}, graded ${m.predicted} (${m.note})`),
    });
  }
  return out;
}

async function dryRun(s: Setting, c: CheckConfig): Promise<DryRunResult> {
  const hasOrganism = c.base !== undefined || s.defaultOrganism !== undefined;
  const organism = hasOrganism ? organismOf(sweepConfigSchema.parse({ setting: c.setting, ...(c.base !== undefined ? { base: c.base } : {}) }), s) : undefined;
  const chosen = dryRunRenderer(s, organism, c.renderer);
  const bounded = chosen.name !== 'microworld';
  const renderer = createRenderer(chosen.name, { contextLength: bounded ? DRY_RUN_CONTEXT : MAX_CONTEXT_LENGTH });
  const prompts = checkPrompts(s);
  const targets = await checkTargets(s);
  const rendering = checkRendering(s, organism, renderer, c.maxTokens, bounded);
  rendering.summary = `${chosen.name} (from ${chosen.from}): ${rendering.summary}`;
  const gold = goldAnswersOf(s.id);
  const goldChecks = gold === undefined ? [] : await checkGold(s, gold);
  return {
    settingId: s.id,
    renderer: chosen.name,
    passed: prompts.passed && targets.passed && rendering.passed && goldChecks.every((g) => g.passed),
    prompts,
    targets,
    rendering,
    gold: goldChecks,
    goldNote: gold === undefined ? 'no gold answers for this setting (the chat built-ins ship them): graders not validated' : null,
  };
}

function formatDryRun(r: DryRunResult): string[] {
  const verdict = (p: { passed: boolean }): string => (p.passed ? 'PASS' : 'FAIL');
  const section = (name: string, p: Part): string[] => [`  ${name.padEnd(10)} ${verdict(p)}  ${p.summary}`, ...p.problems.map((x) => `    ${x}`)];
  return [
    `dry run of ${r.settingId} (no model): ${verdict(r)}`,
    ...section('prompts', r.prompts),
    ...section('targets', r.targets),
    ...section('rendering', r.rendering),
    ...r.gold.flatMap((g) => section(`gold ${g.grader}`, { ...g, summary: `${g.name}: ${g.summary}` })),
    ...(r.goldNote === null ? [] : [`  gold       -     ${r.goldNote}`]),
  ];
}
