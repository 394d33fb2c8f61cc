// The openai backend: a sampling-only backend over an OpenAI-compatible server (vLLM with LoRA adapters,
// hosted APIs, bct serve), for evaluating checkpoints served elsewhere and for judges. Retries, backoff,
// Retry-After, timeouts and the concurrency cap are the tinker backend's (../http/). See README.md.
import { ConfigError } from '../../errors.js';
import { JsonHttp, Limiter, type HttpTiming } from '../http/index.js';
import type { Backend, BackendSpec, SamplingClient, TrainingClient, WeightsRef } from '../types.js';
import { ChatSampler } from './chat-sampler.js';
import { CompletionsSampler } from './completions-sampler.js';
import { DEFAULT_OPENAI_TIMING, openaiConfig, type OpenAiConfig } from './config.js';
import { ModelCatalog, rendererOf, resolveModel } from './models.js';

export { DEFAULT_OPENAI_TIMING, OPENAI_BASE_URL, openaiConfig, type OpenAiApi, type OpenAiConfig, type OpenAiScoring } from './config.js';

export class OpenAiBackend implements Backend {
  readonly http: JsonHttp;
  private readonly catalog: ModelCatalog;
  /** Caps requests in flight over every sampling client of this backend. */
  private readonly limiter: Limiter;

  constructor(
    readonly spec: BackendSpec,
    private readonly config: OpenAiConfig,
    timing: HttpTiming = DEFAULT_OPENAI_TIMING,
  ) {
    this.http = new JsonHttp({ service: 'openai', baseUrl: config.baseUrl, apiKeyEnv: config.apiKeyEnv, auth: 'bearer' }, timing);
    this.catalog = new ModelCatalog(this.http);
    this.limiter = new Limiter(config.maxInFlight);
  }

  /** An OpenAI-compatible server has no training API. */
  async createTrainingClient(): Promise<TrainingClient> {
    throw new ConfigError('the openai backend samples only (the OpenAI API has no training); train with backend "embedded" or "tinker" and sample the saved checkpoints here by model name', 'backend');
  }

  async createSamplingClient(ref: WeightsRef): Promise<SamplingClient> {
    const resolved = await resolveModel(this.catalog, this.config, ref);
    const renderer = rendererOf(resolved);
    return this.config.api === 'chat'
      ? new ChatSampler(this.http, this.limiter, resolved.model, renderer)
      : new CompletionsSampler(this.http, this.limiter, resolved.model, renderer, this.config.scoring);
  }

  /** Nothing to close: no session. */
  async close(): Promise<void> {}
}

/** The openai backend of `spec` (`args: { baseUrl?, apiKeyEnv?, api?, renderer?, tokenizer?, scoring?,
 *  maxInFlight? }`). The spec is kept as given, so the record holds neither $OPENAI_BASE_URL nor the key;
 *  both are read where used. */
export function createOpenAiBackend(spec: BackendSpec): Backend {
  return new OpenAiBackend({ name: 'openai', args: { ...spec.args } }, openaiConfig(spec));
}
