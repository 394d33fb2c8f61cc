// What a remote sampler does with tokens around a server call, the same way for every remote backend:
// turning the tokens a server generated into an answer, and choosing the tokens of a continuation to
// score. (The embedded backend does both inside the engine's own sampler and scorer.)
import { DataError } from '../errors.js';
import type { ChatMessage, Renderer } from '../domain/index.js';
import { checkParams, promptSeed } from './sampling-params.js';
import { truncateAtStop } from './stop-strings.js';
import type { LogprobsOptions, LogprobsResult, SamplePrompt, SampleResult, SamplingParams } from './types.js';

/** Every prompt rendered, with its seed (its own, else the batch seed + its index), all checked before
 *  the first request goes out: a prompt too long to leave room for an answer is a DataError naming it. */
export function renderedPrompts(renderer: Renderer, prompts: readonly SamplePrompt[], params: SamplingParams): { tokens: number[]; seed: number }[] {
  const n = renderer.contextLength;
  checkParams(params, n);
  return prompts.map((p, i) => {
    const tokens = renderer.renderPrompt(p.messages);
    if (tokens.length >= n) throw new DataError(`prompt of ${tokens.length} tokens leaves no room for an answer in the context length ${n}`, `prompts[${i}].messages`);
    return { tokens, seed: promptSeed(p.seed, i, params) };
  });
}

/** The answer in `generated` (a trailing stop token dropped), decoded and cut at the caller's stop
 *  strings; `stop` when a stop string cut it or the server stopped on a stop token. */
export function answerOf(renderer: Renderer, stopTokens: ReadonlySet<number>, generated: readonly number[], stopStrings: readonly string[], serverStopped: boolean): SampleResult {
  const last = generated[generated.length - 1];
  const answer = last !== undefined && stopTokens.has(last) ? generated.slice(0, -1) : [...generated];
  const cut = truncateAtStop(renderer.decode(answer), stopStrings);
  return { text: cut.text, tokens: answer, finishReason: cut.stopped || serverStopped ? 'stop' : 'length' };
}

/** Prompt + continuation as the renderer trains on them, and where the continuation ends: before the
 *  end-of-turn tokens unless `opts.endOfTurn` (what a plan counts and a scorer sends, continuationToScore). */
export function continuationSpan(
  renderer: Renderer,
  stopTokens: ReadonlySet<number>,
  prompt: readonly ChatMessage[],
  continuation: string,
  opts: LogprobsOptions = {},
): { prompt: number[]; full: number[]; end: number } {
  const p = renderer.renderPrompt(prompt);
  const full = renderer.renderSupervised(prompt, continuation).tokens;
  let end = full.length;
  if (opts.endOfTurn !== true) while (end > p.length && stopTokens.has(full[end - 1]!)) end--;
  return { prompt: p, full, end };
}

/** log p(continuation | prompt) from a remote scorer: `score(scored, from)` returns the log-probabilities
 *  of `scored`'s tokens from position `from` on (one request to the server); the span is continuationToScore's. */
export async function remoteLogprobs(
  renderer: Renderer,
  stopTokens: ReadonlySet<number>,
  prompt: readonly ChatMessage[],
  continuation: string,
  opts: LogprobsOptions,
  score: (scored: number[], from: number) => Promise<number[]>,
): Promise<LogprobsResult> {
  const t0 = performance.now();
  const c = continuationToScore(renderer, stopTokens, prompt, continuation, opts);
  if (c === null) return { logprob: 0, tokens: [], tokenLogprobs: [], latencyMs: performance.now() - t0 };
  const tokenLogprobs = await score(c.scored, c.from);
  return { logprob: tokenLogprobs.reduce((s, x) => s + x, 0), tokens: c.tokens, tokenLogprobs, latencyMs: performance.now() - t0 };
}

/** The tokens to score for log p(continuation | prompt): prompt + continuation as the renderer trains on
 *  them, without the end-of-turn tokens unless `opts.endOfTurn` (for qwen3 the empty think block is part
 *  of the continuation).
 *  `scored` is what to send, `from` where the continuation starts in it; null when the continuation has
 *  no tokens. Too long for the context is a DataError. */
export function continuationToScore(
  renderer: Renderer,
  stopTokens: ReadonlySet<number>,
  prompt: readonly ChatMessage[],
  continuation: string,
  opts: LogprobsOptions = {},
): { scored: number[]; from: number; tokens: number[] } | null {
  const { prompt: p, full, end } = continuationSpan(renderer, stopTokens, prompt, continuation, opts);
  if (!p.every((t, i) => full[i] === t)) throw new DataError('the rendered prompt is not a prefix of the rendered prompt + continuation', 'continuation');
  if (end === p.length) return null;
  const n = renderer.contextLength;
  if (end >= n) throw new DataError(`prompt + continuation of ${end} tokens do not fit the context length ${n}`, 'continuation');
  return { scored: full.slice(0, end), from: p.length, tokens: full.slice(p.length, end) };
}
