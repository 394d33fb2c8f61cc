// Regex classifier for user settings: `classes` maps a label to a regular expression.
import { classArgsSchema, classifier, META_PLACEHOLDER } from './classify.js';
import { defineGrader } from './types.js';

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The class args, each pattern compiled once when the setting is loaded (a metadata value is escaped
 *  when it is put in, so a placeholder stands for a literal): a pattern that does not compile would
 *  otherwise grade every answer of a sweep as `error`. */
const regexArgsSchema = classArgsSchema.superRefine((args, ctx) => {
  for (const [label, pattern] of Object.entries(args.classes)) {
    try {
      new RegExp(pattern.replace(META_PLACEHOLDER, 'x'), args.ignoreCase ? 'i' : '');
    } catch (e) {
      const reason = (e as Error).message.split(': ').pop();
      ctx.addIssue({ code: 'custom', path: ['classes', label], message: `invalid regular expression ${JSON.stringify(pattern)}: ${reason}; expected a JavaScript regular expression` });
    }
  }
});

export const regexGrader = defineGrader({
  name: 'regex',
  description: 'Labels an answer by which regular expression it matches (`classes: { initial: "...", alternate: "..." }`).',
  version: 1,
  requiresModel: false,
  args: regexArgsSchema,
  create: (args) =>
    classifier(args, escapeRegex, (p) => {
      const re = new RegExp(p, args.ignoreCase ? 'i' : '');
      return (t) => re.test(t);
    }, 'regex'),
});
