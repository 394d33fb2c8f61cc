// Regex classifier for user settings: `classes` maps a label to a regular expression.
import { classArgsSchema, classifier } from './classify.js';
import { defineGrader } from './types.js';

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const regexGrader = defineGrader({
  name: 'regex',
  description: 'Labels an answer by which regular expression it matches (`classes: { initial: "...", alternate: "..." }`).',
  version: 1,
  requiresModel: false,
  args: classArgsSchema,
  create: (args) =>
    classifier(args, escapeRegex, (p) => {
      const re = new RegExp(p, args.ignoreCase ? 'i' : '');
      return (t) => re.test(t);
    }, 'regex'),
});
