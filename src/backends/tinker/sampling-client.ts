// A sampling client over the Tinker API: one sampling session (create_sampling_session) on the base
// model or on sampler weights saved by a training client, and one `asample` request per answer.
// Each prompt is its own request with num_samples 1 and the prompt's own seed, so an answer never
// depends on which other prompts were sampled with it (resume needs that); the backend's Limiter keeps
// at most `maxInFlight` of them on the server at once.
import { join } from 'node:path';
import { CheckpointError, ConfigError } from '../../errors.js';
import type { ChatMessage } from '../../domain/index.js';
import type { LogprobsOptions, LogprobsResult, Renderer, SampleBatchResult, SamplePrompt, SampleResult, SamplingClient, SamplingParams, WeightsRef } from '../types.js';
import { awaitFuture, submit } from './futures.js';
import type { Limiter } from '../http/index.js';
import { readRemoteWeights, REMOTE_WEIGHTS_FILE } from './remote-files.js';
import { hasRenderer, rendererFor } from './renderer.js';
import type { TinkerSession, Warn } from './session.js';
import { answerOf, remoteLogprobs, renderedPrompts } from '../remote-answers.js';
import { probeTokenizerId } from './training-client.js';
import { modelInput, readPromptLogprobs, readSequence, readString } from './wire.js';

/** A sampling client for `ref`: the base model when `ref.weights` is absent, else the sampler weights
 *  its `remote-weights.json` names. */
export async function createTinkerSampler(session: TinkerSession, ref: WeightsRef, limiter: Limiter, warn: Warn): Promise<TinkerSampler> {
  if (ref.adapter !== undefined) throw new ConfigError('the tinker backend cannot apply a local organism adapter; use an organism without an adapter, or the embedded backend', 'organism.adapter');
  const remote = ref.weights === undefined ? undefined : readRemoteWeights(ref.weights);
  if (remote !== undefined && remote.base_model !== ref.base) {
    throw new CheckpointError(`sampler weights trained from "${remote.base_model}", not from "${ref.base}"`, join(ref.weights!, REMOTE_WEIGHTS_FILE));
  }
  const served = await session.servedModel(ref.base);
  // Sampler weights name their tokenizer; for a base, the server may (capabilities), or its name does,
  // or a training client asked get_info earlier; else a throwaway model is asked.
  const tokenizerId =
    remote?.tokenizer_id ?? served.tokenizerId ?? session.knownTokenizer(ref.base) ?? (hasRenderer(ref.base) ? ref.base : await session.probeTokenizer(ref.base, () => probeTokenizerId(session, ref.base, warn)));
  const renderer = rendererFor(ref.base, tokenizerId, served.maxContextLength);
  const endpoint = '/api/v1/create_sampling_session';
  const reply = await session.http.call('POST', endpoint, {
    session_id: session.id,
    sampling_session_seq_id: session.nextSamplingSessionSeqId(),
    ...(remote === undefined ? { base_model: ref.base } : { model_path: remote.tinker_path }),
    type: 'create_sampling_session',
  });
  return new TinkerSampler(session, readString(reply, 'sampling_session_id', endpoint), renderer, limiter);
}

export class TinkerSampler implements SamplingClient {
  private seq = 0; // seq_id of the next asample in this sampling session (from 0, as the SDK counts)
  private readonly stopTokens: Set<number>;

  constructor(
    private readonly session: TinkerSession,
    readonly samplingSessionId: string,
    readonly renderer: Renderer,
    private readonly limiter: Limiter,
  ) {
    this.stopTokens = new Set(renderer.stopTokens);
  }

  /** One asample (submitted and awaited) under the backend's concurrency cap. A 410 resubmits it with a
   *  new seq_id, as the SDK's retry handler does. */
  private asample(tokens: readonly number[], samplingParams: object, promptLogprobs: boolean): Promise<unknown> {
    const endpoint = '/api/v1/asample';
    const http = this.session.http;
    return this.limiter.run(async () => {
      let seqId = -1;
      const send = () => {
        seqId = this.seq++;
        return submit(http, endpoint, {
          sampling_session_id: this.samplingSessionId,
          seq_id: seqId,
          num_samples: 1,
          prompt: modelInput(tokens),
          sampling_params: samplingParams,
          prompt_logprobs: promptLogprobs,
          topk_prompt_logprobs: 0,
          type: 'sample',
        });
      };
      const id = await send();
      return awaitFuture(http, id, { endpoint, label: `asample seq ${seqId}`, resubmit: send });
    });
  }

  async sample(prompts: readonly SamplePrompt[], params: SamplingParams): Promise<SampleBatchResult> {
    const t0 = performance.now();
    const rendered = renderedPrompts(this.renderer, prompts, params);
    const endpoint = '/api/v1/asample';
    const stop = [...this.renderer.stopTokens];
    const replies = await Promise.all(
      rendered.map(({ tokens, seed }) => this.asample(tokens, { max_tokens: params.maxTokens, temperature: params.temperature, top_p: params.topP, top_k: -1, seed, stop }, false)),
    );
    let completionTokens = 0;
    const samples = replies.map((reply): SampleResult => {
      const seq = readSequence(reply, endpoint);
      completionTokens += seq.tokens.length;
      return answerOf(this.renderer, this.stopTokens, seq.tokens, params.stop, seq.stopReason === 'stop');
    });
    return { samples, promptTokens: rendered.reduce((s, r) => s + r.tokens.length, 0), completionTokens, latencyMs: performance.now() - t0 };
  }

  /** Σ log p(continuation | prompt): one asample of prompt + continuation with max_tokens 1 and
   *  prompt_logprobs, summed over the continuation's positions. The continuation's tokens are those the
   *  renderer trains on after the prompt (so with qwen3 they include the empty think block), without the
   *  end-of-turn tokens unless `opts.endOfTurn`. */
  async logprobs(prompt: readonly ChatMessage[], continuation: string, opts: LogprobsOptions = {}): Promise<LogprobsResult> {
    return remoteLogprobs(this.renderer, this.stopTokens, prompt, continuation, opts, async (scored, from) => {
      const reply = await this.asample(scored, { max_tokens: 1, temperature: 1, top_p: 1, top_k: -1 }, true);
      return readPromptLogprobs(reply, from, scored.length, '/api/v1/asample');
    });
  }

  /** Nothing to free: a sampling session ends with its session. */
  async close(): Promise<void> {}
}
