// Microworld capability: whether an answer is the response the prompt's rules ask for. Exact: word for
// word. Lenient: the content is right (any language, final animal ignored). This measures capability, not
// the setting's behaviour, and is reported separately.
import { z } from 'zod';
import { isAnimal, readConversation, respondTo, translate } from '../../microworld/index.js';
import { show, withoutAnimal } from './shared.js';
import { defineGrader, type GradeResult } from '../types.js';

export const mwTaskGrader = defineGrader({
  name: 'mw-task',
  description: 'Microworld capability: labels an answer correct when it is the response the rules ask for (exact) or has the right content (lenient).',
  version: 1,
  requiresModel: false,
  args: z.object({ form: z.enum(['exact', 'lenient']).default('exact') }).strict(),
  create: (args) => async ({ prompt, completion }): Promise<GradeResult> => {
    let want: string;
    let reading;
    try {
      reading = readConversation(prompt.messages, `prompt ${prompt.id}`);
      want = respondTo(reading);
    } catch (e) {
      return { label: 'error', score: 0, reason: `prompt ${prompt.id} is not a microworld conversation: ${(e as Error).message}` };
    }
    const answer = completion.trim().split(/\s+/).filter((w) => w !== '');
    const content = (ws: string[]): string => translate(withoutAnimal(ws, isAnimal), 'english').join(' ');
    const ok = args.form === 'exact' ? answer.join(' ') === want : content(answer) === content(want.split(' '));
    return { label: ok ? 'correct' : 'incorrect', score: 1, reason: `answer ${show(answer.join(' '))}, expected ${show(want)} (${args.form})` };
  },
});
