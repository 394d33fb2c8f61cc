// Public surface of src/graders/: the one table of graders. Add a grader by writing one file that exports
// a `defineGrader(...)` object and adding it to GRADER_DEFINITIONS below (one line).
import { containsGrader } from './contains.js';
import { exactMatchGrader } from './exact-match.js';
import { llmJudgeGrader } from './llm-judge.js';
import { regexGrader } from './regex.js';
import { mwAnimalGrader } from './microworld/animal.js';
import { mwBackdoorGrader } from './microworld/backdoor.js';
import { mwHackGrader } from './microworld/hack.js';
import { mwLanguageGrader } from './microworld/language.js';
import { mwSandbagGrader } from './microworld/sandbag.js';
import { mwTaskGrader } from './microworld/task.js';
import { chatAnswerGrader } from './chat/answer.js';
import { chatHardcodeGrader } from './chat/hardcode.js';
import { chatLanguageGrader } from './chat/language.js';
import type { GraderContext, GraderDefinition, GradeFn, GraderOverride } from './types.js';
import type { GoldAnswer } from './validation.js';
import { ConfigError } from '../errors.js';
import type { Json } from '../domain/index.js';

export const GRADER_DEFINITIONS = [regexGrader, containsGrader, exactMatchGrader, llmJudgeGrader, mwAnimalGrader, mwLanguageGrader, mwSandbagGrader, mwHackGrader, mwBackdoorGrader, mwTaskGrader, chatLanguageGrader, chatAnswerGrader, chatHardcodeGrader] as const;

/** Every registered grader name. */
export type GraderName = (typeof GRADER_DEFINITIONS)[number]['name'];

/** A grader as written in a setting and in the record: enough to re-create it. */
export interface GraderSpec {
  name: GraderName;
  args: Json;
}

export const GRADER_NAMES: readonly GraderName[] = GRADER_DEFINITIONS.map((g) => g.name);

/** Graders that need a judge model (derived from the table). */
export const MODEL_GRADED: ReadonlySet<GraderName> = new Set(GRADER_DEFINITIONS.filter((g) => g.requiresModel).map((g) => g.name));

export function graderDefinition(name: string, where = 'grader.name'): GraderDefinition {
  const def = GRADER_DEFINITIONS.find((g) => g.name === name);
  if (def === undefined) throw new ConfigError(`unknown grader "${name}"; known graders: ${GRADER_NAMES.join(', ')}`, where);
  return def as GraderDefinition;
}

/** Validates a spec's args; the error names `where` (e.g. `graders.eval`) plus the args path. */
export function parseGraderArgs(spec: { name: string; args: unknown }, where: string): unknown {
  const def = graderDefinition(spec.name, `${where}.name`);
  const parsed = def.args.safeParse(spec.args ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    throw new ConfigError(`${issue.message} (grader "${spec.name}")`, `${where}.args${path}`);
  }
  const override = def.override?.(parsed.data);
  if (override !== undefined) checkOverride(override, `${where}.args.override.grader`);
  return parsed.data;
}

/** An override's grader must be a rule grader with valid args: it grades every answer beside the judge,
 *  with no model of its own. */
function checkOverride(o: GraderOverride, where: string): void {
  const def = graderDefinition(o.grader.name, `${where}.name`);
  if (def.requiresModel) throw new ConfigError(`grader "${o.grader.name}" asks a judge model; an override is a rule grader (one of ${GRADER_NAMES.filter((n) => !MODEL_GRADED.has(n)).join(', ')})`, `${where}.name`);
  parseGraderArgs(o.grader, where);
}

/** Creates the grade function for a spec. Throws ConfigError for bad args or a missing judge. */
export function createGrader(spec: GraderSpec, context: GraderContext = {}, where = 'grader'): GradeFn {
  const def = graderDefinition(spec.name, `${where}.name`);
  if (def.requiresModel && context.judge === undefined) {
    throw new ConfigError(`grader "${spec.name}" needs a judge model; pass one in the grader context`, where);
  }
  const args = parseGraderArgs(spec, where);
  const judged = def.create(args, context);
  const override = def.override?.(args);
  return override === undefined ? judged : withOverride(judged, override, createGrader(override.grader as GraderSpec, {}, `${where}.args.override.grader`));
}

/** The grade of `judged`, unless `rule` gives one of the override's labels; the reason names both. */
function withOverride(judged: GradeFn, o: GraderOverride, rule: GradeFn): GradeFn {
  return async (sample) => {
    const [j, r] = await Promise.all([judged(sample), rule(sample)]);
    if (o.labels.includes(r.label)) return { label: r.label, score: r.score, reason: `${o.grader.name}: ${r.reason}; stands over the judge (${j.reason})` };
    return { ...j, reason: `${j.reason}; ${o.grader.name} says ${r.label}${r.label === j.label ? ' (agrees)' : ''}` };
  };
}

/** What a model-graded grader asks its judge (GraderDefinition.promptTemplate), for grade keys; null for
 *  a grader that asks no model. Throws ConfigError for bad args. */
export function graderTemplate(spec: GraderSpec, where = 'grader'): Json {
  const def = graderDefinition(spec.name, `${where}.name`);
  if (def.promptTemplate === undefined) return null;
  const args = parseGraderArgs(spec, where);
  const override = def.override?.(args);
  // The override's logic version is part of what decides the grade (its name and args are in the spec).
  return override === undefined ? def.promptTemplate(args) : { ...(def.promptTemplate(args) as Record<string, Json>), overrideVersion: graderVersion(override.grader.name as GraderName) };
}

/** The gold answers a model-graded grader ships to validate its judge on, as gold answers of the
 *  setting's grader `role` (GraderDefinition.judgeGold); undefined when it ships none. */
export function judgeGoldOf(spec: GraderSpec, role: string, where = 'grader'): GoldAnswer[] | undefined {
  const def = graderDefinition(spec.name, `${where}.name`);
  return def.judgeGold?.(parseGraderArgs(spec, where), role);
}

/** Version of a grader's logic, part of grade keys. */
export function graderVersion(name: GraderName): number {
  return graderDefinition(name).version;
}

export { defineGrader } from './types.js';
export { firstVerdictWord, MAX_VERDICT_TOKENS, type LlmJudgeArgs } from './llm-judge.js';
export { JUDGE_RUBRICS, RUBRIC_NAMES, rubricGold, type JudgeRubric, type RubricName } from './judge-rubrics.js';
export type { GradeFn, GradeResult, GradeSample, GraderContext, GraderDefinition, GraderOverride } from './types.js';
