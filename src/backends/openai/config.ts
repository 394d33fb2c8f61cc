// Configuration of the openai backend: the spec's args (what the record stores) resolved against the
// environment, plus the timing of requests. As for the tinker backend, the API key is not part of it:
// only the name of the environment variable that holds it, read at each request.
import { RENDERER_NAMES, type RendererName } from '../../chat/index.js';
import { ConfigError } from '../../errors.js';
import { checkBaseUrl, checkEnvName, type HttpTiming } from '../http/index.js';
import type { BackendSpec } from '../types.js';

/** OpenAI's API, used when neither `args.baseUrl` nor OPENAI_BASE_URL is set (the official clients'
 *  default too). */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** Which endpoint answers: `completions` sends token ids rendered here (vLLM, bct serve: exact prompts,
 *  prompt log-probs, the answer's token ids); `chat` sends messages and the server renders them
 *  (hosted APIs). */
export type OpenAiApi = 'completions' | 'chat';

/** How `logprobs` scores a continuation in completions mode: vLLM's `prompt_logprobs: 0` (each token's
 *  log-prob keyed by its id), or `echo` + `logprobs: 0` with `max_tokens: 0` (servers without
 *  prompt_logprobs, e.g. SGLang). */
export type OpenAiScoring = 'prompt_logprobs' | 'echo';

export interface OpenAiConfig {
  // --- where ---
  baseUrl: string; // API root including /v1, without a trailing slash; args.baseUrl, else $OPENAI_BASE_URL, else OPENAI_BASE_URL
  apiKeyEnv: string; // name of the environment variable holding the API key; default OPENAI_API_KEY
  // --- what ---
  api: OpenAiApi; // default completions
  renderer: RendererName | undefined; // chat renderer of the model; default: from the tokenizer, the model name or /v1/models
  tokenizer: string | undefined; // tokenizer id to choose the renderer by (e.g. "Qwen/Qwen3-8B"), when the model name does not say
  scoring: OpenAiScoring; // completions mode's logprobs; default prompt_logprobs
  // --- how much at once ---
  maxInFlight: number; // requests in flight at once per backend; default 32
}

/** The Tinker backend's retry rules (the SDKs share them), with a longer attempt: an OpenAI request
 *  holds the whole generation, not a future to poll, so 10 minutes (the openai clients' default). */
export const DEFAULT_OPENAI_TIMING: HttpTiming = {
  requestTimeoutMs: 600_000,
  maxRetries: 10,
  retryBudgetMs: 900_000,
  backoffBaseMs: 500,
  backoffMaxMs: 10_000,
  retryAfterMaxMs: 60_000,
};

const ARGS = ['baseUrl', 'apiKeyEnv', 'api', 'renderer', 'tokenizer', 'scoring', 'maxInFlight'] as const;
const MAX_IN_FLIGHT_LIMIT = 1024;

function oneOf<T extends string>(value: unknown, allowed: readonly T[], where: string): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw new ConfigError(`expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`, where);
  return value as T;
}

/** Validates `spec.args` and resolves defaults from `env`. Errors are ConfigErrors naming `backend.<arg>`. */
export function openaiConfig(spec: BackendSpec, env: NodeJS.ProcessEnv = process.env): OpenAiConfig {
  const unknown = Object.keys(spec.args).filter((k) => !(ARGS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new ConfigError(`unknown argument(s) ${unknown.join(', ')}; the openai backend takes ${ARGS.join(', ')}`, 'backend.args');
  const { baseUrl, apiKeyEnv, tokenizer, maxInFlight } = spec.args;

  if (baseUrl !== undefined && baseUrl !== null && typeof baseUrl !== 'string') throw new ConfigError(`expected a URL string, got ${JSON.stringify(baseUrl)}`, 'backend.baseUrl');
  const fromEnv = env.OPENAI_BASE_URL !== undefined && env.OPENAI_BASE_URL !== '';
  const url = typeof baseUrl === 'string' ? baseUrl : fromEnv ? env.OPENAI_BASE_URL! : OPENAI_BASE_URL;
  const where = typeof baseUrl !== 'string' && fromEnv ? 'backend.baseUrl (from $OPENAI_BASE_URL)' : 'backend.baseUrl';

  if (apiKeyEnv !== undefined && apiKeyEnv !== null) checkEnvName(apiKeyEnv, 'backend.apiKeyEnv');
  const renderer = oneOf(spec.args.renderer, RENDERER_NAMES, 'backend.renderer');
  if (tokenizer !== undefined && tokenizer !== null && (typeof tokenizer !== 'string' || tokenizer === '' || tokenizer.length > 256)) {
    throw new ConfigError(`expected a tokenizer id such as "Qwen/Qwen3-8B", got ${JSON.stringify(tokenizer)}`, 'backend.tokenizer');
  }
  let inFlight = 32;
  if (maxInFlight !== undefined && maxInFlight !== null) {
    if (typeof maxInFlight !== 'number' || !Number.isInteger(maxInFlight) || maxInFlight < 1 || maxInFlight > MAX_IN_FLIGHT_LIMIT) {
      throw new ConfigError(`expected an integer from 1 to ${MAX_IN_FLIGHT_LIMIT}, got ${JSON.stringify(maxInFlight)}`, 'backend.maxInFlight');
    }
    inFlight = maxInFlight;
  }
  return {
    baseUrl: checkBaseUrl(url, where),
    apiKeyEnv: typeof apiKeyEnv === 'string' ? apiKeyEnv : 'OPENAI_API_KEY',
    api: oneOf(spec.args.api, ['completions', 'chat'] as const, 'backend.api') ?? 'completions',
    renderer,
    tokenizer: typeof tokenizer === 'string' ? tokenizer : undefined,
    scoring: oneOf(spec.args.scoring, ['prompt_logprobs', 'echo'] as const, 'backend.scoring') ?? 'prompt_logprobs',
    maxInFlight: inFlight,
  };
}
