// Microworld capability: whether an answer's content is the response the prompt's rules ask for.
//   exact    word for word; `except` lists properties left free (any value of each is correct), so that
//            capability can be measured without the property a setting trains: animal-flag's capability
//            is `{ form: exact, except: [end] }`;
//   lenient  the same with the language and the ending free as well (content right in either language,
//            with or without an animal; a mix of the two languages is not a response of the world).
// This measures capability, not the setting's behaviour, and is reported separately.
import { z } from 'zod';
import { respondTo } from '../../microworld/index.js';
import { answerContent, explain, PROPERTIES, promptReader, rulesResponses, show, showAnswer, worldAnswers, type Property } from './shared.js';
import { defineGrader, type GradeResult } from '../types.js';

const LENIENT_FREE: readonly Property[] = ['lang', 'end'];

export const mwTaskGrader = defineGrader({
  name: 'mw-task',
  description: 'Microworld capability: labels an answer correct when its content is the response the rules ask for (exact; `except` leaves listed properties free) or that response in any language and ending (lenient).',
  version: 3,
  requiresModel: false,
  args: z
    .object({
      form: z.enum(['exact', 'lenient']).default('exact'),
      /** Properties whose value does not count: the content may show any value of each. */
      except: z
        .array(z.enum(PROPERTIES))
        .max(PROPERTIES.length)
        .refine((ps) => new Set(ps).size === ps.length, { message: 'expected each property at most once' })
        .default([]),
    })
    .strict(),
  create: (args) => {
    const free = args.form === 'lenient' ? [...new Set([...LENIENT_FREE, ...args.except])] : args.except;
    const form = `${args.form}${free.length > 0 ? `, ${free.join(' ')} free` : ''}`;
    const read = promptReader((reading) => ({ accepted: rulesResponses(reading, free), want: respondTo(reading), world: worldAnswers(reading) }));
    return async ({ prompt, completion }): Promise<GradeResult> => {
      const got = read(prompt);
      if ('label' in got) return got;
      const { accepted, want, world } = got.derived;
      const ans = answerContent(completion);
      const what = explain(got.reading, ans.content, world);
      return { label: accepted.has(ans.content) ? 'correct' : 'incorrect', score: 1, reason: `${showAnswer(ans)}, expected ${show(want)}: ${what} (${form})` };
    };
  },
});
