// Shared logic of the pattern graders (regex, contains, exact-match): each class label has a pattern; an
// answer that matches exactly one class gets that label, none gets `otherwise`, several gets 'other'.
// Patterns may name prompt metadata as `{{meta.key}}` (e.g. the expected animal).
import { z } from 'zod';
import type { GradeLabel, Json, Prompt } from '../domain/index.js';
import type { GradeFn, GradeResult } from './types.js';

const LABELS = ['initial', 'alternate', 'other', 'compatible', 'incompatible', 'correct', 'incorrect'] as const;
const labelSchema = z.enum(LABELS);

export const classArgsSchema = z
  .object({
    /** Label → pattern; at least one. */
    classes: z.partialRecord(labelSchema, z.string()).refine((c) => Object.keys(c).length > 0, {
      message: 'expected at least one label → pattern entry',
    }),
    /** Label when no class matches. */
    otherwise: labelSchema.default('other'),
    /** Compare case-insensitively. */
    ignoreCase: z.boolean().default(false),
  })
  .strict();

export type ClassArgs = z.infer<typeof classArgsSchema>;

/** A `{{meta.key}}` placeholder in a pattern. */
export const META_PLACEHOLDER = /\{\{\s*meta\.([A-Za-z0-9_]+)\s*\}\}/g;

/** Replaces `{{meta.key}}` with the prompt's metadata value, passed through `escape`. Returns an error
 *  string when the key is missing. */
export function expandMeta(pattern: string, prompt: Prompt, escape: (s: string) => string): string | { error: string } {
  let missing: string | undefined;
  const out = pattern.replace(META_PLACEHOLDER, (_m, key: string) => {
    const v: Json | undefined = prompt.meta?.[key];
    if (v === undefined || v === null) {
      missing = key;
      return '';
    }
    return escape(typeof v === 'string' ? v : JSON.stringify(v));
  });
  return missing === undefined ? out : { error: `prompt ${prompt.id} has no meta.${missing}` };
}

function show(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}

/** Builds a grade function from a matcher that compiles one expanded pattern. */
export function classifier(
  args: ClassArgs,
  escape: (s: string) => string,
  compile: (pattern: string) => (text: string) => boolean,
  kind: string,
): GradeFn {
  const entries = Object.entries(args.classes) as [GradeLabel, string][];
  return async ({ prompt, completion }): Promise<GradeResult> => {
    const matched: GradeLabel[] = [];
    for (const [label, raw] of entries) {
      const expanded = expandMeta(raw, prompt, escape);
      if (typeof expanded !== 'string') return { label: 'error', score: 0, reason: expanded.error };
      let test: (text: string) => boolean;
      try {
        test = compile(expanded);
      } catch (e) {
        return { label: 'error', score: 0, reason: `${kind} for ${label} is invalid: ${(e as Error).message}` };
      }
      if (test(completion)) matched.push(label);
    }
    const expected = entries.map(([l, p]) => `${l}=${show(p)}`).join(', ');
    if (matched.length === 1) {
      return { label: matched[0]!, score: 1, reason: `answer ${show(completion)} matches the ${kind} for ${matched[0]} (${expected})` };
    }
    if (matched.length > 1) {
      return { label: 'other', score: 0, reason: `answer ${show(completion)} matches several classes (${matched.join(', ')}) of ${expected}` };
    }
    return { label: args.otherwise, score: 1, reason: `answer ${show(completion)} matches no ${kind} of ${expected}` };
  };
}
