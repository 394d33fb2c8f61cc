// Shared shape of the chat graders (chat-*.ts): each reads one property of a free-text answer (its
// language, whether it is the task's right answer, whether its code hard-codes the shown tests) and
// labels the answer by which class value the property shows. An answer that shows none of the values
// (no letters, no answer, no code) gets `otherwise`. Unlike the microworld graders there is no exact
// form: a chat model's answer has no single right wording.
import { z } from 'zod';
import type { GradeLabel, Prompt } from '../../domain/index.js';
import { classArgsSchema } from '../classify.js';
import { defineGrader, type GraderDefinition, type GradeResult } from '../types.js';

/** The labels a class may earn: the same as the pattern graders'. */
const labelSchema = classArgsSchema.shape.otherwise.unwrap();

/** Characters of an answer a chat grader reads at most; a longer answer is graded on its beginning. */
const MAX_GRADED_CHARS = 100_000;

function chatArgsSchema<V extends string>(values: readonly [V, ...V[]]) {
  return z
    .object({
      /** Label → the property value that earns it, e.g. `{ initial: 'english', alternate: 'spanish' }`. */
      classes: z.partialRecord(labelSchema, z.enum(values)).refine((c) => Object.keys(c).length > 0, { message: 'expected at least one label → value entry' }),
      /** Label for an answer that shows none of the values. */
      otherwise: labelSchema.default('other'),
    })
    .strict();
}

/** What a reader saw in one answer: the property's value (null: none) and what it was read from. */
export interface Observation<V extends string> {
  value: V | null;
  /** Names what was observed ("eld read spanish", "final number 86, expected 85"). */
  detail: string;
}

interface ChatPropertySpec<N extends string, V extends string> {
  name: N;
  description: string;
  version: number;
  /** What the property is called in reasons ("language"). */
  what: string;
  values: readonly [V, ...V[]];
  /** Reads the property off an answer; a string result is a grading error (e.g. missing prompt meta). */
  observe: (prompt: Prompt, answer: string) => Promise<Observation<V> | string>;
}

export function show(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}

/** A grader definition for one property of chat answers. */
export function chatPropertyGrader<const N extends string, V extends string>(spec: ChatPropertySpec<N, V>): GraderDefinition<N, z.infer<ReturnType<typeof chatArgsSchema<V>>>> {
  return defineGrader({
    name: spec.name,
    description: spec.description,
    version: spec.version,
    requiresModel: false,
    args: chatArgsSchema(spec.values),
    create: (a) => async ({ prompt, completion }): Promise<GradeResult> => {
      const answer = completion.slice(0, MAX_GRADED_CHARS);
      let seen: Observation<V> | string;
      try {
        seen = await spec.observe(prompt, answer);
      } catch (e) {
        return { label: 'error', score: 0, reason: `${spec.name} could not read answer ${show(answer)} to prompt ${prompt.id}: ${(e as Error).message}` };
      }
      if (typeof seen === 'string') return { label: 'error', score: 0, reason: seen };
      const classes = Object.entries(a.classes) as [GradeLabel, V][];
      const expected = classes.map(([l, v]) => `${l}=${v}`).join(', ');
      const matched = classes.filter(([, v]) => v === seen.value);
      if (matched.length === 1) {
        return { label: matched[0]![0], score: 1, reason: `answer ${show(answer)} shows ${spec.what} ${seen.value} (${seen.detail}; classes ${expected})` };
      }
      if (matched.length > 1) {
        return { label: 'other', score: 0, reason: `answer ${show(answer)} shows ${spec.what} ${seen.value}, which several classes name (${expected})` };
      }
      return { label: a.otherwise, score: 1, reason: `answer ${show(answer)} shows ${spec.what} ${seen.value ?? 'none'} (${seen.detail}); classes ${expected}` };
    },
  });
}

/** A string `meta.<key>` of a prompt, or an error sentence naming the prompt and the key. */
export function metaString(prompt: Prompt, key: string): string | { error: string } {
  const v = prompt.meta?.[key];
  return typeof v === 'string' ? v : { error: `prompt ${prompt.id} has no string meta.${key} (got ${v === undefined ? 'none' : JSON.stringify(v)})` };
}
