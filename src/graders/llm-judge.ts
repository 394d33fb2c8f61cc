// LLM judge, shaped like the research's: a judge model is asked a Yes/No question about the answer; the
// verdict is the softmax of the log-probabilities of "Yes" and "No", cut at `threshold` (0.5).
import { z } from 'zod';
import type { ChatMessage } from '../domain/index.js';
import { defineGrader } from './types.js';

const label = z.enum(['initial', 'alternate', 'other', 'compatible', 'incompatible', 'correct', 'incorrect']);

const argsSchema = z
  .object({
    /** The question; `{{prompt}}` is the last user turn, `{{completion}}` the answer. */
    question: z.string().min(1),
    /** Label when P(Yes) >= threshold. */
    yes: label,
    /** Label otherwise. */
    no: label,
    threshold: z.number().gt(0).lt(1).default(0.5),
    yesText: z.string().min(1).default('Yes'),
    noText: z.string().min(1).default('No'),
  })
  .strict();

export const llmJudgeGrader = defineGrader({
  name: 'llm-judge',
  description: 'Asks a judge model a Yes/No question; P(Yes) = softmax of the Yes/No log-probabilities, cut at 0.5.',
  version: 1,
  requiresModel: true,
  args: argsSchema,
  create: (args, context) => async ({ prompt, completion }) => {
    const judge = context.judge;
    if (judge === undefined) return { label: 'error', score: 0, reason: 'llm-judge needs a judge model and none was given' };
    const lastUser = [...prompt.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const question = args.question.replaceAll('{{prompt}}', lastUser).replaceAll('{{completion}}', completion);
    const messages: ChatMessage[] = [{ role: 'user', content: question }];
    try {
      const [yes, no] = await Promise.all([judge.logprobs(messages, args.yesText), judge.logprobs(messages, args.noText)]);
      // softmax over the two options, computed stably
      const m = Math.max(yes.logprob, no.logprob);
      const pYes = Math.exp(yes.logprob - m) / (Math.exp(yes.logprob - m) + Math.exp(no.logprob - m));
      if (!Number.isFinite(pYes)) return { label: 'error', score: 0, reason: `judge log-probabilities are not finite (yes ${yes.logprob}, no ${no.logprob})` };
      const verdict = pYes >= args.threshold ? args.yes : args.no;
      return { label: verdict, score: pYes, reason: `judge P(${args.yesText}) = ${pYes.toFixed(3)} against threshold ${args.threshold}, so ${verdict}` };
    } catch (e) {
      return { label: 'error', score: 0, reason: `judge failed: ${(e as Error).message}` };
    }
  },
});
