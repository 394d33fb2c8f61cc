// Sampling over POST /v1/chat/completions (hosted APIs): the server renders the messages, so only what
// every such API offers is sent (model, messages, max_tokens, temperature, top_p, seed, n 1, and
// logprobs / top_logprobs for scoring). One request per prompt with its own seed, as in completions mode
// (hosted APIs treat a seed as best effort, so answers there may still vary). Hosted APIs return no token
// ids: an answer's `tokens` are empty and the batch's token counts are the server's usage.
import { ConfigError } from '../../errors.js';
import type { ChatMessage } from '../../domain/index.js';
import type { JsonHttp, Limiter } from '../http/index.js';
import { checkParams, promptSeed } from '../sampling-params.js';
import { truncateAtStop } from '../stop-strings.js';
import type { LogprobsOptions, LogprobsResult, Renderer, SampleBatchResult, SamplePrompt, SampleResult, SamplingClient, SamplingParams } from '../types.js';
import { chatCompletion, readReply } from './wire.js';

const ENDPOINT = '/chat/completions';

/** OpenAI's largest top_logprobs (vLLM's default --max-logprobs too). */
export const MAX_TOP_LOGPROBS = 20;

export class ChatSampler implements SamplingClient {
  constructor(
    private readonly http: JsonHttp,
    private readonly limiter: Limiter,
    readonly model: string,
    readonly renderer: Renderer,
  ) {}

  private post(body: Record<string, unknown>) {
    return this.limiter.run(async () => readReply(this.http, chatCompletion, await this.http.call('POST', ENDPOINT, { model: this.model, n: 1, ...body }), ENDPOINT));
  }

  async sample(prompts: readonly SamplePrompt[], params: SamplingParams): Promise<SampleBatchResult> {
    const t0 = performance.now();
    checkParams(params, this.renderer.contextLength);
    const seeds = prompts.map((p, i) => promptSeed(p.seed, i, params));
    const replies = await Promise.all(
      prompts.map((p, i) => this.post({ messages: p.messages, max_tokens: params.maxTokens, temperature: params.temperature, top_p: params.topP, seed: seeds[i] })),
    );
    let promptTokens = 0;
    let completionTokens = 0;
    const samples = replies.map((reply): SampleResult => {
      promptTokens += reply.usage?.prompt_tokens ?? 0;
      completionTokens += reply.usage?.completion_tokens ?? 0;
      const choice = reply.choices[0]!;
      // Stop strings cut the text here, as every backend does (OpenAI takes at most 4, and the cut is
      // the same either way).
      const cut = truncateAtStop(choice.message.content ?? '', params.stop);
      return { text: cut.text, tokens: [], finishReason: cut.stopped || choice.finish_reason === 'stop' ? 'stop' : 'length' };
    });
    return { samples, promptTokens, completionTokens, latencyMs: performance.now() - t0 };
  }

  /** log p(continuation) as the first token of the answer, from the top_logprobs of a one-token answer:
   *  the research's Yes/No judge method. Entries whose text equals the continuation up to surrounding
   *  whitespace ("Yes", " Yes") are added up. A continuation that is not among the top 20 first tokens,
   *  or not one token of the model, is a BackendError saying so. */
  async logprobs(prompt: readonly ChatMessage[], continuation: string, opts: LogprobsOptions = {}): Promise<LogprobsResult> {
    const t0 = performance.now();
    if (opts.endOfTurn === true) throw new ConfigError('a chat API scores only the first answer token, not a whole answer with its end of turn; use api: completions', 'continuation');
    const want = continuation.trim();
    if (want === '') throw new ConfigError('expected a non-empty continuation (chat mode scores the first answer token)', 'continuation');
    const reply = await this.post({ messages: prompt, max_tokens: 1, temperature: 1, logprobs: true, top_logprobs: MAX_TOP_LOGPROBS, seed: 0 });
    const first = reply.choices[0]!.logprobs?.content?.[0];
    if (first === undefined) throw this.http.error(ENDPOINT, 'the reply has no choices[0].logprobs.content[0]; the server must return logprobs for chat completions', false);
    const matches = [first, ...first.top_logprobs].filter((t, i, all) => t.token.trim() === want && all.findIndex((u) => u.token === t.token) === i);
    if (matches.length === 0) {
      throw this.http.error(ENDPOINT, `"${want}" is not among the top ${MAX_TOP_LOGPROBS} first answer tokens of ${this.model} (chat mode scores one-token continuations such as "Yes" or "No"; use backend.api "completions" to score longer text)`, false);
    }
    const max = Math.max(...matches.map((m) => m.logprob));
    const logprob = max + Math.log(matches.reduce((s, m) => s + Math.exp(m.logprob - max), 0));
    // The server rendered the prompt, so only its usage says how many tokens were read.
    return { logprob, tokens: [], tokenLogprobs: [logprob], latencyMs: performance.now() - t0, ...(reply.usage != null ? { promptTokens: reply.usage.prompt_tokens } : {}) };
  }

  /** Nothing to free: every request stands alone. */
  async close(): Promise<void> {}
}
