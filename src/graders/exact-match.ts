// Exact-match classifier for user settings: the trimmed answer must equal the class's text.
import { classArgsSchema, classifier } from './classify.js';
import { defineGrader } from './types.js';

export const exactMatchGrader = defineGrader({
  name: 'exact-match',
  description: 'Labels an answer by which text it equals after trimming whitespace (`classes: { correct: "{{meta.answer}}" }`).',
  version: 1,
  requiresModel: false,
  args: classArgsSchema,
  create: (args) =>
    classifier(args, (s) => s, (p) => {
      const want = args.ignoreCase ? p.trim().toLowerCase() : p.trim();
      return (t) => (args.ignoreCase ? t.trim().toLowerCase() : t.trim()) === want;
    }, 'text'),
});
