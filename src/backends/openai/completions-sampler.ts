// Sampling over POST /v1/completions with prompts rendered here as token ids (vLLM, bct serve): the
// server sees exactly the tokens the embedded and tinker backends would sample from, answers with the
// generated token ids (vLLM's `return_token_ids`), and scores a continuation with `prompt_logprobs` (or
// `echo`). Each prompt is its own request with n 1 and the prompt's own seed, so an answer never depends
// on which other prompts were sampled with it; the backend's Limiter caps the requests in flight.
import type { ChatMessage } from '../../domain/index.js';
import type { JsonHttp, Limiter } from '../http/index.js';
import { answerOf, remoteLogprobs, renderedPrompts } from '../remote-answers.js';
import type { LogprobsOptions, LogprobsResult, Renderer, SampleBatchResult, SamplePrompt, SampleResult, SamplingClient, SamplingParams } from '../types.js';
import type { OpenAiScoring } from './config.js';
import { completion, readReply } from './wire.js';

const ENDPOINT = '/completions';

export class CompletionsSampler implements SamplingClient {
  private readonly stopTokens: Set<number>;

  constructor(
    private readonly http: JsonHttp,
    private readonly limiter: Limiter,
    readonly model: string,
    readonly renderer: Renderer,
    private readonly scoring: OpenAiScoring,
  ) {
    this.stopTokens = new Set(renderer.stopTokens);
  }

  private post(body: Record<string, unknown>) {
    return this.limiter.run(async () => readReply(this.http, completion, await this.http.call('POST', ENDPOINT, { model: this.model, ...body }), ENDPOINT));
  }

  async sample(prompts: readonly SamplePrompt[], params: SamplingParams): Promise<SampleBatchResult> {
    const t0 = performance.now();
    const rendered = renderedPrompts(this.renderer, prompts, params);
    // The caller's stop strings cut the decoded text here, as every backend does; the server stops on
    // the renderer's end-of-turn tokens only, so the answer's tokens are the same as the embedded one's.
    const replies = await Promise.all(
      rendered.map(({ tokens, seed }) =>
        this.post({ prompt: tokens, max_tokens: params.maxTokens, temperature: params.temperature, top_p: params.topP, seed, n: 1, stop_token_ids: [...this.stopTokens], return_token_ids: true }),
      ),
    );
    let completionTokens = 0;
    const samples = replies.map((reply): SampleResult => {
      const choice = reply.choices[0]!;
      if (choice.token_ids == null) throw this.http.error(ENDPOINT, 'the reply has no choices[0].token_ids; completions mode needs a server that returns token ids (vLLM\'s return_token_ids); use backend.api "chat" otherwise', false);
      const generated = choice.token_ids;
      completionTokens += generated.length;
      return answerOf(this.renderer, this.stopTokens, generated, params.stop, choice.finish_reason === 'stop');
    });
    return { samples, promptTokens: rendered.reduce((s, r) => s + r.tokens.length, 0), completionTokens, latencyMs: performance.now() - t0 };
  }

  /** Σ log p(continuation | prompt) from one request that scores prompt + continuation: the tokens the
   *  renderer trains on after the prompt, without the end-of-turn tokens unless `opts.endOfTurn` (as the
   *  tinker backend). */
  async logprobs(prompt: readonly ChatMessage[], continuation: string, opts: LogprobsOptions = {}): Promise<LogprobsResult> {
    return remoteLogprobs(this.renderer, this.stopTokens, prompt, continuation, opts, (scored, from) =>
      this.scoring === 'echo' ? this.echoLogprobs(scored, from) : this.promptLogprobs(scored, from),
    );
  }

  /** vLLM's `prompt_logprobs: 0`: each position's entry keyed by the id of the token sent there. */
  private async promptLogprobs(scored: number[], from: number): Promise<number[]> {
    const reply = await this.post({ prompt: scored, max_tokens: 1, temperature: 1, top_p: 1, seed: 0, n: 1, prompt_logprobs: 0 });
    const rows = reply.choices[0]!.prompt_logprobs;
    if (rows == null || rows.length < scored.length) throw this.http.error(ENDPOINT, `expected choices[0].prompt_logprobs with ${scored.length} entries (one per prompt token), got ${rows == null ? 'none' : rows.length}; set backend.scoring "echo" for servers without prompt_logprobs`, false);
    return scored.slice(from).map((id, k) => {
      const lp = rows[from + k]?.[String(id)]?.logprob;
      if (lp === undefined) throw this.http.error(ENDPOINT, `prompt_logprobs[${from + k}] has no entry for token ${id}`, false);
      return lp;
    });
  }

  /** `echo` + `logprobs: 0` with `max_tokens: 0`: the prompt's own token log-probs, by position. */
  private async echoLogprobs(scored: number[], from: number): Promise<number[]> {
    const reply = await this.post({ prompt: scored, max_tokens: 0, echo: true, logprobs: 0, temperature: 1, n: 1 });
    const lps = reply.choices[0]!.logprobs?.token_logprobs;
    if (lps == null || lps.length < scored.length) throw this.http.error(ENDPOINT, `expected choices[0].logprobs.token_logprobs with ${scored.length} entries (echo), got ${lps == null ? 'none' : lps.length}`, false);
    return scored.slice(from).map((_, k) => {
      const lp = lps[from + k];
      if (lp == null) throw this.http.error(ENDPOINT, `logprobs.token_logprobs[${from + k}] is null`, false);
      return lp;
    });
  }

  /** Nothing to free: every request stands alone. */
  async close(): Promise<void> {}
}
