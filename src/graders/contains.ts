// Substring classifier for user settings: `classes` maps a label to a substring the answer must contain.
import { classArgsSchema, classifier } from './classify.js';
import { defineGrader } from './types.js';

export const containsGrader = defineGrader({
  name: 'contains',
  description: 'Labels an answer by which substring it contains (`classes: { initial: "cat", alternate: "dog" }`).',
  version: 1,
  requiresModel: false,
  args: classArgsSchema,
  create: (args) =>
    classifier(args, (s) => s, (p) => {
      const needle = args.ignoreCase ? p.toLowerCase() : p;
      return (t) => (args.ignoreCase ? t.toLowerCase() : t).includes(needle);
    }, 'substring'),
});
