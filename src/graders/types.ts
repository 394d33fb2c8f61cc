// The grader contract. A grader is one file exporting one definition (metadata + factory); index.ts lists
// them in one table. A created grader classifies one answer; it never throws: a failure to grade is a
// result with label 'error' and a reason. (A judge model that cannot be reached is the one exception: its
// BackendError says nothing about the answer, so it is thrown, not recorded as a grade.)
import type { z } from 'zod';
import type { SamplingClient } from '../backends/index.js';
import type { GradeLabel, Json, Prompt } from '../domain/index.js';
import type { GoldAnswer } from './validation.js';

/** What a grader looks at: the prompt (with its `meta`) and the model's answer. */
export interface GradeSample {
  prompt: Prompt;
  completion: string;
}

export interface GradeResult {
  label: GradeLabel;
  /** In [0, 1]: 1 for a clear match of `label`; an LLM judge gives its probability of "Yes". */
  score: number;
  /** One sentence naming the observed and the expected values (never secrets). */
  reason: string;
}

export type GradeFn = (sample: GradeSample) => Promise<GradeResult>;

/** What a grader may need besides its args. */
export interface GraderContext {
  /** The judge model, for graders with `requiresModel`. */
  judge?: SamplingClient;
}

export interface GraderDefinition<N extends string = string, A = unknown> {
  /** Registry name (kebab-case); what a GraderSpec names. */
  name: N;
  description: string;
  /** Bump when the grading logic changes: it is part of every grade key, so old grades are redone. */
  version: number;
  /** True when `create` needs `context.judge`. */
  requiresModel: boolean;
  /** A model-graded grader: what its judge is asked, whatever the answer (question, Yes/No texts, form),
   *  resolved from its args (a named rubric becomes its text). Part of the grade key, so a rubric edited
   *  in code re-judges as an edited question does. */
  promptTemplate?: (args: A) => Json;
  /** A model-graded grader: the gold answers it ships to validate a judge on (a rubric's), as gold
   *  answers of the setting's grader `role`; undefined when its args ship none. */
  judgeGold?: (args: A, role: string) => GoldAnswer[] | undefined;
  /** A model-graded grader paired with a rule grader whose `labels` stand over the judge's (llm-judge
   *  `override`); undefined when its args name none. */
  override?: (args: A) => GraderOverride | undefined;
  /** Validates `GraderSpec.args`; its error paths become `graders.eval.args.<path>` in messages. */
  args: z.ZodType<A>;
  create(args: A, context: GraderContext): GradeFn;
}

/** A rule grader (it asks no model) that grades every answer beside a judge; where it gives one of
 *  `labels`, its label is the grade. */
export interface GraderOverride {
  grader: { name: string; args: Json };
  labels: GradeLabel[];
}

/** Identity function that keeps the literal name type, so the table in index.ts can derive GraderName. */
export function defineGrader<const N extends string, A>(definition: GraderDefinition<N, A>): GraderDefinition<N, A> {
  return definition;
}
