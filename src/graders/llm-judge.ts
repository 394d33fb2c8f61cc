// LLM judge, shaped like the research's: a judge model is asked a Yes/No question about the answer. Two
// forms of reading its verdict:
// - `logprob` (the research's): the softmax of the log-probabilities of "Yes" and "No" as the start of
//   the judge's answer, cut at `threshold` (0.5);
// - `verdict`, for hosted APIs that give no log-probabilities: the judge answers at temperature 0 in at
//   most `maxTokens` tokens and the first "Yes" or "No" word of its answer is the verdict (score 1 or 0);
//   an answer with neither is labelled `error` with the answer quoted.
// The question is written in the grader's args, or named: a rubric of judge-rubrics.ts, which ships the
// gold answers a judge is validated on. What the judge is asked (question, Yes/No texts, form) is the
// grader's prompt template; its hash and the judge's identity are part of every judge grade's key
// (src/pipeline/keys.ts), so editing a rubric re-judges the answers of that grader only.
// A judge that cannot be reached is not a verdict about the answer: its BackendError is thrown (the
// stage fails, and running the same command again retries), never recorded as a grade.
// `override` pairs the judge with a rule grader (no model) that grades every answer too: where the rule
// grader gives one of the override's labels (e.g. `other` for an answer with no code at all, which a
// Yes/No question cannot say), its label stands; otherwise the judge's does. Both are named in the reason,
// so the grade records whether the two agree. The judge is asked about every answer either way, so that
// its tokens are what the plan says. Its nested grader is validated and created in index.ts.
import { z } from 'zod';
import type { ChatMessage } from '../domain/index.js';
import { BackendError } from '../errors.js';
import { JUDGE_RUBRICS, RUBRIC_NAMES, rubricGold, type RubricName } from './judge-rubrics.js';
import { defineGrader, type GraderOverride } from './types.js';

const label = z.enum(['initial', 'alternate', 'other', 'compatible', 'incompatible', 'correct', 'incorrect']);

/** Longest verdict answer allowed: a verdict is one word, and a judge that writes a paragraph first is
 *  the wrong judge for this form. */
export const MAX_VERDICT_TOKENS = 64;

/** Characters of a question at most (it is sent with every answer judged). */
const MAX_QUESTION_CHARS = 20_000;

const argsSchema = z
  .object({
    /** The question; `{{prompt}}` is the last user turn, `{{completion}}` the answer. Or `rubric`. */
    question: z.string().min(1).max(MAX_QUESTION_CHARS).optional(),
    /** A named question with its gold set (judge-rubrics.ts), instead of `question`. */
    rubric: z.enum(RUBRIC_NAMES as [RubricName, ...RubricName[]], { error: () => `expected one of ${RUBRIC_NAMES.join(', ')}` }).optional(),
    /** Label of a Yes verdict (P(Yes) >= threshold). */
    yes: label,
    /** Label otherwise. */
    no: label,
    threshold: z.number().gt(0).lt(1).default(0.5),
    yesText: z.string().min(1).max(64).default('Yes'),
    noText: z.string().min(1).max(64).default('No'),
    form: z.enum(['logprob', 'verdict']).default('logprob'),
    /** Answer tokens of the verdict form. */
    maxTokens: z.number().int().min(1).max(MAX_VERDICT_TOKENS).default(8),
    /** A rule grader whose `labels` stand over the judge's verdict (index.ts checks its spec). */
    override: z
      .object({
        grader: z.object({ name: z.string().min(1).max(64), args: z.json().default({}) }).strict(),
        labels: z.array(label).min(1).max(7),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((a) => (a.question === undefined) !== (a.rubric === undefined), { message: 'give question or rubric, one of them', path: ['question'] });

export type LlmJudgeArgs = z.infer<typeof argsSchema>;

/** The question a grader asks, from its own args or its rubric. */
function questionOf(args: LlmJudgeArgs): string {
  return args.rubric !== undefined ? JUDGE_RUBRICS[args.rubric].question : args.question!;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Which of the two texts is the first word of `answer` to be one of them (case ignored), or null. */
export function firstVerdictWord(answer: string, yesText: string, noText: string): 'yes' | 'no' | null {
  const word = (t: string): RegExp => new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(t)}(?![\\p{L}\\p{N}])`, 'iu');
  const y = word(yesText).exec(answer)?.index ?? Infinity;
  const n = word(noText).exec(answer)?.index ?? Infinity;
  if (y === Infinity && n === Infinity) return null;
  return y < n ? 'yes' : 'no';
}

const quoted = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);

export const llmJudgeGrader = defineGrader({
  name: 'llm-judge',
  description: 'Asks a judge model a Yes/No question: P(Yes) from the Yes/No log-probabilities cut at 0.5, or a sampled Yes/No verdict (form: verdict).',
  version: 2,
  requiresModel: true,
  args: argsSchema,
  override: (args) => args.override as GraderOverride | undefined,
  judgeGold: (args, role) => (args.rubric === undefined ? undefined : rubricGold(args.rubric, role, args)),
  promptTemplate: (args) => ({ question: questionOf(args), yesText: args.yesText, noText: args.noText, form: args.form, ...(args.form === 'verdict' ? { maxTokens: args.maxTokens } : {}) }),
  create: (args, context) => {
    const template = questionOf(args);
    return async ({ prompt, completion }) => {
      const judge = context.judge;
      if (judge === undefined) return { label: 'error', score: 0, reason: 'llm-judge needs a judge model and none was given' };
      const lastUser = [...prompt.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
      const question = template.replaceAll('{{prompt}}', lastUser).replaceAll('{{completion}}', completion);
      const messages: ChatMessage[] = [{ role: 'user', content: question }];
      try {
        if (args.form === 'verdict') {
          const res = await judge.sample([{ messages, seed: 0 }], { temperature: 0, topP: 1, maxTokens: args.maxTokens, stop: [], seed: 0 });
          const text = res.samples[0]?.text ?? '';
          const said = firstVerdictWord(text, args.yesText, args.noText);
          if (said === null) return { label: 'error', score: 0, reason: `judge answered ${quoted(text)}, with neither "${args.yesText}" nor "${args.noText}"` };
          const verdict = said === 'yes' ? args.yes : args.no;
          return { label: verdict, score: said === 'yes' ? 1 : 0, reason: `judge answered ${quoted(text)}: ${said === 'yes' ? args.yesText : args.noText}, so ${verdict}` };
        }
        const [yes, no] = await Promise.all([judge.logprobs(messages, args.yesText), judge.logprobs(messages, args.noText)]);
        // softmax over the two options, computed stably
        const m = Math.max(yes.logprob, no.logprob);
        const pYes = Math.exp(yes.logprob - m) / (Math.exp(yes.logprob - m) + Math.exp(no.logprob - m));
        if (!Number.isFinite(pYes)) return { label: 'error', score: 0, reason: `judge log-probabilities are not finite (yes ${yes.logprob}, no ${no.logprob})` };
        const verdict = pYes >= args.threshold ? args.yes : args.no;
        return { label: verdict, score: pYes, reason: `judge P(${args.yesText}) = ${pYes.toFixed(3)} against threshold ${args.threshold}, so ${verdict}` };
      } catch (e) {
        if (e instanceof BackendError) throw e;
        return { label: 'error', score: 0, reason: `judge failed: ${(e as Error).message}` };
      }
    };
  },
});
