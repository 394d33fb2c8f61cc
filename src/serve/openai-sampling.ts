// The engine work of the OpenAI endpoints: sampling choices and scoring tokens, on the same token-level
// code as `asample` (src/backends/embedded/tokens.ts), so choice k of a request with seed s is exactly the
// embedded SamplingClient's answer to that prompt with seed s + k, and a prompt token's log-prob is the
// one the embedded backend's `logprobs` gives, bit for bit on the pure-TypeScript GEMM.
//
// Top-k alternatives (logprobs / top_logprobs / prompt_logprobs > 0) need the whole next-token
// distribution, which the engine's scorer does not hand out: they are found by scoring every vocabulary
// token after the prefix, so they cost (positions × vocabulary) scored sequences, bounded per request by
// `maxScoredAlternatives` (fine for the microworld's 105 words; refused for a 151k-token vocabulary).
import { randomInt } from 'node:crypto';
import { continuationLogprobs, sampleTokens } from '../backends/embedded/index.js';
import { truncateAtStop } from '../backends/stop-strings.js';
import { score, type Gpt } from '../engine/index.js';
import type { ServeLimits } from './config.js';
import type { ModelText } from './openai-models.js';
import { OpenAiError } from './openai-wire.js';
import { cutAtStopString, samplerModel } from './sampling.js';
import type { SamplerSource } from './state.js';
import type { Serve } from './training.js';

/** Longest stop string accepted. */
const MAX_STOP_CHARS = 256;

/** A token and its log-probability. */
export interface Scored {
  id: number;
  logprob: number;
}

/** Log-probabilities of one position: the actual token's, its rank when the distribution was scored
 *  (1 = most likely), and the top-k alternatives (most likely first; empty when k = 0). */
export interface PositionLogprobs {
  id: number;
  logprob: number;
  rank: number | null;
  top: Scored[];
}

/** What to sample and score, checked against the model and the limits by `checkSampleJob`. */
export interface SampleJob {
  prompts: number[][]; // token ids, each 1 to the context length
  n: number; // choices per prompt
  maxTokens: number; // generated tokens per choice at most (0: score only)
  temperature: number;
  topP: number;
  seed: number; // choice k of every prompt uses seed + k
  stopTokens: number[]; // a choice ends after one (kept in its tokens)
  stopStrings: string[]; // a choice ends at the first token whose text contains one (cut from its text)
  generatedTopK: number | null; // null: no log-probs of generated tokens; k: each one's, plus top-k
  promptTopK: number | null; // null: no prompt log-probs; k: each prompt token's (from the second), plus top-k
}

export interface Choice {
  prompt: number; // index into SampleJob.prompts
  tokens: number[]; // generated, a final stop token included
  finishReason: 'stop' | 'length';
  /** Text of the tokens before the stop token, cut before a stop string. */
  text: string;
  /** One per generated token when generatedTopK is set. */
  logprobs: PositionLogprobs[] | null;
}

export interface SampleOutcome {
  choices: Choice[]; // prompt-major: choice k of prompt i at i·n + k
  /** Per prompt, when promptTopK is set: null for the first token, then each token's log-probs. */
  promptLogprobs: (PositionLogprobs | null)[][] | null;
  promptTokens: number;
  completionTokens: number;
}

/** stop_token_ids of a request, at most `max` (checked against the vocabulary with the job). */
export function stopTokenIds(ids: number[] | null | undefined, max: number, what: string): number[] {
  if (ids != null && ids.length > max) throw new OpenAiError(400, `${what}: stop_token_ids: ${ids.length} ids; at most ${max}`, 'stop_token_ids');
  return ids ?? [];
}

/** Stop strings of a request (a string or a list), each 1 to 256 characters, at most `max`. */
export function stopStrings(stop: string | string[] | null | undefined, max: number, what: string): string[] {
  const list = stop == null ? [] : typeof stop === 'string' ? [stop] : stop;
  if (list.length > max) throw new OpenAiError(400, `${what}: stop has ${list.length} entries; at most ${max}`, 'stop');
  list.forEach((v, i) => {
    if (v === '' || v.length > MAX_STOP_CHARS) throw new OpenAiError(400, `${what}: stop[${i}]: expected 1 to ${MAX_STOP_CHARS} characters`, `stop[${i}]`);
  });
  return list;
}

/** A top-k from a request field: null when absent, else 0 to maxLogprobs. */
export function topK(value: number | null | undefined, field: string, limits: ServeLimits, what: string): number | null {
  if (value == null) return null;
  if (value < 0 || value > limits.maxLogprobs) throw new OpenAiError(400, `${what}: ${field}: ${value}; expected 0 to ${limits.maxLogprobs} (the whole vocabulary, -1, is not offered)`, field);
  return value;
}

/** The server-drawn seed when a request has none. */
export function seedOf(seed: number | null | undefined): number {
  return seed ?? randomInt(2 ** 31);
}

/** Checks a job against its model and the limits before anything runs; each refusal names its field. */
export function checkSampleJob(job: SampleJob, src: SamplerSource, limits: ServeLimits, what: string, fields: { prompt: string; maxTokens: string; generatedTopK: string; promptTopK: string }): void {
  const { contextLength: ctx, vocabSize: V } = src.base.config;
  const choices = job.prompts.length * job.n;
  if (choices > limits.maxNumSamples) throw new OpenAiError(400, `${what}: ${job.prompts.length} prompt(s) × n ${job.n} = ${choices} choices; at most ${limits.maxNumSamples}`, 'n');
  job.prompts.forEach((p, i) => {
    const field = job.prompts.length > 1 ? `${fields.prompt}[${i}]` : fields.prompt;
    if (p.length < 1 || p.length > ctx) throw new OpenAiError(400, `${what}: ${field}: ${p.length} tokens; expected 1 to ${ctx} (the context length of ${src.base.name})`, fields.prompt);
    const bad = p.find((t) => t >= V);
    if (bad !== undefined) throw new OpenAiError(400, `${what}: ${field}: token id ${bad} is outside the vocabulary [0, ${V})`, fields.prompt);
  });
  if (job.maxTokens > ctx) throw new OpenAiError(400, `${what}: ${fields.maxTokens}: ${job.maxTokens}; at most ${ctx} (the context length)`, fields.maxTokens);
  const badStop = job.stopTokens.find((t) => t >= V);
  if (badStop !== undefined) throw new OpenAiError(400, `${what}: stop_token_ids: token id ${badStop} is outside the vocabulary [0, ${V})`, 'stop_token_ids');
  const genPositions = (job.generatedTopK ?? 0) > 0 ? choices * job.maxTokens : 0;
  const promptPositions = (job.promptTopK ?? 0) > 0 ? job.prompts.reduce((s, p) => s + p.length - 1, 0) : 0;
  const scored = (genPositions + promptPositions) * V;
  if (scored > limits.maxScoredAlternatives) {
    const field = genPositions > 0 ? fields.generatedTopK : fields.promptTopK;
    throw new OpenAiError(400, `${what}: ${field}: top-k alternatives score every one of the ${V} vocabulary tokens at each of ${genPositions + promptPositions} positions (${scored}); this server scores at most ${limits.maxScoredAlternatives} per request: ask for top-k 0 (each token's own log-prob) or fewer tokens`, field);
  }
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** log p(v | prefix) for every vocabulary token v. */
function vocabularyLogprobs(model: Gpt, prefix: readonly number[]): number[] {
  const items = Array.from({ length: model.config.vocabSize }, (_, v) => ({ prompt: prefix, continuation: [v] }));
  return score(model, items, undefined, 128).map((r) => r.logprob);
}

/** The log-probs of `id` after `prefix`: `own` (the exact teacher-forced value), and when k > 0 its rank
 *  and the top-k from scoring the whole vocabulary. */
async function positionLogprobs(model: Gpt, prefix: readonly number[], id: number, own: number, k: number): Promise<PositionLogprobs> {
  if (k === 0) return { id, logprob: own, rank: null, top: [] };
  await yieldToEventLoop(); // a vocabulary's worth of scoring per position: let polls and /healthz in
  const all = vocabularyLogprobs(model, prefix);
  const rank = 1 + all.filter((lp) => lp > all[id]!).length;
  // The actual token keeps its exact value among the alternatives (scored in another batch shape, it
  // may differ in the last bits).
  const top = all
    .map((logprob, v) => ({ id: v, logprob: v === id ? own : logprob }))
    .sort((a, b) => b.logprob - a.logprob || a.id - b.id)
    .slice(0, k);
  return { id, logprob: own, rank, top };
}

/** Runs `work` as one operation of the engine's queue (429 when it is full), and hands back its value. */
export function queued<T>(s: Serve, work: () => Promise<T>): Promise<T> {
  s.state.queue.checkRoom();
  return new Promise<T>((resolve, reject) => {
    s.state.queue.push(async () => {
      try {
        resolve(await work());
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** Samples and scores a checked job on the model of `src`. */
export async function runSampleJob(s: Serve, src: SamplerSource, text: ModelText, job: SampleJob): Promise<SampleOutcome> {
  const model = samplerModel(s, src);
  const rows = job.prompts.flatMap((p) => Array.from({ length: job.n }, () => p));
  const gens = sampleTokens(model, rows, {
    maxTokens: job.maxTokens,
    temperature: job.temperature,
    topP: job.topP,
    stopTokens: job.stopTokens,
    seeds: job.prompts.flatMap(() => Array.from({ length: job.n }, (_, k) => job.seed + k)),
    logprobs: job.generatedTopK !== null,
  });
  const choices: Choice[] = [];
  for (const [r, g0] of gens.entries()) {
    const g = cutAtStopString(g0, text.answer, job.stopStrings);
    const prompt = rows[r]!;
    let logprobs: PositionLogprobs[] | null = null;
    if (job.generatedTopK !== null) {
      logprobs = [];
      for (const [j, id] of g.tokens.entries()) logprobs.push(await positionLogprobs(model, [...prompt, ...g.tokens.slice(0, j)], id, g.logprobs![j]!, job.generatedTopK));
    }
    const answer = truncateAtStop(text.answer(g.tokens), job.stopStrings).text;
    choices.push({ prompt: Math.floor(r / job.n), tokens: g.tokens, finishReason: g.finishReason, text: answer, logprobs });
  }
  let promptLogprobs: (PositionLogprobs | null)[][] | null = null;
  if (job.promptTopK !== null) {
    promptLogprobs = [];
    for (const p of job.prompts) {
      const own = p.length > 1 ? continuationLogprobs(model, p.slice(0, 1), p.slice(1)).tokenLogprobs : [];
      const row: (PositionLogprobs | null)[] = [null];
      for (let t = 1; t < p.length; t++) row.push(await positionLogprobs(model, p.slice(0, t), p[t]!, own[t - 1]!, job.promptTopK));
      promptLogprobs.push(row);
    }
  }
  return {
    choices,
    promptLogprobs,
    promptTokens: job.prompts.reduce((n, p) => n + p.length, 0),
    completionTokens: choices.reduce((n, c) => n + c.tokens.length, 0),
  };
}
